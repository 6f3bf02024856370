"""The Explorer's "Where the lag goes" view (app_pages/lag_section.py), headless."""

from test_app_pages import open_app


def test_explorer_shows_where_the_lag_goes_on_both_axes():
    at = open_app({"scenario": "efficient-actor-deepseek-v3-2024", "view": "where-the-lag-goes"})
    assert not at.exception
    assert at.segmented_control(key="explorer_view").value == "Where the lag goes"
    charts = [e for e in at.main if "vega" in str(getattr(e, "type", ""))]
    assert len(charts) == 2                                   # a waterfall per axis
    text = " ".join(m.value for m in at.markdown)
    assert "Where the lag goes: of" in text and "3.67× the frontier's" in text
    table = _part_table(at)
    assert len(table) == 4 and table.shape[1] == 3          # parts + total, two axes
    assert table.iloc[1, 0].startswith("Efficiency")


def _part_table(at):
    return next(df.value for df in at.dataframe if "Part of the lag" in df.value.columns)


def test_the_efficiency_lever_moves_the_efficiency_part():
    key = "lv:actor.algorithmic_efficiency_multiplier"
    at = open_app({"scenario": "h20-requirement-2025-central", "view": "where-the-lag-goes"})
    assert _part_table(at).iloc[1, 1].startswith("0.00")     # parity by default
    at.selectbox(key="explorer_group").set_value("actor").run()
    widgets = [w for w in (*at.sidebar.select_slider, *at.sidebar.slider) if w.key == key]
    assert widgets, "the efficiency lever has a widget among the actor's inputs"
    lever = widgets[0]
    options = getattr(lever, "options", None)
    lever.set_value(next(o for o in options if float(o) >= 4.0) if options else 4.0).run()
    assert not at.exception
    assert _part_table(at).iloc[1, 1].startswith("-")       # more efficient: less lag
    assert "actor.algorithmic_efficiency_multiplier" in at.query_params
