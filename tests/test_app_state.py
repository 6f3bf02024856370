"""The app wing (simulator.app: URL codec, widget model, scenario levers, bundles, jobs), without
Streamlit."""

import io
import json
import math
import zipfile

import pytest

from simulator.app import bundle, catalogue, export, jobs, links, scenario_levers, whatif, widgets
from simulator.app.card_tables import heldout_rows
from simulator.app.widgets import Lever
from simulator.errors import InputError
from simulator.paths import SCENARIOS_DIR

MFU = Lever(path="actor.mfu", label="mfu", kind="float", min=0.0, max=0.8)
TOP_K = Lever(path="distillation.top_k", label="top k", kind="int", min=1, max=1000)
ACCESS = Lever(path="distillation.access", label="access", kind="choice",
               choices=("logits", "topk", "text"))
CONTROLS = Lever(path="actor.remote_access_controls", label="controls", kind="bool")
PRICE = Lever(path="actor.chips.0.price_usd", label="price", kind="float", min=0, max=1e7,
              optional=True)
LEVERS = [MFU, TOP_K, ACCESS, CONTROLS, PRICE]


def preset_path():
    return sorted(SCENARIOS_DIR.glob("*.toml"))[0]


@pytest.mark.parametrize("lever, value", [
    (MFU, 0.35), (MFU, 0.1 + 0.2), (TOP_K, 20), (ACCESS, "topk"), (CONTROLS, True),
    (CONTROLS, False), (PRICE, None), (PRICE, 12345.5)])
def test_lever_values_survive_the_url(lever, value):
    assert links.parse_value(lever, links.format_value(value)) == value


@pytest.mark.parametrize("lever, text, message", [
    (MFU, "abc", "expected a number"), (MFU, "0.9", "above the maximum"),
    (MFU, "-1", "below the minimum"), (MFU, "nan", "finite"), (TOP_K, "2.5", "whole number"),
    (ACCESS, "psychic", "not one of"), (CONTROLS, "maybe", "true or false")])
def test_bad_lever_text_is_refused_with_the_lever_named(lever, text, message):
    with pytest.raises(ValueError, match=message) as info:
        links.parse_value(lever, text)
    assert lever.path in str(info.value)


def test_only_levers_that_differ_from_the_preset_go_in_the_link():
    base = {"actor.mfu": 0.35, "distillation.top_k": 20, "distillation.access": "text",
            "actor.remote_access_controls": False, "actor.chips.0.price_usd": None}
    values = dict(base, **{"actor.mfu": 0.5, "distillation.access": "topk"})
    query = links.encode_explorer("central", values, base, LEVERS)
    assert query == {"scenario": "central", "actor.mfu": "0.5", "distillation.access": "topk"}
    decoded = links.decode_explorer(query, ["central"], "central", lambda p, c: LEVERS)
    assert decoded.errors == [] and decoded.values == {"actor.mfu": 0.5,
                                                        "distillation.access": "topk"}


def test_a_bad_link_decodes_to_messages_not_exceptions():
    decoded = links.decode_explorer(
        {"scenario": "nope", "actor.mfu": "x", "zzz": "1", "custom": "%%%"},
        ["central"], "central", lambda p, c: LEVERS)
    assert decoded.preset == "central" and decoded.values == {} and decoded.custom_toml is None
    text = " ".join(decoded.errors)
    assert "nope" in text and "actor.mfu" in text and "zzz" in text and "custom" in text


def test_an_invalid_packed_scenario_falls_back_to_the_preset():
    def levers_for(preset, custom):
        if custom is not None:
            raise ValueError("uploaded: rule: unknown rule")
        return LEVERS
    decoded = links.decode_explorer({"custom": links.pack_text("rule = 'x'")},
                                       ["central"], "central", levers_for)
    assert decoded.custom_toml is None and "unknown rule" in decoded.errors[0]


def test_packed_text_round_trips_and_refuses_damage_and_bombs():
    text = preset_path().read_text(encoding="utf-8")
    assert links.unpack_text(links.pack_text(text)) == text
    with pytest.raises(ValueError, match="damaged"):
        links.unpack_text(links.pack_text(text)[:-12])
    with pytest.raises(ValueError, match="larger than"):
        links.unpack_text(links.pack_text("x" * (links.MAX_CUSTOM_TOML_BYTES + 10)))


def test_compare_links_keep_valid_ids_and_need_two():
    assert links.decode_compare({"scenarios": ["a", "b", "a"]}, "abc", ["a", "c"]) == (
        ["a", "b"], [])
    chosen, errors = links.decode_compare({"scenarios": ["a", "x"]}, "abc", ["a", "c"])
    assert chosen == ["a", "c"] and len(errors) == 2
    chosen, errors = links.decode_compare({"scenarios": "a,b,c"}, "abc", ["a", "c"])
    assert chosen == ["a", "b", "c"] and not errors


