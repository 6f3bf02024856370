"""Scenario explorer: pick a preset or upload a scenario, move levers, read lag, compute, cost."""

import json

import streamlit as st

from app_pages import lag_section, shared, skill_view
from simulator.app import skill_axis
from simulator.app import applicability, display, export, figures, guide, headline, links, vega
from simulator.app.scenario_levers import apply_levers, changed_values, lever_name_in
from simulator.errors import InputError
from simulator.scenario.schema import path_words
from simulator.vocabulary import STRATEGY_LABELS

PAGE = "explorer"
PREFIX = "lv:"                 # widget keys: "lv:actor.mfu"
PRESET_KEY = "explorer_preset"
CUSTOM_KEY = "explorer_custom"  # the uploaded scenario's TOML text (None: a preset)
VALUES = "explorer_values"      # {lever path: value}; widgets mirror it, hidden ones included
GROUP_KEY = "explorer_group"    # which group of further inputs the sidebar shows
VIEW_KEY = "explorer_view"      # which view of the result is shown
UPLOAD_KEY = "explorer_upload"
# Policy levers first; everything else in the schema follows by group.
POLICY = ("rule", "actor.remote_access_controls", "actor.case_by_case_approval_fraction",
          "actor.smuggling_interdiction_fraction", "distillation.access", "distillation.top_k",
          "distillation.detection_probability_per_account_month", "distillation.accounts",
          "distillation.rate_limit_tokens_per_minute") + skill_axis.EXTRA_POLICY_PATHS
KEY_ASSUMPTIONS = ("actor.mfu", "actor.training_days", "distillation.tokens",
                   "frontier.compute_flop")
GROUPS = (("scenario", "Year and outputs"), ("frontier", "Frontier actor (the teacher)"),
          ("actor", "Restricted actor: training"), ("chips", "Restricted actor: chips"),
          ("distillation", "Distillation campaign"), ("uncertainty", "Monte Carlo"),
          ("capability", "Skill axis ([capability])"))

# One view of the result at a time: a hidden tab's charts would still be built on every rerun.
VIEWS = ["Uncertainty", "Sensitivity", "Skill axis", "Where the lag goes", "Fleet",
         "Distillation channel", "Serving", "Over time", "Assumptions"]
VIEW_SLUGS = {shared.slug(v): v for v in VIEWS}      # the view in a link: ?view=over-time

presets = shared.presets()
default_preset = shared.default_preset(presets)


def levers_for(preset, custom_toml):
    """Returns the levers of a preset or of an uploaded scenario (ValueError if invalid)."""
    if custom_toml is not None:
        try:
            return shared.custom_base(custom_toml)[1]
        except InputError as exc:
            raise ValueError(str(exc)) from None
    return shared.preset_base(preset)[1]


def on_lever(path):
    """Copies a moved widget's value into the levers' values (the source of truth)."""
    st.session_state[VALUES][path] = st.session_state[PREFIX + path]


def on_preset_change():
    st.session_state[CUSTOM_KEY] = None
    st.session_state["_explorer_base"] = None      # levers reset to the new preset below


def on_upload():
    got = shared.read_upload(UPLOAD_KEY, "_upload_error")
    if got is None:
        return
    st.session_state[CUSTOM_KEY] = got[1]
    st.session_state["_explorer_base"] = None


def reset_levers():
    st.session_state["_explorer_base"] = None


# --- state: a new link wins, then what this session showed last, then the preset ----------
messages = st.container()
new_errors = None
if shared.link_is_new(PAGE):
    decoded = links.decode_explorer(shared.query_dict(), list(presets), default_preset,
                                       levers_for, views=list(VIEW_SLUGS))
    new_errors = decoded.errors
    st.session_state[VIEW_KEY] = VIEW_SLUGS.get(decoded.view, VIEWS[0])
    st.session_state[PRESET_KEY] = decoded.preset
    st.session_state[CUSTOM_KEY] = decoded.custom_toml
    scenario0, levers0, values0 = (shared.custom_base(decoded.custom_toml)
                                   if decoded.custom_toml else shared.preset_base(decoded.preset))
    st.session_state[VALUES] = values0 | decoded.values
    st.session_state["_explorer_base"] = shared.base_id(decoded.preset, decoded.custom_toml)
shared.restore(PAGE, {PRESET_KEY: default_preset, CUSTOM_KEY: None, VALUES: {},
                     GROUP_KEY: None, VIEW_KEY: "Uncertainty"})
if st.session_state[PRESET_KEY] not in presets:
    st.session_state[PRESET_KEY] = default_preset

custom = st.session_state[CUSTOM_KEY]
preset = st.session_state[PRESET_KEY]
base_scenario, levers, base_values = (shared.custom_base(custom) if custom
                                      else shared.preset_base(preset))
