"""Chips & rules: how each export-control rule classifies each chip, and what-if thresholds."""

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import shared
from simulator import hardware
from simulator.app import links, vega, whatif
from simulator.app.status_matrix import status_matrix_html
from simulator.charts import labels as labels_mod

PAGE = "chips"
RULE_KEY = "chips_rule"
WHATIF_PREFIX = "chips_t_"
METRIC_LABELS = {"tpp": "TPP", "performance_density": "Performance density (TPP/mm²)",
                 "interconnect_gbps": "Interconnect (GB/s)",
                 "memory_bandwidth_gbps": "Memory bandwidth (GB/s)",
                 "us_market": "Sold in the US (1 = yes)"}


@st.cache_data(max_entries=64, show_spinner=False)
def classified(rule_id: str, moved: tuple) -> pd.DataFrame:
    """Returns the chip table classified under the rule, with the what-if thresholds applied."""
    rule = whatif.rule_with_thresholds(hardware.get_rule(rule_id), dict(moved))
    return hardware.classify_all(rule)


@st.cache_data(show_spinner=False)
def matrix_data() -> tuple[list, list, list]:
    """Returns (records, [(rule id, label)], wide CSV rows) of the chip x rule status matrix."""
    from simulator.hardware.matrix import status_matrix

    matrix = status_matrix()
    return (matrix.records(), [(r, hardware.get_rule(r).name) for r in matrix.rules],
            matrix.wide_rows())


@st.cache_data(show_spinner=False)
def rule_info(rule_id: str) -> dict:
    """Returns a rule's title, dates, summary, sources and thresholds as plain data."""
    rule = hardware.get_rule(rule_id)
    return {"title": rule.title, "label": rule.name, "effective": rule.effective, "summary": rule.summary,
            "sources": list(rule.sources), "cloud": rule.cloud_access_allowed,
            "thresholds": whatif.rule_thresholds(rule)}


rule_ids = hardware.rule_ids()
default_rule = hardware.default_rule_id()

shared.page_header(
    "Chips & rules",
    "How each US export-control rule classifies each AI chip for the restricted country "
    "(China, incl. Macau). Chip specifications: data/chips.csv; rules and thresholds: "
    "data/rules.toml, each with its source.")
messages = st.container()

new_errors = None
if shared.link_is_new(PAGE):
    query, new_errors = shared.query_dict(), []
    rule_id = links.decode_choice(query, "rule", rule_ids, default_rule, new_errors)
    st.session_state[RULE_KEY] = rule_id
    thresholds = rule_info(rule_id)["thresholds"]
    for entry in thresholds:
        lo, hi, _ = whatif.threshold_limits(entry)
        st.session_state[WHATIF_PREFIX + entry["key"]] = links.decode_number(
            query, entry["key"], lo, hi, entry["value"], new_errors)
    known = {"rule"} | {e["key"] for e in thresholds}
    unknown = sorted(k for k in query if k not in known)
    if unknown:
        new_errors.append(f"Ignored unknown link parameter(s): {', '.join(unknown)}.")
shared.restore(PAGE, {RULE_KEY: default_rule})

top = st.columns([2, 3], gap="large")
with top[0]:
    rule_id = st.selectbox(
        "Rule in force", rule_ids, key=RULE_KEY,
        format_func=lambda r: rule_info(r)["label"],
        help="The export-control regime applied to every chip below.")
    info = rule_info(rule_id)
    st.markdown(f"**{info['title']}** (rule id `{rule_id}`). {info['summary']}")
    st.caption(f"Effective {info['effective'] or 'n/a'} · remote (cloud) access to controlled "
               f"chips abroad: {'not restricted' if info['cloud'] else 'restricted'}")
    if info["sources"]:
        with st.expander("Sources"):
            st.markdown("\n".join(f"- <{url}>" for url in info["sources"]))

thresholds = info["thresholds"]
whatif_keys = [WHATIF_PREFIX + e["key"] for e in thresholds]
shared.restore(PAGE, {WHATIF_PREFIX + e["key"]: e["value"] for e in thresholds})


def reset_whatif():
    for entry in rule_info(st.session_state[RULE_KEY])["thresholds"]:
        st.session_state[WHATIF_PREFIX + entry["key"]] = entry["value"]


with top[0]:
    if thresholds:
        with st.expander("What if the thresholds moved?", icon=":material/tune:",
                         expanded=True):
            st.caption("Move a threshold and every chip is re-classified; the tests that use "
                       "it are listed under each input.")
            cols = st.columns(2)
            for i, entry in enumerate(thresholds):
                lo, hi, step = whatif.threshold_limits(entry)
                with cols[i % 2]:
                    st.number_input(
                        f"{METRIC_LABELS.get(entry['metric'], entry['metric'])} "
                        f"{entry['op']}", min_value=lo, max_value=hi, step=step,
                        key=WHATIF_PREFIX + entry["key"], format="%g",
                        help=f"Used by: {', '.join(entry['used_by'])}. "
                             f"Rule value: {entry['value']:g}.")
            st.button("Reset to the rule's values", on_click=reset_whatif,
                      icon=":material/restart_alt:")
    else:
        st.info("This rule has no thresholds to move.", icon=":material/info:")

