"""Skill capability of a scenario: what a distillation campaign buys on one skill (accuracy),
next to the general-capability (loss) answer. Reads the capability card
(data/fits/capability.json) for shapes only and data/distillation_priors.toml [skill] for levels.

    from simulator.scenario.skill import capability_block
    block = capability_block(scenario, result.to_dict())   # None without [capability]

Transfer (every number is labelled in the block's ``provenance``):
- samples n = tokens obtained / tokens per sample.
- Level at saturation a_sat (anchored: R1-Distill, visible verified traces at ~800k samples),
  the student's level before post-training a0 (anchored: s1/LIMO's base) and the self-reliant
  (scratch) level a_self (anchored: RL on the same base, R1-Zero-Qwen-32B).
- Curve a(n) = a0 + (a_tier - a0) / (1 + (n50_tier / n)^h_tier) (the card's form). Measured:
  h per tier, the ratio of each tier's (a_inf - a0) and n50 to the verified-trace tier's, paired
  by bootstrap index. Anchored: the real-world n50 of verified traces, solved from a few-sample
  point (LIMO 817 -> 63.3%, s1 1000 -> 56.7%) with the measured h.
- Knowledge gate: n50 grows by the card's same-size n50 ratio (less own data over more, recall
  0.19 -> 1.0 for 4x pre-training tokens) per 4x of pre-training compute the student lacks
  against the anchors' base (3.5e24 FLOP); the ratio is measured, the mapping to compute assumed.
- The actor keeps the better route (assumed): distilled skill = max(a_self, a(n)); zero samples
  equal scratch.
- CEG: where the distilled skill beats the self-reliant level, the card's CEG of the tier at the
  same n/n50 (a running maximum over n, so more samples never lower it). The card's self-reliant
  runs never learned the skill, so it is a LOWER BOUND there: the skill lag is then an UPPER
  BOUND (``ceg_kind``/``lag_kind`` say so). Skill lag = scratch lag - ln CEG / ln(growth x
  algorithmic progress), capped at 0 (a student cannot pass its teacher) with a note when capped.
- Regime: n/n50 < 0.1 gated, < 10 rising, else saturated.
- Monte Carlo: the card's bootstrap index and the anchors' ranges, vectorised (10,000 draws <1 s).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math

import numpy as np

from simulator.paths import DATA_DIR
from simulator.scenario import world
from simulator.scenario.skill_section import TIERS, TRACE_TIERS

CARD = DATA_DIR / "fits" / "capability.json"
REFERENCE = "verified_trace"
GATE_STEP = 4.0          # the card's bases differ by 4x pre-training tokens (100k vs 400k)
QUANTILES = (5, 50, 95)


@functools.lru_cache(maxsize=4)
def load_shapes(path: str = str(CARD)) -> dict:
    """Returns the card's shapes at its largest base: per tier a_inf, n50, h (point and
    bootstrap), the CEG table, the gate's n50 ratio, and the answer-vs-trace comparison."""
    card = json.loads(open(path).read())
    base = card["largest_base"]
    size = base.split("@")[0]
    tiers = {}
    for t in TIERS:
        fit = card["tiers"][t]["bases"][base]
        ceg = card["ceg"]["channels"][t]
        ns = sorted(int(k) for k in ceg)
        tiers[t] = {
            "a0": fit["a0"], "a_inf": fit["a_inf"], "n50": fit["n50"], "h": fit["h"],
            "boot": {k: np.asarray(fit["bootstrap"][k], float) for k in ("a_inf", "n50", "h")},
            "ceg_n": np.asarray(ns, float),
            "ceg": np.asarray([ceg[str(n)]["ceg"] for n in ns], float),
            "ceg_kind": [ceg[str(n)]["kind"] for n in ns]}
    pair = card["tiers"][REFERENCE]["gate"]["same_size_pairs"][size]
    answer_diff = card.get("comparisons", {}).get("channels", {}).get("answer", {})
    return {"base": base, "tiers": tiers, "card_sha256": card.get("results_sha256"),
            "gate_ratio": pair["n50_ratio_less_over_more"],
            "gate_interval": pair["n50_ratio_interval"], "gate_recall": pair["recall"],
            "answer_beats_trace_at": sorted(int(n) for n, v in answer_diff.get(
                "accuracy_difference", {}).items() if v > 0)}