def test_log_slider_stops_are_round_and_include_the_value():
    stops = widgets.log_options(2048.0, 2.048, 2.048e6)
    assert 2048.0 in stops and 1000.0 in stops and 1.5e6 in stops
    assert stops == sorted(stops) and all(2.048 <= s <= 2.048e6 for s in stops)


def test_what_if_thresholds_reclassify_chips():
    from simulator.hardware import classify, get_rule

    rule = get_rule("2023-10")
    keys = {t["key"] for t in whatif.rule_thresholds(rule)}
    assert "tpp_4800" in keys
    assert classify("H20", rule).status == "not_controlled"
    moved = whatif.rule_with_thresholds(rule, {"tpp_4800": 2000.0})
    assert classify("H20", moved).controlled
    assert whatif.rule_with_thresholds(rule, {}) is rule


def test_scenario_levers_cover_the_policy_levers_with_schema_bounds():
    from simulator.scenario import load_scenario

    scenario = load_scenario(preset_path())
    levers = {lv.path: lv for lv in scenario_levers.scenario_levers(scenario)}
    assert {"rule", "actor.mfu", "distillation.access", "distillation.tokens"} <= set(levers)
    assert levers["actor.mfu"].max == 0.8 and levers["actor.mfu"].help
    values = scenario_levers.scenario_values(scenario, levers.values())
    for lever in levers.values():                 # the scenario's own values are valid
        assert lever.check(values[lever.path]) == values[lever.path]


def test_moving_a_sampled_lever_moves_its_monte_carlo_range():
    from simulator.scenario import load_scenario

    scenario = next(s for s in map(load_scenario, sorted(SCENARIOS_DIR.glob("*.toml")))
                    if s.uncertainty.levers)
    rng = scenario.uncertainty.levers[0]
    old = scenario_levers._value_at(scenario, rng.path)
    new = old * 1.5
    moved = scenario_levers.recentred_ranges(scenario, {rng.path: new},
                                      scenario_levers.scenario_levers(scenario))
    low, high = moved["uncertainty.levers.0.low"], moved["uncertainty.levers.0.high"]
    assert low <= new <= high or math.isclose(low, new) or math.isclose(high, new)


def test_uploaded_scenarios_are_validated():
    text = preset_path().read_text(encoding="utf-8")
    assert catalogue.scenario_from_text(text, "mine.toml").name
    with pytest.raises(InputError, match="mine.toml: malformed TOML"):
        catalogue.scenario_from_text("a = = b", "mine.toml")
    with pytest.raises(InputError, match="unknown key"):
        catalogue.scenario_from_text(text + "\nsurprise = 1\n", "mine.toml")


def test_scenario_toml_loads_back_to_the_same_scenario():
    from simulator.scenario import load_scenario

    scenario = load_scenario(preset_path())
    again = catalogue.scenario_from_text(export.scenario_toml(scenario), "again.toml")
    assert again.model_dump() == scenario.model_dump()


def test_the_saved_scenario_set_replaces_a_key_in_place_and_drops_the_oldest_when_full():
    from simulator.app.scenario_set import MAX_SAVED, ScenarioSet, upload_key

    kept = ScenarioSet()
    kept.put("explorer", "first", "s1")
    kept.put(upload_key("x = 1"), "upload", "s2")
    kept.put("explorer", "second", "s3")
    assert [(e.label, e.scenario) for e in kept.entries()] == [("second", "s3"), ("upload", "s2")]
    for i in range(MAX_SAVED):
        kept.put(f"k{i}", str(i), i)
    assert len(kept) == MAX_SAVED and "explorer" not in kept and kept.get("k0").scenario == 0
    kept.discard("k0")
    assert "k0" not in kept and upload_key("x = 1") == upload_key("x = 1")


def test_bundles_are_byte_for_byte_reproducible_and_list_their_hashes():
    files = {"scenario.toml": "year = 2026\n", "data.csv": "a,b\n1,2\n"}
    prov = {"code_version": "test", "date": "2026-01-01"}
    first = bundle.build_bundle(files, prov, title="t")
    assert first == bundle.build_bundle(dict(reversed(list(files.items()))), prov, title="t")
    archive = zipfile.ZipFile(io.BytesIO(first))
    manifest = json.loads(archive.read("MANIFEST.json"))
    assert set(manifest) == {"scenario.toml", "data.csv", "provenance.json", "CITATION.txt"}
    assert "Cite as" in archive.read("CITATION.txt").decode()


def test_result_tables_hold_the_headline_with_percentiles():
    from simulator.scenario import evaluate, load_scenario

    result = evaluate(load_scenario(preset_path()), draws=200)
    tables = bundle.result_tables(result)
    headline = tables["headline"].set_index("strategy")
    assert set(headline.index) == {"scratch", "distill"}
    assert headline.loc["distill", "lag_years_p5"] <= headline.loc["distill", "lag_years_p95"]
    assert len(tables["percentiles"]) > 0


