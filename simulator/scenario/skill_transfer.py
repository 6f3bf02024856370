"""The skill transfer: from the capability card's shapes and the literature's levels to a skill
accuracy per access tier, vectorised over Monte Carlo draws (simulator.scenario.skill builds the
result block from it).

    from simulator.scenario.skill_transfer import anchors, load_shapes, sample_draws, transfer
    shapes, anc = load_shapes(), anchors()
    out = transfer(shapes, anc, section, 1e6, 1e24, sample_draws(shapes, 10_000, seed=0))

- samples n = tokens obtained / tokens per sample.
- Level at saturation a_sat (anchored: R1-Distill, visible verified traces at ~800k samples),
  the student's level before post-training a0 (anchored: s1/LIMO's base) and the self-reliant
  (scratch) level a_self (anchored: RL on the same base, R1-Zero-Qwen-32B). a_sat is drawn from
  a triangular distribution over [saturation_low, saturation_high] with its mode at
  saturation_central (the 32B measurement), so the point estimate sits inside its own band.
- Curve a(n) = a0 + (a_tier - a0) / (1 + (n50_tier / n)^h_tier) (the card's form). Measured:
  h per tier, the ratio of each tier's (a_inf - a0) and n50 to the verified-trace tier's, paired
  by bootstrap index. Anchored: the real-world n50 of verified traces, solved from a few-sample
  point (LIMO 800 -> 63.3%, s1 1,000 -> 50% without budget forcing) with the measured h.
- Knowledge gate: n50 grows by the card's same-size n50 ratio (less own data over more, recall
  0.19 -> 1.0 for 4x pre-training tokens) per 4x of pre-training compute the student lacks
  against the anchors' base (3.5e24 FLOP); the ratio is measured, the mapping to compute assumed.
- The actor keeps the better route (assumed): distilled skill = max(a_self, a(n)); zero samples
  equal scratch. An API that refuses to grade leaves the grader tier with zero samples.
- CEG: where the distilled skill beats the self-reliant level, the card's CEG of the tier at the
  same n/n50 (a running maximum over n, so more samples never lower it); a lower bound where
  the card says so (its self-reliant runs never learned the skill).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from simulator.curves.capability_schema import load_capability_card
from simulator.paths import DATA_DIR
from simulator.scenario import world
from simulator.scenario.skill_section import TIERS, TRACE_TIERS

CARD = DATA_DIR / "fits" / "capability.json"
REFERENCE = "verified_trace"
GATE_STEP = 4.0          # the card's bases differ by 4x pre-training tokens (100k vs 400k)
# What each log-prob tier needs the API to expose (distillation.access), and what it falls to.
LOGPROB_NEEDS = {"trace_logits": (("logits",), {"topk": "trace_topk", "text": "trace"}),
                 "trace_topk": (("topk", "logits"), {"text": "trace"})}


@functools.lru_cache(maxsize=4)
def load_shapes(path: str = str(CARD)) -> dict:
    """Returns the card's shapes at its largest base: per tier a_inf, n50, h (point and
    bootstrap), the CEG table, the gate's n50 ratio, and the answer-vs-trace comparison."""
    card = load_capability_card(path)
    base = card.largest_base
    size = base.split("@")[0]
    tiers = {}
    for t in TIERS:
        fit = card.tiers[t].bases[base]
        ceg = card.ceg.channels[t]
        ns = sorted(int(k) for k in ceg)
        tiers[t] = {
            "a0": fit.a0, "a_inf": fit.a_inf, "n50": fit.n50, "h": fit.h,
            "boot": {k: np.asarray(fit.bootstrap[k], float) for k in ("a_inf", "n50", "h")},
            "ceg_n": np.asarray(ns, float),
            "ceg": np.asarray([ceg[str(n)].ceg for n in ns], float),
            "ceg_kind": [ceg[str(n)].kind for n in ns],
            # captured probability mass of the card's top-k runs: absent in this card, so a
            # real API's top-k cap cannot be mapped onto the skill axis (api_policy says so)
            "captured_mass": card.tiers[t].captured_mass}
    pair = card.tiers[REFERENCE].gate.same_size_pairs[size]
    answer = card.comparisons.channels.get("answer")
    return {"base": base, "tiers": tiers, "card_sha256": card.results_sha256,
            "gate_ratio": pair.n50_ratio_less_over_more,
            "gate_interval": pair.n50_ratio_interval, "gate_recall": pair.recall,
            "answer_beats_trace_at": sorted(int(n) for n, v in (
                answer.accuracy_difference.items() if answer else ()) if v > 0)}


def anchors() -> dict:
    """Returns data/distillation_priors.toml [skill]."""
    return world.priors()["skill"]


def effective_tier(section, access: str | None = None) -> tuple[str, str | None]:
    """Returns (the tier the samples transfer as, why it differs from ``section.tier`` or None).

    A hidden chain of thought turns every trace tier into ``answer``; a log-prob tier needs the
    API to expose what it carries (``access``, the scenario's distillation.access: a text-only
    API leaves a sampled trace)."""
    tier = section.tier
    if section.hide_chain_of_thought and tier in TRACE_TIERS:
        return "answer", "the API hides the chain of thought, so the samples carry answers only"
    if access is not None and tier in LOGPROB_NEEDS:
        allowed, fallback = LOGPROB_NEEDS[tier]
        if access not in allowed:
            return fallback[access], (f"the API exposes {access} only (distillation.access), so "
                                      f"{tier} samples carry no more than {fallback[access]}")
    return tier, None


