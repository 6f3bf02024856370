"""Charts of the measured evidence: runs with their fitted laws and bootstrap bands; and
``evidence_figures``, every evidence chart of a fit card (with simulator.charts.gains).

    from simulator.charts.evidence import evidence_figures
    figs = evidence_figures(runs_df, load_card("data/fits/default.json"), stamp)  # {slug: Figure}

Inputs are a results.csv DataFrame and a FitCard (simulator.curves.card). The fitted curves
are the card's own formulas (simulator.curves.forms) evaluated on its bootstrap samples;
nothing is refitted here.
"""

from __future__ import annotations

import numpy as np

from simulator.charts.evidence_common import evidence_footer, full_runs
from simulator.charts.gains import compute_multiplier_chart, token_limited_chart
from simulator.charts.style import (MARKERS, MODE_LABELS, MODES, PALETTE, LINESTYLES, Stamp,
                                    empty_panel, label_line_ends, log_axis, new_figure,
                                    reference_line, style_context)
from simulator.curves.card import FitCard, LawFit
from simulator.curves.forms import scratch_loss, teacher_floored_loss

BAND = (5, 95)
TEACHER_WORDS = {"model": "a trained teacher model", "oracle": "the exact (oracle) predictor"}


def _boot_arrays(law: LawFit, keys) -> dict:
    """Returns {key: (B, 1) array} of bootstrap samples (point estimate where none)."""
    return {k: np.asarray(v, dtype=float)[:, None] for k, v in law.samples(keys).items()}


def _curve_band(formula, law: LawFit, keys, params_n, tokens):
    """Returns (point, lo, hi) of a fitted law along ``tokens`` at size ``params_n``."""
    point = formula(law.params, params_n, tokens)
    samples = formula(_boot_arrays(law, keys), params_n, np.asarray(tokens)[None, :])
    lo, hi = np.percentile(samples, BAND, axis=0)
    return point, lo, hi


SCRATCH_KEYS = ("E", "A", "alpha", "B", "beta")
DISTILL_KEYS = ("L_T", "A", "alpha", "B", "beta")


def _teacher_for(card: FitCard, mode: str, runs) -> str | None:
    """Returns the teacher whose law the chart shows: the trained model when there is one."""
    entry = card.distill.get(mode)
    teachers = entry.teachers if entry is not None else {}
    have = set(runs.loc[runs["mode"] == mode, "teacher"]) if runs is not None else set()
    for t in ("model", "oracle"):
        if t in teachers and (not have or t in have):
            return t
    return next(iter(teachers), None)


def mode_runs(runs, card: FitCard, mode: str, teacher: str | None):
    """Returns the runs the card's law for ``mode`` describes.

    For top-k that is its main variant (the card's ``top_k`` and ``hard_label_weight``); other
    variants have laws of their own (``distill.topk-k4...``) and are left out.
    """
    sel = runs[runs["mode"] == mode]
    if teacher:
        sel = sel[sel["teacher"] == teacher]
    entry = card.distill.get(mode)
    if entry is not None and entry.top_k is not None and "top_k" in sel:
        sel = sel[sel["top_k"] == entry.top_k]
    if entry is not None and entry.hard_label_weight is not None and "hard_label_weight" in sel:
        sel = sel[np.isclose(sel["hard_label_weight"].fillna(0.0), entry.hard_label_weight)]
    return sel


def _teacher_words(card: FitCard, runs) -> str:
    teachers = {_teacher_for(card, m, runs) for m in MODES[1:]} - {None}
    return " and ".join(sorted(TEACHER_WORDS.get(t, t) for t in teachers)) or "a teacher"


def _law(card: FitCard, mode: str, teacher: str | None):
    """Returns (formula, law, keys) of the fitted law for a mode (Nones when not fitted)."""
    law = card.law(mode, teacher)
    if law is None:
        return None, None, None
    if mode == "scratch":
        return scratch_loss, law, SCRATCH_KEYS
    return teacher_floored_loss, law, DISTILL_KEYS


def _size_colours(sizes):
    import matplotlib

    # viridis: ordered, colour-blind safe, and (unlike cividis) never grey in the middle,
    # which is kept for reference lines.
    cmap = matplotlib.colormaps["viridis"]
    pos = np.linspace(0.0, 0.78, len(sizes)) if len(sizes) > 1 else [0.4]
    return {s: cmap(p) for s, p in zip(sizes, pos)}


def _fmt_params(n: float) -> str:
    return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.0f}k"