def anchors() -> dict:
    """Returns data/distillation_priors.toml [skill]."""
    return world.priors()["skill"]


def _effective_tier(section) -> str:
    return "answer" if section.hide_chain_of_thought and section.tier in TRACE_TIERS \
        else section.tier


def _draws(shapes, anc, section, n_draws, seed):
    """Per-draw parameters: the point estimate as draw 0 when seed is None."""
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


def transfer(shapes, anc, section, samples, scratch_compute, d):
    """Returns per tier arrays over draws: accuracy, n50, ceg, ceg lower-bound flags; and
    the scratch level. Vectorised over the draws ``d`` (see _draws)."""
    u = d["u"]
    central = d["central"]
    a_sat = anc["saturation_central"] if central else \
        anc["saturation_low"] + u["sat"] * (anc["saturation_high"] - anc["saturation_low"])
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
    out = {}
    for t in TIERS:
        a_inf, n50, h = _tier_params(shapes, t, d["b"])
        level = np.clip((a_inf - shapes["tiers"][t]["a0"]) / ref_gain, 0.0, None)
        a_t = np.clip(a0 + (a_sat - a0) * level, 0.0, 1.0)
        n50_t = n50_real * (n50 / ref_n50) * gate
        x = samples / n50_t
        curve = a0 + (a_t - a0) / (1.0 + np.power(np.maximum(x, 1e-300), -h)) \
            if samples > 0 else a0 * np.ones(d["n"])
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
                  "lower": wins & lower, "wins": wins,
                  "extrapolated": bool(np.any((n_card > s["ceg_n"][-1])
                                              | (n_card < s["ceg_n"][0])))}
    return {"tiers": out, "a_self": a_self, "a0": a0, "a_sat": a_sat, "gate": gate,
            "n50_real": n50_real}


def _scratch_lag_draws(result: dict, point: float, n: int, seed: int):
    """Returns n scratch lags drawn from the loss Monte Carlo's quantiles (p5..p95, linear in
    between, held at the ends; independent of the skill draws, assumed), or the point."""
    q = ((result.get("percentiles") or {}).get("scratch") or {}).get("lag_years")
    if not q or n <= 0:
        return np.full(max(n, 1), point)
    u = np.random.default_rng([seed, 1]).random(n)
    return np.interp(u, [0.05, 0.25, 0.5, 0.75, 0.95],
                     [q[k] for k in ("p5", "p25", "p50", "p75", "p95")])


def _regime(x: float) -> str:
    return "gated" if x < 0.1 else ("rising" if x < 10.0 else "saturated")


def _q(a) -> list[float]:
    return [float(v) for v in np.percentile(a, QUANTILES)]


def timeline(scenario, section) -> dict:
    """Returns the dates: teacher release, campaign end, student ready (never before release)."""
    release = dt.date.fromisoformat(section.teacher_release) if section.teacher_release \
        else dt.date(scenario.year, 1, 1)
    campaign = float(scenario.distillation.campaign_days)
    end = release + dt.timedelta(days=campaign)
    ready = end + dt.timedelta(days=float(section.student_training_days))
    return {"teacher_release": release.isoformat(), "campaign_end": end.isoformat(),
            "student_ready": ready.isoformat(),
            "delay_years": (ready - release).days / 365.25,
            "assumption": "the campaign starts on the teacher's release day and runs "
                          "distillation.campaign_days; fine-tuning takes "
                          "capability.student_training_days (assumed)"}


