"""The look every chart shares: style file, palette, title block and "Source / Note" footer.

Every chart must stand alone in the PDF of a paper, so each figure carries a title, a subtitle
that says what is plotted and in which units, and a footer naming the data, the transfer
assumption and what produced it (tool version, scenario and its hash).

    from simulator.charts.style import style_context, new_figure, Footer
    with style_context():
        fig = new_figure("Title", "Subtitle", Footer(source="...", note="..."))
        ax = fig.add_subplot()

Nothing here changes matplotlib's global state: the style applies inside ``style_context``
only, and figures are plain ``matplotlib.figure.Figure`` objects (no pyplot, no backend
switch), so a caller's own plots are untouched.
"""

from __future__ import annotations

import contextlib
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from simulator import __version__
# Colours, line styles, markers and labels with fixed meanings live in the house vocabulary.
from simulator.vocabulary import (LINESTYLES, MARKERS, MODE_LABELS, MODES,  # noqa: F401
                                  PALETTE, TRANSFER_NOTE)

STYLE_PATH = Path(__file__).with_name("compute_moat.mplstyle")

INK = "#222222"
MUTED = "#555555"
FOOTER_GREY = "#666666"

LICENCE = "MIT licence"

TITLE_PT = 13.0
TITLE_WEIGHT = "normal"
SUBTITLE_PT = 9.0
FOOTER_PT = 7.5
_LINE = 1.32  # line height as a multiple of the font size
MARGIN_IN = 0.12  # white margin around everything
LEGEND_ROW_IN = 0.2  # height of one row of a legend under the axes


@contextlib.contextmanager
def style_context(extra: dict | None = None):
    """Yields inside matplotlib's rc context with the Compute Moat style (and ``extra``)."""
    import matplotlib
    import matplotlib.style

    from simulator.charts.fonts import FALLBACK, chart_family

    with matplotlib.rc_context():
        # "default" first: the same chart whatever the caller's own rcParams hold.
        matplotlib.style.use(["default", STYLE_PATH])
        # DejaVu Sans cut down for fast PDF embedding (simulator.charts.fonts).
        matplotlib.rcParams["font.family"] = [chart_family(), FALLBACK]
        if extra:
            matplotlib.rcParams.update(extra)
        yield


@dataclass(frozen=True)
class Stamp:
    """What produced a chart: shown in its footer and written into the file's metadata."""

    code_version: str = __version__
    scenario_id: str | None = None
    scenario_sha256: str | None = None
    fit_sha256: str | None = None
    inputs_sha256: dict = field(default_factory=dict)  # label -> sha256 of other data files

    def credit(self) -> str:
        """Returns the footer's last line: tool, scenario, fit card, licence."""
        parts = [f"Compute Moat {self.code_version}"]
        if self.scenario_id:
            sha = f" (sha256 {self.scenario_sha256[:8]})" if self.scenario_sha256 else ""
            parts.append(f'scenario "{self.scenario_id}"{sha}')
        if self.fit_sha256:
            parts.append(f"fit card {self.fit_sha256[:8]}")
        parts.append(LICENCE)
        return " · ".join(parts)

    def description(self) -> str:
        """Returns key=value provenance for the files' Description/Subject metadata."""
        items = [("tool", "compute-moat"), ("code_version", self.code_version)]
        if self.scenario_id:
            items.append(("scenario", self.scenario_id))
        if self.scenario_sha256:
            items.append(("scenario_sha256", self.scenario_sha256))
        if self.fit_sha256:
            items.append(("fit_sha256", self.fit_sha256))
        items += [(f"{k}_sha256", v) for k, v in sorted(self.inputs_sha256.items())]
        return "; ".join(f"{k}={v}" for k, v in items)


@dataclass(frozen=True)
class Footer:
    """The grey lines under a chart: where the data come from and what is assumed."""

    source: str
    note: str = ""
    stamp: Stamp = field(default_factory=Stamp)

    def lines(self) -> list[str]:
        """Returns the footer as paragraphs ('Source: …', 'Note: …', credit)."""
        out = [f"Source: {self.source}"]
        if self.note:
            out.append(f"Note: {self.note}")
        out.append(self.stamp.credit())
        return out

    def text(self) -> str:
        """Returns the footer as one plain-text block (for captions and st.caption)."""
        return "\n".join(self.lines())


@dataclass(frozen=True)
class ChartInfo:
    """The words of a chart, kept on the figure so captions and metadata reuse them."""

    slug: str
    title: str
    subtitle: str
    footer: Footer

    def caption(self) -> str:
        """Returns a one-paragraph caption: title, subtitle, source and note."""
        parts = (self.title + ".", self.subtitle, *self.footer.lines()[:-1])
        return " ".join(p for p in parts if p)


def _wrap(text: str, width_in: float, size_pt: float) -> list[str]:
    # DejaVu Sans averages ~0.55 em per character; leave a margin for wide glyphs.
    chars = max(30, int(width_in * 72 / (size_pt * 0.56)))
    lines = []
    for para in text.split("\n"):
        lines += textwrap.wrap(para, chars, break_long_words=False) or [""]
    return lines


