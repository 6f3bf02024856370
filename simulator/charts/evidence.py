"""Charts of the measured evidence: runs, fitted laws with bootstrap bands, multipliers.

    from simulator.charts.evidence import evidence_figures
    figs = evidence_figures(runs_df, card, stamp)     # {slug: Figure}

Inputs are a results.csv DataFrame and a fit card (docs/interfaces.md). The fitted curves are
the card's own formulas (simulator.curves.forms) evaluated on its bootstrap samples; nothing is
refitted here.
"""

from __future__ import annotations

import numpy as np

from simulator.charts.style import (MARKERS, MODE_LABELS, MODES, PALETTE, LINESTYLES, Footer,
                                    Stamp, empty_panel, label_line_ends, log_axis, new_figure,
                                    reference_line, style_context)
from simulator.curves.forms import scratch_loss, teacher_floored_loss, token_limited_log_gain
from simulator.vocabulary import transfer_sentence

BAND = (5, 95)
TEACHER_WORDS = {"model": "a trained teacher model", "oracle": "the exact (oracle) predictor"}


def _footer(card: dict, stamp: Stamp | None, n_runs: int | None, extra_note: str = "",
            total_runs: int | None = None) -> Footer:
    """Returns a chart's footer; ``total_runs``: the runs in the results file, when the chart
    uses only some of them (so its count matches the count a reader sees elsewhere)."""
    stamp = stamp or Stamp()
    runs = f"{n_runs} training runs" if n_runs else "training runs"
    if n_runs and total_runs and total_runs != n_runs:
        runs = f"{n_runs} of {total_runs} training runs"
    source = (f"Compute Moat experiments: {runs} of small GPT-style transformers on a synthetic "
              "language with a known entropy floor; fits from the fit card"
              + (f" {stamp.fit_sha256[:8]}" if stamp.fit_sha256 else "") + ".")
    note = ("Loss is held-out cross-entropy (nats/token). Bands: 5th-95th percentile over "
            "bootstrap refits. These are small-scale measurements. " + transfer_sentence(fit="card")
            + " " + extra_note).strip()
    return Footer(source=source, note=note, stamp=stamp)


def card_run_count(card: dict) -> int | None:
    """Returns how many runs the card's fits used (scratch + distillation + token-limited)."""
    total = (card.get("scratch") or {}).get("n_runs") or 0
    for entry in (card.get("distill") or {}).values():
        total += sum((t or {}).get("n_runs") or 0 for t in (entry.get("teachers") or {}).values())
    for teachers in ((card.get("token_limited") or {}).get("modes") or {}).values():
        total += sum((t or {}).get("n_runs") or 0 for t in teachers.values())
    return total or None


def _boot_arrays(section: dict, keys) -> dict:
    """Returns {key: (B, 1) array} of bootstrap samples (point estimate where none)."""
    boot = section.get("bootstrap") or {}
    params = section["params"]
    n = max((len(v) for v in boot.values()), default=0)
    if n == 0:
        return {k: np.array([[params[k]]], dtype=float) for k in keys}
    return {k: np.asarray(boot.get(k, [params[k]] * n), dtype=float)[:, None] for k in keys}


def _curve_band(formula, section: dict, keys, params_n, tokens):
    """Returns (point, lo, hi) of a fitted law along ``tokens`` at size ``params_n``."""
    point = formula(section["params"], params_n, tokens)
    samples = formula(_boot_arrays(section, keys), params_n, np.asarray(tokens)[None, :])
    lo, hi = np.percentile(samples, BAND, axis=0)
    return point, lo, hi


SCRATCH_KEYS = ("E", "A", "alpha", "B", "beta")
DISTILL_KEYS = ("L_T", "A", "alpha", "B", "beta")


def _teacher_for(card: dict, mode: str, runs) -> str | None:
    """Returns the teacher whose law the chart shows: the trained model when there is one."""
    teachers = (card.get("distill", {}).get(mode, {}).get("teachers") or {})
    have = set(runs.loc[runs["mode"] == mode, "teacher"]) if runs is not None else set()
    for t in ("model", "oracle"):
        if t in teachers and (not have or t in have):
            return t
    return next(iter(teachers), None)


