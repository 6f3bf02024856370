"""Skill capability of a scenario: what a distillation campaign buys on one skill (accuracy),
next to the general-capability (loss) answer. The transfer itself (card shapes, literature
levels, Monte Carlo draws) is simulator.scenario.skill_transfer; this module turns it into the
result's ``capability`` block, with every number labelled in ``provenance``.

    from simulator.scenario.skill import capability_block
    block = capability_block(scenario, result.to_dict())   # None without [capability]

- Skill lag = scratch lag - ln CEG / ln(growth x algorithmic progress), capped at 0 (a student
  cannot pass its teacher) with a note when capped. Where the CEG is a lower bound (the card's
  self-reliant runs never learned the skill) the skill lag is an UPPER BOUND (``lag_kind``).
- Regime: n/n50 < 0.1 gated, < 10 rising, else saturated.
- Timeline: teacher release, campaign end, student ready; never before the release.
- Monte Carlo: the card's bootstrap index and the anchors' ranges, vectorised (10,000 draws
  < 1 s); the scratch lag is drawn from the loss Monte Carlo's quantiles.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from simulator.scenario.skill_section import TIERS, TRACE_TIERS
from simulator.scenario.skill_transfer import (anchors, effective_tier, load_shapes,
                                               sample_draws, transfer)

QUANTILES = (5, 50, 95)
PROVENANCE = {
    "scratch accuracy": "anchored (R1-Zero-Qwen-32B, RL on the same base)",
    "level at saturation": "anchored (R1-Distill-Qwen-32B 72.6%, ~800k verified traces; "
                           "triangular range down to the 14B's 69.7%)",
    "accuracy before post-training": "anchored (s1/LIMO base)",
    "n50 of verified traces": "anchored (LIMO/s1 few-sample points) with measured h",
    "knowledge gate": "measured n50 ratio per 4x pre-training data; its mapping to "
                      "pre-training compute assumed",
    "CEG": "measured shape (capability card); a lower bound where marked",
    "better route kept": "assumed (distilled skill >= the self-reliant level)",
    "skill lag": "derived (scratch lag - ln CEG / ln(growth x algorithmic progress)); "
                 "its interval draws the scratch lag from the loss Monte Carlo",
    "timeline": "assumed start at release; campaign and fine-tuning days from the scenario",
    "cost": "derived (API spend of the campaign)"}


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


def percent_text(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def skill_clock(scenario) -> float:
    """Returns ln(growth x algorithmic progress): the frontier's effective-compute growth rate."""
    return max(math.log(scenario.frontier.growth_per_year
                        * scenario.frontier.algorithmic_progress_per_year), 1e-9)


def tokens_bought(scenario, result: dict) -> float:
    """Returns the teacher tokens the campaign obtains (0 with distillation off)."""
    if not scenario.distillation.enabled:
        return 0.0
    return float(result["distillation"]["tokens_obtained"] or 0.0)


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


def _tier_entry(p, scratch_lag, scratch_compute, clock, when, notes, t) -> dict:
    raw_lag = scratch_lag - math.log(float(p["ceg"][0])) / clock
    lag = max(0.0, raw_lag)
    if raw_lag < 0:
        notes.append(f"{t}: the skill lag formula gives {raw_lag:.2f} years; capped at 0 "
                     "(a distilled student cannot pass its teacher)")
    lower = bool(p["lower"][0])
    return {
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
        "ceg_extrapolated": p["extrapolated"], "samples": float(p["samples"])}


def _intervals(m, scratch_lags, clock) -> dict:
    lags = np.maximum(0.0, scratch_lags - np.log(m["ceg"]) / clock)
    return {"accuracy_interval": _q(m["accuracy"])[::2], "ceg_interval": _q(m["ceg"])[::2],
            "lag_years_interval": _q(lags)[::2], "lower_bound_share": float(np.mean(m["lower"]))}


def _why(section, tiers, chosen, point, samples) -> str:
    why = {"gated": "too few samples for this student: n/n50 < 0.1 (n50 grows by the knowledge "
                    f"gate x{float(point['gate'][0]):.3g} for its pre-training compute)",
           "rising": "between 0.1 and 10 times n50: more samples still help",
           "saturated": "over 10 times n50: more samples add little"}[tiers[chosen]["regime"]]
    if chosen == "grader" and section.refuse_grading and samples > 0:
        return "the API refuses to grade, so a grader campaign buys nothing on this skill"
    if not tiers[chosen]["beats_self_reliant"] and samples > 0:
        why += (f"; this tier's curve ({percent_text(tiers[chosen]['distilled_curve'])}) stays "
                f"under the actor's own post-training ({percent_text(float(point['a_self'][0]))})"
                ", so distillation gains nothing on this skill")
    return why


