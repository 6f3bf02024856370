"""Interactive views of a scenario result: Vega-Lite specs the browser draws.

The publication figures (PNG / SVG / PDF with footers and provenance) come from
simulator.charts; these are their interactive counterparts, built from the same numbers of the
typed ScenarioResult (non-finite numbers become null: Vega-Lite reads JSON).
"""

from __future__ import annotations

import math

from simulator.app.display import fmt_sig
from simulator.vocabulary import MODES, PALETTE, STRATEGY_LABELS, sci, usd

STRATEGY_COLOURS = {s: PALETTE[s] for s in STRATEGY_LABELS}


def band(result, strategy: str, quantity: str) -> dict:
    """Returns the percentile band {p5, p25, p50, p75, p95} of a quantity of a ScenarioResult
    (empty without Monte Carlo draws)."""
    if result.percentiles is None:
        return {}
    q = getattr(getattr(result.percentiles, strategy), quantity)
    return {name: finite(getattr(q, name)) for name in type(q).model_fields}


def finite(x):
    """Returns ``x``, or None when it is not a finite number (JSON has no inf or nan)."""
    return x if x is None or math.isfinite(x) else None


def interval_rows(results: dict, quantity: str) -> list[dict]:
    """Returns one row per (scenario, strategy) of {name: ScenarioResult}: the estimate and the
    5/25/50/75/95th percentiles."""
    rows = []
    for name, result in results.items():
        for strategy in ("scratch", "distill"):
            estimate = finite(getattr(getattr(result.results, strategy), quantity))
            rows.append({"scenario": name, "strategy": STRATEGY_LABELS[strategy],
                         "estimate": estimate, **band(result, strategy, quantity)})
    return rows


def log_axis(lo, hi) -> dict:
    """Returns a Vega-Lite axis for a log scale from lo to hi: ticks at 1 (and 3 when the range
    spans under four decades) per decade, labelled '1e25' instead of a crowd of '2e+25 3e+25'."""
    values = [v for v in (lo, hi) if v is not None and v == v and v > 0]
    if not values:
        return {"labelExpr": "replace(format(datum.value, '.0e'), 'e+', 'e')"}
    lo, hi = min(values), max(values)
    lo_d, hi_d = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    span = math.log10(hi / lo) if hi > lo else 0.0
    mantissas = (1,) if span >= 4 else (1, 3) if span >= 1.5 else (1, 1.5, 2, 3, 5, 7)
    ticks = [m * 10.0 ** d for d in range(lo_d, hi_d + 1) for m in mantissas
             if lo / 1.5 <= m * 10.0 ** d <= hi * 1.5]
    return {"values": ticks or [10.0 ** lo_d],
            "labelExpr": "replace(format(datum.value, '.2~e'), 'e+', 'e')", "grid": True}


def _strategy_colour(legend=True) -> dict:
    return {"field": "strategy", "type": "nominal", "title": None,
            "scale": {"domain": list(STRATEGY_LABELS.values()),
                      "range": list(STRATEGY_COLOURS.values())},
            "legend": {"orient": "bottom"} if legend else None}


