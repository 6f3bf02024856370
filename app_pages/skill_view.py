"""The Explorer's "Skill axis" view: the skill chart ("What an API must hide", the report's
figure), the API-provider policies on both axes and the skill-axis tornado. Layout only; the
numbers and specs come from simulator/app/skill_axis.py."""

import streamlit as st

from simulator.app import skill_axis

AXIS = "Distilled, skill axis (API policies included)"
NO_SECTION = ("This scenario has no [capability] section, so it answers on general capability "
              "(loss) only. Add one (skill, tokens_per_sample, tier, hide_chain_of_thought; see "
              "scenarios/reasoning-traces-open-2026.toml) to see what a campaign buys on a "
              "skill, and what each API-provider policy does to it.")


@st.cache_data(show_spinner=False, max_entries=16)
def _chart_png(scenario_json: str, _result) -> bytes:
    """The skill chart as PNG, keyed on the evaluated scenario (``_result`` is its result; the
    skill chart reads the result as ``run --json`` prints it)."""
    return skill_axis.skill_chart_png(_result.to_dict())


def render(result, scenario_json: str, label_of=None) -> None:
    """Draws the view for the ScenarioResult of the scenario ``scenario_json``."""
    block = result.capability
    if not block:
        st.info(NO_SECTION, icon=":material/info:")
        return
    st.markdown("**What an API must hide: the skill a distiller buys, by what the API exposes**")
    st.image(_chart_png(scenario_json, result), width="stretch")
    st.caption("The report's chart, from the same numbers: skill accuracy and compute-equivalent "
               "gain per access tier vs teacher samples; solid where the capability experiments "
               "measured, dashed where extrapolated; bands 5th–95th percentile; R1-Distill, "
               "LIMO and s1 as labelled points. The dotted line is this scenario's samples.")
    st.markdown("**What each API-provider policy does, on both axes**")
    st.dataframe(skill_axis.policy_rows(block), hide_index=True, width="stretch",
                 column_config={"Note": st.column_config.TextColumn(width="large")})
    st.caption("Each row puts one policy in force on this scenario (the levers under "
               "'Policy levers' in the sidebar set them for the whole page). Loss lag: the "
               "distilled lag on general capability; skill lag: on the skill, ≤ where the "
               "capability card's gain is a lower bound.")
    chart = skill_axis.tornado_spec(block, "skill", label_of)
    if chart is not None:
        st.markdown("**Which levers move the skill lag most (API policies included)**")
        st.vega_lite_chart(chart, width="stretch")
    unshown = skill_axis.unshown_rows(block, "skill")
    if unshown:
        st.caption("Not in the tornado: " + "; ".join(unshown) + ".")


def axes(result) -> list[str]:
    """Returns the extra tornado choice ("skill") when the result has a capability block."""
    return ["skill"] if result.capability else []


def tornado(result, label_of=None) -> dict | None:
    """Returns the skill-axis tornado's Vega-Lite spec (None: no rows to draw)."""
    return skill_axis.tornado_spec(result.capability, "skill", label_of)
