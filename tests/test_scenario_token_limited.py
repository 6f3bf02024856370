"""The scenario's use of the card's token-limited gain: signed, within the measured fractions,
top-k by captured mass, and the decision to ignore harmful teacher tokens (issue 14)."""

import numpy as np
import pytest

from simulator.curves import forms
from simulator.curves.card import validate_card
from simulator.scenario import world
from simulator.scenario.distill import CardMode, behaviours
from test_scenario_fixtures import make_card


def _entry(g, p, fractions=(0.01, 0.3), mass=None, top_k=None):
    entry = {"params": {"g": g, "p": p}, "bootstrap": {"g": [g] * 4, "p": [p] * 4},
             "intervals": {"g": [g, g], "p": [p, p]}, "heldout": {},
             "domain": {"fraction": list(fractions)}, "at_bound": []}
    if mass is not None:
        entry.update(captured_mass=mass, top_k=top_k)
    return entry


def _card(**modes):
    """A fit card with only the given token-limited fits (scratch law from the test fixture)."""
    card = make_card(with_token_limited=False).to_dict()
    card.update(distill={}, token_limited={"modes": {m: {"model": e} for m, e in modes.items()}})
    return validate_card(card)


def _state(fraction, n=1):
    d = np.full(n, 1e12)
    return {"tokens": d * fraction, "d_opt": d, "idx": np.full(n, -1), "u": np.full(n, 0.5),
            "point": np.ones(n, dtype=bool)}


def test_a_harmful_gain_keeps_its_sign_in_the_behaviour():
    mode = CardMode("text", _card(text=_entry(-0.5, 1.0)), "model")
    ln_g = mode.log_gain(_state(0.2))
    assert ln_g[0] == pytest.approx(-0.5 * 0.2)


def test_the_gain_is_not_extrapolated_past_the_largest_measured_fraction():
    mode = CardMode("logits", _card(logits=_entry(2.0, 1.0, fractions=(0.01, 0.3))), "model")
    assert mode.log_gain(_state(0.9))[0] == pytest.approx(2.0 * 0.3)
    assert mode.log_gain(_state(0.1))[0] == pytest.approx(2.0 * 0.1)


def test_topk_is_interpolated_by_captured_mass_between_measured_topk_and_logits():
    card = _card(logits=_entry(1.0, 1.0), topk=_entry(0.2, 1.0, mass=0.8, top_k=4),
                 text=_entry(-0.1, 1.0))
    priors = world.priors()
    modes = behaviours(card, "model", priors, top_k=20)
    mid = priors["topk_captured_mass"]["mass_central"]
    w = (mid - 0.8) / (1 - 0.8)
    got = modes["topk"].log_gain(_state(0.3))[0]
    assert got == pytest.approx(((1 - w) * 0.2 + w * 1.0) * 0.3)
    assert any("captured probability mass" in n for n in modes["topk"].notes)


def test_the_actor_ignores_teacher_tokens_that_would_hurt(tmp_path):
    from simulator.scenario import evaluate, load_scenario
    import json
    from simulator.paths import DEFAULT_FIT, REPO_ROOT
    card = json.loads(DEFAULT_FIT.read_text())   # a card dict: evaluate validates it
    for teachers in card["token_limited"]["modes"].values():
        for e in teachers.values():
            for entry in [e] + list((e.get("by_order") or {}).values()):
                entry["params"] = {"g": -1.0, "p": 1.0}
                n = len(entry["bootstrap"]["g"])
                entry["bootstrap"] = {"g": [-1.0] * n, "p": [1.0] * n}
                entry["intervals"] = {"g": [-1.0, -1.0], "p": [1.0, 1.0]}
                entry["at_bound"] = []
    scenario = load_scenario(REPO_ROOT / "scenarios" / "h20-requirement-2025-central.toml",
                             ["distillation.access=\"text\""])
    result = evaluate(scenario, card, draws=0)
    assert result.results.distill.loss == pytest.approx(result.results.scratch.loss, rel=1e-12)
    assert result.regime.regime == "token_limited"
    assert any("would hurt" in a and "ignores them" in a for a in result.assumptions)
    assert "would hurt" in result.regime.why


def test_a_fit_at_its_bound_is_replaced_by_the_measured_gains():
    entry = _entry(1.6, 5.0, fractions=(0.1, 0.3))
    entry.update(at_bound=["p"], measured={"fraction": [0.1, 0.3], "point": [0.95, 0.85]})
    mode = CardMode("topk", _card(topk=entry), "model")
    assert mode.log_gain(_state(0.3))[0] == pytest.approx(np.log(0.85))
    assert mode.log_gain(_state(0.9))[0] == pytest.approx(np.log(0.85))   # the edge value
    assert mode.log_gain(_state(0.05))[0] == pytest.approx(0.5 * np.log(0.95))
    assert any("measured gains are used" in n for n in mode.notes)