def mode_runs(runs, card: dict, mode: str, teacher: str | None):
    """Returns the runs the card's law for ``mode`` describes.

    For top-k that is its main variant (the card's ``top_k`` and ``hard_label_weight``); other
    variants have laws of their own (``distill.topk-k4...``) and are left out.
    """
    sel = runs[runs["mode"] == mode]
    if teacher:
        sel = sel[sel["teacher"] == teacher]
    entry = (card.get("distill") or {}).get(mode) or {}
    if entry.get("top_k") is not None and "top_k" in sel:
        sel = sel[sel["top_k"] == entry["top_k"]]
    if entry.get("hard_label_weight") is not None and "hard_label_weight" in sel:
        sel = sel[np.isclose(sel["hard_label_weight"].fillna(0.0), entry["hard_label_weight"])]
    return sel


def _teacher_words(card: dict, runs) -> str:
    teachers = {_teacher_for(card, m, runs) for m in MODES[1:]} - {None}
    return " and ".join(sorted(TEACHER_WORDS.get(t, t) for t in teachers)) or "a teacher"


def _law(card: dict, mode: str, teacher: str | None):
    """Returns (formula, section, keys) of the fitted law for a mode (None when not fitted)."""
    if mode == "scratch":
        return scratch_loss, card["scratch"], SCRATCH_KEYS
    try:
        return teacher_floored_loss, card["distill"][mode]["teachers"][teacher]["law"], DISTILL_KEYS
    except (KeyError, TypeError):
        return None, None, None


def _size_colours(sizes):
    import matplotlib

    # viridis: ordered, colour-blind safe, and (unlike cividis) never grey in the middle,
    # which is kept for reference lines.
    cmap = matplotlib.colormaps["viridis"]
    pos = np.linspace(0.0, 0.78, len(sizes)) if len(sizes) > 1 else [0.4]
    return {s: cmap(p) for s, p in zip(sizes, pos)}


def _fmt_params(n: float) -> str:
    return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.0f}k"


def loss_vs_compute(runs, card: dict, *, stamp: Stamp | None = None,
                    total_runs: int | None = None):
    """Returns a Figure: measured loss vs training compute per access mode, with the fits.

    One panel per mode (scratch, logits, top-k, text); points are runs coloured by model
    size; lines are the fitted law at each size with its bootstrap band.
    """
    runs = full_runs(runs)
    with style_context():
        modes = [m for m in MODES if m == "scratch" or m in card.get("distill", {})
                 or (runs["mode"] == m).any()]
        fig = new_figure(
            "evidence_loss_vs_compute",
            "Measured evidence: held-out loss vs training compute, from scratch and distilled",
            "Held-out loss (nats/token) vs the student's training compute (FLOP) in our small "
            "experiments; points are runs, lines the fitted law per model size with 90% bands. "
            f"Distilled students learn from {_teacher_words(card, runs)}.",
            _footer(card, stamp, len(runs), total_runs=total_runs), axes_height_in=4.6)
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
                ax.axhline(section["params"]["L_T"], color=PALETTE["reference"], lw=0.9, ls=":")
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