# Charts are plain Vega-Lite dicts: the browser draws them, and building a dict costs
# microseconds where Altair's schema validation costs a large part of a rerun.
def interval_chart(rows: list[dict], quantity_title: str, *, log=False, by_scenario=False,
                   fmt=".2f") -> dict:
    """Returns a dot-and-whisker chart: 90% interval (thin), 50% (thick), estimate (dot)."""
    y = {"field": "scenario" if by_scenario else "strategy", "type": "nominal", "title": None,
         "sort": None, "axis": {"labelLimit": 260}}
    scale = {"type": "log"} if log else {"zero": False}
    x_title = {"title": quantity_title, "scale": scale}
    if log:
        ends = [r.get(k) for r in rows for k in ("p5", "p95", "estimate")]
        ends = [e for e in ends if e is not None and e > 0]
        x_title["axis"] = log_axis(min(ends, default=None), max(ends, default=None))
    tips = [{"field": "scenario"}, {"field": "strategy"},
            *({"field": f, "type": "quantitative", "format": fmt}
              for f in ("estimate", "p5", "p50", "p95"))]
    enc = {"y": y, "color": _strategy_colour(), "tooltip": tips}
    if by_scenario:
        enc["yOffset"] = {"field": "strategy", "sort": None}
    layers = []
    if rows and "p5" in rows[0]:
        layers.append({"mark": {"type": "rule", "strokeWidth": 2, "opacity": 0.6},
                       "encoding": {**enc, "x": {"field": "p5", "type": "quantitative",
                                                 **x_title},
                                    "x2": {"field": "p95"}}})
        layers.append({"mark": {"type": "rule", "strokeWidth": 7, "opacity": 0.45},
                       "encoding": {**enc, "x": {"field": "p25", "type": "quantitative",
                                                 **x_title},
                                    "x2": {"field": "p75"}}})
    layers.append({"mark": {"type": "point", "size": 110, "filled": True, "opacity": 1,
                            "stroke": "white"},
                   "encoding": {**enc, "x": {"field": "estimate", "type": "quantitative",
                                             **x_title}}})
    return {"data": {"values": rows}, "layer": layers,
            "height": {"step": 30 if by_scenario else 44}}


def tornado_chart(rows: list, strategy: str, label_of=None) -> dict | None:
    """Returns a tornado of the lag: each lever's range (``rows``: the result's TornadoRow
    list) moves the lag from its base value."""
    data, order = [], []
    for row in sorted(rows, key=lambda r: -(finite(getattr(r, strategy).swing_years) or 0)):
        s = getattr(row, strategy)
        name = label_of(row.path) if label_of else row.path
        label = f"{name} ({fmt_sig(row.low)} – {fmt_sig(row.high)})"
        order.append(label)
        for end in ("low", "high"):
            data.append({"lever": label, "end": f"lever at {end}",
                         "lag": finite(getattr(s, f"lag_years_at_{end}")),
                         "base": finite(s.lag_years_base), "value": getattr(row, end)})
    if not data:
        return None
    bars = {"mark": {"type": "bar", "height": 14, "opacity": 0.85}, "encoding": {
        "y": {"field": "lever", "type": "nominal", "sort": order, "title": None,
              "axis": {"labelLimit": 360}},
        "x": {"field": "lag", "type": "quantitative", "title": "Lag behind the frontier (years)",
              "scale": {"zero": False}},
        "x2": {"field": "base"},
        "color": {"field": "end", "type": "nominal", "title": None,
                  "scale": {"domain": ["lever at low", "lever at high"],
                            "range": ["#56B4E9", "#D55E00"]},
                  "legend": {"orient": "bottom"}},
        "tooltip": [{"field": "lever"}, {"field": "end"},
                    {"field": "value", "type": "quantitative", "title": "lever value",
                     "format": ".4g"},
                    {"field": "lag", "type": "quantitative", "title": "lag (years)",
                     "format": ".2f"},
                    {"field": "base", "type": "quantitative", "title": "base lag (years)",
                     "format": ".2f"}]}}
    rule = {"mark": {"type": "rule", "color": "#222", "strokeDash": [3, 2]},
            "encoding": {"x": {"aggregate": "min", "field": "base", "type": "quantitative"}}}
    return {"data": {"values": data}, "layer": [bars, rule], "height": {"step": 34}}