base_key = shared.base_id(preset, custom)
if st.session_state.get("_explorer_base") != base_key:
    st.session_state[VALUES] = dict(base_values)    # a new base: every lever to its value
    st.session_state["_explorer_base"] = base_key
values = st.session_state[VALUES]
for path, value in base_values.items():
    values.setdefault(path, value)


def lever_name(path: str) -> str:
    """Returns a reader's name for a lever path of this scenario."""
    return lever_name_in(path, base_scenario, levers)


# The fleet's chip counts, one per chip and channel, sit among the main levers.
FLEET_COUNTS = tuple(f"actor.chips.{i}.count" for i in range(len(base_scenario.actor.chips)))
MAIN_LEVERS = POLICY + FLEET_COUNTS + KEY_ASSUMPTIONS


def draw(lever):
    """Draws a lever's widget showing its current value."""
    st.session_state[PREFIX + lever.path] = values[lever.path]
    shared.lever_widget(lever, PREFIX + lever.path, base_values[lever.path],
                        label=path_words(lever.path).get("short") or (
                            lever_name(lever.path) if lever.path in FLEET_COUNTS else None),
                        on_change=on_lever)


# --- sidebar: scenario, upload, levers ------------------------------------------------------
with st.sidebar:
    st.selectbox("Scenario", list(presets), key=PRESET_KEY, on_change=on_preset_change,
                 format_func=lambda p: presets[p]["label"],
                 help="The shipped scenarios (scenarios/*.toml). Moving a lever changes this "
                      "view only; the file is untouched.")
    if custom:
        st.info(f"Showing your uploaded scenario **{base_scenario.name}**.",
                icon=":material/upload_file:")
        st.button("Back to the preset", on_click=on_preset_change, width="stretch",
                  icon=":material/undo:")
    with st.expander("Upload a scenario (TOML)", icon=":material/upload_file:"):
        shared.scenario_uploader(UPLOAD_KEY, on_upload, "_upload_error")
    st.button("Reset levers to the scenario", on_click=reset_levers,
              icon=":material/restart_alt:", width="stretch")

    by_path = {lv.path: lv for lv in levers}
    # A control that cannot change this scenario's numbers is not drawn; the reader is told.
    hidden = applicability.inapplicable_levers(base_scenario, values) | skill_axis.inapplicable(
        base_scenario, values)
    st.subheader("Policy levers")
    for path in POLICY:
        if path in by_path and path not in hidden:
            draw(by_path[path])
            if path == "distillation.top_k":
                note = applicability.top_k_note(int(values[path]),
                                           shared.measured_top_k(base_scenario.fit,
                                                                 base_scenario.source_path))
                if note:
                    st.caption(f":material/warning: {note}")
    skipped = [f"{lever_name(p)}: {why}" for p, why in hidden.items()
               if p in POLICY and p in by_path]
    if skipped:
        st.caption("Not shown, no effect in this scenario: " + "; ".join(skipped) + ".")
    st.subheader("Fleet: chips by channel")
    for path in FLEET_COUNTS:
        if path in by_path:
            draw(by_path[path])
    st.subheader("Key assumptions")
    for path in KEY_ASSUMPTIONS:
        if path in by_path:
            draw(by_path[path])
    # Only the group asked for is drawn: each widget costs every rerun, and a sidebar of 50
    # inputs helps nobody. Hidden levers keep their values (explorer_values).
    shown = [(g, t) for g, t in GROUPS if any(
        lv.group == g and lv.path not in MAIN_LEVERS for lv in levers)]
    group = st.selectbox("All other inputs", [g for g, _ in shown], key=GROUP_KEY,
                         placeholder="Choose a group of inputs…",
                         format_func=dict(shown).get,
                         help="Every field of the scenario schema, with its bounds and "
                              "description. Moved values stay when you switch groups.")
    chip_index = None
    for lever in levers:
        if lever.group != group or lever.path in MAIN_LEVERS:
            continue
        if group == "chips":
            index = int(lever.path.split(".")[2])
            if index != chip_index:
                chip_index = index
                entry = base_scenario.actor.chips[index]
                st.markdown(f"**Chip block {index + 1}: {entry.chip}** · {entry.channel}")
        draw(lever)

# --- evaluate -------------------------------------------------------------------------------
values = {lv.path: values[lv.path] for lv in levers}
changed = changed_values(values, base_values)
# A moved lever's Monte Carlo range moves with it (else the bands ignore the change).
scenario, invalid = apply_levers(base_scenario, changed, levers)
# One validation per lever move (apply_levers); the JSON dump is the cache key only.
scenario_json = scenario.model_dump_json()
try:
    result = shared.evaluate_cached(scenario_json, scenario.source_path, scenario)
