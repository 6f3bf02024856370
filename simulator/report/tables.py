"""The numbers behind every chart and table of a report, as CSV (full precision).

Each function returns (headers, rows) from data the model or the fit card already holds;
``csv_text`` writes them with Python's shortest round-trip float repr, so a CSV value equals
the JSON value of ``run --json`` exactly.
"""

from __future__ import annotations

import csv
import io
import math

from simulator.curves.card import FitCard
from simulator.scenario.contract import HEADLINE, STRATEGIES, ScenarioResult

PCTS = ("p5", "p25", "p50", "p75", "p95")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """Returns a CSV cell: floats round-trip, None empty, text that a spreadsheet would run as
    a formula (starting with = + - @ tab or CR) prefixed with ' (OWASP's CSV-injection advice)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(headers, rows) -> str:
    """Returns CSV text (LF line ends, floats in shortest round-trip form, None empty)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in headers])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buf.getvalue()


def _v(x):
    """Returns x, or None for a non-finite float (as ``run --json`` writes it)."""
    return None if isinstance(x, float) and not math.isfinite(x) else x


def results_table(result: ScenarioResult):
    """Returns the headline numbers: one row per strategy and metric, with percentiles."""
    rows = []
    pct = result.percentiles
    for strategy in STRATEGIES:
        for metric in HEADLINE:
            q = getattr(getattr(pct, strategy), metric) if pct else None
            rows.append([strategy, metric, _v(getattr(getattr(result.results, strategy), metric))]
                        + [_v(getattr(q, k)) if q else None for k in PCTS])
    return ["strategy", "metric", "value", *PCTS], rows


def tornado_table(result: ScenarioResult):
    """Returns the tornado rows: each lever's range and the lag at each end."""
    rows = []
    for r in result.tornado:
        rows.append([_v(x) for x in (
            r.path, r.label, r.low, r.high, r.base, r.scratch.lag_years_at_low,
            r.scratch.lag_years_at_high, r.distill.lag_years_at_low, r.distill.lag_years_at_high,
            r.distill.lag_years_base, r.swing_years)])
    return ["path", "label", "low", "high", "base", "scratch_lag_years_at_low",
            "scratch_lag_years_at_high", "distill_lag_years_at_low", "distill_lag_years_at_high",
            "distill_lag_years_base", "swing_years"], rows


def fleet_table(result: ScenarioResult):
    """Returns the fleet: one row per chip entry with usable chips and FLOP."""
    keys = ("index", "chip", "channel", "count", "usable", "flop", "status", "controlled",
            "precision", "reason")
    return list(keys), [[_v(getattr(f, k)) for k in keys] for f in result.fleet]


def timeseries_table(result: ScenarioResult):
    """Returns the yearly series (empty when the scenario has none)."""
    rows = []
    for r in result.timeseries:
        rows.append([r.year, _v(r.frontier_compute_flop)]
                    + [_v(getattr(getattr(r, s), m)) for s in STRATEGIES for m in HEADLINE])
    return (["year", "frontier_compute_flop"] + [f"{s}_{m}" for s in STRATEGIES for m in HEADLINE],
            rows)


def cost_table(result: ScenarioResult):
    """Returns what each path costs: fleet, API spend, total and its 90% range."""
    api = _v(result.distillation.api_cost_usd) or 0.0
    pct = result.percentiles
    rows = []
    for strategy in STRATEGIES:
        total = getattr(result.results, strategy).cost_usd
        spend = api if strategy == "distill" else 0.0
        q = getattr(pct, strategy).cost_usd if pct else None
        rows.append([strategy, _v(total - spend), spend, _v(total),
                     _v(q.p5) if q else None, _v(q.p95) if q else None])
    return ["strategy", "fleet_usd", "api_usd", "total_usd", "p5", "p95"], rows


def capability_table(curves: dict | None):
    """Returns the capability curves: effective compute percentiles per path and compute."""
    rows = []
    if curves:
        for mode, q in curves["strategies"].items():
            for i, c in enumerate(curves["compute_flop"]):
                rows.append([mode, c, q["p5"][i], q["p50"][i], q["p95"][i]])
    return ["path", "compute_flop", "effective_compute_flop_p5", "effective_compute_flop_p50",
            "effective_compute_flop_p95"], rows


def chips_table(chips, fleet=()):
    """Returns the chip map's points: TPP, density and status under the rule."""
    in_fleet = set(fleet)
    rows = [[r.chip, float(r.tpp), float(r.performance_density), r.status, bool(r.datacenter),
             r.chip in in_fleet] for r in chips.itertuples()]
    return ["chip", "tpp", "performance_density", "status", "datacenter", "in_fleet"], rows


def compute_multiplier_table(card: FitCard):
    """Returns M(C) per access mode from the fit card."""
    rows = []
    for mode, entry in card.distill.items():
        cm = entry.compute_multiplier
        for i, c in enumerate(cm.compute_flop):
            rows.append([mode, c, cm.median[i], cm.p05[i], cm.p95[i]])
    return ["mode", "compute_flop", "median", "p05", "p95"], rows


def token_limited_table(card: FitCard):
    """Returns the headline gain G(f) per access mode and teacher from the fit card."""
    rows = []
    for mode, teachers in card.token_limited_modes().items():
        for teacher, entry in teachers.items():
            if entry.gain is None:
                continue
            med = entry.gain.central()
            p05, p95 = entry.gain.p05 or med, entry.gain.p95 or med
            for i, f in enumerate(entry.gain.fraction):
                rows.append([mode, teacher, f, med[i], p05[i], p95[i]])
    return ["mode", "teacher", "teacher_token_fraction", "median", "p05", "p95"], rows


def fits_table(card: FitCard):
    """Returns every fitted law's parameters (the lines of the evidence charts)."""
    rows = [["scratch", "", k, float(v)] for k, v in card.scratch.params.items()]
    for mode, entry in card.distill.items():
        for teacher, t in entry.teachers.items():
            rows += [[mode, teacher, k, float(v)] for k, v in t.law.params.items()]
    return ["mode", "teacher", "parameter", "value"], rows


RUN_COLUMNS = ("run_id", "mode", "teacher", "params", "tokens", "flops", "loss", "oracle_loss",
               "teacher_token_fraction", "seed")


def runs_table(runs):
    """Returns the measured runs the evidence charts plot."""
    cols = [c for c in RUN_COLUMNS if c in runs.columns]
    rows = []
    for rec in runs[cols].itertuples(index=False):
        rows.append([None if (isinstance(v, float) and v != v) else
                     (float(v) if hasattr(v, "dtype") and v.dtype.kind == "f" else
                      v.item() if hasattr(v, "item") else v) for v in rec])
    return cols, rows
