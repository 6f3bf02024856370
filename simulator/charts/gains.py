"""Charts of what distillation gains, from the fit card: the compute multiplier M(C) of each
access mode, and the headline compute-equivalent gain G(f) vs the teacher-token share.

    from simulator.charts.gains import compute_multiplier_chart, token_limited_chart
    fig = token_limited_chart(load_card("data/fits/default.json"), stamp=stamp)

The curves are the card's own (M(C) as tabulated; G(f) its fitted form evaluated on its
bootstrap samples, simulator.curves.forms); nothing is refitted here.
"""

from __future__ import annotations

import numpy as np

from simulator.charts.evidence_common import evidence_footer, full_runs
from simulator.charts.style import (LINESTYLES, MODE_LABELS, MODES, PALETTE, Stamp,
                                    empty_panel, label_line_ends, log_axis, new_figure,
                                    reference_line, style_context)
from simulator.curves.card import FitCard, GainFit, GainTable
from simulator.curves.forms import token_limited_log_gain


def compute_multiplier_chart(card: FitCard, *, stamp: Stamp | None = None, runs=None,
                             total_runs: int | None = None):
    """Returns a Figure: the compute multiplier M(C) of each access mode, with its band.

    With ``runs``, compute outside the range of the measured runs is shaded grey.
    """
    with style_context():
        fig = new_figure(
            "evidence_compute_multiplier",
            "Compute multiplier of distillation: what a distilled student's compute is worth",
            "Compute multiplier M(C): the from-scratch compute that reaches the loss a "
            "compute-optimal distilled student reaches with C, divided by C (×); median and "
            "90% band, at the scale of our experiments (grey: beyond the measured runs).",
            evidence_footer(stamp, card.run_count(), total_runs=total_runs))
        ax = fig.add_subplot()
        ends = []
        for mode in MODES[1:]:
            entry = card.distill.get(mode)
            if entry is None or not entry.compute_multiplier.compute_flop:
                continue
            cm = entry.compute_multiplier
            c = np.asarray(cm.compute_flop, dtype=float)
            med = np.asarray(cm.median, dtype=float)
            ax.fill_between(c, cm.p05, cm.p95, color=PALETTE[mode], alpha=0.18, linewidth=0)
            ax.plot(c, med, color=PALETTE[mode], ls=LINESTYLES[mode], label=MODE_LABELS[mode])
            ends.append((c[-1], med[-1], MODE_LABELS[mode], PALETTE[mode]))
        if not ends:
            empty_panel(ax, "The fit card has no compute multipliers")
            return fig
        reference_line(ax, 1.0, "No gain over training from scratch (M = 1)")
        log_axis(ax, "x")
        ax.set_yscale("log")
        _times_axis(ax)
        _shade_unmeasured(ax, full_runs(runs))
        if ax.get_ylim()[0] < 0.8:
            import matplotlib.patheffects as pe

            ax.annotate("Below 1×: the teacher's own loss caps the student; training from "
                        "scratch does better", (0.99, 1.0), xycoords=("axes fraction", "data"),
                        xytext=(0, -4), textcoords="offset points", va="top", ha="right",
                        fontsize=7.5, color="#666666",
                        path_effects=[pe.withStroke(linewidth=2.5, foreground="white")])
        ax.set_xlabel("Student training compute C (FLOP)")
        ax.set_ylabel("Compute multiplier M(C) (×)")
        label_line_ends(ax, ends)
    return fig


def _shade_unmeasured(ax, runs):
    """Greys the compute outside the measured runs' range (the fit extrapolates there)."""
    if runs is None or not len(runs):
        return
    lo, hi = float(runs["flops"].min()), float(runs["flops"].max())
    x0, x1 = ax.get_xlim()
    for a, b in ((x0, lo), (hi, x1)):
        if b > a:
            ax.axvspan(a, b, color="#000000", alpha=0.05, lw=0, zorder=0)
    ax.set_xlim(x0, x1)
    ax.annotate("measured runs", ((lo * hi) ** 0.5, 1), xycoords=("data", "axes fraction"),
                xytext=(0, -2), textcoords="offset points", ha="center", va="top",
                fontsize=7, color="#666666")