except InputError as exc:          # e.g. a combination the model cannot evaluate
    invalid = str(exc)
    scenario = base_scenario
    scenario_json = scenario.model_dump_json()
    try:
        result = shared.evaluate_cached(scenario_json, scenario.source_path, scenario)
    except InputError as base_exc:
        st.error(f"This scenario cannot be evaluated: {base_exc}", icon=":material/error:")
        st.stop()

# --- headline -------------------------------------------------------------------------------
res, info = result.results, result.scenario
st.markdown(f"**The question.** {guide.QUESTION}")
with st.expander("New here? How to read this page", icon=":material/help:"):
    for title, text in guide.INTRO:
        st.markdown(f"**{title}.** {text}")
    st.page_link("app_pages/about.py", label="About & method: glossary, the transfer "
                 "assumption, how to cite, data sources", icon=":material/info:")
st.title(info.name)
st.caption(headline.subtitle(result, len(changed)))
if invalid:
    st.error(f"These lever values do not make a valid scenario: {invalid}. Showing the "
             "scenario without your changes.", icon=":material/error:")

draws = result.percentiles.draws if result.percentiles is not None else None
paragraph = headline.lag_paragraph(result)
if paragraph is not None:
    st.markdown(paragraph)
    if result.capability is not None:   # the skill axis: both axes in one sentence
        from simulator.scenario.skill_text import two_axis_sentence

        st.markdown(two_axis_sentence(result.capability, headline.finite(res.scratch.lag_years),
                                      headline.finite(res.distill.lag_years),
                                      display.regime_sentence(result.regime)))

cols = st.columns(2, gap="medium")
for col, strategy in zip(cols, ("scratch", "distill")):
    card = headline.strategy_card(result, strategy)
    with col.container(border=True):
        st.markdown(f"**{card['title']}**")
        m = st.columns(3)
        m[0].metric("Lag (years)", card["lag"], delta=card["delta"], delta_color="inverse",
                    help=card["lag_help"])
        m[1].metric("Effective FLOP", card["effective"], help=card["effective_help"])
        m[2].metric("Cost", card["cost"], help=card["cost_help"])
        st.caption(card["caption"])

# --- charts and details ---------------------------------------------------------------------
view = st.segmented_control("View", VIEWS, key=VIEW_KEY, label_visibility="collapsed") or VIEWS[0]
if view == "Uncertainty":
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Lag behind the frontier, years**")
        st.vega_lite_chart(vega.interval_chart(
            vega.interval_rows({info.name: result}, "lag_years"),
            "Lag behind the frontier (years)"), width="stretch")
    with right:
        st.markdown("**Effective compute, FLOP**")
        st.vega_lite_chart(vega.interval_chart(
            vega.interval_rows({info.name: result}, "effective_compute_flop"),
            "Effective compute (FLOP, log scale)", log=True, fmt=".3g"), width="stretch")
    st.caption("Dot: central estimate. Thick bar: 25th–75th percentile; thin bar: 5th–95th, "
               f"over {draws or 0:,} Monte Carlo draws of the fit's bootstrap samples and the "
               "scenario's lever ranges (a range moves with its lever when you move it). "
               "A lag below 0 would mean the actor is ahead of the frontier. "
               + shared.TRANSFER_CAPTION)
if view == "Sensitivity":
    strategy = st.radio("Strategy", ["distill", "scratch"] + skill_view.axes(result),
                        horizontal=True, key="explorer_tornado",
                        format_func=lambda s: STRATEGY_LABELS.get(s, skill_view.AXIS))
    chart = (skill_view.tornado(result, lever_name) if strategy == "skill"
             else vega.tornado_chart(result.tornado, strategy, label_of=lever_name))
    if chart is None:
        st.info("No lever ranges to swing: add [[uncertainty.levers]] to the scenario.")
    else:
        st.vega_lite_chart(chart, width="stretch")
        st.caption("Each bar moves one lever across its range (the scenario's "
                   "[[uncertainty.levers]]) with the others at their values; the dashed line "
                   "is the lag at the scenario's values. Largest swing first.")
if view == "Skill axis":
    skill_view.render(result, scenario_json, label_of=lever_name)
if view == "Where the lag goes":   # compute gap, efficiency, distillation (app_pages/lag_section)
    lag_section.render(result)
if view == "Fleet":
    if result.fleet:
        st.dataframe(display.fleet_rows(result.fleet), hide_index=True, width="stretch",
                     column_config={"Why": st.column_config.TextColumn(width="large")})
    st.caption("Which chips count under the rule, by channel: imports count only when the rule "
               "allows them (case-by-case ones at the approval fraction), smuggled chips after "
               "interdiction, domestic chips regardless. Counted = chips x yield x channel "
               "factor. The Tables (CSV) download keeps the unrounded numbers.")