def timeseries_chart(rows: list[dict]) -> dict | None:
    """Returns the lag of each strategy by year: a line for the estimate, bands for the 50%
    and 90% Monte Carlo intervals (rows from simulator.scenario.overtime.lag_over_time)."""
    data = [{"year": r["year"], "strategy": STRATEGY_LABELS[s], **r[s]}
            for r in rows for s in ("scratch", "distill") if s in r]
    if not data:
        return None
    x = {"field": "year", "type": "quantitative", "title": None,
         "axis": {"format": "d", "tickMinStep": 1}}
    colour = _strategy_colour()
    layers = []
    if "p5" in data[0]:
        for low, high, opacity in (("p5", "p95", 0.15), ("p25", "p75", 0.25)):
            layers.append({"mark": {"type": "area", "opacity": opacity}, "encoding": {
                "x": x, "y": {"field": low, "type": "quantitative"},
                "y2": {"field": high}, "color": colour}})
    layers.append({"mark": {"type": "line", "point": True}, "encoding": {
        "x": x, "y": {"field": "lag_years", "type": "quantitative",
                      "title": "Lag behind the frontier (years)"},
        "color": colour, "strokeDash": {"field": "strategy", "type": "nominal", "legend": None},
        "tooltip": [{"field": "year"}, {"field": "strategy"},
                    {"field": "lag_years", "type": "quantitative", "format": ".2f",
                     "title": "lag (years)"},
                    *({"field": f, "type": "quantitative", "format": ".2f"}
                      for f in ("p5", "p95") if f in data[0])]}})
    return {"data": {"values": data}, "layer": layers, "height": 320}


def runs_chart(runs) -> dict:
    """Returns the Evidence page's scatter of a sweep's runs (a results.csv as a DataFrame):
    held-out loss against training compute by mode, with the oracle's loss as the floor."""
    plot = runs.assign(compute=runs["flops"] if "flops" in runs else 6 * runs["params"]
                       * runs["tokens"])[["run_id", "mode", "params", "tokens", "compute",
                                          "loss"]]
    oracle = runs["oracle_loss"].median()
    floor_layer = [] if oracle != oracle else [{
        "data": {"values": [{"floor": float(oracle),
                             "label": f"oracle floor {oracle:.3f} nats"}]},
        "layer": [{"mark": {"type": "rule", "strokeDash": [5, 3], "color": "#555"},
                   "encoding": {"y": {"field": "floor", "type": "quantitative"}}},
                  {"mark": {"type": "text", "align": "left", "baseline": "bottom", "dx": 4,
                            "dy": -2, "color": "#555", "x": 0},
                   "encoding": {"y": {"field": "floor", "type": "quantitative"},
                                "text": {"field": "label"}}}]}]
    return {"height": 320, "layer": [{
        "data": {"values": plot.to_dict("records")},
        "mark": {"type": "point", "filled": True, "size": 50, "opacity": 0.8},
        "encoding": {
            "x": {"field": "compute", "type": "quantitative", "scale": {"type": "log"},
                  "title": "Training compute (FLOP, log scale)",
                  "axis": log_axis(plot["compute"].min(), plot["compute"].max())},
            "y": {"field": "loss", "type": "quantitative", "scale": {"zero": False},
                  "title": "Held-out loss (nats/token)"},
            "color": {"field": "mode", "type": "nominal", "title": "Mode",
                      "scale": {"domain": list(MODES),
                                "range": [PALETTE[m] for m in MODES]}},
            "shape": {"field": "mode", "type": "nominal", "title": "Mode",
                      "scale": {"domain": list(MODES)}},
            "tooltip": [{"field": "run_id"}, {"field": "mode"},
                        {"field": "params", "format": ".3g", "type": "quantitative"},
                        {"field": "tokens", "format": ".3g", "type": "quantitative"},
                        {"field": "loss", "format": ".4f", "type": "quantitative"}]}},
        *floor_layer]}


def fmt_flop(x) -> str:
    """Returns FLOP in scientific notation, e.g. '3.4e24 FLOP'."""
    return "–" if x is None else f"{sci(float(x))} FLOP"


def fmt_e(x) -> str:
    """Returns a large number in short scientific notation, e.g. '3.4e24'."""
    return "–" if x is None else sci(float(x))


def fmt_usd(x) -> str:
    """Returns dollars with a k / M / B suffix."""
    return "–" if x is None else usd(x)