def sample_draws(shapes, n_draws: int, seed: int | None) -> dict:
    """Returns per-draw uniforms and bootstrap indices; the point estimate (one draw at the
    centre of every range) when seed is None."""
    rng = np.random.default_rng(seed)
    nb = len(shapes["tiers"][REFERENCE]["boot"]["h"])
    if seed is None:
        u = {k: np.full(1, 0.5) for k in ("sat", "base", "gate", "pt")}
        return {"b": None, "u": u, "n": 1, "central": True}
    u = {k: rng.random(n_draws) for k in ("sat", "base", "gate", "pt")}
    return {"b": rng.integers(0, nb, n_draws), "u": u, "n": n_draws, "central": False}


def _tier_params(shapes, t, b):
    s = shapes["tiers"][t]
    if b is None:
        return (np.array([s["a_inf"]]), np.array([s["n50"]]), np.array([s["h"]]))
    return s["boot"]["a_inf"][b], s["boot"]["n50"][b], s["boot"]["h"][b]


def saturation_level(anc, u, central: bool):
    """Returns the level at saturation per draw: the mode (saturation_central) for the point
    estimate, else a triangular draw over [saturation_low, saturation_high] with that mode."""
    lo, mode, hi = (float(anc[f"saturation_{k}"]) for k in ("low", "central", "high"))
    if central:
        return mode
    u = np.asarray(u, float)
    if hi <= lo:
        return np.full(u.shape, lo)
    cut = (mode - lo) / (hi - lo)
    return np.where(u < cut, lo + np.sqrt(u * (hi - lo) * (mode - lo)),
                    hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode)))


def transfer(shapes, anc, section, samples, scratch_compute, d):
    """Returns per tier arrays over draws: accuracy, n50, ceg, ceg lower-bound flags; and
    the scratch level. Vectorised over the draws ``d`` (see sample_draws)."""
    u = d["u"]
    central = d["central"]
    a_sat = saturation_level(anc, u["sat"], central)
    a0 = anc["base_low"] + u["base"] * (anc["base_high"] - anc["base_low"])
    a_self = np.full(d["n"], float(anc["self_reliant_level"]))
    pts = [p for p, name in zip(anc["few_sample_points"], ("limo", "s1"))
           if name in section.anchors] or anc["few_sample_points"]
    pick = np.minimum((u["pt"] * len(pts)).astype(int), len(pts) - 1)
    n_pt = np.array([p[0] for p in pts], float)[pick]
    a_pt = np.array([p[1] for p in pts], float)[pick]
    ref_inf, ref_n50, ref_h = _tier_params(shapes, REFERENCE, d["b"])
    frac = np.clip((a_pt - a0) / np.maximum(a_sat - a0, 1e-9), 1e-6, 1 - 1e-6)
    n50_real = n_pt * ((1 - frac) / frac) ** (1.0 / ref_h)
    lo, hi = shapes["gate_interval"]
    ratio = shapes["gate_ratio"] if central else np.exp(np.log(lo) + u["gate"]
                                                        * (np.log(hi) - np.log(lo)))
    steps = max(0.0, math.log(anc["anchor_base_compute_flop"] / max(scratch_compute, 1.0))
                / math.log(GATE_STEP))
    gate = np.power(ratio, steps) * np.ones(d["n"])
    ref_gain = np.maximum(ref_inf - shapes["tiers"][REFERENCE]["a0"], 1e-9)
    refused = bool(getattr(section, "refuse_grading", False))
    out = {}
    for t in TIERS:
        n_t = 0.0 if (t == "grader" and refused) else float(samples)
        a_inf, n50, h = _tier_params(shapes, t, d["b"])
        level = np.clip((a_inf - shapes["tiers"][t]["a0"]) / ref_gain, 0.0, None)
        a_t = np.clip(a0 + (a_sat - a0) * level, 0.0, 1.0)
        n50_t = n50_real * (n50 / ref_n50) * gate
        x = n_t / n50_t
        curve = a0 + (a_t - a0) / (1.0 + np.power(np.maximum(x, 1e-300), -h)) \
            if n_t > 0 else a0 * np.ones(d["n"])
        acc = np.maximum(a_self, curve)
        wins = curve > a_self
        s = shapes["tiers"][t]
        n_card = np.maximum(x * s["n50"], 1e-9)
        running = np.maximum.accumulate(s["ceg"])
        ceg_card = np.interp(np.log(n_card), np.log(s["ceg_n"]), np.log(running))
        idx = np.clip(np.searchsorted(s["ceg_n"], n_card, side="right") - 1, 0,
                      len(s["ceg_n"]) - 1)
        lower = np.array([s["ceg_kind"][int(np.argmax(s["ceg"][:i + 1]))] == "lower_bound"
                          for i in range(len(s["ceg_n"]))])[idx]
        ceg = np.where(wins, np.maximum(1.0, np.exp(ceg_card)), 1.0)
        out[t] = {"accuracy": acc, "curve": curve, "n50": n50_t, "x": x, "ceg": ceg,
                  "lower": wins & lower, "wins": wins, "samples": n_t,
                  "extrapolated": bool(n_t > 0 and np.any((n_card > s["ceg_n"][-1])
                                                          | (n_card < s["ceg_n"][0])))}
    return {"tiers": out, "a_self": a_self, "a0": a0, "a_sat": a_sat, "gate": gate,
            "n50_real": n50_real}
