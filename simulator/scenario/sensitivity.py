"""Sensitivity: which levers move the lag most (a tornado table).

Each lever is set to the low and then the high end of its range with every other input at the
scenario's value (and the fit's point estimate); the swing is |lag(high) - lag(low)| in years.
Ranges come from the scenario's ``[[uncertainty.levers]]`` and, for the levers those leave out,
from each field's default swing in the schema (``schema.lever(swing=...)``: relative ranges,
clipped to each field's bounds). All 2 x levers evaluations are one vectorised call of
model.core.

Example:
    >>> from simulator.scenario import load_scenario, tornado
    >>> rows = tornado(load_scenario("scenarios/h20-requirement-2025-central.toml"))
    >>> rows[0]["path"]  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from simulator.scenario.core import core
from simulator.scenario.schema import default_swing

def default_levers(ctx, base: dict, specs: dict) -> list[tuple]:
    """Returns [(path, low, high)] from the schema's default swings for the levers that apply."""
    s = ctx.scenario
    out = []
    for path, value in base.items():
        swing = default_swing(path)
        if swing is None or path not in specs or not np.isfinite(value):
            continue
        if path == "actor.smuggling_interdiction_fraction" and not any(
                e.channel == "smuggled" for e in s.actor.chips):
            continue
        if path == "actor.case_by_case_approval_fraction" and not any(
                e.channel == "import" and f.import_factor < 0 for e, f in ctx.chips):
            continue
        if path.startswith("distillation.") and not s.distillation.enabled:
            continue
        how, a, b = swing
        if how == "mul":
            low, high = value * a, value * b
        elif how == "add":
            low, high = value + a, value + b
        else:
            low, high = a, b
        spec = specs[path]
        lo, hi = spec["min"], spec["max"]
        if lo is not None:
            low = max(low, np.nextafter(lo, np.inf) if spec["min_exclusive"] else lo)
        if hi is not None:
            high = min(high, np.nextafter(hi, -np.inf) if spec["max_exclusive"] else hi)
        if high > low:
            out.append((path, float(low), float(high)))
    return out


def tornado_rows(ctx, base: dict, levers: list[tuple], specs: dict) -> list[dict]:
    """Returns tornado rows (sorted by swing, largest first) for [(path, low, high)]."""
    if not levers:
        return []
    n = 2 * len(levers) + 1
    values = {k: np.full(n, v, dtype=float) for k, v in base.items()}
    for j, (path, low, high) in enumerate(levers):
        values[path][2 * j], values[path][2 * j + 1] = low, high
    out = core(ctx, values, np.full(n, -1), np.full(n, 0.5), np.ones(n, dtype=bool))
    rows = []
    for j, (path, low, high) in enumerate(levers):
        row = {"path": path, "label": specs.get(path, {}).get("label", path),
               "low": low, "high": high, "base": float(base[path])}
        swing = 0.0
        for strategy in ("scratch", "distill"):
            lag = out[f"{strategy}.lag_years"]
            at_low, at_high = float(lag[2 * j]), float(lag[2 * j + 1])
            row[strategy] = {"lag_years_at_low": at_low, "lag_years_at_high": at_high,
                             "lag_years_base": float(lag[-1]),
                             "swing_years": abs(at_high - at_low)}
            swing = max(swing, abs(at_high - at_low))
        row["swing_years"] = swing
        rows.append(row)
    rows.sort(key=lambda r: (-r["swing_years"], r["path"]))
    return rows
