"""The app's pages, headless (streamlit.testing AppTest): widgets, links, uploads, no exceptions.

Each test drives app.py the way a browser would: open a link, move a widget, read what the page
shows and the URL it writes.
"""

import sys
import textwrap
from pathlib import Path
from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest

from simulator.app import jobs
from simulator.paths import SCENARIOS_DIR

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 120


def open_app(query=None, page=None) -> AppTest:
    """Returns the app after its first run, on ``page`` (a file in app_pages/) with ``query``."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if page is None:
        at.query_params = dict(query or {})
        return at.run()
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    at.query_params = dict(query or {})
    return at.run()


def metrics(at) -> dict:
    """Returns {label: [values]} of the page's st.metric elements."""
    out = {}
    for m in at.metric:
        out.setdefault(m.label, []).append(m.value)
    return out


def warnings(at) -> str:
    return " | ".join(w.value for w in at.warning)


def some_preset() -> str:
    return sorted(p.stem for p in SCENARIOS_DIR.glob("*.toml"))[0]


# --- explorer -------------------------------------------------------------------------------

def test_explorer_opens_on_a_preset_with_headline_numbers():
    at = open_app()
    assert not at.exception
    shown = metrics(at)
    assert len(shown["Lag (years)"]) == 2          # scratch and distillation
    assert len(shown["Effective FLOP"]) == 2 and len(shown["Cost"]) == 2
    assert at.query_params["scenario"] in {p.stem for p in SCENARIOS_DIR.glob("*.toml")}
    assert "years behind the frontier" in " ".join(m.value for m in at.markdown)


def test_moving_a_lever_changes_the_headline_and_the_link():
    at = open_app()
    before = metrics(at)["Effective FLOP"]
    mfu = at.slider(key="lv:actor.mfu")
    mfu.set_value(round(min(mfu.value * 2, 0.8), 3)).run()
    assert not at.exception
    assert metrics(at)["Effective FLOP"] != before
    assert "actor.mfu" in at.query_params


def test_a_lever_move_validates_the_scenario_once_and_parses_no_json():
    from simulator.scenario.schema import Scenario

    at = open_app()
    with mock.patch.object(Scenario, "model_validate", wraps=Scenario.model_validate) as full, \
            mock.patch.object(Scenario, "model_validate_json",
                              wraps=Scenario.model_validate_json) as from_json:
        at.slider(key="lv:actor.mfu").set_value(0.27).run()
    assert not at.exception
    assert full.call_count == 1 and from_json.call_count == 0


def test_a_link_reproduces_the_exact_view():
    at = open_app()
    at.slider(key="lv:actor.mfu").set_value(0.5).run()
    at.selectbox(key="lv:distillation.access").select("topk").run()
    link = dict(at.query_params)
    again = open_app(link)
    assert not again.exception
    assert metrics(again) == metrics(at)
    assert again.slider(key="lv:actor.mfu").value == 0.5
    assert again.selectbox(key="lv:distillation.access").value == "topk"
    assert dict(again.query_params) == link


def test_a_link_to_another_preset_opens_it():
    preset = some_preset()
    at = open_app({"scenario": preset})
    assert not at.exception
    assert at.selectbox(key="explorer_preset").value == preset
    assert at.query_params["scenario"] == preset


def test_bad_link_parameters_warn_and_fall_back_to_the_preset():
    good = open_app()
    at = open_app({"scenario": "no-such-scenario", "actor.mfu": "fast",
                   "distillation.access": "telepathy", "nonsense": "1"})
    assert not at.exception
    text = warnings(at)
    assert "no-such-scenario" in text and "actor.mfu" in text
    assert "distillation.access" in text and "nonsense" in text
    assert metrics(at) == metrics(good)            # the default preset, untouched


def test_a_lever_out_of_its_bounds_in_a_link_is_refused():
    at = open_app({"actor.mfu": "7"})
    assert not at.exception
    assert "above the maximum" in warnings(at)


def test_a_damaged_packed_scenario_in_a_link_warns():
    at = open_app({"custom": "not-a-packed-scenario"})
    assert not at.exception
    assert "custom" in warnings(at)


