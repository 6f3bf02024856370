"""The "where the lag goes" waterfall (simulator.charts.waterfall)."""

from pathlib import Path

import pytest

from simulator.scenario import evaluate, load_scenario

ROOT = Path(__file__).resolve().parent.parent
EFFICIENT = ROOT / "scenarios" / "efficient-actor-deepseek-v3-2024.toml"
LOSS_ONLY = ROOT / "scenarios" / "h20-requirement-2025-central.toml"


@pytest.fixture(scope="module")
def result():
    return evaluate(load_scenario(EFFICIENT), draws=400, with_tornado=False)


def test_steps_start_at_the_frontier_chain_each_part_and_end_at_the_lag(result):
    from simulator.charts.waterfall import waterfall_steps

    axis = result.lag_decomposition.general.model_dump()
    steps = waterfall_steps(axis)
    assert [s["label"] for s in steps] == ["Frontier", "Compute gap", "Efficiency",
                                           "Distillation", "Lag"]
    assert steps[0]["end"] == 0.0
    for before, after in zip(steps[:-2], steps[1:-1]):
        assert after["start"] == pytest.approx(before["end"])
    assert steps[-2]["end"] == pytest.approx(axis["total_years"], abs=1e-9)
    assert steps[-1]["end"] == axis["total_years"]
    eff = steps[2]
    q = axis["intervals"]["efficiency_years"]
    assert eff["interval"] == pytest.approx((eff["start"] + q["p5"], eff["start"] + q["p95"]))


def test_chart_has_one_panel_per_axis_with_bars_whiskers_and_sourced_footer(result):
    from simulator.charts.style import chart_info
    from simulator.charts.waterfall import waterfall_chart

    fig = waterfall_chart(result)
    axes = [ax for ax in fig.axes if ax.patches]
    assert len(axes) == 2                                  # general and skill
    general = result.lag_decomposition.general.model_dump()
    widths = sorted(round(p.get_width(), 9) for p in axes[0].patches)
    expected = sorted(round(abs(general[k]), 9) for k in
                      ("compute_gap_years", "efficiency_years", "distillation_years",
                       "total_years"))
    assert widths == pytest.approx(expected, abs=1e-9)
    labels = {t.get_text() for t in axes[0].texts}
    assert f"+{general['compute_gap_years']:.2f}" in labels
    assert f"{general['efficiency_years']:.2f}" in labels     # negative: "-0.86"
    info = chart_info(fig)
    assert "data/algorithmic_efficiency.toml" in info.footer.source
    assert "Whiskers" in info.footer.note and "400 Monte Carlo draws" in info.footer.note


def test_a_scenario_without_a_skill_axis_gets_one_panel():
    from simulator.charts.waterfall import waterfall_chart

    r = evaluate(load_scenario(LOSS_ONLY), draws=0, with_tornado=False)
    fig = waterfall_chart(r)
    assert len([ax for ax in fig.axes if ax.patches]) == 1
    assert "No Monte Carlo draws" in fig._compute_moat_info.footer.note


def test_vector_files_carry_text_and_are_byte_identical_across_runs(result, tmp_path):
    from simulator.charts.save import save_figure
    from simulator.charts.waterfall import waterfall_chart

    a = save_figure(waterfall_chart(result), tmp_path / "a", formats=("svg", "pdf"))
    b = save_figure(waterfall_chart(result), tmp_path / "b", formats=("svg", "pdf"))
    for fmt in ("svg", "pdf"):
        assert a[fmt]["sha256"] == b[fmt]["sha256"]
    svg = (tmp_path / "a.svg").read_text()
    assert "<image" not in svg and "Where the lag goes" in svg


def test_report_shows_the_waterfall_and_a_table_equal_to_run_json(tmp_path):
    import csv
    import json

    from simulator.cli import main

    assert main(["report", str(EFFICIENT), "--out", str(tmp_path)]) == 0
    folder = tmp_path / EFFICIENT.stem
    for fmt in ("png", "svg", "pdf"):
        assert (folder / "charts" / f"waterfall.{fmt}").is_file()
    md = (folder / "report.md").read_text()
    assert "## Where the lag goes" in md and "charts/waterfall.png" in md
    assert "tables/lag_decomposition.csv" in md
    block = json.loads((folder / "results.json").read_text())["lag_decomposition"]
    with open(folder / "tables" / "lag_decomposition.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {(r["axis"], r["part"]) for r in rows} >= {("general", "efficiency_years"),
                                                      ("skill", "distillation_years")}
    for r in rows:
        assert float(r["years"]) == block[r["axis"]][r["part"]]
        assert float(r["p95"]) == block[r["axis"]]["intervals"][r["part"]]["p95"]