def loss_vs_tokens(runs, card: dict, *, params: float | None = None,
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
            _footer(card, stamp, int((runs["params"] == params).sum()),
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


def compute_multiplier_chart(card: dict, *, stamp: Stamp | None = None, runs=None,
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
            _footer(card, stamp, card_run_count(card), total_runs=total_runs))
        ax = fig.add_subplot()
        ends = []
        for mode in MODES[1:]:
            cm = card.get("distill", {}).get(mode, {}).get("compute_multiplier")
            if not cm or not cm.get("compute_flop"):
                continue
            c = np.asarray(cm["compute_flop"], dtype=float)
            med = np.asarray(cm["median"], dtype=float)
            ax.fill_between(c, cm["p05"], cm["p95"], color=PALETTE[mode], alpha=0.18, linewidth=0)
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


def token_limited_series(card: dict, teacher: str = "model") -> dict:
    """Returns {mode: {fraction, median, p05, p95, domain}} of the card's token-limited fits.

    Evaluates the fitted form (``token_limited.modes.<mode>.<teacher>``: params and bootstrap
    samples, simulator.curves.forms.token_limited_log_gain) on a log grid of fractions, the
    trained teacher when there is one; falls back to the card's tabulated ``gain`` when an
    entry has no samples. ``domain`` is the range of fractions actually measured.
    """
    modes = ((card.get("token_limited") or {}).get("modes")) or {}
    out = {}
    for mode in MODES[1:]:
        teachers = modes.get(mode) or {}
        entry = teachers.get(teacher) or next(iter(teachers.values()), None)
        if not entry:
            continue
        domain = (entry.get("domain") or {}).get("fraction") or [0.0, 1.0]
        grid = np.unique(np.r_[FRACTION_GRID, [d for d in domain if 0 < d <= 1]])
        flagged = entry.get("at_bound") or entry.get("degenerate")
        series = (_gain_from_measured(entry.get("measured") or {}) if flagged else None) or \
            _gain_from_samples(entry, grid) or _gain_from_table(entry.get("gain") or {})
        if series:
            series["domain"] = (float(domain[0]), float(domain[1]))
            out[mode] = series
    return out


def _gain_from_samples(entry: dict, grid) -> dict | None:
    boot, params = entry.get("bootstrap") or {}, entry.get("params") or {}
    if "g" not in boot or "g" not in params:
        return None
    samples = {k: np.asarray(v, dtype=float)[:, None] for k, v in boot.items() if k in ("g", "p")}
    gains = np.exp(token_limited_log_gain(samples, grid[None, :]))
    p05, p50, p95 = np.percentile(gains, [5, 50, 95], axis=0)
    return {"fraction": grid, "median": p50, "p05": p05, "p95": p95}


def _gain_from_measured(measured: dict) -> dict | None:
    """The measured gains (a fit at a bound or with one fraction is not drawn as a curve)."""
    if not measured.get("fraction"):
        return None
    return {k: np.asarray(measured[src], dtype=float) for k, src in
            (("fraction", "fraction"), ("median", "point"), ("p05", "p05"), ("p95", "p95"))}


def _gain_from_table(gain: dict) -> dict | None:
    if not gain.get("fraction"):
        return None
    med = np.asarray(gain.get("median", gain.get("point")), dtype=float)
    keep = np.asarray(gain["fraction"], dtype=float) > 0  # a log axis has no 0
    return {"fraction": np.asarray(gain["fraction"], dtype=float)[keep], "median": med[keep],
            **{k: np.asarray(gain.get(k, med), dtype=float)[keep] for k in ("p05", "p95")}}


def token_limited_chart(card: dict, *, stamp: Stamp | None = None,
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
            "measured range of shares.",
            _footer(card, stamp, card_run_count(card),
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
                                   initial=1.0)) for v in series.values()))
        ax.set_ylim(0.97, 1 + (top - 1) * 1.25 + 0.05)
        label_line_ends(ax, ends)
    return fig


def full_runs(runs):
    """Returns the runs the scratch and distillation laws were fitted to.

    Token-limited runs (0 < teacher_token_fraction < 1) belong to the headline chart's gain
    fit, not to these laws, as in simulator.curves.fit_runs.
    """
    if runs is None or "teacher_token_fraction" not in runs:
        return runs
    f = runs["teacher_token_fraction"]
    scratch = (runs["mode"] == "scratch") & (f.isna() | (f == 0))
    distill = (runs["mode"] != "scratch") & (f.isna() | (f == 1))
    return runs[scratch | distill]


def evidence_figures(runs, card: dict, stamp: Stamp | None = None) -> dict:
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