def capability_block(scenario, result: dict, draws: int | None = None,
                     seed: int | None = None, evaluate=None) -> dict | None:
    """Returns the capability block for ``result`` (a ``to_dict()`` result), or None when the
    scenario has no [capability] section. ``evaluate`` (scenario.result.evaluate, passed in to
    keep the modules free of an import cycle): when given, the API-provider policies are
    evaluated too."""
    section = getattr(scenario, "capability", None)
    if section is None:
        return None
    shapes, anc = load_shapes(), anchors()
    res = result["results"]
    dist = result["distillation"]
    enabled = scenario.distillation.enabled
    tokens = float(dist["tokens_obtained"] or 0.0) if enabled else 0.0
    samples = tokens / section.tokens_per_sample
    scratch_compute = float(res["scratch"]["effective_compute_flop"] or 0.0)
    scratch_lag = float(res["scratch"]["lag_years"])
    clock = max(math.log(scenario.frontier.growth_per_year
                         * scenario.frontier.algorithmic_progress_per_year), 1e-9)
    n = scenario.uncertainty.draws if draws is None else int(draws)
    seed = scenario.uncertainty.seed if seed is None else int(seed)
    point = transfer(shapes, anc, section, samples, scratch_compute,
                     _draws(shapes, anc, section, 1, None))
    mc = transfer(shapes, anc, section, samples, scratch_compute,
                  _draws(shapes, anc, section, n, seed)) if n > 0 else None
    when = timeline(scenario, section)
    scratch_lags = _scratch_lag_draws(result, scratch_lag, n, seed)
    notes, tiers = [], {}
    for t in TIERS:
        p = point["tiers"][t]
        raw_lag = scratch_lag - math.log(float(p["ceg"][0])) / clock
        lag = max(0.0, raw_lag)
        if raw_lag < 0:
            notes.append(f"{t}: the skill lag formula gives {raw_lag:.2f} years; capped at 0 "
                         "(a distilled student cannot pass its teacher)")
        lower = bool(p["lower"][0])
        entry = {
            "accuracy": float(p["accuracy"][0]), "distilled_curve": float(p["curve"][0]),
            "beats_self_reliant": bool(p["wins"][0]),
            "n50_samples": float(p["n50"][0]), "samples_over_n50": float(p["x"][0]),
            "regime": _regime(float(p["x"][0])),
            "ceg": float(p["ceg"][0]),
            "ceg_kind": "lower_bound" if lower else ("point" if p["wins"][0] else "none"),
            "skill_equivalent_compute_flop": scratch_compute * float(p["ceg"][0]),
            "lag_years": lag, "lag_kind": "upper_bound" if lower else "point",
            "lag_capped": raw_lag < 0,
            "lag_years_at_student_ready": lag + when["delay_years"],
            "ceg_extrapolated": p["extrapolated"]}
        if mc is not None:
            m = mc["tiers"][t]
            lags = np.maximum(0.0, scratch_lags - np.log(m["ceg"]) / clock)
            entry.update({"accuracy_interval": _q(m["accuracy"])[::2],
                          "ceg_interval": _q(m["ceg"])[::2],
                          "lag_years_interval": _q(lags)[::2],
                          "lower_bound_share": float(np.mean(m["lower"]))})
        tiers[t] = entry
    chosen = _effective_tier(section)
    hidden = section.hide_chain_of_thought and section.tier in TRACE_TIERS
    if hidden and tiers["answer"]["accuracy"] > tiers[section.tier]["accuracy"] + 1e-12:
        notes.append("with the chain of thought hidden the student does better here than with "
                     "visible traces: the card measured answer-only above sampled traces at n = "
                     + ", ".join(map(str, shapes["answer_beats_trace_at"]))
                     + " (within its noise)")
    if tiers[chosen]["ceg_kind"] == "lower_bound":
        notes.append(f"{chosen}: CEG is a lower bound (the card's self-reliant runs never learned "
                     "the skill), so the distilled skill lag is an upper bound")
    if any(e["ceg_extrapolated"] for e in tiers.values()):
        notes.append("CEG outside the card's measured n (16-4096 samples at the same n/n50) "
                     "is held at the nearest measured value (extrapolation)")
    why = {"gated": "too few samples for this student: n/n50 < 0.1 (n50 grows by the knowledge "
                    f"gate x{float(point['gate'][0]):.3g} for its pre-training compute)",
           "rising": "between 0.1 and 10 times n50: more samples still help",
           "saturated": "over 10 times n50: more samples add little"}[tiers[chosen]["regime"]]
    if not tiers[chosen]["beats_self_reliant"] and samples > 0:
        why += (f"; this tier's curve ({percent_text(tiers[chosen]['distilled_curve'])}) stays under "
                f"the actor's own post-training ({percent_text(float(point['a_self'][0]))}), so "
                "distillation gains nothing on this skill")
    return {
        "skill": section.skill, "tier": section.tier, "effective_tier": chosen,
        "hide_chain_of_thought": section.hide_chain_of_thought,
        "anchors": list(section.anchors),
        "tokens_obtained": tokens, "tokens_per_sample": section.tokens_per_sample,
        "samples": samples, "api_cost_usd": float(dist["api_cost_usd"] or 0.0) if enabled
        else 0.0,
        "scratch": {"accuracy": float(point["a_self"][0]), "lag_years": scratch_lag,
                    "skill_equivalent_compute_flop": scratch_compute},
        "distilled": {"tier": chosen, **tiers[chosen]},
        "regime": tiers[chosen]["regime"], "regime_why": why,
        "tiers": tiers, "timeline": when,
        "knowledge_gate": float(point["gate"][0]),
        "n50_verified_trace_samples": float(point["n50_real"][0]),
        "draws": n, "seed": seed,
        "provenance": {
            "scratch accuracy": "anchored (R1-Zero-Qwen-32B, RL on the same base)",
            "level at saturation": "anchored (R1-Distill-Qwen-32B/14B, ~800k verified traces)",
            "accuracy before post-training": "anchored (s1/LIMO base)",
            "n50 of verified traces": "anchored (LIMO/s1 few-sample points) with measured h",
            "tier ratios (level, n50, h)": f"measured (capability card, base {shapes['base']})",
            "knowledge gate": "measured n50 ratio per 4x pre-training data; its mapping to "
                              "pre-training compute assumed",
            "CEG": "measured shape (capability card); a lower bound where marked",
            "better route kept": "assumed (distilled skill >= the self-reliant level)",
            "skill lag": "derived (scratch lag - ln CEG / ln(growth x algorithmic progress)); "
                         "its interval draws the scratch lag from the loss Monte Carlo",
            "timeline": "assumed start at release; campaign and fine-tuning days from the "
                        "scenario",
            "cost": "derived (API spend of the campaign)"},
        "notes": notes,
        "api_policies": api_policies(scenario, evaluate) if evaluate is not None else [],
    }