moved = {e["key"]: float(st.session_state[WHATIF_PREFIX + e["key"]]) for e in thresholds
         if not links.same_value(st.session_state[WHATIF_PREFIX + e["key"]], e["value"])}
table = classified(rule_id, tuple(sorted(moved.items())))
base = classified(rule_id, ()) if moved else table

with top[1]:
    counts = table["status"].value_counts()
    cells = st.columns(len(shared.STATUS_LABELS))
    for cell, (status, label) in zip(cells, shared.STATUS_LABELS.items()):
        delta = int(counts.get(status, 0)) - int(base["status"].value_counts().get(status, 0))
        cell.metric(label, int(counts.get(status, 0)),
                    delta=delta if moved and delta else None, delta_color="off")

    plot = table.assign(
        status_label=table["status"].map(shared.STATUS_LABELS),
        kind=table["datacenter"].map({True: "Datacenter", False: "Non-datacenter"}),
    ).dropna(subset=["tpp", "performance_density"])
    domain = list(shared.STATUS_LABELS.values())
    x_domain = labels_mod.log_domain(list(plot["tpp"]) + [e["value"] for e in thresholds
                                                         if e["metric"] == "tpp"])
    y_domain = labels_mod.log_domain(list(plot["performance_density"]))
    points = alt.Chart(plot).mark_point(size=90, filled=True, opacity=0.9).encode(
        x=alt.X("tpp:Q", title="Total processing performance (TPP, log scale)",
                scale=alt.Scale(type="log", domain=list(x_domain)),
                axis=alt.Axis(values=vega.log_axis(*x_domain)["values"], format=",.0f")),
        y=alt.Y("performance_density:Q", title="Performance density (TPP per mm², log scale)",
                scale=alt.Scale(type="log", domain=list(y_domain)),
                axis=alt.Axis(values=vega.log_axis(*y_domain)["values"], format="~g")),
        color=alt.Color("status_label:N", title="Status",
                        scale=alt.Scale(domain=domain,
                                        range=list(shared.STATUS_COLOURS.values()))),
        shape=alt.Shape("kind:N", title="Chip type"),
        tooltip=[alt.Tooltip("chip:N", title="Chip"), alt.Tooltip("vendor:N"),
                 alt.Tooltip("tpp:Q", title="TPP", format=",.0f"),
                 alt.Tooltip("performance_density:Q", title="Density", format=".2f"),
                 alt.Tooltip("status_label:N", title="Status"),
                 alt.Tooltip("reason:N", title="Why")],
    )
    # Chips with identical specs (H100 / H800 / H200) share one label; a label that would
    # overprint another (or a point) moves round its point, or is left to the tooltip.
    label_rows = plot.groupby(["tpp", "performance_density"], as_index=False).agg(
        chip=("chip", " / ".join))
    spots = labels_mod.place_labels(
        list(label_rows.itertuples(index=False, name=None)), x_domain=x_domain,
        y_domain=y_domain, width_px=480, height_px=360)
    by_offset = {}
    for spot in spots:
        by_offset.setdefault((spot.dx, spot.dy, spot.align), []).append(
            {"tpp": spot.x, "performance_density": spot.y, "chip": spot.text})
    labels = [alt.Chart(pd.DataFrame(rows)).mark_text(
        align=align, dx=dx, dy=dy, fontSize=11, color="#333").encode(
        x="tpp:Q", y="performance_density:Q", text="chip:N")
        for (dx, dy, align), rows in by_offset.items()]
    rules = []
    for entry in thresholds:
        value = moved.get(entry["key"], entry["value"])
        if entry["metric"] == "tpp":
            rules.append(alt.Chart(pd.DataFrame({"v": [value]})).mark_rule(
                strokeDash=[4, 3], color="#777").encode(x="v:Q"))
        elif entry["metric"] == "performance_density":
            rules.append(alt.Chart(pd.DataFrame({"v": [value]})).mark_rule(
                strokeDash=[2, 2], color="#aaa").encode(y="v:Q"))
    chart = alt.layer(*rules, points, *labels).properties(
        height=430, title=alt.Title(
            f"Chips by TPP and performance density under rule {rule_id}"
            + (" (what-if)" if moved else ""),
            subtitle="Dashed lines: the rule's TPP (vertical) and density (horizontal) "
                     "thresholds. Hover a point for the deciding test."))
    st.altair_chart(chart, width="stretch")
    missing = table.loc[table["performance_density"].isna(), "chip"].tolist()
    st.caption("Source: chip specifications in data/chips.csv (vendor datasheets, Epoch AI); "
               "thresholds in data/rules.toml (BIS rules)."
               + (f" Not plotted (die area unknown): {', '.join(missing)}." if missing else ""))
    whatif_items = tuple(sorted(moved.items()))

    def make_map():
        from simulator.charts.chips import chip_map
        rule = whatif.rule_with_thresholds(hardware.get_rule(rule_id), dict(whatif_items))
        return chip_map(classified(rule_id, whatif_items), rule)

    st.caption("Publication figure (with title, source and provenance):")
    shared.figure_downloads(make_map, f"chip_map_{rule_id}", key="chips_fig")