def _notes(section, tiers, chosen, shapes, downgrade) -> list[str]:
    notes = []
    if downgrade:
        notes.append(f"{section.tier} transfers as {chosen}: {downgrade}")
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
    return notes


def capability_block(scenario, result: dict, draws: int | None = None,
                     seed: int | None = None) -> dict | None:
    """Returns the capability block for ``result`` (a ``to_dict()`` result), or None when the
    scenario has no [capability] section. Its ``api_policies`` and ``tornado`` are filled in by
    simulator.scenario.skill_tornado.policy_blocks (they evaluate scenario variants)."""
    section = getattr(scenario, "capability", None)
    if section is None:
        return None
    shapes, anc = load_shapes(), anchors()
    tokens = tokens_bought(scenario, result)
    samples = tokens / section.tokens_per_sample
    scratch_compute = float(result["results"]["scratch"]["effective_compute_flop"] or 0.0)
    scratch_lag = float(result["results"]["scratch"]["lag_years"])
    clock = skill_clock(scenario)
    n = scenario.uncertainty.draws if draws is None else int(draws)
    seed = scenario.uncertainty.seed if seed is None else int(seed)
    point = transfer(shapes, anc, section, samples, scratch_compute,
                     sample_draws(shapes, 1, None))
    mc = transfer(shapes, anc, section, samples, scratch_compute,
                  sample_draws(shapes, n, seed)) if n > 0 else None
    when = timeline(scenario, section)
    scratch_lags = _scratch_lag_draws(result, scratch_lag, n, seed)
    capped, tiers = [], {}
    for t in TIERS:
        tiers[t] = _tier_entry(point["tiers"][t], scratch_lag, scratch_compute, clock, when,
                               capped, t)
        if mc is not None:
            tiers[t].update(_intervals(mc["tiers"][t], scratch_lags, clock))
    chosen, downgrade = effective_tier(section, scenario.distillation.access)
    return {
        "skill": section.skill, "tier": section.tier, "effective_tier": chosen,
        "hide_chain_of_thought": section.hide_chain_of_thought,
        "refuse_grading": section.refuse_grading,
        "anchors": list(section.anchors),
        "tokens_obtained": tokens,
        "tokens_per_sample": section.tokens_per_sample, "samples": samples,
        "api_cost_usd": float(result["distillation"]["api_cost_usd"] or 0.0)
        if scenario.distillation.enabled else 0.0,
        "scratch": {"accuracy": float(point["a_self"][0]), "lag_years": scratch_lag,
                    "skill_equivalent_compute_flop": scratch_compute},
        # the general-capability (loss) answer beside it: the same lags as ``results``
        "loss_lag_years": {k: result["results"][k]["lag_years"] for k in ("scratch", "distill")},
        "distilled": {"tier": chosen, **tiers[chosen]},
        "regime": tiers[chosen]["regime"],
        "regime_why": _why(section, tiers, chosen, point, samples),
        "tiers": tiers, "timeline": when,
        "knowledge_gate": float(point["gate"][0]),
        "n50_verified_trace_samples": float(point["n50_real"][0]),
        "draws": n, "seed": seed, "provenance": dict(PROVENANCE),
        "notes": capped + _notes(section, tiers, chosen, shapes, downgrade),
        "api_policies": [], "tornado": [],
    }


def distilled_skill_lag(scenario, samples: float, scratch_compute: float,
                        scratch_lag: float, clock: float | None = None) -> dict:
    """Returns the point estimate of the scenario's distilled skill outcome for given samples,
    scratch compute, scratch lag and clock (ln of the frontier's effective-compute growth;
    default the scenario's): tier, accuracy, CEG (kind) and skill lag (kind). What the
    skill-axis tornado evaluates for each lever setting."""
    section = scenario.capability
    shapes = load_shapes()
    chosen, _ = effective_tier(section, scenario.distillation.access)
    p = transfer(shapes, anchors(), section, samples, scratch_compute,
                 sample_draws(shapes, 1, None))["tiers"][chosen]
    e = _tier_entry(p, scratch_lag, scratch_compute,
                    skill_clock(scenario) if clock is None else max(clock, 1e-9),
                    {"delay_years": 0.0}, [], chosen)
    return {"tier": chosen, "samples": float(p["samples"]), **{k: e[k] for k in (
        "accuracy", "ceg", "ceg_kind", "lag_years", "lag_kind", "regime")}}