def percent_text(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def skill_series(block: dict, draws: int = 400, seed: int = 0, points: int = 41) -> dict:
    """Returns, per tier, the median and 90% band of skill accuracy and CEG over a grid of
    teacher samples (1 to 1e8), with the card's measured range in samples (same n/n50) and the
    anchors as points: what the skill chart draws (simulator.charts.skill)."""
    from simulator.scenario.skill_section import CapabilitySection

    shapes, anc = load_shapes(), anchors()
    section = CapabilitySection(tier=block["tier"], anchors=block["anchors"])
    grid = np.geomspace(1.0, 1e8, points)
    compute = block["scratch"]["skill_equivalent_compute_flop"]
    d = _draws(shapes, anc, section, draws, seed)
    central = _draws(shapes, anc, section, 1, None)
    out = {t: {k: [] for k in ("p05", "median", "p95", "ceg_p05", "ceg_median", "ceg_p95",
                               "lower")} for t in TIERS}
    ranges = {}
    for n in grid:
        res = transfer(shapes, anc, section, float(n), compute, d)
        cen = transfer(shapes, anc, section, float(n), compute, central)
        for t in TIERS:
            m, c = res["tiers"][t], cen["tiers"][t]
            lo, hi = np.percentile(m["accuracy"], [5, 95])
            out[t]["p05"].append(float(lo))
            out[t]["p95"].append(float(hi))
            out[t]["median"].append(float(c["accuracy"][0]))
            clo, chi = np.percentile(m["ceg"], [5, 95])
            out[t]["ceg_p05"].append(float(clo))
            out[t]["ceg_p95"].append(float(chi))
            out[t]["ceg_median"].append(float(c["ceg"][0]))
            out[t]["lower"].append(bool(c["lower"][0]))
            s = shapes["tiers"][t]
            n50_real = float(c["n50"][0])
            ranges[t] = (float(s["ceg_n"][0]) * n50_real / s["n50"],
                         float(s["ceg_n"][-1]) * n50_real / s["n50"])
    pts = {"r1_distill": (anc["saturation_samples"], anc["saturation_central"],
                          "R1-Distill-Qwen-32B")}
    for (n, a), name in zip(anc["few_sample_points"], ("limo", "s1")):
        if name in block["anchors"]:
            pts[name] = (n, a, "LIMO" if name == "limo" else "s1-32B")
    return {"samples": grid.tolist(), "tiers": {t: {k: np.asarray(v) for k, v in e.items()}
                                                for t, e in out.items()},
            "measured_range": ranges, "anchors": pts,
            "self_reliant": float(anc["self_reliant_level"]),
            "scenario_samples": block["samples"], "tier": block["effective_tier"]}


# What an API provider controls, as changes to the scenario (item 6 of #13): each policy's
# skill outcome next to the scenario's. Rate limit and detection act through the tokens the
# campaign obtains (simulator.scenario.model); the others through the access tier.
POLICIES = (
    ("Hide the chain of thought", {"capability.hide_chain_of_thought": True}),
    ("Drop log-probs (traces only)", {"capability.tier": "drop_logprobs"}),
    ("Refuse to grade", {"capability.tier": "refuse_grade"}),
    ("Rate limit / 10", {"distillation.rate_limit_tokens_per_minute": 0.1}),
    ("Detect accounts (50% per account-month)",
     {"distillation.detection_probability_per_account_month": 0.5}),
    ("Hide the chain of thought and detect accounts (50%)",
     {"capability.hide_chain_of_thought": True,
      "distillation.detection_probability_per_account_month": 0.5}),
)


def _apply_policy(scenario, changes):
    cap, dist = scenario.capability, scenario.distillation
    cap_up, dist_up = {}, {}
    for path, value in changes.items():
        group, name = path.split(".")
        if path == "capability.tier" and value == "drop_logprobs":
            if cap.tier in ("trace_topk", "trace_logits"):
                cap_up["tier"] = "trace"
        elif path == "capability.tier" and value == "refuse_grade":
            if cap.tier == "grader":
                dist_up["tokens"] = 0.0   # nothing to buy: the student keeps its own route
        elif path == "distillation.rate_limit_tokens_per_minute":
            dist_up[name] = dist.rate_limit_tokens_per_minute * value
        elif group == "capability":
            cap_up[name] = value
        else:
            dist_up[name] = value
    return scenario.model_copy(update={"capability": cap.model_copy(update=cap_up),
                                       "distillation": dist.model_copy(update=dist_up)})


def api_policies(scenario, evaluate) -> list[dict]:
    """Returns, per API-provider policy, the distilled skill outcome (point) with it in force:
    tier used, samples, accuracy, CEG (kind) and skill lag (kind); ``evaluate``: the scenario
    evaluator (scenario.result.evaluate)."""
    rows = []
    for label, changes in POLICIES:
        s2 = _apply_policy(scenario, changes)
        r = evaluate(s2, draws=0, with_tornado=False).to_dict()
        b = capability_block(s2, r, draws=0)
        d = b["distilled"]
        rows.append({"policy": label, "tier": d["tier"], "samples": b["samples"],
                     "accuracy": d["accuracy"], "ceg": d["ceg"], "ceg_kind": d["ceg_kind"],
                     "lag_years": d["lag_years"], "lag_kind": d["lag_kind"],
                     "regime": b["regime"]})
    return rows
