"""The "where the lag goes" waterfall: from the frontier (0 years behind) through the compute
gap, the actor's algorithmic efficiency and distillation to the final lag, one panel per axis
(general capability, and the skill axis when the scenario has one).

    from simulator.charts.waterfall import waterfall_chart, waterfall_steps
    fig = waterfall_chart(result)        # result: ScenarioResult.to_dict()

Whiskers: the 5th-95th percentile of each part over the Monte Carlo draws, drawn from the
step's start (percentiles of parts do not add up, so the whiskers are per part). The numbers
come from the result's ``lag_decomposition`` block (simulator.scenario.decomposition); this
module only draws. ``waterfall_steps`` is shared with the app's Explorer section.
"""

from __future__ import annotations

from simulator.charts.style import Footer, Stamp, empty_panel, new_figure, style_context
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


def _panel(ax, axis: dict):
    steps = waterfall_steps(axis)
    for i, s in enumerate(steps):
        if s["kind"] != "total":   # connector to the next step, at this step's end
            ax.plot([i + 0.3, i + 0.7], [s["end"], s["end"]], color=CONNECTOR, lw=0.7)
        if s["kind"] == "origin":
            ax.plot([i - 0.35, i + 0.35], [0, 0], color=PALETTE["frontier"], lw=2)
            ax.annotate("0", (i, 0), xytext=(0, 4), textcoords="offset points", ha="center",
                        fontsize=8)
            continue
        colour = (TOTAL_COLOUR if s["kind"] == "total" else
                  PALETTE["increase"] if s["value"] >= 0 else PALETTE["decrease"])
        low, high = sorted((s["start"], s["end"]))
        ax.bar(i, high - low, bottom=low, width=0.6, color=colour,
               alpha=0.9 if s["kind"] == "total" else 0.75, lw=0)
        if s["interval"] is not None:
            ax.plot([i, i], s["interval"], color=WHISKER, lw=1.1, solid_capstyle="butt")
        sign = "" if s["kind"] == "total" else ("+" if s["value"] >= 0 else "")
        text = f"{sign}{no_minus_zero(s['value'])}"
        ax.annotate(text, (i, high), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8, color=colour)
    ax.axhline(0, color=PALETTE["reference"], lw=0.8, ls="--", zorder=0)
    ax.set_xticks(range(len(steps)), [s["label"] for s in steps], fontsize=8)
    ax.set_title(axis["label"], fontsize=9, loc="left")
    ax.set_ylabel("Years behind the frontier")
    ax.grid(True, axis="y")
    ax.grid(False, axis="x")
    ax.margins(y=0.15)



def waterfall_chart(result: dict, *, stamp: Stamp | None = None):
    """Returns a Figure: the lag's waterfall per axis (general, and skill when present)."""
    from simulator.charts.scenario import scenario_footer
    from simulator.scenario.efficiency import range_text

    block = result.get("lag_decomposition")
    axes_data = [a for a in ((block or {}).get("general"), (block or {}).get("skill")) if a]
    draws = ((result.get("percentiles") or {}).get("draws"))
    note = (f"Compute gap = ln(frontier compute / the actor's raw pre-training compute) / "
            f"ln(growth × algorithmic progress); efficiency = −ln(multiplier) / the same clock "
            f"(multiplier {block['efficiency_multiplier']:.3g}×; sourced range "
            f"{range_text()}); distillation = distilled lag − scratch lag. The parts add up to "
            "the lag exactly. " if block else "")
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
            "Years behind the frontier, built up from the frontier (0) by each part: red "
            "adds to the lag, blue removes from it; the grey bar is the lag."
            + (" Left: general capability (loss); right: the skill axis." if len(axes_data) > 1
               else ""),
            footer, width_in=7.5, axes_height_in=2.9)
        axes = fig.subplots(1, max(1, len(axes_data)), sharey=len(axes_data) > 1,
                            squeeze=False)[0]
        if not axes_data:
            empty_panel(axes[0], "This result has no lag decomposition")
            return fig
        for ax, axis in zip(axes, axes_data):
            _panel(ax, axis)
    return fig
