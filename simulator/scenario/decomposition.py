"""Where the lag goes: each axis's lag split into compute gap, efficiency and distillation, the
three parts adding up to the total exactly (per draw, and so at the point estimate).

    from simulator.scenario.decomposition import decomposition_block
    block = decomposition_block(ctx, point_out, draws_out, capability)   # a LagDecomposition

With c = ln(frontier growth x algorithmic progress) (the lag's clock, simulator.scenario.core),
C_F the frontier's compute, C_raw the actor's raw effective compute (its pre-training compute
at the frontier's algorithms; model.core's ``raw_effective_compute_flop``) and m its algorithmic
efficiency relative to the frontier (actor.algorithmic_efficiency_multiplier):
    compute gap  = ln(C_F / C_raw) / c        what the chips alone leave (the scratch lag at m = 1)
    efficiency   = -ln(m) / c                 the actor's own algorithms (negative: better)
    distillation = lag(distilled) - lag(scratch)   (negative: the teacher helps)
    total        = lag(distilled) = compute gap + efficiency + distillation
General axis (loss): lags from the scenario model. Skill axis (accuracy, with a [capability]
section): the same scratch lag, and the distilled skill lag of the capability block (which
includes its cap at 0 and its bounds); the efficiency also moves the skill block's knowledge
gate, through the scratch compute, and that shows in its distillation part.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.scenario.efficiency import evidence, range_text
from simulator.scenario.lag_contract import (PARTS, Interval, LagAxis, LagDecomposition,
                                             LagIntervals)

LEVER = "actor.algorithmic_efficiency_multiplier"
QUANTILES = (5, 95)


def general_parts(out: dict) -> dict:
    """Returns {part: array} of the general axis from model.core's outputs (any number of
    draws): compute_gap_years, efficiency_years, distillation_years, scratch_years,
    total_years."""
    clock = np.asarray(out["lag_clock"], dtype=float)
    scratch = np.asarray(out["scratch.lag_years"], dtype=float)
    total = np.asarray(out["distill.lag_years"], dtype=float)
    return {"compute_gap_years": np.log(out["frontier_compute_flop"]
                                        / out["raw_effective_compute_flop"]) / clock,
            "efficiency_years": -np.log(out["efficiency_multiplier"]) / clock,
            "distillation_years": total - scratch, "scratch_years": scratch,
            "total_years": total}


def _interval(values) -> Interval:
    q = np.percentile(np.asarray(values, dtype=float), QUANTILES)
    return Interval(p5=float(q[0]), p95=float(q[1]))


def _general(point: dict, draws: dict | None) -> LagAxis:
    p = {k: float(v[0]) for k, v in general_parts(point).items()}
    intervals = None
    if draws is not None:
        d = general_parts(draws)
        intervals = LagIntervals(**{k: _interval(d[k]) for k in (*PARTS, "total_years")})
    return LagAxis(axis="general", label="General capability (loss)", **p,
                   intervals=intervals)


def _skill(cap: dict, general: LagAxis, clock: float) -> LagAxis:
    d, s = cap["distilled"], cap["scratch"]
    total, scratch = float(d["lag_years"]), float(s["lag_years"])
    notes = []
    if d.get("lag_kind") == "upper_bound":
        notes.append("the distilled skill lag is an upper bound (CEG a lower bound): "
                     "distillation may remove more years than its part shows")
    if d.get("lag_capped"):
        notes.append("the skill lag is capped at 0 (a student cannot pass its teacher): the "
                     "distillation part stops there")
    when = cap.get("timeline") or {}
    if when.get("delay_years"):
        notes.append(f"not in the parts: the distilled student exists "
                     f"{when['delay_years']:.2f} years after the teacher's release "
                     "(the capability block's timeline)")
    intervals = None
    ceg_i, lag_i = d.get("ceg_interval"), d.get("lag_years_interval")
    if general.intervals is not None and ceg_i and lag_i:
        # the part falls as CEG rises: its 5th percentile comes from CEG's 95th
        ceg_lo, ceg_hi = (float(c) for c in ceg_i)
        intervals = LagIntervals(
            total_years=Interval(p5=lag_i[0], p95=lag_i[1]),
            compute_gap_years=general.intervals.compute_gap_years,
            efficiency_years=general.intervals.efficiency_years,
            distillation_years=Interval(p5=-math.log(max(ceg_hi, 1e-300)) / clock,
                                        p95=-math.log(max(ceg_lo, 1e-300)) / clock))
        notes.append("the distillation part's interval is -ln CEG / clock over the CEG "
                     "interval (the cap at 0 left out)")
    return LagAxis(axis="skill", label=f"Skill: {cap['skill']} ({d['tier']})",
                   total_years=total, scratch_years=scratch,
                   compute_gap_years=general.compute_gap_years,
                   efficiency_years=general.efficiency_years,
                   distillation_years=total - scratch, intervals=intervals, notes=notes)


def _efficiency_provenance(m: float, scenario_range, sourced) -> str:
    lo, hi = sourced
    if scenario_range is None and abs(m - 1.0) < 1e-12:
        return ("assumed: the actor's algorithms match the frontier's (multiplier 1); "
                f"sourced range {range_text()}")
    inside = lo <= m <= hi and (scenario_range is None
                                or (lo <= scenario_range[0] and scenario_range[1] <= hi))
    if inside:
        return f"anchored: within the sourced range {range_text()}"
    return f"assumed: outside the sourced range {range_text()}"


def decomposition_block(ctx, point: dict, draws: dict | None,
                        capability: dict | None) -> LagDecomposition:
    """Returns the LagDecomposition of a result: model.core's outputs at the point estimate
    (``point``, arrays of one) and over the Monte Carlo draws (``draws`` or None), and the
    capability block (a dict, or None without a [capability] section)."""
    s = ctx.scenario
    general = _general(point, draws)
    clock = float(point["lag_clock"][0])
    m = float(point["efficiency_multiplier"][0])
    scenario_range = next(([lv.low, lv.high] for lv in s.uncertainty.levers
                           if lv.path == LEVER), None)
    ev = evidence()
    sourced = [float(ev["range"]["low"]), float(ev["range"]["high"])]
    provenance = {
        "compute gap": "derived: the fleet's FLOP under the rule (scenario inputs, "
                       "data/chips.csv, rules.toml) against the scenario's frontier compute",
        "efficiency": _efficiency_provenance(m, scenario_range, sourced),
        "distillation (general)": f"the scenario model with {ctx.card_label}",
        "clock": "the scenario's frontier growth x algorithmic progress per year (assumed)",
    }
    skill = None
    if capability is not None:
        skill = _skill(capability, general, clock)
        provenance["distillation (skill)"] = ("measured shapes, anchored levels: see the "
                                              "capability block's provenance")
    return LagDecomposition(efficiency_multiplier=m, efficiency_range=scenario_range,
                            sourced_range=sourced, clock_per_year=clock, general=general,
                            skill=skill, provenance=provenance)


# ----------------------------------------------------------------------------- words

PART_WORDS = {"compute_gap_years": "Compute gap (raw compute vs the frontier)",
              "efficiency_years": "Efficiency (own algorithms vs the frontier's)",
              "distillation_years": "Distillation (distilled vs scratch)"}


def _years(value: float, signed: bool = True) -> str:
    if abs(value) < 0.005:   # no "-0.00"
        return "0.00"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def _cell(axis: LagAxis, key: str) -> str:
    signed = key != "total_years"
    q = getattr(axis.intervals, key) if axis.intervals is not None else None
    return _years(getattr(axis, key), signed) + (
        f" [{_years(q.p5, signed)}, {_years(q.p95, signed)}]" if q is not None else "")


def decomposition_table(block: LagDecomposition) -> tuple[list, list]:
    """Returns (headers, rows): one row per part and the total, one column per axis
    (years, with the 90% interval where there are draws)."""
    axes = [a for a in (block.general, block.skill) if a is not None]
    headers = ["Part of the lag", *[f"{a.label}, years" for a in axes]]
    rows = [[PART_WORDS[k], *[_cell(a, k) for a in axes]] for k in PARTS]
    rows.append(["Total lag behind the frontier", *[_cell(a, "total_years") for a in axes]])
    return headers, rows


def decomposition_csv_rows(block: LagDecomposition) -> tuple[list, list]:
    """Returns (headers, rows) with plain numbers: one row per axis and part (and total)."""
    rows = []
    for axis in (block.general, block.skill):
        if axis is None:
            continue
        for key in (*PARTS, "total_years"):
            q = getattr(axis.intervals, key) if axis.intervals is not None else None
            rows.append([axis.axis, key, getattr(axis, key), q.p5 if q else None,
                         q.p95 if q else None])
    return ["axis", "part", "years", "p5", "p95"], rows


def decomposition_summary(block: LagDecomposition) -> str:
    """Returns one sentence: where the general axis's lag goes, and the skill axis's total."""
    g = block.general
    text = (f"Where the lag goes: of {g.total_years:.2f} years on general capability, the "
            f"compute gap accounts for {g.compute_gap_years:+.2f}, the actor's algorithmic "
            f"efficiency ({block.efficiency_multiplier:.3g}× the frontier's) for "
            f"{g.efficiency_years:+.2f} and distillation for {g.distillation_years:+.2f}")
    if block.skill is not None:
        text += (f"; on the skill axis distillation accounts for "
                 f"{block.skill.distillation_years:+.2f} of {block.skill.total_years:.2f} years")
    return text + "."


def decomposition_lines(block: LagDecomposition) -> list[str]:
    """Returns the block as text lines for ``run``'s table."""
    axes = [a for a in (block.general, block.skill) if a is not None]
    _, rows = decomposition_table(block)
    lines = ["where the lag goes (years behind the frontier; [5th, 95th percentile]):",
             "  " + f"{'':46}" + "".join(f"{('general (loss)' if a.axis == 'general' else 'skill'):>26}"
                                          for a in axes)]
    lines += ["  " + f"{r[0]:46}" + "".join(f"{c:>26}" for c in r[1:]) for r in rows]
    lines.append(f"  efficiency {block.efficiency_multiplier:.3g}x: "
                 f"{block.provenance['efficiency']}")
    for axis in axes:
        lines += [f"  note ({axis.axis}): {n}" for n in axis.notes]
    return lines


def decomposition_report_blocks(block: LagDecomposition) -> list:
    """Returns the report's section on the decomposition as document blocks."""
    headers, rows = decomposition_table(block)
    notes = [f"{k}: {v}" for k, v in block.provenance.items()]
    for axis in (block.general, block.skill):
        if axis is not None:
            notes += [f"{axis.label}: {n}" for n in axis.notes]
    return [("h2", "Where the lag goes"), ("p", decomposition_summary(block)),
            ("table", headers, rows), ("ul", notes)]
