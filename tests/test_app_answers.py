"""What the app tells an analyst, computed outside Streamlit: the orientation text, the lag year
by year with bands, the comparison with the no-controls baseline, tables for people, the view
tab in a link, rule labels and the evidence charts' run counts."""

import math

import pytest

from simulator import hardware
from simulator.app import applicability, comparison, display, export, guide, links, widgets
from simulator.app.bundle import scenario_bundle
from simulator.errors import InputError
from simulator.paths import REPO_ROOT, SCENARIOS_DIR
from simulator.scenario import evaluate, load_scenario
from simulator.scenario.overtime import DEFAULT_YEARS, assumption_text, lag_over_time

CENTRAL = SCENARIOS_DIR / "h20-requirement-2025-central.toml"


# --- orientation ----------------------------------------------------------------------------

def test_a_negative_lag_is_read_as_ahead_of_the_frontier():
    assert guide.lag_phrase(-0.42) == "0.4 years ahead of the frontier (a negative lag)"
    assert guide.lag_phrase(2.14) == "2.1 years behind the frontier"
    assert guide.lag_phrase(-0.01) == "0.0 years behind the frontier"   # rounds to zero


def test_every_data_file_in_the_readme_is_listed_with_what_it_is():
    sources = {s.file: s.what for s in guide.data_sources()}
    for name in ("chips.csv", "rules.toml", "api_prices.csv", "laws.toml", "fits/default.json"):
        assert name in sources and len(sources[name]) > 20, name


def test_the_citation_names_the_version_in_citation_cff():
    import importlib.metadata

    cite = guide.citation()
    assert cite["version"] == importlib.metadata.version("compute-moat")
    assert cite["title"].startswith("Compute Moat") and cite["version"] in cite["text"]


def test_report_a_bug_is_an_http_url_even_without_a_project_url(monkeypatch):
    monkeypatch.delenv("COMPUTE_MOAT_BUG_URL", raising=False)
    assert guide.bug_report_url("http://example.org:8501/compare").startswith(
        "http://example.org:8501/")
    monkeypatch.setenv("COMPUTE_MOAT_BUG_URL", "https://tracker.example/new")
    assert guide.bug_report_url(None) == "https://tracker.example/new"


# --- the lag over time ----------------------------------------------------------------------

def test_year_zero_of_the_series_is_the_scenarios_own_result():
    scenario = load_scenario(CENTRAL)
    rows = lag_over_time(scenario, years=3, draws=200)
    point = evaluate(scenario, draws=0).to_dict()["results"]
    assert [r["year"] for r in rows] == [scenario.year + t for t in range(4)]
    for strategy in ("scratch", "distill"):
        assert math.isclose(rows[0][strategy]["lag_years"], point[strategy]["lag_years"],
                            rel_tol=1e-9)


def test_with_a_fixed_fleet_the_lag_grows_by_frontier_years():
    """Fixed fleet (growth 1x): the frontier's compute grows, the actor's does not, so the
    scratch lag grows by ln(g) / ln(g x algorithmic progress) per year."""
    scenario = load_scenario(CENTRAL)
    assert scenario.actor.growth_per_year == 1.0
    rows = lag_over_time(scenario, years=2, draws=0)
    f = scenario.frontier
    per_year = math.log(f.growth_per_year) / math.log(
        f.growth_per_year * f.algorithmic_progress_per_year)
    steps = [b["scratch"]["lag_years"] - a["scratch"]["lag_years"] for a, b in zip(rows, rows[1:])]
    assert steps == pytest.approx([per_year, per_year], rel=1e-6)


def test_each_year_has_an_ordered_band_around_its_median():
    rows = lag_over_time(load_scenario(CENTRAL), years=2, draws=300, seed=7)
    for row in rows:
        for strategy in ("scratch", "distill"):
            c = row[strategy]
            assert c["p5"] <= c["p25"] <= c["p50"] <= c["p75"] <= c["p95"]
            assert c["p95"] - c["p5"] > 0.05                # the scenario has lever ranges


def test_a_scenario_without_a_series_gets_the_default_years():
    scenario = load_scenario(CENTRAL)
    assert scenario.timeseries_years == 0
    assert len(lag_over_time(scenario, draws=0)) == DEFAULT_YEARS + 1


def test_the_series_states_its_fixed_fleet_assumption():
    text = assumption_text(load_scenario(CENTRAL))
    assert "Fixed-fleet assumption" in text and "4.5x a year" in text


# --- compare with the no-controls baseline --------------------------------------------------

def test_the_baseline_is_the_shipped_scenario_without_controls():
    presets = {p.stem: {"rule": load_scenario(p).rule, "variant": load_scenario(p).variant}
               for p in SCENARIOS_DIR.glob("*.toml")}
    assert comparison.baseline_preset(presets) == "no-controls-baseline-2025"