def test_changing_the_preset_resets_the_levers():
    at = open_app()
    at.slider(key="lv:actor.mfu").set_value(0.61).run()
    other = next(p for p in at.selectbox(key="explorer_preset").options
                 if p != at.selectbox(key="explorer_preset").value)
    at.selectbox(key="explorer_preset").select(other).run()
    assert not at.exception
    assert "actor.mfu" not in at.query_params or at.query_params["actor.mfu"] != "0.61"


def preset_text() -> str:
    path = sorted(SCENARIOS_DIR.glob("*.toml"))[0]
    return path.read_text(encoding="utf-8")


def test_uploading_a_valid_scenario_shows_it_and_puts_it_in_the_link():
    text = preset_text().replace('name = "', 'name = "Uploaded: ', 1)
    at = open_app()
    at.file_uploader(key="explorer_upload").upload("mine.toml", text.encode(), "text/plain")
    at.run()
    assert not at.exception
    assert at.title[0].value.startswith("Uploaded: ")
    assert "custom" in at.query_params
    again = open_app(dict(at.query_params))          # the link carries the whole file
    assert not again.exception
    assert again.title[0].value.startswith("Uploaded: ")


@pytest.mark.parametrize("content, expected", [
    (b"this is = = not toml", "malformed TOML"),
    (b'name = "x"\n', "missing"),
    (b"\xff\xfe\x00binary", "UTF-8"),
])
def test_uploading_a_bad_scenario_shows_why_and_keeps_the_preset(content, expected):
    at = open_app()
    before = metrics(at)
    at.file_uploader(key="explorer_upload").upload("bad.toml", content, "text/plain")
    at.run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert expected in errors
    assert metrics(at) == before


def test_an_uploaded_scenario_may_not_point_at_server_files():
    text = preset_text()
    text = text.replace("[frontier]", 'fit = "/etc/passwd"\n\n[frontier]', 1)
    at = open_app()
    at.file_uploader(key="explorer_upload").upload("sneaky.toml", text.encode(), "text/plain")
    at.run()
    assert not at.exception
    assert "points at a file" in " ".join(e.value for e in at.error)


def test_explorer_downloads_are_offered():
    at = open_app()
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"Scenario (TOML)", "Results (JSON)", "Tables (CSV, zip)",
            "Citation bundle (zip)", "PNG", "SVG", "PDF"} <= labels


# --- compare --------------------------------------------------------------------------------

def test_compare_shows_two_scenarios_side_by_side_and_links_them():
    at = open_app(page="compare")
    assert not at.exception
    chosen = at.multiselect(key="compare_scenarios").value
    assert len(chosen) == 2
    table = at.dataframe[0].value
    from simulator.scenario import load_scenario

    names = {load_scenario(SCENARIOS_DIR / f"{stem}.toml").name for stem in chosen}
    assert set(table.columns) == names and len(table.columns) == 2   # one column per scenario
    assert "Lag, scratch (years)" in table.index
    assert at.query_params["scenarios"] == chosen


def test_compare_link_round_trip_and_bad_ids():
    presets = sorted(p.stem for p in SCENARIOS_DIR.glob("*.toml"))[:3]
    at = open_app({"scenarios": presets + ["bogus"]}, page="compare")
    assert not at.exception
    assert at.multiselect(key="compare_scenarios").value == presets
    assert "bogus" in warnings(at)
    assert at.dataframe[0].value.shape[1] == 3


# --- chips & rules --------------------------------------------------------------------------

def test_chips_page_classifies_every_chip_under_the_chosen_rule():
    at = open_app({"rule": "2023-10"}, page="chips")
    assert not at.exception
    table = at.dataframe[-1].value
    assert len(table) >= 10 and "Status" in table.columns
    assert at.selectbox(key="chips_rule").value == "2023-10"


def test_chips_what_if_moves_chips_and_stays_in_the_link():
    at = open_app({"rule": "2023-10"}, page="chips")
    at.number_input(key="chips_t_tpp_4800").set_value(2000.0).run()
    assert not at.exception
    assert at.query_params["tpp_4800"] == "2000"
    assert any("change status" in h.value for h in at.subheader)
    again = open_app(dict(at.query_params), page="chips")
    assert again.number_input(key="chips_t_tpp_4800").value == 2000.0


