"""The Explorer's "Where the lag goes" view: the lag's waterfall per axis (compute gap,
efficiency, distillation) and its table. Layout only: the numbers are the result's
``lag_decomposition`` block (simulator.scenario.decomposition); the bars are
simulator.charts.waterfall.waterfall_steps, the same the report's chart draws."""

import streamlit as st

from simulator.charts.waterfall import value_text, waterfall_steps
from simulator.scenario.decomposition import decomposition_summary, decomposition_table
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


def render(result) -> None:
    """Draws the view for a ScenarioResult: the summary, a waterfall per axis and the table."""
    block = result.lag_decomposition
    if block is None:
        st.info("This result has no lag decomposition.", icon=":material/info:")
        return
    st.markdown(decomposition_summary(block))
    axes = [a for a in (block.general, block.skill) if a is not None]
    for col, axis in zip(st.columns(len(axes), gap="medium"), axes):
        with col:
            st.markdown(f"**{axis.label}**")
            st.vega_lite_chart(waterfall_spec(axis.model_dump()), width="stretch")
    headers, rows = decomposition_table(block)
    st.dataframe([dict(zip(headers, row)) for row in rows], hide_index=True, width="stretch")
    st.caption("Each part in years behind the frontier, [5th, 95th percentile] over the Monte "
               "Carlo draws (whiskers on the bars); the parts add up to the lag. Efficiency: "
               f"{block.provenance['efficiency']}. Move it with the lever “Algorithmic "
               "efficiency vs the frontier (×)” among the restricted actor's training inputs.")