def test_lag_vs_baseline_is_the_difference_of_lags():
    baseline = evaluate(load_scenario(SCENARIOS_DIR / "no-controls-baseline-2025.toml"),
                        draws=0)
    result = evaluate(load_scenario(CENTRAL), draws=0)
    delta = comparison.lag_vs_baseline(result, baseline)
    for strategy in ("scratch", "distill"):
        assert delta[strategy] == pytest.approx(
            getattr(result.results, strategy).lag_years
            - getattr(baseline.results, strategy).lag_years)
    assert delta["scratch"] > 0.5                        # the 2025 rules cost the actor years


def test_a_caveat_appears_only_when_years_differ():
    from types import SimpleNamespace

    def r(year):
        return SimpleNamespace(scenario=SimpleNamespace(year=year))

    assert comparison.year_caveat({"a": r(2025), "b": r(2025)}, r(2025)) is None
    caveat = comparison.year_caveat({"a": r(2026), "b": r(2025)}, r(2025))
    assert "2025, 2026" in caveat and "different years" in caveat


# --- tables for people ----------------------------------------------------------------------

def test_fleet_rows_show_no_raw_floats_or_status_ids():
    result = evaluate(load_scenario(CENTRAL), draws=0)
    rows = display.fleet_rows(result.fleet)
    assert len(rows) == len(result.fleet)
    for row in rows:
        assert "e+" not in row["FLOP"] and row["FLOP"] != "0E0"
        assert "_" not in row["Status under the rule"]
    assert display.flop_text(3.2659199999999996e+25) == "3.27e25"
    assert display.flop_text(0.0) == "0"


def test_distillation_rows_format_every_number():
    result = evaluate(load_scenario(CENTRAL), draws=0)
    rows = display.distillation_rows(result.distillation)
    text = " ".join(r["Value"] for r in rows)
    assert "e+" not in text and len(rows) >= 7


# --- the view tab in a link -----------------------------------------------------------------

def test_the_view_tab_round_trips_through_a_link():
    query = links.encode_explorer("p", {}, {}, [], view="over-time")
    assert query == {"scenario": "p", "view": "over-time"}
    decoded = links.decode_explorer(query, ["p"], "p", lambda p, c: [],
                                       views=["uncertainty", "over-time"])
    assert decoded.view == "over-time" and decoded.errors == []


def test_an_unknown_view_in_a_link_warns_and_shows_the_first():
    decoded = links.decode_explorer({"scenario": "p", "view": "tea-leaves"}, ["p"], "p",
                                       lambda p, c: [], views=["uncertainty", "over-time"])
    assert decoded.view is None
    assert any("tea-leaves" in e for e in decoded.errors)


# --- rules and evidence ---------------------------------------------------------------------

def test_every_rule_has_a_human_label():
    labels = {r: hardware.get_rule(r).name for r in hardware.rule_ids()}
    assert labels["2023-10"] == "Oct 2023 rule (3A090 revised)"
    assert all(label != rule for rule, label in labels.items())


def test_a_results_file_with_a_header_and_no_rows_is_refused(tmp_path):
    from simulator.curves.results_csv import read_results
    from simulator.paths import DEFAULT_EXPERIMENTS

    header = (DEFAULT_EXPERIMENTS / "results.csv").read_text().splitlines()[0]
    path = tmp_path / "results.csv"
    path.write_text(header + "\n")
    with pytest.raises(InputError, match="no runs"):
        read_results(path)


def test_evidence_footers_count_runs_out_of_the_files_total():
    from simulator.charts.evidence import evidence_figures
    from simulator.charts.style import chart_info
    from simulator.curves.card import load_card
    from simulator.curves.results_csv import read_results
    from simulator.paths import DEFAULT_EXPERIMENTS, DEFAULT_FIT

    runs = read_results(DEFAULT_EXPERIMENTS / "results.csv")
    figures = evidence_figures(runs, load_card(DEFAULT_FIT))
    for slug, fig in figures.items():
        assert f"of {len(runs)} training runs" in chart_info(fig).footer.source, slug


# --- honest exports -------------------------------------------------------------------------

def _moved():
    from simulator.scenario import with_values

    base = load_scenario(CENTRAL)
    changed = {"actor.mfu": 0.5, "distillation.tokens": 1e12}
    base_values = {"actor.mfu": base.actor.mfu, "distillation.tokens": base.distillation.tokens}
    changes = export.lever_changes(changed, base_values, {"actor.mfu": "MFU",
                                                          "distillation.tokens": "Tokens"}.get)
    return base, with_values(base, changed), changes


def test_a_moved_scenario_is_exported_as_modified_from_its_preset():
    import tomllib

    base, moved, changes = _moved()
    exported = export.export_scenario(moved, base.name, changes)
    data = tomllib.loads(export.scenario_toml(exported))
    assert data["name"] == f'Modified from "{base.name}" (2 levers moved)'
    assert "MFU (actor.mfu): 0.35 -> 0.5" in data["description"]
    assert "Tokens (distillation.tokens): 6.4e10 -> 1e12" in data["description"]
    assert data["actor"]["mfu"] == pytest.approx(0.5)
    assert export.export_scenario(base, base.name, []) is base      # nothing moved: as is