def test_chips_bad_link_warns_and_uses_the_default_rule():
    at = open_app({"rule": "1999-01", "tpp_4800": "lots"}, page="chips")
    assert not at.exception
    assert "1999-01" in warnings(at) and "tpp_4800" in warnings(at)


# --- evidence -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def results_folder(tmp_path_factory):
    """A sweep folder: the charts' sample runs and a fit card fitted to them."""
    from sample_evidence import sample_runs
    from simulator.curves.fit_runs import fit_runs
    from simulator.curves.results_csv import read_results

    folder = tmp_path_factory.mktemp("sweep")
    sample_runs().to_csv(folder / "results.csv", index=False)
    card = fit_runs(read_results(folder / "results.csv"), n_bootstrap=10, random_state=0,
                    results_sha256="0" * 64, label="sample")
    (folder / "fit.json").write_text(card.to_json())
    return folder


def test_evidence_shipped_view_opens():
    at = open_app(page="evidence")
    assert not at.exception
    assert at.query_params["source"] == "shipped"


def test_evidence_shows_a_results_folder_with_held_out_errors(results_folder, monkeypatch):
    monkeypatch.setenv("COMPUTE_MOAT_LOCAL_FOLDERS", "1")  # server folders: local-only setting
    at = open_app({"source": "folder", "dir": str(results_folder)}, page="evidence")
    assert not at.exception
    assert metrics(at)["Runs"] == ["60"]
    held = at.dataframe[0].value
    assert "relative_error_loss" in held.columns and held["relative_error_loss"].notna().any()
    assert at.query_params["dir"] == str(results_folder)


def test_evidence_says_why_a_folder_cannot_be_read(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPUTE_MOAT_LOCAL_FOLDERS", "1")
    at = open_app({"source": "folder", "dir": str(tmp_path)}, page="evidence")
    assert not at.exception
    assert "no results.csv" in " ".join(e.value for e in at.error)


# A sweep that writes its results and its progress file the way the real one does
# (simulator.experiments.progress), and prints nothing the app could scrape.
FAKE_SWEEP = textwrap.dedent("""
    import sys, time, pathlib
    from simulator.experiments.progress import write_progress
    out = pathlib.Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
    rows = ["run_id,mode,teacher,params,tokens,flops,teacher_flops,loss,oracle_loss,seed"]
    for i in range(3):
        rows.append(f"r{i},scratch,none,{1000 * (i + 1)},100000,6e8,0,{3 - i * 0.1},0.9,0")
        (out / "results.csv").write_text("\\n".join(rows) + "\\n")
        write_progress(out, done=i + 1, total=3, current=[f"r{i + 1}"] if i < 2 else [],
                       state="running" if i < 2 else "finished")
        time.sleep(0.3)
""")


def test_smoke_sweep_runs_in_the_background_with_progress(tmp_path):
    script = tmp_path / "fake_sweep.py"
    script.write_text(FAKE_SWEEP)
    real_start = jobs.start_job

    def fake_start(argv, out_dir, log_name="app_job.log"):
        if "experiments" in argv:
            return real_start([sys.executable, str(script), str(out_dir)], out_dir, log_name)
        return real_start([sys.executable, "-c", "pass"], out_dir, log_name)

    with mock.patch.object(jobs, "start_job", fake_start):
        at = open_app({"source": "smoke"}, page="evidence")
        at.button[0].click().run()
        assert not at.exception
        assert at.get("progress"), "a live progress bar while the sweep runs"
        job = at.session_state["evidence_job"][1]
        assert job.process.poll() is None or job.process.wait() == 0
        job.process.wait(timeout=30)
        at.run()                                      # the sweep is done: its fit starts
        assert not at.exception
        assert metrics(at)["Runs"] == ["3"]
        fit = at.session_state["evidence_job"][1]
        assert fit is not job                         # a second job: the fit
        fit.process.wait(timeout=30)
        at.run()                                      # the fit is done: nothing left to poll
        assert not at.exception
        assert "evidence_job" not in at.session_state
        assert metrics(at)["Runs"] == ["3"]


def test_every_view_of_a_result_and_every_input_group_draws():
    at = open_app()
    for view in ("Sensitivity", "Fleet", "Distillation channel", "Over time", "Assumptions",
                 "Uncertainty"):
        at.segmented_control(key="explorer_view").set_value(view).run()
        assert not at.exception, view
    for group in ("scenario", "frontier", "actor", "chips", "distillation", "uncertainty"):
        at.selectbox(key="explorer_group").set_value(group).run()
        assert not at.exception, group
    assert at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")


def test_a_lever_in_a_hidden_group_keeps_its_value():
    at = open_app()
    at.selectbox(key="explorer_group").set_value("uncertainty").run()
    at.number_input(key="lv:uncertainty.draws").set_value(500).run()
    at.selectbox(key="explorer_group").set_value("frontier").run()
    assert not at.exception
    assert at.query_params["uncertainty.draws"] == "500"


def test_leaving_an_uploaded_scenario_returns_to_the_preset():
    at = open_app()
    preset_title = at.title[0].value
    text = preset_text().replace('name = "', 'name = "Uploaded: ', 1)
    at.file_uploader(key="explorer_upload").upload("mine.toml", text.encode(), "text/plain")
    at.run()
    next(b for b in at.button if b.label == "Back to the preset").click().run()
    assert not at.exception
    assert at.title[0].value == preset_title and "custom" not in at.query_params


def test_a_publication_figure_previews_on_request():
    at = open_app()
    assert len(at.image) == 0
    at.selectbox(key="explorer_figure").set_value("lag").run()
    assert not at.exception
    assert len(at.image) == 1


def test_compare_can_add_the_view_being_explored():
    at = open_app()
    at.slider(key="lv:actor.mfu").set_value(0.6).run()
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table.columns) == 3
    assert any(c.startswith("Your explorer view") for c in table.columns)
    assert at.toggle(key="compare_mine").value
    at.toggle(key="compare_mine").set_value(False).run()
    assert at.dataframe[0].value.shape[1] == 2
    at.toggle(key="compare_mine").set_value(True).run()     # still offered on later reruns
    assert at.dataframe[0].value.shape[1] == 3


