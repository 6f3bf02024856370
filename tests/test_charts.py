"""The chart style, the figure functions and deterministic PNG/SVG/PDF output."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator.charts import evidence, gains
from sample_evidence import sample_card, sample_runs
from simulator.charts.save import FORMATS, save_figure
from simulator.charts.style import (Footer, Stamp, chart_info, label_line_ends, new_figure,
                                    sci_label, style_context)

ROOT = Path(__file__).resolve().parent.parent
STAMP = Stamp(code_version="0.1.0+test", scenario_id="demo", scenario_sha256="ab" * 32,
              fit_sha256="cd" * 32)


@pytest.fixture(scope="module")
def card():
    return sample_card()


@pytest.fixture(scope="module")
def saved(tmp_path_factory, card):
    """The compute-multiplier chart saved once: (folder, save_figure's answer)."""
    folder = tmp_path_factory.mktemp("saved")
    fig = gains.compute_multiplier_chart(card, stamp=STAMP)
    return folder, save_figure(fig, folder / "m")


def test_importing_the_chart_modules_changes_no_global_matplotlib_state():
    # rcParams.copy() does not resolve the backend (reading rcParams['backend'] would import
    # pyplot itself).
    code = ("import matplotlib, sys; before = matplotlib.rcParams.copy(); "
            "import simulator.charts.style, simulator.charts.save, simulator.charts.evidence, "
            "simulator.charts.chips, simulator.charts.scenario; "
            "print(matplotlib.rcParams.copy() == before, 'matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split()
    assert out == ["True", "False"]


def test_a_chart_leaves_the_callers_rcparams_as_they_were(card):
    import matplotlib

    before = matplotlib.rcParams.copy()
    fig = gains.compute_multiplier_chart(card, stamp=STAMP)
    fig.draw_without_rendering()
    assert matplotlib.rcParams.copy() == before


def test_every_chart_carries_title_subtitle_source_note_and_stamp(card):
    fig = gains.token_limited_chart(card, stamp=STAMP)
    info = chart_info(fig)
    texts = " ".join(t.get_text() for t in fig.texts)
    assert info.title and info.title in texts
    assert "Source: " in texts and "Note: " in texts
    assert 'scenario "demo" (sha256 abababab)' in texts
    assert "transfer" in info.footer.text().lower()


def test_save_figure_writes_png_svg_pdf_with_provenance_inside(saved):
    folder, written = saved
    assert set(written) == set(FORMATS)
    for fmt in FORMATS:
        data = (folder / f"m.{fmt}").read_bytes()
        assert written[fmt]["sha256"] == __import__("hashlib").sha256(data).hexdigest()
        assert b"scenario_sha256=" + b"ab" * 32 in data, fmt
        assert b"0.1.0+test" in data, fmt


def test_svg_and_pdf_carry_no_timestamp(saved):
    folder, _ = saved
    assert b"<dc:date>" not in (folder / "m.svg").read_bytes()
    pdf = (folder / "m.pdf").read_bytes()
    assert b"/CreationDate" not in pdf and b"/ModDate" not in pdf


def test_pdf_embeds_truetype_text_in_one_font_subset(saved):
    import re

    pdf = (saved[0] / "m.pdf").read_bytes()
    assert b"/FontFile2" in pdf                      # TrueType (Type 42), not Type 3
    assert len(set(re.findall(rb"/BaseFont /(\w+\+[\w-]+)", pdf))) == 1


_RENDER = """
import sys
from sample_evidence import sample_card
from simulator.charts.gains import compute_multiplier_chart
from simulator.charts.save import save_figure
from simulator.charts.style import Stamp
STAMP = Stamp(code_version="0.1.0+test", scenario_id="demo", scenario_sha256="ab" * 32,
              fit_sha256="cd" * 32)
save_figure(compute_multiplier_chart(sample_card(), stamp=STAMP), sys.argv[1],
            formats=("svg", "pdf"))
"""


def test_the_same_chart_is_byte_identical_in_another_process(tmp_path, saved):
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(Path(__file__).parent))
    subprocess.run([sys.executable, "-c", _RENDER, str(tmp_path / "again")], cwd=ROOT, env=env,
                   check=True)
    for fmt in ("svg", "pdf"):
        assert (tmp_path / f"again.{fmt}").read_bytes() == (saved[0] / f"m.{fmt}").read_bytes()


def test_evidence_figures_draw_runs_fits_multiplier_and_headline(card):
    figs = evidence.evidence_figures(sample_runs(), card, STAMP)
    assert set(figs) == {"evidence_loss_vs_compute", "evidence_loss_vs_tokens",
                         "evidence_compute_multiplier", "headline_token_limited"}
    # one panel per mode; every measured run appears as a point
    axes = figs["evidence_loss_vs_compute"].axes
    assert len(axes) == 4
    n_points = sum(len(c.get_offsets()) for ax in axes for c in ax.collections
                   if c.get_offsets().shape[0] and c.__class__.__name__ == "PathCollection")
    assert n_points == len(sample_runs())


def test_token_limited_series_reads_the_documented_card_schema(card):
    series = gains.token_limited_series(card)
    assert set(series) == {"logits", "topk", "text"}
    s = series["text"]
    assert s["fraction"][0] == pytest.approx(1e-3) and s["fraction"][-1] == 1.0
    assert s["median"][0] == pytest.approx(1.0, abs=0.05)
    assert np.all(s["p05"] <= s["median"]) and np.all(s["median"] <= s["p95"])
    assert s["domain"] == (0.05, 0.5)


def test_full_runs_drops_token_limited_runs():
    runs = sample_runs()
    runs["teacher_token_fraction"] = np.nan
    runs.loc[runs.index[-3:], "teacher_token_fraction"] = 0.25
    assert len(evidence.full_runs(runs)) == len(runs) - 3


def test_chip_map_shows_the_rule_and_rings_the_fleet():
    from simulator.charts.chips import chip_map
    from simulator.hardware import classify_all, get_rule

    rule = get_rule("2023-10")
    fig = chip_map(classify_all("2023-10"), rule, stamp=STAMP, highlight=["H20"])
    info = chart_info(fig)
    assert rule.title in info.subtitle
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert "H20" in labels and any("H800" in t for t in labels)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "In this scenario's fleet" in legend
    assert any(t.startswith("Not controlled") for t in legend)
    assert any("TPP 4,800" == t.get_text() for t in ax.texts)


def test_power_of_ten_labels_use_plain_unicode():
    assert sci_label(1e24) == "10²⁴"
    assert sci_label(3e24) == "3×10²⁴"
    assert sci_label(1e-3) == "10⁻³"


def test_line_end_labels_are_pushed_apart():
    with style_context():
        fig = new_figure("t", "T", "S", Footer(source="x"))
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1])
        label_line_ends(ax, [(1, 1.0, "a", "k"), (1, 1.001, "b", "k"), (1, 0.999, "c", "k")])
    ys = sorted(t.xyann[1] for t in ax.texts)
    assert min(np.diff(ys)) >= 0.05