def loss_vs_compute(runs, card: FitCard, *, stamp: Stamp | None = None,
                    total_runs: int | None = None):
    """Returns a Figure: measured loss vs training compute per access mode, with the fits.

    One panel per mode (scratch, logits, top-k, text); points are runs coloured by model
    size; lines are the fitted law at each size with its bootstrap band.
    """
    runs = full_runs(runs)
    with style_context():
        modes = [m for m in MODES if m == "scratch" or m in card.distill
                 or (runs["mode"] == m).any()]
        fig = new_figure(
            "evidence_loss_vs_compute",
            "Measured evidence: held-out loss vs training compute, from scratch and distilled",
            "Held-out loss (nats/token) vs the student's training compute (FLOP) in our small "
            "experiments; points are runs, lines the fitted law per model size with 90% bands. "
            f"Distilled students learn from {_teacher_words(card, runs)}.",
            evidence_footer(stamp, len(runs), total_runs=total_runs), axes_height_in=4.6)
        axes = fig.subplots(2, 2, sharex=True, sharey=True).ravel()
        sizes = sorted(runs["params"].unique())
        colours = _size_colours(sizes)
        oracle = float(np.nanmedian(runs["oracle_loss"])) if "oracle_loss" in runs else None
        for ax, mode in zip(axes, MODES):
            teacher = None if mode == "scratch" else _teacher_for(card, mode, runs)
            ax.set_title(MODE_LABELS[mode], fontsize=8.5)
            sel = mode_runs(runs, card, mode, teacher)
            if mode not in modes or sel.empty:
                empty_panel(ax, "No runs for this mode")
                continue
            formula, section, keys = _law(card, mode, teacher)
            for size in sizes:
                pts = sel[sel["params"] == size]
                if pts.empty:
                    continue
                ax.scatter(pts["flops"], pts["loss"], s=16, color=colours[size],
                           marker=MARKERS.get(mode, "o"), zorder=3, linewidths=0)
                if formula is None:
                    continue
                tokens = np.geomspace(pts["tokens"].min(), pts["tokens"].max(), 40)
                # Runs count attention FLOPs too; place the curve on the runs' own FLOP scale.
                per_token = float(np.median(pts["flops"] / pts["tokens"]))
                point, lo, hi = _curve_band(formula, section, keys, size, tokens)
                ax.fill_between(tokens * per_token, lo, hi, color=colours[size], alpha=0.18,
                                linewidth=0)
                ax.plot(tokens * per_token, point, color=colours[size], lw=1.3)
            if oracle:
                ax.axhline(oracle, color=PALETTE["reference"], lw=0.9, ls="--")
            if section is not None and mode != "scratch":
                ax.axhline(section.params["L_T"], color=PALETTE["reference"], lw=0.9, ls=":")
        for ax in axes:
            log_axis(ax, "x")
        for ax in axes[2:]:
            ax.set_xlabel("Student training compute (FLOP)")
        for ax in axes[::2]:
            ax.set_ylabel("Held-out loss (nats/token)")
        _size_and_floor_legend(fig, axes[0], sizes, colours, oracle)
    return fig


def _size_and_floor_legend(fig, ax, sizes, colours, oracle):
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=colours[s], marker="o", lw=1.3,
                      label=f"{_fmt_params(s)} params") for s in sizes]
    if oracle:
        handles.append(Line2D([], [], color=PALETTE["reference"], ls="--", lw=0.9,
                              label=f"Irreducible loss {oracle:.2f}"))
    handles.append(Line2D([], [], color=PALETTE["reference"], ls=":", lw=0.9,
                          label="Teacher's loss"))
    fig.legend(handles=handles, loc="outside right center", fontsize=7.5,
               title="Model size", title_fontsize=7.5, alignment="left")


def pick_fixed_size(runs) -> float:
    """Returns the model size with runs in the most modes (the largest among ties)."""
    counts = runs.groupby("params")["mode"].nunique()
    return float(counts[counts == counts.max()].index.max())


def loss_vs_tokens(runs, card: FitCard, *, params: float | None = None,
                   stamp: Stamp | None = None, total_runs: int | None = None):
    """Returns a Figure: loss vs training tokens at one model size, one line per mode."""
    runs = full_runs(runs)
    params = pick_fixed_size(runs) if params is None else params
    with style_context():
        fig = new_figure(
            "evidence_loss_vs_tokens",
            "Measured evidence: what a token from the teacher is worth",
            f"Held-out loss (nats/token) vs training tokens for a {_fmt_params(params)}-parameter "
            "student, by how it learns; points are runs, lines the fitted laws with 90% bands.",
            evidence_footer(stamp, int((runs["params"] == params).sum()),
                    total_runs=total_runs))
        ax = fig.add_subplot()
        ends = []
        for mode in MODES:
            teacher = None if mode == "scratch" else _teacher_for(card, mode, runs)
            pts = mode_runs(runs, card, mode, teacher)
            pts = pts[pts["params"] == params]
            if pts.empty:
                continue
            colour = PALETTE[mode]
            ax.scatter(pts["tokens"], pts["loss"], color=colour, marker=MARKERS[mode], s=20,
                       zorder=3, linewidths=0)
            formula, section, keys = _law(card, mode, teacher)
            if formula is None:
                continue
            tokens = np.geomspace(pts["tokens"].min(), pts["tokens"].max(), 50)
            point, lo, hi = _curve_band(formula, section, keys, params, tokens)
            ax.fill_between(tokens, lo, hi, color=colour, alpha=0.18, linewidth=0)
            ax.plot(tokens, point, color=colour, ls=LINESTYLES[mode], label=MODE_LABELS[mode])
            ends.append((tokens[-1], point[-1], MODE_LABELS[mode], colour))
        if "oracle_loss" in runs:
            e = float(np.nanmedian(runs["oracle_loss"]))
            reference_line(ax, e, f"Irreducible loss (exact predictor) {e:.2f}")
        log_axis(ax, "x")
        ax.set_xlabel("Training tokens seen by the student")
        ax.set_ylabel("Held-out loss (nats/token)")
        ax.margins(x=0.02)
        label_line_ends(ax, ends)
    return fig


def evidence_figures(runs, card: FitCard, stamp: Stamp | None = None) -> dict:
    """Returns {slug: Figure} of every evidence chart (issue 4) and the headline (issue 8)."""
    figs = {}
    total = len(runs) if runs is not None else None
    runs = full_runs(runs)
    if runs is not None and len(runs):
        figs["evidence_loss_vs_compute"] = loss_vs_compute(runs, card, stamp=stamp,
                                                           total_runs=total)
        figs["evidence_loss_vs_tokens"] = loss_vs_tokens(runs, card, stamp=stamp,
                                                         total_runs=total)
    figs["evidence_compute_multiplier"] = compute_multiplier_chart(card, stamp=stamp, runs=runs,
                                                                   total_runs=total)
    figs["headline_token_limited"] = token_limited_chart(card, stamp=stamp, total_runs=total)
    return figs