def test_compare_adds_an_uploaded_scenario_file_to_the_saved_set():
    at = open_app(page="compare")
    text = preset_text().replace('name = "', 'name = "Uploaded: ', 1)
    at.file_uploader(key="compare_upload").upload("mine.toml", text.encode(), "text/plain")
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table.columns) == 3
    assert any(c.startswith("Uploaded: ") and c.endswith("(mine.toml)") for c in table.columns)
    assert len(at.query_params["scenarios"]) == 2     # an upload is not part of the link


def test_the_headline_says_why_distillation_gains_nothing():
    at = open_app({"scenario": "h20-requirement-2025-central"})
    text = " ".join(m.value for m in at.markdown)
    assert "no gain over scratch. Why: only 6.4e10 teacher tokens obtained" in text


def test_controls_with_no_effect_are_hidden_and_the_reason_said():
    at = open_app({"scenario": "h20-requirement-2025-central"})
    keys = {w.key for w in at.sidebar.slider} | {w.key for w in at.sidebar.toggle}
    assert "lv:distillation.top_k" not in keys               # text-only access
    assert "lv:actor.chips.0.count" in {w.key for w in at.sidebar.select_slider}
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "applies only when the API exposes top-k log-probs" in captions


def test_the_about_page_explains_terms_citation_and_sources():
    at = open_app(page="about")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for term in ("Lag (years)", "Effective compute", "Transfer assumption", "Oracle loss"):
        assert f"**{term}" in text, term
    assert "data/chips.csv" in text and "data/rules.toml" in text
    assert any("Version 0.1.0" in c.value for c in at.code)


def test_compare_shows_years_against_the_no_controls_baseline():
    at = open_app({"scenarios": ["h20-requirement-2025-central",
                                 "h200-case-by-case-2026-central"]}, page="compare")
    assert not at.exception
    table = at.dataframe[0].value
    assert "Δ years vs the no-controls baseline, scratch" in table.index
    assert any("different years" in w.value for w in at.warning)


def test_explorer_headline_gives_both_axes_for_a_skill_scenario():
    at = open_app({"scenario": "reasoning-traces-hidden-2026"}, page="explorer")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Both axes: on general capability (loss)" in text
    assert "gains nothing" in text   # hidden chain of thought: why, in the same sentence