def test_exported_results_and_provenance_carry_no_server_path():
    import io
    import json
    import zipfile

    base, moved, changes = _moved()
    exported = export.export_scenario(moved, base.name, changes)
    result = export.export_result(evaluate(moved, draws=0), exported, base.name, changes)
    assert result.scenario.file == "scenarios/h20-requirement-2025-central.toml"
    assert result.to_dict()["scenario"]["moved_levers"] == changes
    assert result.to_dict()["scenario"]["modified_from"] == base.name
    modified = {"preset": base.name, "source": "scenarios/x.toml", "changes": changes}
    data = scenario_bundle(exported, result, {}, url="http://h/?x=1",
                                  modified_from=modified, figure_bytes=None)
    files = zipfile.ZipFile(io.BytesIO(data))
    text = " ".join(files.read(n).decode("utf-8") for n in files.namelist())
    assert str(REPO_ROOT) not in text  # no server path, wherever the repo lies
    citation = files.read("CITATION.txt").decode("utf-8")
    assert f'Modified from the preset "{base.name}"' in citation
    assert "MFU (actor.mfu): 0.35 -> 0.5" in citation
    prov = json.loads(files.read("provenance.json"))
    assert prov["scenario"]["modified_from"]["changes"] == changes


def test_figure_footers_list_the_moved_levers():
    from simulator.charts.scenario import lag_chart
    from simulator.charts.style import chart_info

    base, moved, changes = _moved()
    exported = export.export_scenario(moved, base.name, changes)
    result = export.export_result(evaluate(moved, draws=0), exported, base.name, changes)
    footer = chart_info(lag_chart(result)).footer
    assert f'Modified from "{base.name}"' in footer.source
    assert "MFU 0.35 → 0.5" in footer.note


def test_chip_labels_on_the_chart_never_overprint():
    from simulator.charts.labels import log_domain, place_labels

    table = hardware.classify_all(hardware.get_rule("2026-01")).dropna(
        subset=["tpp", "performance_density"])
    points = list(zip(table["tpp"], table["performance_density"], table["chip"]))
    xd, yd = log_domain(table["tpp"]), log_domain(table["performance_density"])
    spots = place_labels(points, x_domain=xd, y_domain=yd, width_px=560, height_px=380)
    assert len(spots) >= 0.7 * len(points)            # most chips keep a visible label

    def box(spot):
        px = 560 * (math.log10(spot.x) - math.log10(xd[0])) / math.log10(xd[1] / xd[0])
        py = 380 * (1 - (math.log10(spot.y) - math.log10(yd[0])) / math.log10(yd[1] / yd[0]))
        w = 6.0 * len(spot.text)
        left = px + spot.dx if spot.align == "left" else (
            px + spot.dx - w if spot.align == "right" else px - w / 2)
        return left, py + spot.dy - 6, left + w, py + spot.dy + 6

    boxes = [box(s) for s in spots]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


# --- controls only where they apply ---------------------------------------------------------

def test_top_k_applies_only_to_top_k_access():
    scenario = load_scenario(CENTRAL)
    assert scenario.distillation.access != "topk"
    assert "distillation.top_k" in applicability.inapplicable_levers(scenario, {})
    assert "distillation.top_k" not in applicability.inapplicable_levers(
        scenario, {"distillation.access": "topk"})


def test_the_approval_share_applies_once_the_rule_reviews_an_imported_chip():
    scenario = load_scenario(CENTRAL)                   # H20 imports under the 2025-04 letter
    assert "actor.case_by_case_approval_fraction" in applicability.inapplicable_levers(scenario, {})
    assert "actor.case_by_case_approval_fraction" not in applicability.inapplicable_levers(
        scenario, {"rule": "2025-08"})                  # H20 licences: case by case


def test_smuggling_and_cloud_levers_follow_the_fleet():
    scenario = load_scenario(CENTRAL)                   # smuggled H100s, no cloud chips
    hidden = applicability.inapplicable_levers(scenario, {})
    assert "actor.smuggling_interdiction_fraction" not in hidden
    assert "actor.remote_access_controls" in hidden


def test_top_k_beyond_the_measured_values_is_marked_extrapolation():
    from simulator.curves.card import load_card
    from simulator.paths import DEFAULT_FIT

    measured = applicability.measured_top_k(load_card(DEFAULT_FIT))
    assert measured == [4]
    assert applicability.top_k_note(4, measured) is None
    assert "Extrapolation" in applicability.top_k_note(20, measured)


def test_levers_speak_in_words_and_round_steps():
    mfu = widgets.Lever(path="actor.mfu", label="mfu", min=0.0, max=0.8)
    assert widgets.slider_bounds(mfu, 0.35)[2] == pytest.approx(0.01)
    assert display.choice_label("rule", "2023-10") == "Oct 2023 rule (3A090 revised)"
    assert display.choice_label("distillation.access", "topk") == "top-k log-probs"
    assert display.chip_count_label("H20", "import") == "H20 chips (legal import)"
