"""Shared builders for the scenario tests: a minimal scenario and synthetic fit cards.

The synthetic cards follow the fit-card schema (docs/interfaces.md) so the card path of the
scenario model can be tested before, and independently of, the shipped data/fits/default.json.
"""

import copy

import numpy as np
import pytest

from simulator.curves.card import validate_card
from simulator.scenario import scenario_from_dict

BASE = {
    "name": "test", "description": "unit-test scenario", "year": 2025, "rule": "2023-10",
    "fit": "priors",
    "frontier": {"compute_flop": 3.5e26, "growth_per_year": 4.5},
    "actor": {"training_days": 90, "mfu": 0.35, "chips": [
        {"chip": "H20", "count": 20000, "channel": "import"},
        {"chip": "H100", "count": 2000, "channel": "smuggled"},
    ]},
    "distillation": {"access": "text", "tokens": 6.4e10, "accounts": 24000},
    "uncertainty": {"draws": 200, "seed": 1},
}


def scenario(**changes):
    """Returns a validated Scenario: BASE with dotted-path changes (a.b.0.c=value)."""
    data = copy.deepcopy(BASE)
    for path, value in changes.items():
        node = data
        parts = path.split("__")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if isinstance(node, list):
            node[int(parts[-1])] = value
        else:
            node[parts[-1]] = value
    return scenario_from_dict(data, source="test.toml")


def _boot(point, spread, n, rng):
    return list(point + spread * rng.standard_normal(n))


def _section(params, spread, n, rng, extra=None):
    out = {"params": dict(params),
           "bootstrap": {k: _boot(v, spread * max(abs(v), 0.1), n, rng)
                         for k, v in params.items()},
           "intervals": {k: [v * 0.9, v * 1.1] for k, v in params.items()},
           "heldout": {"relative_error_loss": 0.02}}
    out.update(extra or {})
    return out


def make_card(multipliers=None, gains=None, n_boot=64, seed=0, with_token_limited=True):
    """Returns a valid synthetic fit card.

    multipliers: {mode: (c0, c1, c2)} for ln k = c0 + c1 ln(D/N) + c2 r.
    gains: {mode: (g, p)} for the token-limited ln G = g f^p.
    """
    rng = np.random.default_rng(seed)
    multipliers = multipliers or {"logits": (1.2, -0.1, -0.8), "topk": (0.9, -0.1, -0.8),
                                  "text": (0.5, -0.1, -0.8)}
    gains = gains or {"logits": (2.0, 0.5), "topk": (1.5, 0.5), "text": (1.0, 0.5)}
    scratch = {"E": 0.95, "A": 50.0, "B": 80.0, "alpha": 0.4, "beta": 0.35}
    card = {"schema_version": 1, "scratch": _section(scratch, 0.02, n_boot, rng,
                                                      {"e_fixed": True, "n_runs": 40}),
            "distill": {}, "provenance": {"results_sha256": "0" * 64}}
    for mode, (c0, c1, c2) in multipliers.items():
        law = {"L_T": 1.0, "A": 40.0, "B": 60.0, "alpha": 0.4, "beta": 0.4}
        card["distill"][mode] = {
            "top_k": 8 if mode == "topk" else None,
            "multiplier": _section({"c0": c0, "c1": c1, "c2": c2}, 0.05, n_boot, rng, {
                "form": "ln k = c0 + c1 ln(D/N) + c2 r",
                "domain": {"tokens_per_param": [1.0, 200.0], "gap_ratio": [0.0, 1.0]}}),
            "teachers": {"model": {"teacher_loss": 1.0, "law": _section(law, 0.02, n_boot, rng),
                                   "heldout": {"relative_error_loss": 0.03}, "n_runs": 20}},
            "compute_multiplier": {"compute_flop": [1e12, 1e13], "median": [2.0, 1.5],
                                   "p05": [1.5, 1.2], "p95": [2.5, 1.9]},
        }
    if with_token_limited:
        card["token_limited"] = {"modes": {
            mode: {"model": _section({"g": g, "p": p}, 0.1, n_boot, rng,
                                     {"form": "ln G = g f^p", "domain": {"fraction": [0.01, 0.9]}})}
            for mode, (g, p) in gains.items()}}
    return validate_card(card, "synthetic card")


@pytest.fixture
def card():
    """A synthetic fit card whose modes are ordered logits > topk > text."""
    return make_card()


@pytest.fixture
def disordered_card():
    """A synthetic fit card that ranks text above top-k (the envelope must bind)."""
    return make_card(multipliers={"logits": (1.2, -0.1, -0.8), "topk": (0.2, -0.1, -0.8),
                                  "text": (0.8, -0.1, -0.8)},
                     gains={"logits": (2.0, 0.5), "topk": (0.5, 0.5), "text": (1.5, 0.5)})