def _times_axis(ax):
    """Labels a log y axis as plain multiples: 1×, 2×, 5×."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    lo, hi = ax.get_ylim()
    lo = min(lo, 0.9)
    ax.set_ylim(lo, hi)
    wide = np.log10(hi / lo) > 1.5
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 3.0) if wide
                                          else (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
    ax.yaxis.set_minor_formatter(NullFormatter())


FRACTION_GRID = np.geomspace(1e-3, 1.0, 61)  # teacher-token fractions drawn: 0.1% to 100%


def token_limited_series(card: FitCard, teacher: str = "model") -> dict:
    """Returns {mode: {fraction, median, p05, p95, domain}} of the card's token-limited fits.

    Evaluates the fitted form (``token_limited.modes.<mode>.<teacher>``: params and bootstrap
    samples, simulator.curves.forms.token_limited_log_gain) on a log grid of fractions, the
    trained teacher when there is one; falls back to the card's tabulated ``gain`` when an
    entry has no samples. ``domain`` is the range of fractions actually measured.
    """
    out = {}
    for mode in MODES[1:]:
        entry = _gain_entry(card, mode, teacher)
        if entry is None:
            continue
        domain = entry.fraction_domain() or [0.0, 1.0]
        grid = np.unique(np.r_[FRACTION_GRID, [d for d in domain if 0 < d <= 1]])
        flagged = entry.at_bound or entry.degenerate
        series = (_gain_from_measured(entry.measured) if flagged else None) or \
            _gain_from_samples(entry, grid) or _gain_from_table(entry.gain)
        if series:
            series["domain"] = (float(domain[0]), float(domain[1]))
            out[mode] = series
    return out


def _gain_entry(card: FitCard, mode: str, teacher: str) -> GainFit | None:
    """Returns a mode's token-limited fit for ``teacher`` (else its first teacher's)."""
    teachers = card.gain_fits(mode)
    return teachers.get(teacher) or next(iter(teachers.values()), None)


def own_curve_points(card: FitCard, teacher: str = "model") -> dict:
    """Returns {mode: {fraction, point, p05, p95}}: the gains read off each size's own scratch
    curve (no law; ``measured_own_curve`` of the card's entries), where the card has them."""
    out = {}
    for mode in MODES[1:]:
        entry = _gain_entry(card, mode, teacher)
        own = entry.measured_own_curve if entry is not None else None
        if own is None or not own.fraction:
            continue
        arrays = {k: np.asarray([np.nan if v is None else v for v in getattr(own, k)],
                                dtype=float) for k in ("fraction", "point", "p05", "p95")}
        if np.isfinite(arrays["point"]).any():
            out[mode] = arrays
    return out


def _gain_from_samples(entry: GainFit, grid) -> dict:
    samples = {k: np.asarray(v, dtype=float)[:, None] for k, v in entry.bootstrap.items()
               if k in ("g", "p")}
    gains = np.exp(token_limited_log_gain(samples, grid[None, :]))
    p05, p50, p95 = np.percentile(gains, [5, 50, 95], axis=0)
    return {"fraction": grid, "median": p50, "p05": p05, "p95": p95}


def _gain_from_measured(measured: GainTable | None) -> dict | None:
    """The measured gains (a fit at a bound or with one fraction is not drawn as a curve)."""
    if measured is None or not measured.fraction:
        return None
    return {k: np.asarray(getattr(measured, src), dtype=float) for k, src in
            (("fraction", "fraction"), ("median", "point"), ("p05", "p05"), ("p95", "p95"))}


def _gain_from_table(gain: GainTable | None) -> dict | None:
    if gain is None or not gain.fraction:
        return None
    med = np.asarray(gain.central(), dtype=float)
    keep = np.asarray(gain.fraction, dtype=float) > 0  # a log axis has no 0
    band = {k: getattr(gain, k) for k in ("p05", "p95")}
    return {"fraction": np.asarray(gain.fraction, dtype=float)[keep], "median": med[keep],
            **{k: (med if v is None else np.asarray(v, dtype=float))[keep]
               for k, v in band.items()}}


def token_limited_chart(card: FitCard, *, stamp: Stamp | None = None,
                        total_runs: int | None = None):
    """Returns the headline Figure: compute-equivalent gain vs teacher-token fraction.

    Solid where the fraction was measured, dashed/faded where the fitted form extrapolates.
    """
    series = token_limited_series(card)
    with style_context():
        fig = new_figure(
            "headline_token_limited",
            "What an API must hide: the compute a distiller saves, by what the API exposes",
            "Compute-equivalent gain of a distilled student over training from scratch (×), vs "
            "the share of its training tokens bought from the teacher's API, by what the API "
            "exposes; median and 90% band of the fitted curve. Thin dashed: outside the "
            "measured range of shares. Open circles: the measured gains read off each student "
            "size's own scratch curve instead of the fitted law (90% bars).",
            evidence_footer(stamp, card.run_count(),
                    "A gain of 2× means the student reaches the loss that training from "
                    "scratch reaches with twice the compute.", total_runs=total_runs))
        ax = fig.add_subplot()
        if not series:
            empty_panel(ax, "The fit card has no token-limited fits")
            return fig
        ends = []
        for mode, s in series.items():
            x = 100 * s["fraction"]
            lo, hi = 100 * s["domain"][0], 100 * s["domain"][1]
            inside = (x >= lo - 1e-9) & (x <= hi + 1e-9)
            for part, alpha, lw, ls in ((x <= lo + 1e-9, 0.07, 1.0, (0, (2, 2))),
                                        (inside, 0.2, 2.2, LINESTYLES[mode]),
                                        (x >= hi - 1e-9, 0.07, 1.0, (0, (2, 2)))):
                if part.sum() < 2:
                    continue
                ax.fill_between(x[part], s["p05"][part], s["p95"][part], color=PALETTE[mode],
                                alpha=alpha, linewidth=0)
                ax.plot(x[part], s["median"][part], color=PALETTE[mode], ls=ls, lw=lw)
            ends.append((x[-1], s["median"][-1], MODE_LABELS[mode], PALETTE[mode]))
        own = own_curve_points(card)
        for mode, p in own.items():
            ax.errorbar(100 * p["fraction"], p["point"],
                        yerr=[p["point"] - p["p05"], p["p95"] - p["point"]], fmt="o",
                        mfc="white", mec=PALETTE[mode], ecolor=PALETTE[mode], ms=4.5, lw=1.0,
                        capsize=2, zorder=4)
        reference_line(ax, 1.0, "No gain over training from scratch (1×)", where="left")
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

        ax.set_xscale("log")
        ax.set_xlim(100 * FRACTION_GRID[0], 100)
        ax.xaxis.set_major_locator(FixedLocator([0.1, 0.3, 1, 3, 10, 30, 100]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}%"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
        ax.set_xlabel("Share of the student's training tokens bought from the teacher "
                      "(log scale)")
        ax.set_ylabel("Compute-equivalent gain (×)")
        # Scale to the measured part and the medians; far extrapolated bands may run off.
        top = max(max(float(np.max(v["median"])) for v in series.values()),
                  max(float(np.max(v["p95"][(v["fraction"] >= v["domain"][0] - 1e-12)
                                             & (v["fraction"] <= v["domain"][1] + 1e-12)],
                                   initial=1.0)) for v in series.values()),
                  max((float(np.nanmax(p["p95"])) for p in own.values()), default=1.0))
        # and down to measured harm (G < 1), which must show, not run off the axis
        inside = [v["p05"][(v["fraction"] >= v["domain"][0] - 1e-12)
                           & (v["fraction"] <= v["domain"][1] + 1e-12)] for v in series.values()]
        low = min([0.97] + [float(np.min(v)) for v in inside if len(v)]
                  + [float(np.nanmin(p["p05"])) for p in own.values()])
        ax.set_ylim(low - 0.01 if low < 0.97 else low, 1 + (top - 1) * 1.25 + 0.05)
        y_lo, y_hi = ax.get_ylim()  # a line that runs off the axis is labelled at its edge
        label_line_ends(ax, [(x, min(max(y, y_lo), y_hi), text, colour)
                             for x, y, text, colour in ends])
    return fig
