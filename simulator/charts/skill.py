"""The skill chart, "What an API must hide" (second edition, on skill capability): skill
accuracy and compute-equivalent gain (CEG) vs teacher samples bought, one line per access tier.

    from simulator.charts.skill import skill_chart
    fig = skill_chart(result)          # a result dict with a capability block

Solid where the samples map (at the same n/n50) into the capability card's measured range,
dashed outside it; bands: 5th-95th percentile over the card's bootstrap and the anchors'
ranges; the literature anchors (R1-Distill, s1, LIMO) as labelled points; the self-reliant
level (R1-Zero, RL on the same base) as a reference line. The numbers come from
simulator.scenario.skill_series.skill_series; this module only draws.
"""

from __future__ import annotations

import numpy as np

from simulator.charts.style import (Footer, Stamp, bottom_legend, empty_panel, new_figure,
                                    reference_line, style_context)

TIER_STYLE = {  # colour-blind-safe (Okabe-Ito), one per tier
    "answer": ("#D55E00", "Answer only (chain of thought hidden)"),
    "trace": ("#56B4E9", "Sampled trace"),
    "verified_trace": ("#0072B2", "Verified trace"),
    "trace_topk": ("#009E73", "Trace + top-k log-probs"),
    "trace_logits": ("#E69F00", "Trace + full logits"),
    "grader": ("#CC79A7", "Grader only"),
}


def _draw(ax, x, y, lo, hi, rng, colour, band=True):
    # each part takes one grid point past its ends, so the parts join without a gap
    inside = np.convolve((x >= rng[0]) & (x <= rng[1]), [1, 1, 1], mode="same") > 0
    before = np.convolve(x < rng[0], [1, 1, 1], mode="same") > 0
    after = np.convolve(x > rng[1], [1, 1, 1], mode="same") > 0
    for part, ls, lw, alpha in ((before, (0, (3, 2)), 1.1, 0.06),
                                (inside, "-", 2.0, 0.16),
                                (after, (0, (3, 2)), 1.1, 0.06)):
        if part.sum() < 2:
            continue
        if band:
            ax.fill_between(x[part], lo[part], hi[part], color=colour, alpha=alpha, lw=0)
        ax.plot(x[part], y[part], color=colour, ls=ls, lw=lw)


def skill_chart(result: dict, *, stamp: Stamp | None = None, series: dict | None = None):
    """Returns a Figure: two panels (skill accuracy, CEG) vs teacher samples, per tier."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    from simulator.scenario.skill_series import skill_series

    block = result.get("capability")
    with style_context():
        fig = new_figure(
            "skill_api_must_hide",
            "What an API must hide: the skill a distiller buys, by what the API exposes",
            "Skill accuracy (left) and compute-equivalent gain over the actor's own "
            "post-training (right, ×) vs teacher samples bought (log scale), per access tier; "
            "median and 90% band. Solid: within the capability experiments' measured range "
            "(same samples / n50); dashed: extrapolation.",
            Footer(source="data/fits/capability.json (shapes: tier ratios, curve steepness, "
                          "knowledge gate; CEG lower bounds), data/distillation_priors.toml "
                          "[skill] (levels: DeepSeek-R1 arXiv:2501.12948, s1 arXiv:2501.19393, "
                          "LIMO arXiv:2502.03387)",
                   note="Levels are anchored to the literature; only shapes come from our "
                        "experiments. The card's self-reliant runs never learned the skill, so "
                        "every CEG above 1× is a lower bound (▲). The actor keeps its own "
                        "post-training when distillation does worse (assumed).",
                   stamp=stamp or Stamp()),
            width_in=7.5, axes_height_in=3.2, legend_rows=3)
        ax1, ax2 = fig.subplots(1, 2)
        if not block:
            empty_panel(ax1, "This scenario has no [capability] section")
            empty_panel(ax2, "")
            return fig
        s = series or skill_series(block)
        x = np.asarray(s["samples"])
        handles = []
        for t, e in s["tiers"].items():
            colour, label = TIER_STYLE[t]
            rng = s["measured_range"][t]
            _draw(ax1, x, 100 * e["median"], 100 * e["p05"], 100 * e["p95"], rng, colour)
            _draw(ax2, x, e["ceg_median"], e["ceg_p05"], e["ceg_p95"], rng, colour)
            low = np.asarray(e["lower"])
            if low.any():
                ax2.plot(x[low][::4], e["ceg_median"][low][::4], ls="none", marker="^",
                         ms=4, color=colour)
            handles.append(Line2D([], [], color=colour, lw=2,
                                  label=label + (" (this scenario)" if t == s["tier"] else "")))
        for n, a, name in s["anchors"].values():
            ax1.plot([n], [100 * a], marker="o", ms=5, mfc="white", mec="#222222", ls="none")
            ax1.annotate(name, (n, 100 * a), xytext=(4, 4), textcoords="offset points",
                         fontsize=7)
        reference_line(ax1, 100 * s["self_reliant"], "Own RL on the same base (R1-Zero)",
                       where="left")
        reference_line(ax2, 1.0, "No gain (1×)", where="left")
        for ax in (ax1, ax2):
            ax.set_xscale("log")
            ax.axvline(s["scenario_samples"], color="#777777", lw=0.8, ls=":")
            ax.set_xlabel("Teacher samples bought (log scale)")
        ax1.set_ylabel("Skill accuracy (%)")
        ax1.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}%"))
        ax2.set_ylabel("Compute-equivalent gain (×, ▲ lower bound)")
        ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
        handles.append(Line2D([], [], color="#777777", lw=0.8, ls=":",
                              label="This scenario's samples"))
        bottom_legend(fig, handles, ncols=3)
    return fig
