"""``python -m simulator report``: files, numbers, provenance, citations, reproducibility."""

import csv
import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.provenance import sha256_file
from simulator.report.content import METRIC_WORDS

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "h200-case-by-case-2026-central.toml"
SLUG = SCENARIO.stem
CHARTS = ("capability", "lag", "waterfall", "tornado", "cost", "chip_map")


def _report(out: Path, *scenarios) -> int:
    return main(["report", *map(str, scenarios or (SCENARIO,)), "--out", str(out)])


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    assert _report(out) == 0
    return out


@pytest.fixture(scope="module")
def run_json() -> dict:
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["run", str(SCENARIO), "--json"]) == 0
    return json.loads(buf.getvalue())


def test_report_writes_index_and_a_complete_scenario_folder(report):
    folder = report / SLUG
    for name in ("report.md", "report.html", "results.json", "scenario.toml",
                 "provenance.json", "citation.bib", "tables/results.csv", "tables/lag.csv",
                 "tables/tornado.csv", "tables/cost.csv", "tables/capability.csv",
                 "tables/chip_map.csv", "tables/fleet.csv", "tables/lag_decomposition.csv"):
        assert (folder / name).is_file(), name
    magic = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF-"}
    for chart in CHARTS:
        for fmt_ in ("png", "svg", "pdf"):
            data = (folder / "charts" / f"{chart}.{fmt_}").read_bytes()
            assert data.startswith(magic[fmt_]) and len(data) > 1000, (chart, fmt_)
        svg = (folder / "charts" / f"{chart}.svg").read_text()
        assert "<svg" in svg and "Compute Moat" in svg, chart   # drawn, with its footer
    with open(folder / "tables" / "fleet.csv", newline="") as f:
        fleet = list(csv.DictReader(f))
    chips = json.loads((folder / "results.json").read_text())["fleet"]
    assert [row["chip"] for row in fleet] == [c["chip"] for c in chips]
    index = (report / "index.html").read_text()
    assert f'href="{SLUG}/report.html"' in index and "comparison.svg" in index
    assert (report / "comparison.csv").is_file()
    assert not list(report.glob(".report-staging-*"))


def test_results_json_is_exactly_what_run_json_prints(report, run_json):
    assert json.loads((report / SLUG / "results.json").read_text()) == run_json


# what the report's printed precision allows: (relative, absolute) per kind of number
PRINTED = {"flop": (5e-4, 0), "usd": (0, 0.5), "years": (0, 0.005), "loss": (0, 5e-5)}


def _number(cell: str) -> float:
    return float(cell.replace(",", ""))


