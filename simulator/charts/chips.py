"""The chip map: every chip's TPP vs performance density, the rule's thresholds, its status.

    from simulator.charts.chips import chip_map_for_rule
    fig = chip_map_for_rule("2023-10")

``chip_map(chips, rule)`` draws a table shaped like ``simulator.hardware.classify_all(rule)``
(columns chip, datacenter, tpp, performance_density, status) and the rule's control tests.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.charts.style import (PALETTE, Footer, Stamp, bottom_legend, new_figure,
                                    place_point_labels,
                                    style_context)
from simulator.vocabulary import STATUS_COLOURS

STATUS_WORDS = {  # status -> legend words (the colours: vocabulary.STATUS_COLOURS)
    "not_controlled": "Not controlled: may be exported",
    "nac_notification": "Controlled: License Exception NAC after notice (importable)",
    "case_by_case": "Controlled, reviewed case by case (importable)",
    "licence_required": "Controlled: licence required (modelled as blocked)",
    "denied": "Controlled: presumption of denial",
    "domestic": "Designed in China (outside US controls)",
}
STATUS_STYLE = {status: (STATUS_COLOURS[status], words) for status, words in STATUS_WORDS.items()}
# Light marker colours get a darker shade for text, for contrast on white paper.
_TEXT_COLOUR = {STATUS_COLOURS["case_by_case"]: "#8F6400",
                STATUS_COLOURS["not_controlled"]: "#007A58",
                STATUS_COLOURS["nac_notification"]: "#7A7200"}
_METRIC_WORDS = {"interconnect_gbps": ("interconnect", "GB/s"),
                 "memory_bandwidth_gbps": ("memory bandwidth", "GB/s")}
TPP_LIMITS = (800, 60000)
PD_LIMITS = (1.0, 40.0)


def _op(op: str) -> str:
    return {">=": "≥", "<=": "≤"}.get(op, op)


def _bounds(test):
    """Returns ((tpp_lo, tpp_hi), (pd_lo, pd_hi), other conditions) of a control test."""
    box = {"tpp": list(TPP_LIMITS), "performance_density": list(PD_LIMITS)}
    other = []
    for c in test.conditions:
        if c.metric in box:
            box[c.metric][0 if c.op in (">=", ">") else 1] = c.value
        else:
            name, unit = _METRIC_WORDS.get(c.metric, (c.metric, ""))
            other.append(f"{name} {_op(c.op)} {c.value:,.0f} {unit}".strip())
    return tuple(box["tpp"]), tuple(box["performance_density"]), other


def _region_mask(tests, tpp, pd_):
    """Returns where on the (tpp, pd_) grid any of ``tests`` matches on TPP and PD alone."""
    grids = {"tpp": tpp, "performance_density": pd_}
    mask = np.zeros(tpp.shape, dtype=bool)
    for test in tests:
        m = np.ones(tpp.shape, dtype=bool)
        for c in test.conditions:
            if c.metric in grids:
                m &= c.holds_at(grids[c.metric])
        mask |= m
    return mask


def _draw_tests(ax, rule) -> tuple[list[str], list]:
    """Shades where the rule controls datacenter chips; returns (notes, legend handles).

    Solid shade: controlled on TPP and density alone. Hatched: controlled only if another
    condition (interconnect, memory bandwidth) also holds. Tests that do not involve TPP or
    density at all, and tests for non-datacenter chips, become notes.
    """
    from matplotlib.patches import Patch

    notes, handles = [], []
    dc_tests = [t for t in rule.controls if t.applies_to in ("all", "datacenter")]
    plane = [t for t in dc_tests if any(c.metric in ("tpp", "performance_density")
                                        for c in t.conditions)]
    pure = [t for t in plane if all(c.metric in ("tpp", "performance_density")
                                    for c in t.conditions)]
    partial = [t for t in plane if t not in pure]
    for t in dc_tests:
        if t not in plane:
            notes.append(f"{t.id}: {' and '.join(_bounds(t)[2])}")
    for t in rule.controls:
        if t.applies_to == "non_datacenter":
            label = t.label.replace(">=", "≥").replace("<=", "≤")
            notes.append(f"non-datacenter chips: {label} ({t.policy.replace('_', ' ')})")
    x = np.geomspace(*TPP_LIMITS, 500)
    y = np.geomspace(*PD_LIMITS, 500)
    tpp, pd_ = np.meshgrid(x, y)
    colour = PALETTE["controlled"]
    if pure:
        mask = _region_mask(pure, tpp, pd_)
        ax.contourf(tpp, pd_, mask.astype(float), levels=[0.5, 1.5], colors=[colour],
                    alpha=0.10, zorder=0)
        ax.contour(tpp, pd_, mask.astype(float), levels=[0.5], colors=[colour],
                   linewidths=0.9, linestyles="--", alpha=0.7, zorder=1)
        handles.append(Patch(facecolor=colour, alpha=0.25, edgecolor=colour, ls="--",
                             label="Controlled region for datacenter chips"))
    if partial:
        mask = _region_mask(partial, tpp, pd_) & ~_region_mask(pure, tpp, pd_)
        import matplotlib

        with matplotlib.rc_context({"hatch.color": colour, "hatch.linewidth": 0.5}):
            ax.contourf(tpp, pd_, mask.astype(float), levels=[0.5, 1.5], colors="none",
                        hatches=["///"], zorder=0)
        ax.contour(tpp, pd_, mask.astype(float), levels=[0.5], colors=[colour],
                   linewidths=0.9, linestyles="--", alpha=0.7, zorder=1)
        for t in partial:
            other = " and ".join(_bounds(t)[2])
            handles.append(Patch(facecolor="none", hatch="///", edgecolor=colour, lw=0.5,
                                 label=f"Controlled only if also {other} ({t.id})"))
    _label_thresholds(ax, plane)
    for review in rule.reviews:
        (_, t1), _, other = _bounds(review)
        ax.axvline(t1, color=PALETTE["case_by_case"], lw=1.3, ls="-.", zorder=1)
        ax.text(t1 / 1.03, PD_LIMITS[0] * 1.06, f"Case-by-case review below TPP {t1:,.0f}",
                rotation=90, fontsize=6.8, color="#8a5a00", ha="right", va="bottom")
        if other:
            notes.append(f"the case-by-case review ({review.id}) also requires "
                         f"{' and '.join(other)}")
    return notes, handles


def _label_thresholds(ax, tests):
    """Writes each distinct TPP threshold above the axes and each density one to its right."""
    tpps = sorted({c.value for t in tests for c in t.conditions if c.metric == "tpp"})
    pds = sorted({c.value for t in tests for c in t.conditions
                  if c.metric == "performance_density"})
    for v in tpps:
        ax.annotate(f"TPP {v:,.0f}", (v, 1), xycoords=("data", "axes fraction"), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=6.8,
                    color=PALETTE["controlled"])
    for v in pds:
        ax.annotate(f"PD {v:g}", (1, v), xycoords=("axes fraction", "data"), xytext=(2, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=6.8,
                    color=PALETTE["controlled"])



def chip_map(chips, rule, *, stamp: Stamp | None = None, source: str | None = None,
             highlight=()):
    """Returns a Figure: chips by TPP and performance density, coloured by ``rule``'s status.

    Chips named in ``highlight`` (e.g. a scenario's fleet) get a black ring.
    """
    from matplotlib.lines import Line2D

    stamp = stamp or Stamp()
    plottable = chips[np.isfinite(chips["tpp"]) & np.isfinite(chips["performance_density"])]
    missing = chips.drop(plottable.index)
    ringed_names = set(highlight or ())
    notes_missing = "; ".join(
        f"{r.chip} (TPP {r.tpp:,.0f}" + (", in this scenario's fleet)" if r.chip in ringed_names
                                         else ")")
        for r in missing.itertuples() if math.isfinite(r.tpp))
    notes, region_handles = _draw_tests(_NullAxes(), rule)
    n_handles = (len(set(plottable["status"])) + len(region_handles)
                 + bool(set(highlight or ()) & set(plottable["chip"])))
    with style_context():
        fig = new_figure(
            "chip_map",
            f"Which chips the {rule.id} rule lets through",
            f"Each chip's total processing performance (TPP) and performance density (TPP per "
            f"mm² of die), the thresholds of {rule.title}, and each chip's status for export "
            "to China. Filled: datacenter chips; hollow: others.",
            Footer(source=source or ("data/chips.csv (vendor datasheets; Epoch AI machine "
                                     "learning hardware database) and data/rules.toml "
                                     "(BIS rules, Federal Register)."),
                   note=("TPP = dense TOPS × bit length, maximised over precisions. Chip "
                         "specifications "
                         "and rule thresholds only: no model or transfer assumption is "
                         "involved."
                         + (f" Also controlled, not drawable on these axes: {'; '.join(notes)}."
                            if notes else "")
                         + (f" Not drawn, die area unknown: {notes_missing}." if notes_missing
                            else "")),
                   stamp=stamp),
            axes_height_in=4.2, legend_rows=(n_handles + 1) // 2)
        ax = fig.add_subplot()
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(*TPP_LIMITS)
        ax.set_ylim(*PD_LIMITS)
        _, handles = _draw_tests(ax, rule)
        ringed = set(highlight or ())
        groups = plottable.groupby(["tpp", "performance_density", "status", "datacenter"],
                                   sort=True)
        items = []
        for (tpp, pd_, status, dc), rows in groups:
            colour, _ = STATUS_STYLE.get(status, ("#777777", status))
            ax.scatter([tpp], [pd_], s=34, marker="o" if dc else "s", zorder=4,
                       facecolors=colour if dc else "white", edgecolors=colour, linewidths=1.4)
            items.append((tpp, pd_, " / ".join(rows["chip"]), _TEXT_COLOUR.get(colour, colour)))
            if ringed & set(rows["chip"]):
                ax.scatter([tpp], [pd_], s=150, marker="o", facecolors="none",
                           edgecolors="#000000", linewidths=1.1, zorder=5)
        _tick_plain(ax)
        ax.grid(True, which="major", axis="both", color="#E6E6E6")
        ax.set_xlabel("Total processing performance, TPP (dense TOPS × bit length)")
        ax.set_ylabel("Performance density (TPP per mm²)")
        present = [s for s in STATUS_STYLE if (plottable["status"] == s).any()]
        handles = [Line2D([], [], ls="", marker="o", color=STATUS_STYLE[s][0],
                          label=STATUS_STYLE[s][1]) for s in present] + handles
        if ringed & set(plottable["chip"]):
            handles.append(Line2D([], [], ls="", marker="o", markersize=10, markerfacecolor="none",
                                  markeredgecolor="#000000", label="In this scenario's fleet"))
        bottom_legend(fig, handles, ncols=2)
        place_point_labels(fig, ax, items)
    return fig


class _NullAxes:
    """Swallows drawing calls: lets _draw_tests collect its notes before a figure exists."""

    def __getattr__(self, name):
        return lambda *a, **k: None


def _tick_plain(ax):
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    ax.xaxis.set_major_locator(FixedLocator([1000, 2000, 5000, 10000, 20000, 50000]))
    ax.yaxis.set_major_locator(FixedLocator([1, 2, 5, 10, 20]))
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        axis.set_minor_locator(NullLocator())
        axis.set_minor_formatter(NullFormatter())


def chip_map_for_rule(rule_id: str | None = None, *, stamp: Stamp | None = None):
    """Returns the chip map of the shipped catalogue under ``rule_id`` (default: in force)."""
    from simulator.hardware import classify_all, get_rule
    from simulator.hardware.rules import default_rule_id

    rule = get_rule(rule_id if rule_id is not None else default_rule_id())
    return chip_map(classify_all(rule.id), rule, stamp=stamp)
