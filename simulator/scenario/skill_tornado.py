"""The tornado on the skill axis: which levers move the distilled skill lag most, next to what
they do to the (loss) distilled lag, with the API-provider policies as levers of their own.

    from simulator.scenario.skill_tornado import policy_blocks
    block.update(policy_blocks(scenario, ctx, base, result.tornado, evaluate))

Rows, sorted by the skill swing (largest first):
- every lever of the loss tornado (simulator.scenario.sensitivity: the scenario's ranges and the
  schema's default swings), set to its low and high end in one vectorised call of model.core;
  each setting's tokens obtained, scratch compute, scratch lag and clock give the skill outcome
  (simulator.scenario.skill.distilled_skill_lag);
- capability.tokens_per_sample over its schema swing (x0.5 to x2: samples = tokens / it);
- each API-provider policy (simulator.scenario.api_policy), API open (low) vs in force (high).
A row whose skill side cannot be computed says why (``skill`` None, ``skill_note``).
"""

from __future__ import annotations

import numpy as np

from simulator.scenario.api_policy import (POLICY_LEVERS, Outcomes, api_policies,
                                           policy_tornado, tornado_side)
from simulator.scenario.core import core
from simulator.scenario.schema import default_swing, path_words
from simulator.scenario.skill import distilled_skill_lag

POLICY_PATHS = {p.path for p in POLICY_LEVERS}


def _skill_at(scenario, out, clock, i) -> dict:
    samples = float(out["tokens_obtained"][i]) / scenario.capability.tokens_per_sample \
        if scenario.distillation.enabled else 0.0
    return distilled_skill_lag(scenario, samples, float(out["scratch.effective_compute_flop"][i]),
                               float(out["scratch.lag_years"][i]), float(clock[i]))


def lever_rows(scenario, ctx, base: dict, levers: list[tuple]) -> list[dict]:
    """Returns a row per numeric lever (path, low, high) with the loss and skill distilled lag
    at each end (policy levers are left to policy_tornado)."""
    levers = [lv for lv in levers if lv[0] not in POLICY_PATHS and lv[0] in base]
    n = 2 * len(levers) + 1
    values = {k: np.full(n, v, dtype=float) for k, v in base.items()}
    for j, (path, low, high) in enumerate(levers):
        values[path][2 * j], values[path][2 * j + 1] = low, high
    out = core(ctx, values, np.full(n, -1), np.full(n, 0.5), np.ones(n, dtype=bool))
    clock = np.log(values["frontier.growth_per_year"]
                   * values["frontier.algorithmic_progress_per_year"])
    at_base = _skill_at(scenario, out, clock, n - 1)
    from simulator.charts.scenario import lever_label   # chip entries named by their chip

    fleet = [entry.chip for entry in scenario.actor.chips]
    loss = out["distill.lag_years"]
    rows = []
    for j, (path, low, high) in enumerate(levers):
        lo, hi = (_skill_at(scenario, out, clock, i) for i in (2 * j, 2 * j + 1))
        rows.append({"path": path, "label": lever_label(path, fleet),
                     "kind": "lever", "low": low, "high": high, "base": float(base[path]),
                     "loss": tornado_side(float(loss[2 * j]), float(loss[2 * j + 1]),
                                          float(loss[-1])),
                     "skill": tornado_side(lo["lag_years"], hi["lag_years"], at_base["lag_years"],
                                    lo["accuracy"], hi["accuracy"])})
    return rows + [_tokens_per_sample_row(scenario, out, clock, float(loss[-1]))]


def _tokens_per_sample_row(scenario, out, clock, loss_base) -> dict:
    path = "capability.tokens_per_sample"
    how, a, b = default_swing(path)
    value = scenario.capability.tokens_per_sample
    low, high = value * a, value * b
    ends = []
    for tps in (low, high):
        s2 = scenario.model_copy(update={"capability": scenario.capability.model_copy(
            update={"tokens_per_sample": tps})})
        ends.append(_skill_at(s2, out, clock, len(clock) - 1))
    base = _skill_at(scenario, out, clock, len(clock) - 1)
    return {"path": path, "label": path_words(path).get("label") or path, "kind": "lever",
            "low": low, "high": high, "base": value,
            "loss": tornado_side(loss_base, loss_base, loss_base),
            "skill": tornado_side(ends[0]["lag_years"], ends[1]["lag_years"], base["lag_years"],
                           ends[0]["accuracy"], ends[1]["accuracy"]),
            "loss_note": "no effect on the loss axis (it counts tokens, not samples)"}


def _order(row) -> tuple:
    skill = row.get("skill") or {}
    return (-(skill.get("swing_years") or -1.0), row["kind"], row["path"])


def policy_blocks(scenario, ctx, base: dict, tornado, evaluate) -> dict:
    """Returns {"api_policies": [...], "tornado": [...]} for a scenario with a [capability]
    section: the policy table (simulator.scenario.api_policy.api_policies) and the skill-axis
    tornado (lever rows and policy rows, largest skill swing first). ``tornado``: the loss
    tornado's rows (their path, low and high are reused)."""
    outcomes = Outcomes(scenario, evaluate)
    levers = [(r.path, r.low, r.high) for r in tornado]
    rows = lever_rows(scenario, ctx, base, levers) + policy_tornado(scenario, evaluate, outcomes)
    return {"api_policies": api_policies(scenario, evaluate, outcomes),
            "tornado": sorted(rows, key=_order)}
