"""The "where the lag goes" waterfall: from the frontier (0 years behind) through the compute
gap, the actor's algorithmic efficiency and distillation to the final lag, one panel per axis
(general capability, and the skill axis when the scenario has one).

    from simulator.charts.waterfall import waterfall_chart, waterfall_steps
    fig = waterfall_chart(result)        # result: a ScenarioResult (typed, like the scenario charts)

Whiskers: the 5th-95th percentile of each part over the Monte Carlo draws, drawn from the
step's start (percentiles of parts do not add up, so the whiskers are per part). The numbers
come from the result's ``lag_decomposition`` block (simulator.scenario.decomposition); this
module only draws. ``waterfall_steps`` is shared with the app's Explorer section.
"""

from __future__ import annotations

from simulator.charts.style import MUTED, Footer, Stamp, empty_panel, new_figure, style_context
from simulator.vocabulary import PALETTE, no_minus_zero

STEPS = (("compute_gap_years", "Compute gap"), ("efficiency_years", "Efficiency"),
         ("distillation_years", "Distillation"))
TOTAL_COLOUR = "#444444"
WHISKER = "#222222"
CONNECTOR = "#999999"


def waterfall_steps(axis: dict) -> list[dict]:
    """Returns the bars of one axis (a LagAxis as a dict): the frontier at 0, one step per part
    (start, end, value, interval of the part or None) and the total; "kind" is "origin",
    "part" or "total"."""
    intervals = axis.get("intervals") or {}
    steps = [{"label": "Frontier", "kind": "origin", "start": 0.0, "end": 0.0, "value": 0.0,
              "interval": None}]
    level = 0.0
    for key, label in STEPS:
        value = float(axis[key])
        q = intervals.get(key)
        steps.append({"label": label, "kind": "part", "start": level, "end": level + value,
                      "value": value,
                      "interval": (level + q["p5"], level + q["p95"]) if q else None})
        level += value
    q = intervals.get("total_years")
    total = float(axis["total_years"])
    steps.append({"label": "Lag", "kind": "total", "start": 0.0, "end": total, "value": total,
                  "interval": (q["p5"], q["p95"]) if q else None})
    return steps


def value_text(step: dict) -> str:
    """Returns a step's label: a part signed ("+1.79", "-0.86"), "0.00" when it rounds to 0."""
    value = step["value"]
    if abs(value) < 0.005:
        return "0.00"
    sign = "+" if step["kind"] == "part" and value > 0 else ""
    return f"{sign}{no_minus_zero(value)}"


def _panel(ax, axis: dict, first: bool):
    """Draws one axis's waterfall as horizontal bars, top (frontier) to bottom (lag)."""
    steps = waterfall_steps(axis)
    for i, s in enumerate(steps):
        if s["kind"] != "total":   # connector to the next step, at this step's end
            ax.plot([s["end"], s["end"]], [i + 0.3, i + 0.7], color=CONNECTOR, lw=0.7)
        if s["kind"] == "origin":
            ax.plot([0, 0], [i - 0.3, i + 0.3], color=PALETTE["frontier"], lw=2)
            continue
        colour = (TOTAL_COLOUR if s["kind"] == "total" else
                  PALETTE["increase"] if s["value"] >= 0 else PALETTE["decrease"])
        low, high = sorted((s["start"], s["end"]))
        ax.barh(i, high - low, left=low, height=0.6, color=colour,
                alpha=0.9 if s["kind"] == "total" else 0.75, lw=0)
        right = high
        if s["interval"] is not None:
            lo, hi = s["interval"]
            ax.plot([lo, hi], [i, i], color=WHISKER, lw=1.1, solid_capstyle="butt")
            right = max(right, hi)
        ax.annotate(value_text(s), (right, i), xytext=(4, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=8,
                    color=colour if abs(s["value"]) >= 0.005 else MUTED)
    ax.axvline(0, color=PALETTE["reference"], lw=0.8, ls="--", zorder=0)
    ax.set_yticks(range(len(steps)), [s["label"] for s in steps])
    ax.tick_params(axis="y", labelleft=first)
    ax.set_ylim(len(steps) - 0.4, -0.6)   # the frontier on top, the lag at the bottom
    ax.set_title(axis["title"], fontsize=9, loc="left")
    ax.set_xlabel("Years behind the frontier")
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")
    ax.margins(x=0.18)


def _title(axis: dict) -> str:
    if axis["axis"] == "general":
        return "General capability (loss)"
    tier = axis["label"].rsplit("(", 1)[-1].rstrip(")")
    return f"Skill capability (samples transfer as: {tier})"


def waterfall_chart(result, *, stamp: Stamp | None = None):
    """Returns a Figure: the lag's waterfall per axis (general, and skill when present) of a
    ScenarioResult."""
    from simulator.charts.scenario import scenario_footer

    block = result.lag_decomposition
    axes_data = [a.model_dump() for a in ((block.general, block.skill) if block else ())
                 if a is not None]
    draws = result.percentiles.draws if result.percentiles is not None else None
    lo, hi = block.sourced_range if block else (None, None)
    note = (f"Compute gap: the scratch lag at the frontier's algorithms; efficiency: "
            f"−ln(multiplier {block.efficiency_multiplier:.3g}×) / ln(growth × algorithmic "
            f"progress) (sourced range {lo:.2g}–{hi:.2g}×); distillation: distilled − scratch "
            "lag. The parts add up to the lag. " if block else "")
    note += (f"Whiskers: 5th–95th percentile of each part over {draws} Monte Carlo draws."
             if draws else "No Monte Carlo draws: point estimates only.")
    with style_context():
        footer = scenario_footer(result, stamp, note)
        footer = Footer(source=footer.source + " Efficiency evidence: "
                        "data/algorithmic_efficiency.toml (arXiv:2412.19437, 2407.21783, "
                        "2412.15115, 2311.16867, 2307.09288).", note=footer.note,
                        stamp=footer.stamp)
        fig = new_figure(
            "lag_waterfall",
            "Where the lag goes: compute gap, efficiency, distillation",
            "Years behind the frontier, built up from the frontier (0) by each part: "
            "vermilion adds to the lag, blue removes from it; the grey bar is the lag."
            + (" Left: general capability (loss); right: the skill axis." if len(axes_data) > 1
               else ""),
            footer, width_in=7.5, axes_height_in=2.9)
        axes = fig.subplots(1, max(1, len(axes_data)), sharey=len(axes_data) > 1,
                            squeeze=False)[0]
        if not axes_data:
            empty_panel(axes[0], "This result has no lag decomposition")
            return fig
        for i, (ax, axis) in enumerate(zip(axes, axes_data)):
            _panel(ax, {**axis, "title": _title(axis)}, first=i == 0)
    return fig
