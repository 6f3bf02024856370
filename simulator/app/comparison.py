"""Scenarios side by side: each one's lag against the no-controls baseline, and when that holds.

The no-controls baseline is a shipped scenario whose rule is 'none' (the counterfactual every
other scenario is measured against). A lag difference between scenarios of different years mixes
the controls' effect with the frontier's growth in between, so the caveat says so.

Results are typed ScenarioResults (simulator.scenario.contract).
"""

from __future__ import annotations

import math
from typing import Mapping

STRATEGIES = ("scratch", "distill")


def baseline_preset(presets: Mapping[str, Mapping]) -> str | None:
    """Returns the id of the shipped no-controls baseline (a preset whose rule is 'none')."""
    pool = [p for p, info in presets.items() if info.get("rule") == "none"]
    return sorted(pool, key=lambda p: (presets[p].get("variant") != "central", p))[0] \
        if pool else None


def lag_vs_baseline(result, baseline) -> dict:
    """Returns {strategy: lag - baseline lag} in years (positive: the controls add lag; None
    where either lag is not a finite number)."""
    out = {}
    for strategy in STRATEGIES:
        lag = getattr(result.results, strategy).lag_years
        base = getattr(baseline.results, strategy).lag_years
        out[strategy] = lag - base if math.isfinite(lag) and math.isfinite(base) else None
    return out


def year_caveat(results: Mapping, baseline) -> str | None:
    """Returns a warning when the compared scenarios ({label: ScenarioResult}) or the baseline
    differ in year."""
    years = {label: r.scenario.year for label, r in results.items()}
    base_year = baseline.scenario.year if baseline is not None else None
    distinct = sorted(set(years.values()) | ({base_year} if base_year else set()))
    if len(distinct) < 2:
        return None
    return (f"These scenarios are set in different years ({', '.join(map(str, distinct))}): "
            "the frontier they trail differs (it grows every year), so a difference in lag "
            "mixes the rules' effect with the years between them"
            + (f"; the no-controls baseline is a {base_year} scenario" if base_year else "")
            + ".")


def side_by_side(results: Mapping, baseline=None) -> dict:
    """Returns {label: {row: text}} of compared ScenarioResults ({label: result}): year, rule,
    API access, the lag, effective compute and cost of each path with their 90% intervals, the
    lag against the no-controls ``baseline`` and the distillation regime."""
    from simulator.app.display import choice_label
    from simulator.app.vega import band, fmt_e, fmt_usd
    from simulator.vocabulary import ACCESS_LABELS, no_minus_zero

    def finite(x):
        return x if x is not None and math.isfinite(x) else None

    def yrs(x):
        return "–" if x is None else no_minus_zero(x)

    def cell(r, strategy, quantity, fmt):
        value = finite(getattr(getattr(r.results, strategy), quantity))
        b = band(r, strategy, quantity)
        return fmt(value) + (f"  ({fmt(b['p5'])} – {fmt(b['p95'])})" if "p5" in b else "")

    def delta(r, strategy):
        if baseline is None:
            return "–"
        d = lag_vs_baseline(r, baseline)[strategy]
        return "–" if d is None else ("+" if round(d, 2) > 0 else "") + no_minus_zero(d)

    rows = {
        "Year": lambda r: str(r.scenario.year),
        "Rule": lambda r: choice_label("rule", r.scenario.rule),
        "API access": lambda r: ACCESS_LABELS.get(r.scenario.access, r.scenario.access),
        "Lag, scratch (years)": lambda r: cell(r, "scratch", "lag_years", yrs),
        "Lag, distillation (years)": lambda r: cell(r, "distill", "lag_years", yrs),
        "Distillation gain (years)": lambda r: yrs(
            finite(r.results.distill.lag_reduction_vs_scratch_years)),
        "Δ years vs the no-controls baseline, scratch": lambda r: delta(r, "scratch"),
        "Δ years vs the no-controls baseline, distillation": lambda r: delta(r, "distill"),
        "Effective compute, scratch (FLOP)": lambda r: cell(
            r, "scratch", "effective_compute_flop", fmt_e),
        "Effective compute, distillation (FLOP)": lambda r: cell(
            r, "distill", "effective_compute_flop", fmt_e),
        "Cost, scratch": lambda r: fmt_usd(finite(r.results.scratch.cost_usd)),
        "Cost, distillation": lambda r: fmt_usd(finite(r.results.distill.cost_usd)),
        "Distillation regime": lambda r: (r.regime.regime or "–").replace("_", " "),
    }
    return {name: {row: fn(r) for row, fn in rows.items()} for name, r in results.items()}