def test_heldout_rows_list_every_law_of_a_card():
    from test_scenario_fixtures import make_card

    from simulator.curves.card import validate_card
    card = make_card(with_token_limited=False).to_dict()
    card["scratch"].update(heldout={"relative_error_loss": 0.02}, n_runs=9)
    text = card["distill"]["text"]
    text["teachers"]["model"]["heldout"] = {"relative_error_loss": 0.05}
    text["multiplier"]["heldout"] = {"skipped": "too few runs to hold any out"}
    card["distill"] = {"text": text}
    rows = heldout_rows(validate_card(card))
    assert [r["mode"] for r in rows] == ["scratch", "text", "text"]
    assert rows[0]["relative_error_loss"] == 0.02 and rows[0]["n_runs"] == 9
    assert rows[1]["relative_error_loss"] == 0.05 and rows[2]["relative_error_loss"] is None


def test_sweep_progress_before_the_sweep_writes_anything_is_starting(tmp_path):
    progress = jobs.sweep_progress(tmp_path)
    assert progress["state"] == "starting" and progress["total"] is None
    assert progress["fraction"] == 0.0
    assert jobs.sweep_text(progress, 3.2) == "Smoke sweep: starting · 3 s"


def test_sweep_progress_reads_the_sweeps_progress_file(tmp_path):
    from simulator.experiments.progress import write_progress

    write_progress(tmp_path, done=6, total=41, current=["b", "a"], work_done=3.5e9,
                   work_total=29.6e9, unit="FLOP")
    progress = jobs.sweep_progress(tmp_path)
    assert (progress["done"], progress["total"], progress["state"]) == (6, 41, "running")
    assert progress["current"] == ["a", "b"]
    assert progress["fraction"] == pytest.approx(3.5 / 29.6)   # work, smoother than runs
    assert jobs.sweep_text(progress, 35) == "Smoke sweep: 6 of 41 runs · 35 s"
    write_progress(tmp_path, done=7, total=41, failed=1, state="failed")
    progress = jobs.sweep_progress(tmp_path)
    assert progress["state"] == "failed" and progress["fraction"] == pytest.approx(7 / 41)
    assert "(1 failed)" in jobs.sweep_text(progress, 40)


def test_a_damaged_progress_file_reads_as_starting(tmp_path):
    (tmp_path / "progress.json").write_text('{"done": "many"')
    assert jobs.sweep_progress(tmp_path)["state"] == "starting"
    (tmp_path / "progress.json").write_text('[1, 2]')
    assert jobs.sweep_progress(tmp_path)["state"] == "starting"


def test_a_scenario_bundle_holds_inputs_numbers_figures_and_provenance():
    from matplotlib.figure import Figure

    from simulator.charts.save import figure_bytes
    from simulator.scenario import evaluate, load_scenario

    scenario = load_scenario(preset_path())
    result = evaluate(scenario, draws=100)
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1], [0, 1])
    data = bundle.scenario_bundle(scenario, result, {"lag": fig}, url="http://x/?scenario=a",
                                  figure_bytes=figure_bytes)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert {"scenario.toml", "results.json", "headline.csv", "tornado.csv", "provenance.json",
            "CITATION.txt", "MANIFEST.json", "figures/lag.pdf", "figures/lag.svg",
            "figures/lag.png"} <= names
    prov = json.loads(archive.read("provenance.json"))
    assert prov["scenario"]["name"] == scenario.name and prov["url"].startswith("http://x/")
    again = catalogue.scenario_from_text(archive.read("scenario.toml").decode(), "bundle")
    assert again.model_dump() == scenario.model_dump()


def test_the_app_trains_nothing_and_loads_no_torch_at_import():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = ("import sys; import simulator.app.links, simulator.app.bundle, app_pages.shared, "
            "simulator.app.vega, simulator.app.figures; assert 'torch' not in sys.modules, 'torch imported'; "
            "assert 'matplotlib.pyplot' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-800:]


def test_the_app_wing_never_imports_streamlit():
    """simulator/app holds the app's logic; only app.py and app_pages/ draw with Streamlit."""
    import ast
    from pathlib import Path

    wing = Path(__file__).resolve().parents[1] / "simulator" / "app"
    found = []
    for path in sorted(wing.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "streamlit"]
    assert len(list(wing.glob("*.py"))) > 10 and found == []


def test_an_upload_that_is_not_utf8_is_one_input_error_naming_the_file():
    from simulator.app import catalogue
    from simulator.errors import InputError

    assert catalogue.upload_text("s.toml", "name = \"é\"".encode("utf-8")) == "name = \"é\""
    with pytest.raises(InputError, match=r"^s\.toml: not a UTF-8 text file$"):
        catalogue.upload_text("s.toml", b"name = \"\xe9\"")