def test_numbers_in_report_md_equal_run_json(report, run_json):
    md = (report / SLUG / "report.md").read_text()
    for metric, (label, unit, kind) in METRIC_WORDS.items():
        row = next(line for line in md.splitlines() if line.startswith(f"| {label} ({unit})"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        rel, tol = PRINTED[kind]
        for cell, strategy in ((cells[1], "scratch"), (cells[3], "distill")):
            want = run_json["results"][strategy][metric]
            assert _number(cell) == pytest.approx(want, rel=rel, abs=tol), (metric, strategy)
        q = run_json["percentiles"]["distill"][metric]
        low, high = (_number(c) for c in cells[4].split(" – "))
        assert low == pytest.approx(q["p5"], rel=rel, abs=tol), metric
        assert high == pytest.approx(q["p95"], rel=rel, abs=tol), metric
        assert "-0.00" not in row


def test_results_csv_holds_the_run_json_numbers_at_full_precision(report, run_json):
    with open(report / SLUG / "tables" / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * len(METRIC_WORDS)
    for row in rows:
        want = run_json["results"][row["strategy"]][row["metric"]]
        assert float(row["value"]) == pytest.approx(want, rel=1e-15)  # all 17 digits kept
        q = run_json["percentiles"][row["strategy"]][row["metric"]]
        assert float(row["p95"]) == pytest.approx(q["p95"], rel=1e-15)


def _table(report, name) -> list:
    with open(report / SLUG / "tables" / f"{name}.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_the_lag_tornado_and_cost_charts_draw_the_numbers_of_run_json(report, run_json):
    """Each chart's table (the data it draws) holds what run --json computed, so a chart that
    drew another scenario, a stale result or a mislabelled strategy fails here."""
    for row in _table(report, "lag")[:2]:
        strategy = row["strategy"]
        assert float(row["value"]) == pytest.approx(
            run_json["results"][strategy]["lag_years"], rel=1e-12)
        for q, want in run_json["percentiles"][strategy]["lag_years"].items():
            assert float(row[q]) == pytest.approx(want, rel=1e-12), (strategy, q)
    tornado = _table(report, "tornado")
    assert [r["path"] for r in tornado] == [r["path"] for r in run_json["tornado"]]
    for row, want in zip(tornado, run_json["tornado"]):
        for side in ("scratch", "distill"):
            for end in ("low", "high"):
                assert float(row[f"{side}_lag_years_at_{end}"]) == pytest.approx(
                    want[side][f"lag_years_at_{end}"], rel=1e-12), (row["path"], side, end)
        assert float(row["swing_years"]) == pytest.approx(want["swing_years"], rel=1e-12)
    cost = {row["strategy"]: row for row in _table(report, "cost")}
    for strategy in ("scratch", "distill"):
        assert float(cost[strategy]["total_usd"]) == pytest.approx(
            run_json["results"][strategy]["cost_usd"], rel=1e-12)
        assert float(cost[strategy]["p95"]) == pytest.approx(
            run_json["percentiles"][strategy]["cost_usd"]["p95"], rel=1e-12)
    assert float(cost["distill"]["api_usd"]) == pytest.approx(
        run_json["distillation"]["api_cost_usd"], rel=1e-12)


def test_provenance_hashes_every_input_and_output(report, run_json):
    folder = report / SLUG
    prov = json.loads((folder / "provenance.json").read_text())
    assert prov["scenario"]["sha256"] == sha256_file(SCENARIO)
    assert set(prov["data"]) >= {"data/chips.csv", "data/rules.toml", "data/laws.toml"}
    for path, sha in prov["data"].items():
        assert sha == sha256_file(ROOT / path)
    fit = prov["fit_card"]
    if fit["path"]:
        assert fit["sha256"] == sha256_file(ROOT / fit["path"])
    assert prov["code_version"] and prov["packages"]["matplotlib"]
    assert prov["seeds"]["monte_carlo_seed"] == run_json["percentiles"]["seed"]
    assert re.match(r"\d{4}-\d\d-\d\dT", prov["date"])
    assert prov["outputs"]["charts/lag.pdf"] == sha256_file(folder / "charts" / "lag.pdf")
    assert prov["outputs"]["report.md"] == sha256_file(folder / "report.md")


def test_svg_and_pdf_embed_the_scenario_hash_and_code_version(report):
    prov = json.loads((report / SLUG / "provenance.json").read_text())
    sha, version = prov["scenario"]["sha256"], prov["code_version"]
    for chart in ("capability", "lag", "tornado", "cost"):
        for fmt_ in ("svg", "pdf"):
            data = (report / SLUG / "charts" / f"{chart}.{fmt_}").read_bytes()
            assert f"scenario_sha256={sha}".encode() in data, (chart, fmt_)
            assert version.encode() in data, (chart, fmt_)


def test_report_and_every_caption_offer_a_citation(report):
    md = (report / SLUG / "report.md").read_text()
    assert md.count("Cite: Compute Moat contributors") >= len(CHARTS)
    assert "@software{" in md and "version =" in md
    for chart in CHARTS:
        bib = (report / SLUG / "charts" / f"{chart}.bib").read_text()
        assert bib.startswith("@software{") and chart in bib
        assert f"(charts/{chart}.bib)" in md
    bib = (report / SLUG / "citation.bib").read_text()
    assert SLUG.replace("-", "")[:20] in bib.replace("-", "") or SLUG in bib
    assert "Source: " in md and "Transfer assumption" in md


def test_same_inputs_give_byte_identical_svg_and_pdf(report, tmp_path):
    assert _report(tmp_path) == 0
    versions = {json.loads((d / SLUG / "provenance.json").read_text())["code_version"]
                for d in (report, tmp_path)}
    if len(versions) > 1:  # the charts print the code version: a commit landed in between
        pytest.skip(f"code version changed between the two builds: {sorted(versions)}")
    for path in sorted((report / SLUG / "charts").glob("*")):
        if path.suffix in (".svg", ".pdf"):
            again = tmp_path / SLUG / "charts" / path.name
            assert again.read_bytes() == path.read_bytes(), path.name


def test_an_invalid_scenario_stops_the_batch_before_anything_is_written(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(SCENARIO.read_text() + "\nbogus_field = 1\n")
    out = tmp_path / "out"
    assert _report(out, SCENARIO, bad) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "bogus_field" in err and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_report_needs_a_scenario_or_evidence(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path)]) == 2
    assert "SCENARIO.toml" in capsys.readouterr().err


def test_evidence_only_report_draws_the_headline_and_multiplier(tmp_path):
    from sample_evidence import sample_card

    card = tmp_path / "card.json"
    card.write_text(sample_card(n_boot=8).to_json())
    out = tmp_path / "out"
    assert main(["report", "--evidence", "--fit", str(card), "--out", str(out)]) == 0
    for chart in ("headline_token_limited", "evidence_compute_multiplier"):
        assert (out / "evidence" / f"{chart}.pdf").is_file()
    assert (out / "evidence" / "tables" / "headline_token_limited.csv").is_file()
    prov = json.loads((out / "evidence" / "provenance.json").read_text())
    assert prov["fit_card"]["sha256"] == sha256_file(card)


def test_citation_cff_names_title_version_and_licence():
    text = (ROOT / "CITATION.cff").read_text()
    for key in ("cff-version:", "message:", "title:", "authors:", "version:", "license: MIT"):
        assert key in text
