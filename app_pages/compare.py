"""Compare: two to four scenarios side by side (lag, effective compute, cost, with bands)."""

import pandas as pd
import streamlit as st

from app_pages import shared, views
from simulator import appstate, comparison, hardware
from simulator.vocabulary import no_minus_zero

PAGE = "compare"
KEY = "compare_scenarios"

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
    chosen, new_errors = appstate.decode_compare(shared.query_dict(), list(presets),
                                                 default_pair)
    st.session_state[KEY] = chosen
shared.restore(PAGE, {KEY: default_pair})
st.session_state[KEY] = [p for p in st.session_state[KEY] if p in presets]

st.multiselect("Scenarios", list(presets), key=KEY, max_selections=appstate.MAX_COMPARE,
               format_func=lambda p: presets[p]["label"],
               help="Pick two to four scenarios (scenarios/*.toml). Open one in the "
                    "explorer to move its levers.")
chosen = st.session_state[KEY]


def explorer_view():
    """Returns (label, scenario) of what the explorer shows now, if it differs from a preset."""
    # The explorer's widgets are gone on this page; its saved copy (shared.remember) is not.
    saved = st.session_state.get("_saved", {}).get("explorer", {})
    values = saved.get("explorer_values")
    preset = saved.get("explorer_preset")
    custom = saved.get("explorer_custom")
    if not values or (preset not in presets and not custom):
        return None
    base, levers, base_values = (shared.custom_base(custom) if custom
                                 else shared.preset_base(preset))
    changed = {p: v for p, v in values.items()
               if p in base_values and not appstate.same_value(v, base_values[p])}
    if not changed and not custom:
        return None
    scenario, invalid = shared.apply_levers(
        base, changed | appstate.recentred_ranges(base, changed, levers))
    if invalid:
        return None
    return f"Your explorer view: {base.name} ({len(changed)} lever(s) moved)", scenario


mine = explorer_view()
include_mine = mine is not None and st.toggle(
    "Add the scenario you are exploring", key="compare_mine", value=True,
    help="What the Scenario explorer shows now, with the levers you moved. It is not part "
         "of this page's link; share its own link from the explorer.")
if include_mine:
    chosen = chosen + [mine[0]]

if len(chosen) < 2:
    st.info("Pick at least two scenarios to compare.", icon=":material/compare_arrows:")
else:
    results = {}
    for preset in chosen:
        scenario = mine[1] if include_mine and preset == mine[0] else shared.preset_base(
            preset)[0]
        label = preset if include_mine and preset == mine[0] else presets[preset]["label"]
        results[label] = shared.evaluate_cached(scenario.model_dump_json(),
                                                scenario.source_path, scenario).to_dict()
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Lag behind the frontier, years**")
        st.vega_lite_chart(views.interval_chart(
            views.interval_rows(results, "lag_years"), "Lag behind the frontier (years)",
            by_scenario=True), width="stretch")
    with right:
        st.markdown("**Effective compute, FLOP**")
        st.vega_lite_chart(views.interval_chart(
            views.interval_rows(results, "effective_compute_flop"),
            "Effective compute (FLOP, log scale)", log=True, by_scenario=True, fmt=".3g"),
            width="stretch")
    st.caption(shared.TRANSFER_CAPTION)
    base_id = comparison.baseline_preset(presets)
    base_result = None
    if base_id:
        base_scenario = shared.preset_base(base_id)[0]
        base_result = shared.evaluate_cached(base_scenario.model_dump_json(),
                                             base_scenario.source_path, base_scenario).to_dict()
    caveat = comparison.year_caveat(results, base_result)
    if caveat:
        st.warning(caveat, icon=":material/calendar_month:")

    def cell(result, strategy, quantity, fmt):
        value = result["results"][strategy][quantity]
        b = views.band(result, strategy, quantity)
        return fmt(value) + (f"  ({fmt(b['p5'])} – {fmt(b['p95'])})" if "p5" in b else "")

    def yrs(x):
        return "–" if x is None else no_minus_zero(x)

    def delta(result, strategy):
        if base_result is None:
            return "–"
        d = comparison.lag_vs_baseline(result, base_result)[strategy]
        return "–" if d is None else ("+" if round(d, 2) > 0 else "") + no_minus_zero(d)

    rows = {
        "Year": lambda r: str(r["scenario"]["year"]),
        "Rule": lambda r: hardware.get_rule(r["scenario"]["rule"]).name,
        "API access": lambda r: views.ACCESS_LABELS.get(r["scenario"]["access"],
                                                        r["scenario"]["access"]),
        "Lag, scratch (years)": lambda r: cell(r, "scratch", "lag_years", yrs),
        "Lag, distillation (years)": lambda r: cell(r, "distill", "lag_years", yrs),
        "Distillation gain (years)": lambda r: yrs(
            r["results"]["distill"].get("lag_reduction_vs_scratch_years")),
        "Δ years vs the no-controls baseline, scratch": lambda r: delta(r, "scratch"),
        "Δ years vs the no-controls baseline, distillation": lambda r: delta(r, "distill"),
        "Effective compute, scratch (FLOP)": lambda r: cell(
            r, "scratch", "effective_compute_flop", views.fmt_e),
        "Effective compute, distillation (FLOP)": lambda r: cell(
            r, "distill", "effective_compute_flop", views.fmt_e),
        "Cost, scratch": lambda r: views.fmt_usd(r["results"]["scratch"]["cost_usd"]),
        "Cost, distillation": lambda r: views.fmt_usd(r["results"]["distill"]["cost_usd"]),
        "Distillation regime": lambda r: (r.get("regime") or {}).get("regime", "–").replace(
            "_", " "),
    }
    table = pd.DataFrame({name: {row: fn(r) for row, fn in rows.items()}
                          for name, r in results.items()})
    st.subheader("Side by side")
    st.caption("Central estimate (5th – 95th percentile). A negative lag means the actor would "
               "be ahead of the frontier (its effective compute above the frontier's). "
               "Δ years vs the no-controls baseline: "
               "the scenario's lag minus the lag of "
               + (f"“{presets[base_id]['label']}”" if base_id else "the baseline")
               + " (positive: the actor trails further than without controls).")
    st.dataframe(table, width="stretch", height=38 + 35 * len(table))
    numbers = pd.concat([shared.headline_frame(name, r) for name, r in results.items()])
    st.download_button("Download the numbers (CSV)",
                       data=lambda: numbers.to_csv(index=False).encode("utf-8"),
                       file_name="compare.csv", mime="text/csv", on_click="ignore",
                       icon=":material/download:")
    st.markdown("Open in the explorer: " + " · ".join(
        f"[{presets[p]['label']}]({shared.page_link('explorer', {'scenario': p})})"
        for p in chosen if p in presets))

chosen = [p for p in chosen if p in presets]
query = appstate.encode_compare(chosen)
shared.link_messages(PAGE, query, new_errors, where=messages)
shared.remember(PAGE, [KEY], query)
