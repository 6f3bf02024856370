"""The Explorer's skill axis, headless (streamlit.testing AppTest): the API-provider policy
levers move the scenario on both axes, the Skill axis view shows the report's chart, the
policies on both axes and the skill-axis tornado."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
OPEN = "reasoning-traces-open-2026"


def open_explorer(query: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params = dict(query)
    return at.run()


def both_axes(at) -> str:
    return " ".join(m.value for m in at.markdown if m.value.startswith("Both axes"))


@pytest.fixture(scope="module")
def skill_view():
    return open_explorer({"scenario": OPEN, "view": "skill-axis"})


def test_skill_view_shows_the_chart_the_policies_and_the_tornado(skill_view):
    at = skill_view
    assert not at.exception
    assert len([e for e in at.main if type(e).__name__ == "Image"]) == 1   # the skill chart
    table = at.dataframe[0].value
    assert table["API policy"].iloc[0] == "As in the scenario"
    hide = table[table["API policy"] == "Hide the chain of thought"].iloc[0]
    assert hide["Skill tier used"] == "answer"
    assert hide["Loss lag (yr)"] == table["Loss lag (yr)"].iloc[0]   # no loss effect
    assert any("skill lag most" in m.value for m in at.markdown)


def test_hiding_the_chain_of_thought_in_the_sidebar_moves_the_skill_axis_and_the_link(
        skill_view):
    at = skill_view
    before = both_axes(at)
    assert "at most" in before                      # visible traces gain on the skill
    at.toggle(key="lv:capability.hide_chain_of_thought").set_value(True).run()
    assert not at.exception
    after = both_axes(at)
    assert "gains nothing either" in after and "own post-training" in after
    assert at.query_params["capability.hide_chain_of_thought"] == "true"


def test_refuse_to_grade_is_hidden_where_it_cannot_matter_and_says_why(skill_view):
    captions = " ".join(c.value for c in skill_view.sidebar.caption)
    assert "API refuses to grade answers" in captions and "not grades" in captions


def test_skill_tornado_is_a_choice_of_the_sensitivity_view():
    at = open_explorer({"scenario": OPEN, "view": "sensitivity"})
    from app_pages.skill_view import AXIS

    radio = at.radio(key="explorer_tornado")
    assert AXIS in radio.options
    radio.set_value("skill").run()
    assert not at.exception
    charts = [e for e in at.main if "vega" in str(getattr(e, "type", ""))]
    assert len(charts) == 1
    spec = charts[0].proto.spec
    assert "API hides the chain of thought" in spec and "Skill lag" in spec


def test_a_scenario_without_a_capability_section_says_what_to_add():
    at = open_explorer({"scenario": "api-open-2026", "view": "skill-axis"})
    assert not at.exception
    assert any("[capability]" in i.value for i in at.info)