if view == "Distillation channel":
    st.markdown(f"**Regime: {result.regime.regime.replace('_', ' ')}** — "
                f"{result.regime.why}")
    st.dataframe(display.distillation_rows(result.distillation), hide_index=True,
                 width="stretch")
if view == "Serving":
    serving = result.serving        # an optional block: only with a [serving] section
    if serving is None:
        st.info("This scenario has no [serving] section: add one (share_of_fleet, "
                "tokens_per_user_per_day) to see the users and tokens per day its fleet "
                "serves with the scratch and the distilled model.", icon=":material/info:")
    else:
        from simulator.scenario.serving import serving_summary, serving_table

        headers, rows = serving_table(serving)
        st.markdown(serving_summary(serving))
        st.dataframe([dict(zip(headers, row)) for row in rows], hide_index=True,
                     width="stretch")
        st.caption(" ".join([*serving.assumptions, *serving.notes]))
if view == "Over time":
    rows, assumption = shared.overtime_cached(scenario_json, scenario.source_path, scenario)
    st.markdown("**Lag behind the frontier, year by year**")
    st.vega_lite_chart(vega.timeseries_chart(rows), width="stretch")
    st.caption(assumption + f" {len(rows) - 1} years from {rows[0]['year']} (the scenario's "
               "timeseries years, else 5). " + shared.TRANSFER_CAPTION)
if view == "Assumptions":
    st.markdown("\n".join(f"- {a}" for a in result.assumptions))
    with st.expander("Scenario description and sources"):
        st.markdown(info.description or "")
        st.markdown("\n".join(f"- {s}" for s in base_scenario.sources))

# --- share, download, cite ------------------------------------------------------------------
query = links.encode_explorer(preset, values, base_values, levers, custom_toml=custom,
                              view=None if view == VIEWS[0] else shared.slug(view))
st.subheader("Share, download, cite")
link = shared.page_link(PAGE, query)
st.caption("This link reproduces the exact view (scenario and every moved lever):")
st.code(link, language=None, wrap_lines=True)
# Once a lever moves, every export says so: name, description, citation, figure footers,
# file names and provenance name the preset and list each moved lever, old -> new.
changes = export.lever_changes({} if invalid else changed, base_values, lever_name)
exported = export.export_scenario(scenario, base_scenario.name, changes)
exported_result = export.export_result(result, exported, base_scenario.name, changes)
exported_json = exported.model_dump_json() if changes else scenario_json
modified_from = ({"preset": base_scenario.name,
                  "source": export.public_source(base_scenario.source_path),
                  "changes": changes} if changes else None)
# Compare reads the app's saved scenario set: the view explored here, when it is not a preset.
if (changes or custom) and not invalid:
    shared.scenario_set().put("explorer", f"Your explorer view: {base_scenario.name} "
                              f"({len(changes)} lever(s) moved)", scenario)
else:
    shared.scenario_set().discard("explorer")
if changes:
    st.info(f"Downloads are marked **modified from “{base_scenario.name}”** and list the "
            f"{len(changes)} moved lever(s): "
            + "; ".join(f"{c['label']} {c['old']} → {c['new']}" for c in changes[:6])
            + (" …" if len(changes) > 6 else "") + ".", icon=":material/edit_note:")
stem = shared.slug(exported.name)
dl = st.columns(4)
dl[0].download_button("Scenario (TOML)", data=lambda: export.scenario_toml(exported),
                      file_name=f"{stem}.toml", mime="application/toml", on_click="ignore",
                      icon=":material/description:", width="stretch")
dl[1].download_button("Results (JSON)",
                      data=lambda: json.dumps(exported_result.to_dict(), indent=2),
                      file_name=f"{stem}_results.json", mime="application/json",
                      on_click="ignore", icon=":material/data_object:", width="stretch")
dl[2].download_button("Tables (CSV, zip)", data=lambda: figures.tables_zip(exported_result),
                      file_name=f"{stem}_tables.zip", mime="application/zip", on_click="ignore",
                      icon=":material/table:", width="stretch")
dl[3].download_button(
    "Citation bundle (zip)",
    data=lambda: figures.citation_bundle(exported, exported_result, link, modified_from),
    file_name=f"{stem}_bundle.zip", mime="application/zip", on_click="ignore",
    icon=":material/folder_zip:", width="stretch", type="primary",
    help="Figures (PDF/SVG/PNG), CSV tables, the scenario TOML, results.json, provenance "
         "and a CITATION.txt, in one zip.")
with st.expander("Figures (PNG / SVG / PDF)"):
    shared.scenario_figure_downloads(exported, exported_json, exported_result)

shared.link_messages(PAGE, query, new_errors, where=messages)
shared.remember(PAGE, [PRESET_KEY, CUSTOM_KEY, VALUES, GROUP_KEY, VIEW_KEY], query)
