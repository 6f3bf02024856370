"""Altair views of a scenario result (interactive, drawn in the browser; layout only).

The publication figures (PNG / SVG / PDF with footers and provenance) come from
simulator.charts; these are their interactive counterparts, built from the same numbers.
"""

from __future__ import annotations

from app_pages.shared import fmt_sig
from simulator.vocabulary import ACCESS_LABELS, PALETTE, STRATEGY_LABELS, sci, usd

STRATEGY_COLOURS = {s: PALETTE[s] for s in STRATEGY_LABELS}


def band(result: dict, strategy: str, quantity: str) -> dict:
    """Returns the percentile band {p5, p25, p50, p75, p95} of a quantity (may be empty)."""
    return ((result.get("percentiles") or {}).get(strategy) or {}).get(quantity) or {}


def interval_rows(results: dict[str, dict], quantity: str) -> list[dict]:
    """Returns one row per (scenario, strategy): estimate and 5/25/50/75/95th percentiles."""
    rows = []
    for name, result in results.items():
        for strategy in ("scratch", "distill"):
            estimate = (result.get("results") or {}).get(strategy, {}).get(quantity)
            rows.append({"scenario": name, "strategy": STRATEGY_LABELS[strategy],
                         "estimate": estimate, **band(result, strategy, quantity)})
    return rows


def log_axis(lo, hi) -> dict:
    """Returns a Vega-Lite axis for a log scale from lo to hi: ticks at 1 (and 3 when the range
    spans under four decades) per decade, labelled '1e25' instead of a crowd of '2e+25 3e+25'."""
    import math

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


def tornado_chart(rows: list[dict], strategy: str, label_of=None) -> dict | None:
    """Returns a tornado of the lag: each lever's range moves the lag from its base value."""
    data, order = [], []
    for row in sorted(rows, key=lambda r: -((r.get(strategy) or {}).get("swing_years") or 0)):
        s = row.get(strategy) or {}
        if not s:
            continue
        name = label_of(row["path"]) if label_of else row["path"]
        label = f"{name} ({fmt_sig(row['low'])} – {fmt_sig(row['high'])})"
        order.append(label)
        for end in ("low", "high"):
            data.append({"lever": label, "end": f"lever at {end}",
                         "lag": s.get(f"lag_years_at_{end}"), "base": s.get("lag_years_base"),
                         "value": row[end]})
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


def fmt_flop(x) -> str:
    """Returns FLOP in scientific notation, e.g. '3.4e24 FLOP'."""
    return "–" if x is None else f"{sci(float(x))} FLOP"


def fmt_e(x) -> str:
    """Returns a large number in short scientific notation, e.g. '3.4e24'."""
    return "–" if x is None else sci(float(x))


def fmt_usd(x) -> str:
    """Returns dollars with a k / M / B suffix."""
    return "–" if x is None else usd(x)