@st.cache_data(show_spinner=False)
def serving_rows(rule: str) -> pd.DataFrame:
    """Returns the serving roofline per chip (frontier vs distilled model) with each status."""
    from simulator.serving.compare import chip_comparison, comparison_table

    headers, rows = comparison_table(chip_comparison(rule_ids=(rule,)), (rule,))
    return pd.DataFrame(rows, columns=headers)


st.subheader("Serving: what each chip can deploy")
st.caption("Roofline upper bounds from data/serving.toml (each assumption sourced): decode "
           "tokens/s per chip while every user gets 20 tokens/s, and prefill tokens/s per chip, "
           "for a frontier-size model and a distilled one. Decode is bound by memory "
           "bandwidth, prefill by FLOP/s; `python -m simulator serving --validate` compares the "
           "roofline with published measurements.")
serving = serving_rows(rule_id)
st.dataframe(
    serving.rename(columns={
        "chip": "Chip", "role": "Model role", "model": "Model", "params": "Parameters",
        "active_params": "Active parameters",
        "decode_tokens_per_s_per_chip": "Decode tokens/s per chip",
        "prefill_tokens_per_s_per_chip": "Prefill tokens/s per chip",
        "chips_per_replica": "Chips per replica", "users_per_chip": "Users per chip",
        "cost_usd_per_mtok": "USD per M output tokens", f"status_{rule_id}":
        f"Status under {rule_id}"}).assign(
        **{f"Status under {rule_id}": serving[f"status_{rule_id}"].map(shared.STATUS_LABELS)}),
    hide_index=True, width="stretch",
    column_config={"Parameters": st.column_config.NumberColumn(format="compact"),
                   "Active parameters": st.column_config.NumberColumn(format="compact"),
                   "Decode tokens/s per chip": st.column_config.NumberColumn(format="%.0f"),
                   "Prefill tokens/s per chip": st.column_config.NumberColumn(format="%.0f"),
                   "Users per chip": st.column_config.NumberColumn(format="%.1f"),
                   "USD per M output tokens": st.column_config.NumberColumn(format="%.3f")})


def make_serving_chart():
    from simulator.charts.serving import serving_chart
    return serving_chart()


shared.figure_preview(make_serving_chart, key="chips_serving_preview",
                      label="Show the serving chart (all rules)")
shared.figure_downloads(make_serving_chart, "serving_per_chip", key="chips_serving_fig")

if moved:
    changed = table.loc[table["status"] != base["status"], ["chip"]].assign(
        before=base["status"].map(shared.STATUS_LABELS),
        after=table["status"].map(shared.STATUS_LABELS)).rename(columns={
            "chip": "Chip", "before": f"Under rule {rule_id}", "after": "Under the what-if"})
    st.subheader(f"What-if: {len(changed)} chip(s) change status")
    if len(changed):
        st.dataframe(changed, hide_index=True, width="stretch")

st.subheader("Every chip under every rule")
st.caption("Status of each chip for the restricted country under each rule, oldest rule first "
           "(the rules' thresholds as published, not the what-if above). Hover a cell for the "
           "test that decided it and why; * marks estimated specifications.")
records, matrix_rules, matrix_rows = matrix_data()
st.html(status_matrix_html(records, matrix_rules, shared.STATUS_LABELS,
                                  shared.STATUS_COLOURS))
st.download_button(
    "Download the matrix (CSV: status and deciding test per rule)",
    data=lambda: pd.DataFrame(matrix_rows).to_csv(index=False).encode("utf-8"),
    file_name="chip_rule_matrix.csv", mime="text/csv", on_click="ignore",
    icon=":material/download:", key="matrix_csv")

st.subheader("Classification table")
columns = {"chip": "Chip", "vendor": "Vendor", "year": "Year", "datacenter": "Datacenter",
           "tpp": "TPP", "performance_density": "Density", "interconnect_gbps":
           "Interconnect GB/s", "memory_bandwidth_gbps": "Memory GB/s", "status": "Status",
           "threshold": "Deciding test", "reason": "Why"}
view = table[list(columns)].assign(status=table["status"].map(shared.STATUS_LABELS))
st.dataframe(
    view.rename(columns=columns), hide_index=True, width="stretch",
    height=38 + 35 * len(view),
    column_config={"TPP": st.column_config.NumberColumn(format="%.0f"),
                   "Density": st.column_config.NumberColumn(format="%.2f"),
                   "Year": st.column_config.NumberColumn(format="%d"),
                   "Why": st.column_config.TextColumn(width="large")})
st.download_button(
    "Download this table (CSV)", data=lambda: table.to_csv(index=False).encode("utf-8"),
    file_name=f"chips_{rule_id}{'_whatif' if moved else ''}.csv", mime="text/csv",
    on_click="ignore", icon=":material/download:")


query = {"rule": rule_id} | {key: links.format_value(value) for key, value in moved.items()}
shared.link_messages(PAGE, query, new_errors, where=messages)
shared.remember(PAGE, [RULE_KEY] + whatif_keys, query)
