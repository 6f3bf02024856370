"""The Explorer's "Where the lag goes" view: the lag's waterfall per axis (compute gap,
efficiency, distillation) and its table. Layout only: the numbers are the result's
``lag_decomposition`` block (simulator.scenario.decomposition), the charts' specs come from
simulator/app/lag_view.py."""

import streamlit as st

from simulator.app.lag_view import waterfall_spec
from simulator.scenario.decomposition import decomposition_summary, decomposition_table


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
