"""Compare: two to four scenarios side by side (lag, effective compute, cost, with bands).

It reads scenarios: the shipped files, and the app's saved scenario set (the view being
explored, scenario files uploaded here).
"""

import pandas as pd
import streamlit as st

from app_pages import shared
from simulator.app import comparison, figures, links, vega
from simulator.app.scenario_set import upload_key

PAGE = "compare"
KEY = "compare_scenarios"
UPLOAD_KEY = "compare_upload"

presets = shared.presets()
explorer_default = shared.default_preset(presets)
others = [p for p in presets if p != explorer_default]
baseline = next((p for p in others if "no-controls" in p), others[0] if others else None)
default_pair = [p for p in (explorer_default, baseline) if p]

shared.page_header(
    "Compare scenarios",
    "Two to four shipped scenarios side by side: how far behind the frontier the restricted "
    "actor stays on each path, what it reaches, and what it pays. Dots are central estimates; "
    "bars are 50% and 90% Monte Carlo intervals.")
messages = st.container()

new_errors = None
if shared.link_is_new(PAGE):
    chosen, new_errors = links.decode_compare(shared.query_dict(), list(presets),
                                              default_pair)
    st.session_state[KEY] = chosen
shared.restore(PAGE, {KEY: default_pair})
st.session_state[KEY] = [p for p in st.session_state[KEY] if p in presets]

st.multiselect("Scenarios", list(presets), key=KEY, max_selections=links.MAX_COMPARE,
               format_func=lambda p: presets[p]["label"],
               help="Pick two to four scenarios (scenarios/*.toml). Open one in the "
                    "explorer to move its levers.")
chosen = st.session_state[KEY]


def on_upload():
    got = shared.read_upload(UPLOAD_KEY, "_compare_upload_error")
    if got is None:
        return
    name, text, scenario = got
    shared.scenario_set().put(upload_key(text), f"{scenario.name} ({name})", scenario)


with st.expander("Add a scenario file (TOML)", icon=":material/upload_file:"):
    shared.scenario_uploader(UPLOAD_KEY, on_upload, "_compare_upload_error")

# The saved set: the explorer's view (when it is not a preset) and uploaded files.
saved = shared.scenario_set().entries()
extra = []
for entry in saved:
    key = "compare_mine" if entry.key == "explorer" else f"compare_saved:{entry.key}"
    if st.toggle(f"Add {entry.label}" if entry.key != "explorer" else
                 "Add the scenario you are exploring", key=key, value=True,
                 help="What the Scenario explorer shows now, with the levers you moved. It is "
                      "not part of this page's link; share its own link from the explorer."
                 if entry.key == "explorer" else "An uploaded scenario file. It is not part "
                 "of this page's link."):
        extra.append(entry)

if len(chosen) + len(extra) < 2:
    st.info("Pick at least two scenarios to compare.", icon=":material/compare_arrows:")
else:
    def evaluate(scenario):
        return shared.evaluate_cached(scenario.model_dump_json(), scenario.source_path,
                                      scenario)

    results = {presets[p]["label"]: evaluate(shared.preset_base(p)[0]) for p in chosen}
    results |= {entry.label: evaluate(entry.scenario) for entry in extra}
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Lag behind the frontier, years**")
        st.vega_lite_chart(vega.interval_chart(
            vega.interval_rows(results, "lag_years"), "Lag behind the frontier (years)",
            by_scenario=True), width="stretch")
    with right:
        st.markdown("**Effective compute, FLOP**")
        st.vega_lite_chart(vega.interval_chart(
            vega.interval_rows(results, "effective_compute_flop"),
            "Effective compute (FLOP, log scale)", log=True, by_scenario=True, fmt=".3g"),
            width="stretch")
    st.caption(shared.TRANSFER_CAPTION)
    base_id = comparison.baseline_preset(presets)
    base_result = evaluate(shared.preset_base(base_id)[0]) if base_id else None
    caveat = comparison.year_caveat(results, base_result)
    if caveat:
        st.warning(caveat, icon=":material/calendar_month:")
    table = pd.DataFrame(comparison.side_by_side(results, base_result))
    st.subheader("Side by side")
    st.caption("Central estimate (5th – 95th percentile). A negative lag means the actor would "
               "be ahead of the frontier (its effective compute above the frontier's). "
               "Δ years vs the no-controls baseline: "
               "the scenario's lag minus the lag of "
               + (f"“{presets[base_id]['label']}”" if base_id else "the baseline")
               + " (positive: the actor trails further than without controls).")
    st.dataframe(table, width="stretch", height=38 + 35 * len(table))
    numbers = pd.concat([figures.headline_frame(name, r) for name, r in results.items()])
    st.download_button("Download the numbers (CSV)",
                       data=lambda: numbers.to_csv(index=False).encode("utf-8"),
                       file_name="compare.csv", mime="text/csv", on_click="ignore",
                       icon=":material/download:")
    st.markdown("Open in the explorer: " + " · ".join(
        f"[{presets[p]['label']}]({shared.page_link('explorer', {'scenario': p})})"
        for p in chosen if p in presets))

query = links.encode_compare([p for p in chosen if p in presets])
shared.link_messages(PAGE, query, new_errors, where=messages)
shared.remember(PAGE, [KEY], query)
