"""The skill chart (simulator.charts.skill) and its place in the report."""

from pathlib import Path

import numpy as np
import pytest

from simulator.scenario import evaluate, load_scenario
from simulator.scenario.skill_series import skill_series

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "reasoning-traces-open-2026.toml"


@pytest.fixture(scope="module")
def result():
    return evaluate(load_scenario(SCENARIO), draws=0, with_tornado=False).to_dict()


def test_series_bands_hold_the_median_and_anchors_are_the_data_file(result):
    s = skill_series(result["capability"], draws=200)
    for e in s["tiers"].values():
        assert np.all(e["p05"] <= e["p95"] + 1e-12)
        assert np.all(e["ceg_median"] >= 1.0 - 1e-12)
    assert s["anchors"]["r1_distill"][:2] == pytest.approx((800000, 0.726))
    lo, hi = s["measured_range"]["trace"]
    assert 0 < lo < hi


def test_chart_draws_solid_measured_and_dashed_extrapolated_lines_and_labels_anchors(result):
    from simulator.charts.skill import skill_chart

    fig = skill_chart(result)
    ax1, ax2 = fig.axes[:2]
    styles = {str(line.get_linestyle()) for line in ax1.get_lines()}
    assert "-" in styles and "--" in styles
    texts = {t.get_text() for t in ax1.texts}
    assert {"R1-Distill-Qwen-32B", "LIMO", "s1-32B"} <= texts
    assert any(line.get_marker() == "^" for line in ax2.get_lines())  # lower bounds marked


def test_report_of_a_capability_scenario_has_the_skill_chart_and_section(tmp_path):
    from simulator.cli import main

    assert main(["report", str(SCENARIO), "--out", str(tmp_path)]) == 0
    folder = tmp_path / SCENARIO.stem
    assert (folder / "charts" / "skill.svg").is_file()
    md = (folder / "report.md").read_text()
    assert "## Skill capability" in md and "charts/skill.png" in md
    assert "> 7.5" in md or "&gt; 7.5" in md   # a lower-bound CEG printed as a bound


def test_each_anchor_point_lies_inside_the_band_the_chart_draws_at_its_samples(result):
    """The R1-Distill point (72.6% at ~800k verified traces) sits inside the verified-trace
    band, not above its 95th percentile (the saturation range is centred on it)."""
    s = skill_series(result["capability"], draws=400)
    x = np.log(s["samples"])
    e = s["tiers"]["verified_trace"]
    n, a, _ = s["anchors"]["r1_distill"]
    lo, mid, hi = (np.interp(np.log(n), x, e[k]) for k in ("p05", "median", "p95"))
    assert lo < a < hi
    assert mid == pytest.approx(a, abs=0.002)    # the point estimate is the measurement
