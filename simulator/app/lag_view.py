"""The Explorer's "Where the lag goes" view: what it draws, computed here (app_pages/lag_section.py
only lays it out). The bars are simulator.charts.waterfall.waterfall_steps, the same the report's
chart draws, from the result's ``lag_decomposition`` block (simulator.scenario.decomposition).

    from simulator.app.lag_view import waterfall_spec
    spec = waterfall_spec(result.lag_decomposition.general.model_dump())   # Vega-Lite
"""

from __future__ import annotations

from simulator.charts.waterfall import value_text, waterfall_steps
from simulator.vocabulary import PALETTE

COLOURS = {"increase": PALETTE["increase"], "decrease": PALETTE["decrease"],
           "total": "#444444", "origin": PALETTE["frontier"]}


def waterfall_spec(axis: dict) -> dict:
    """Returns a Vega-Lite horizontal waterfall of one axis (a LagAxis dict)."""
    rows = []
    for order, s in enumerate(waterfall_steps(axis)):
        kind = s["kind"] if s["kind"] != "part" else (
            "increase" if s["value"] >= 0 else "decrease")
        lo, hi = s["interval"] or (None, None)
        rows.append({"step": s["label"], "order": order, "kind": kind,
                     "start": s["start"], "end": s["end"], "lo": lo, "hi": hi,
                     "label_x": max(v for v in (s["start"], s["end"], hi) if v is not None),
                     "text": value_text(s)})
    y = {"field": "step", "type": "nominal", "sort": {"field": "order"}, "title": None}
    colour = {"field": "kind", "type": "nominal", "legend": None,
              "scale": {"domain": list(COLOURS), "range": list(COLOURS.values())}}
    x_title = {"title": "Years behind the frontier"}
    return {
        "data": {"values": rows}, "height": {"step": 30},
        "layer": [
            {"mark": {"type": "bar", "opacity": 0.85},
             "encoding": {"y": y, "color": colour,
                          "x": {"field": "start", "type": "quantitative", **x_title},
                          "x2": {"field": "end"},
                          "tooltip": [{"field": "step"}, {"field": "text", "title": "years"},
                                      {"field": "lo", "format": ".2f", "title": "p5"},
                                      {"field": "hi", "format": ".2f", "title": "p95"}]}},
            {"mark": {"type": "rule", "strokeWidth": 1.5, "color": "#222222"},
             "transform": [{"filter": "datum.lo != null"}],
             "encoding": {"y": y, "x": {"field": "lo", "type": "quantitative"},
                          "x2": {"field": "hi"}}},
            {"mark": {"type": "text", "align": "left", "dx": 4},
             "encoding": {"y": y, "x": {"field": "label_x", "type": "quantitative"},
                          "text": {"field": "text"}, "color": colour}},
        ]}