def new_figure(slug: str, title: str, subtitle: str, footer: Footer, *,
               width_in: float = 7.0, axes_height_in: float = 3.6, legend_rows: int = 0):
    """Returns a Figure with the title block and footer drawn, ready for ``add_subplot``.

    The axes area keeps ``axes_height_in`` whatever the length of the texts: the figure grows
    to fit the wrapped title, subtitle and footer. ``legend_rows`` reserves a band under the
    axes for ``bottom_legend``. Call inside ``style_context()``.
    """
    from matplotlib.figure import Figure

    text_w = width_in - 2 * MARGIN_IN
    title_lines = _wrap(title, text_w, TITLE_PT)
    sub_lines = _wrap(subtitle, text_w, SUBTITLE_PT) if subtitle else []
    foot_lines = []
    for para in footer.lines():
        foot_lines += _wrap(para, text_w, FOOTER_PT)
    pt = 1 / 72
    title_in = len(title_lines) * TITLE_PT * _LINE * pt
    top_in = MARGIN_IN + title_in + len(sub_lines) * SUBTITLE_PT * _LINE * pt + 0.12
    legend_in = legend_rows * LEGEND_ROW_IN + (0.08 if legend_rows else 0.0)
    bottom_in = MARGIN_IN + len(foot_lines) * FOOTER_PT * _LINE * pt + 0.12 + legend_in
    height_in = top_in + axes_height_in + bottom_in
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    # The axes keep to the band between title block and footer; the texts are placed by hand
    # so that a figure's size depends on its words only (no tight-bbox pass when saving).
    fig.get_layout_engine().set(rect=(MARGIN_IN / width_in, bottom_in / height_in,
                                      text_w / width_in, axes_height_in / height_in),
                                w_pad=0.02, h_pad=0.02)
    x = MARGIN_IN / width_in
    top = height_in - MARGIN_IN
    top = _text_lines(fig, x, top, title_lines, TITLE_PT, INK, height_in, TITLE_WEIGHT)
    _text_lines(fig, x, top, sub_lines, SUBTITLE_PT, MUTED, height_in)
    foot_top = MARGIN_IN + len(foot_lines) * FOOTER_PT * _LINE * pt
    _text_lines(fig, x, foot_top, foot_lines, FOOTER_PT, FOOTER_GREY, height_in)
    fig._compute_moat_legend_top = (bottom_in - 0.04) / height_in if legend_rows else None
    fig._compute_moat_info = ChartInfo(slug=slug, title=title, subtitle=subtitle, footer=footer)
    return fig


def _text_lines(fig, x, top_in, lines, size_pt, colour, height_in, weight="normal") -> float:
    """Writes one Text per line from ``top_in`` (inches from the bottom) down; returns the
    height below the last line.

    One line per Text: matplotlib (3.11) ignores font features in multi-line texts, and a
    ligature there would add a second font subset to every PDF (slower, larger files).
    """
    step = size_pt * _LINE / 72
    for i, line in enumerate(lines):
        fig.text(x, (top_in - i * step) / height_in, line, ha="left", va="top",
                 fontsize=size_pt, fontweight=weight, color=colour)
    return top_in - len(lines) * step


def bottom_legend(fig, handles, ncols: int = 2):
    """Places a legend in the band that ``new_figure(legend_rows=...)`` kept under the axes.

    A legend anchored to the figure, not to the axes: its place does not depend on the
    layout, so one layout pass is enough and it never runs into the footer.
    """
    top = getattr(fig, "_compute_moat_legend_top", None)
    if top is None:
        raise ValueError("new_figure(legend_rows=...) kept no band for a legend")
    return fig.legend(handles=handles, loc="upper left", ncols=ncols, frameon=False,
                      bbox_to_anchor=(MARGIN_IN / fig.get_figwidth(), top),
                      bbox_transform=fig.transFigure, borderaxespad=0.0)


def chart_info(fig) -> ChartInfo:
    """Returns the title, subtitle and footer a chart function attached to its figure."""
    info = getattr(fig, "_compute_moat_info", None)
    if info is None:
        raise ValueError("figure was not made by simulator.charts (no chart info)")
    return info