def test_save_figure_rejects_unknown_metadata_keys(tmp_path):
    with style_context():
        fig = new_figure("t", "T", "S", Footer(source="x"))
    with pytest.raises(ValueError, match="unknown metadata key"):
        save_figure(fig, tmp_path / "x", {"author": "me"}, formats=("svg",))


def test_the_headline_chart_marks_the_gains_read_off_each_sizes_own_curve():
    from simulator.curves.card import load_card
    from simulator.paths import DEFAULT_FIT

    shipped = load_card(DEFAULT_FIT)
    points = gains.own_curve_points(shipped)
    assert set(points) == {"logits", "topk", "text"}
    fig = gains.token_limited_chart(shipped, stamp=STAMP)
    ax = fig.axes[0]
    drawn = [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"]
    assert len(drawn) == len(points)
    for container in drawn:  # at the card's own fractions and gains (percent on the x axis)
        x, y = container.lines[0].get_data()
        match = [p for p in points.values()
                 if np.allclose(x, 100 * p["fraction"]) and np.allclose(y, p["point"])]
        assert len(match) == 1
    # a card without them (the hand-written sample card has no measured gains) draws none
    assert gains.own_curve_points(sample_card()) == {}
    bare = [c for c in gains.token_limited_chart(sample_card(), stamp=STAMP).axes[0].containers
            if type(c).__name__ == "ErrorbarContainer"]
    assert bare == []


def test_the_headline_chart_shows_measured_harm_and_labels_every_line_on_the_axis():
    from simulator.curves.card import load_card
    from simulator.paths import DEFAULT_FIT

    shipped = load_card(DEFAULT_FIT)
    text = shipped.gain_fits("text")["model"].measured
    assert min(text.point) < 0.97  # the shipped text arm measured harm
    fig = gains.token_limited_chart(shipped, stamp=STAMP)
    ax = fig.axes[0]
    y_lo, y_hi = ax.get_ylim()
    assert y_lo < min(text.p05)
    own = gains.own_curve_points(shipped)
    assert y_lo < min(float(np.nanmin(p["p05"])) for p in own.values())
    fig.canvas.draw()
    labels = [t for t in ax.texts if t.get_text().startswith("Distil:")]
    assert len(labels) == 3
    for label in labels:  # each end label sits within the plotted gain range
        y = ax.transData.inverted().transform(label.get_window_extent().get_points().mean(0))[1]
        assert y_lo - 0.02 <= y <= y_hi + 0.02, label.get_text()