def label_line_ends(ax, items, *, min_gap_frac=0.055, dx_frac=0.025, fontsize=8):
    """Labels line ends directly (instead of a legend), nudging labels apart vertically.

    ``items`` is a list of (x, y, text, colour) in data coordinates. Call after the axes'
    scales and limits are final.
    """
    ax.get_xlim(), ax.get_ylim()  # settle lazy autoscaling before reading the transform
    to_axes = ax.transScale + ax.transLimits
    placed = []
    for x, y, text, colour in items:
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        fx, fy = to_axes.transform((x, y))
        placed.append([fy, fx, y, x, text, colour])
    placed.sort(key=lambda p: p[0])
    for i in range(1, len(placed)):  # push labels up until they no longer overlap
        placed[i][0] = max(placed[i][0], placed[i - 1][0] + min_gap_frac)
    overflow = placed[-1][0] - 0.98 if placed else 0
    if overflow > 0:  # then shift the stack down if it left the axes
        for p in placed:
            p[0] -= overflow
    for fy, fx, y, x, text, colour in placed:
        ann = ax.annotate(text, (x, y), xytext=(fx + dx_frac, fy), textcoords="axes fraction",
                          va="center", ha="left", fontsize=fontsize, color=colour,
                          annotation_clip=False)


def reference_line(ax, y, text, *, where="right"):
    """Draws a dashed grey horizontal reference line at ``y`` with a small label on it."""
    import matplotlib.patheffects as pe

    ax.axhline(y, color="#777777", lw=0.9, ls="--", zorder=1)
    x, ha = (0.99, "right") if where == "right" else (0.01, "left")
    ax.annotate(text, (x, y), xycoords=("axes fraction", "data"), xytext=(0, 3),
                textcoords="offset points", fontsize=7.5, color="#666666", ha=ha,
                path_effects=[pe.withStroke(linewidth=2.5, foreground="white")])


def empty_panel(ax, message: str):
    """Writes a centred message in an axes that has no data, and hides its ticks."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes,
            fontsize=9, color=MUTED, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def place_point_labels(fig, ax, items, *, fontsize=7.5, pad_pt=6.5):
    """Labels scattered points without overlaps where it can (greedy, tries 8 positions).

    ``items`` is a list of (x, y, text, colour) in data coordinates. Call after the axes'
    scales and limits are final. Each label goes to the first candidate position whose box
    overlaps neither a label already placed nor any of the points.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    import matplotlib.patheffects as pe

    halo = [pe.withStroke(linewidth=2.2, foreground="white")]
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    fig.draw_without_rendering()  # run the layout so positions are final
    renderer = canvas.get_renderer()
    pts_px = ax.transData.transform([(x, y) for x, y, _, _ in items]) if items else []
    r = 3.5 * fig.dpi / 72
    point_boxes = [Bbox.from_extents(px - r, py - r, px + r, py + r) for px, py in pts_px]
    axes_box = ax.get_window_extent(renderer)
    placed = []
    offsets = [(pad_pt, 0, "left", "center"), (-pad_pt, 0, "right", "center"),
               (0, pad_pt + 1, "center", "bottom"), (0, -pad_pt - 1, "center", "top"),
               (pad_pt, pad_pt, "left", "bottom"), (pad_pt, -pad_pt, "left", "top"),
               (-pad_pt, pad_pt, "right", "bottom"), (-pad_pt, -pad_pt, "right", "top")]
    for (x, y, text, colour), (px, py) in zip(items, pts_px):
        best = None
        for dx, dy, ha, va in offsets:
            ann = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points",
                              ha=ha, va=va, fontsize=fontsize, color=colour,
                              annotation_clip=False, path_effects=halo)
            ann.set_in_layout(False)  # labels must not move the axes they were placed on
            box = ann.get_window_extent(renderer)
            clash = (any(box.overlaps(b) for b in placed)
                     or any(box.overlaps(b) for b in point_boxes
                            if not b.contains(px, py))
                     or box.x0 < axes_box.x0 or box.x1 > axes_box.x1
                     or box.y0 < axes_box.y0 or box.y1 > axes_box.y1)
            if not clash:
                best = (ann, box)
                break
            ann.remove()
        if best is None:  # nothing free: keep the first position
            dx, dy, ha, va = offsets[0]
            ann = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points",
                              ha=ha, va=va, fontsize=fontsize, color=colour,
                              annotation_clip=False, path_effects=halo)
            ann.set_in_layout(False)
            best = (ann, ann.get_window_extent(renderer))
        placed.append(best[1])


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci_label(value: float) -> str:
    """Returns '10²⁴' or '3×10²⁴' in plain Unicode (no math text: one font in the PDF)."""
    if value <= 0 or not np.isfinite(value):
        return f"{value:g}"
    exponent = int(np.floor(np.log10(value) + 1e-9))
    mantissa = value / 10.0 ** exponent
    power = "10" + str(exponent).translate(_SUPERSCRIPT)
    if abs(mantissa - 1) < 1e-6:
        return power
    return f"{mantissa:.2g}×{power}"


def log_axis(ax, which: str = "x"):
    """Sets a log scale on ``which`` axis with Unicode power-of-ten labels.

    Spans under ~1.5 decades get labels at 1, 2 and 5 times each power; wider ones at the
    powers only.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    lo, hi = ax.get_xlim() if which == "x" else ax.get_ylim()
    narrow = lo > 0 and np.log10(hi / lo) < 1.5
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if narrow else (1.0,)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: sci_label(v)))
    axis.set_minor_formatter(NullFormatter())
