"""Charts of one scenario's result: capability by path, lag, levers (tornado), cost, chips.

    from simulator.scenario import load_scenario, evaluate
    from simulator.scenario.sweeps import capability_curves
    from simulator.charts.scenario import scenario_figures
    scenario = load_scenario("scenarios/h200-case-by-case-2026-central.toml")
    result = evaluate(scenario)
    figs = scenario_figures(result, capability_curves(scenario), stamp)   # {slug: Figure}

Every chart draws numbers the scenario model computed (the typed ``ScenarioResult``), and
the capability curves (simulator.scenario.sweeps) only ask the model the same question at
other fleet sizes.
"""

from __future__ import annotations

import numpy as np

from simulator.charts.style import (Footer, Stamp, bottom_legend, empty_panel, label_line_ends,
                                    log_axis, new_figure, reference_line, style_context)
from simulator.vocabulary import (LINESTYLES, MODE_LABELS, MODES, PALETTE, STRATEGY_LABELS,
                                  TRANSFER_NOTE, no_minus_zero, sci, transfer_sentence, usd)


# ----------------------------------------------------------------------------- footer

def transfer_note(result) -> str:
    """Returns the transfer assumption for a chart footer (the report's sentence).

    The model states it in full in ``result.assumptions`` (and the report prints that);
    the chart names the same law and the same source of the distillation behaviour.
    """
    s = result.scenario
    return transfer_sentence(s.law, str(s.fit))


def scenario_footer(result, stamp: Stamp | None, extra_note: str = "") -> Footer:
    """Returns the Source/Note footer of a scenario chart (and the levers moved from the
    preset, for a view exported from the app: ``result.scenario.moved_levers``)."""
    s = result.scenario
    source = (f"Compute Moat scenario model, scenario \"{s.name}\" (rule {s.rule}); "
              f"data/chips.csv, rules.toml, laws.toml; distillation: {s.fit}.")
    moved = s.moved_levers
    moved_note = ("Levers moved from the preset: " + "; ".join(
        f"{c.label} {c.old} → {c.new}" for c in moved[:8])
        + (f"; and {len(moved) - 8} more" if len(moved) > 8 else "") + ".") if moved else ""
    note = " ".join(p for p in (moved_note, extra_note, transfer_note(result)) if p)
    return Footer(source=source, note=note, stamp=stamp or Stamp())


def _pct(result, strategy: str, metric: str) -> dict | None:
    """Returns {p5, p25, p50, p75, p95} of a quantity (None without Monte Carlo draws)."""
    if result.percentiles is None:
        return None
    q = getattr(getattr(result.percentiles, strategy), metric)
    return {name: getattr(q, name) for name in type(q).model_fields}


def _draws_note(result) -> str:
    pct = result.percentiles
    if pct is None:
        return "No Monte Carlo draws: point estimates only."
    return (f"Bands: 5th-95th percentile of {pct.draws} Monte Carlo draws (seed "
            f"{pct.seed}) over fit samples and lever ranges.")


# ----------------------------------------------------------------------------- charts

def capability_chart(curves: dict | None, result, *, stamp: Stamp | None = None):
    """Returns a Figure: effective compute vs the actor's own compute, per path, with bands."""
    with style_context():
        fig = new_figure(
            "capability",
            "How much capability each path buys: training from scratch vs distilling via an API",
            "Effective compute (the from-scratch training compute that reaches the same loss, "
            "FLOP) vs the actor's own training compute (FLOP), by what the API exposes; median "
            "and 90% band. The dotted line marks this scenario's fleet.",
            scenario_footer(result, stamp, _curve_note(curves)), axes_height_in=3.8)
        ax = fig.add_subplot()
        if not curves or not curves["compute_flop"]:
            empty_panel(ax, "No usable compute under this scenario's rule: the fleet "
                            "contributes nothing, so there is no curve to draw.")
            return fig
        x = np.asarray(curves["compute_flop"], dtype=float)
        for mode in reversed(MODES):
            q = curves["strategies"].get(mode)
            if q is None:
                continue
            colour = PALETTE[mode]
            chosen = mode == curves.get("access")
            ax.fill_between(x, q["p5"], q["p95"], color=colour, alpha=0.14, linewidth=0)
            label = MODE_LABELS[mode] + (" (this scenario)" if chosen else "")
            ax.plot(x, q["p50"], color=colour, ls=LINESTYLES[mode], lw=2.4 if chosen else 1.6,
                    label=label)
        frontier = curves["frontier_compute_flop"]
        reference_line(ax, frontier, f"Frontier model's training compute ({sci(frontier)} FLOP)",
                       where="left")
        c0 = curves["scenario_compute_flop"]
        ax.axvline(c0, color=PALETTE["reference"], lw=0.9, ls=":")
        ax.annotate(f"This fleet: {sci(c0)} FLOP", (c0, 0.02), xycoords=("data", "axes fraction"),
                    xytext=(3, 0), textcoords="offset points", fontsize=7.5,
                    color="#555555", rotation=90, va="bottom")
        log_axis(ax, "x")
        log_axis(ax, "y")
        ax.set_xlabel("Actor's own training compute (FLOP)")
        ax.set_ylabel("Effective compute reached (FLOP)")
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], loc="lower right")
        gap = max(float(np.max(np.asarray(q["p50"]) / np.asarray(curves["strategies"]["scratch"]
                                                                   ["p50"])))
                  for q in curves["strategies"].values())
        if gap < 1.05:  # say so, or a reader sees one line and wonders where the others went
            ax.text(0.02, 0.96, "The lines overlap: here distilling adds less than 5% to the "
                                "effective compute of training from scratch.",
                    transform=ax.transAxes, va="top", ha="left", fontsize=8, color="#333333",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5}, zorder=6)
    return fig


def _curve_note(curves) -> str:
    if not curves:
        return ""
    return (f"Bands: 5th-95th percentile of {curves.get('draws', 'the')} Monte Carlo draws per "
            "point over fit samples and lever ranges; fleet scaled around the scenario's.")


def lag_chart(result, *, stamp: Stamp | None = None):
    """Returns a Figure: years behind the frontier, scratch vs distillation, with bands.

    A second panel shows the lag over the years when the scenario has a time series.
    """
    series = result.timeseries
    access = result.scenario.access
    with style_context():
        fig = new_figure(
            "lag",
            "How far behind the frontier the restricted actor stays",
            "Lag behind the frontier in years (how long ago the frontier trained with the "
            "actor's effective compute; below 0: ahead). Dot: point estimate; thick bar: "
            "25th-75th percentile; thin bar: 5th-95th."
            + (" Right: the lag over the scenario's years." if series else ""),
            scenario_footer(result, stamp, _draws_note(result)), axes_height_in=2.6)
        axes = fig.subplots(1, 2, width_ratios=[1.25, 1]) if series else [fig.add_subplot()]
        ax = axes[0]
        rows = [("scratch", STRATEGY_LABELS["scratch"]),
                ("distill", MODE_LABELS.get(access, "Distil through the API"))]
        for i, (strategy, label) in enumerate(rows):
            y = len(rows) - 1 - i
            colour = PALETTE["scratch" if strategy == "scratch" else access] \
                if access in PALETTE else PALETTE[strategy]
            q = _pct(result, strategy, "lag_years")
            if q:
                ax.plot([q["p5"], q["p95"]], [y, y], color=colour, lw=1.4, solid_capstyle="butt")
                ax.plot([q["p25"], q["p75"]], [y, y], color=colour, lw=7, alpha=0.55,
                        solid_capstyle="butt")
            point = getattr(result.results, strategy).lag_years
            ax.plot([point], [y], "o", color=colour, ms=7, zorder=3)
            ax.annotate(f"{no_minus_zero(point)} yr", (point, y), xytext=(0, 8),
                        textcoords="offset points", ha="center", fontsize=8, color=colour)
        ax.set_yticks(range(len(rows)), [label for _, label in reversed(rows)])
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.axvline(0, color=PALETTE["reference"], lw=0.9, ls="--")
        ax.set_xlabel("Years behind the frontier")
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        if series:
            _lag_over_years(axes[1], series, access)
    return fig


def _lag_over_years(ax, series, access):
    years = [row.year for row in series]
    ends = []
    for strategy in ("scratch", "distill"):
        colour = (PALETTE["scratch"] if strategy == "scratch"
                  else PALETTE.get(access, PALETTE["distill"]))
        lag = [getattr(row, strategy).lag_years for row in series]
        ax.plot(years, lag, color=colour, ls=LINESTYLES.get(strategy, "-"), marker="o", ms=3)
        ends.append((years[-1], lag[-1], "Scratch" if strategy == "scratch" else "Distil",
                     colour))
    ax.axhline(0, color=PALETTE["reference"], lw=0.9, ls="--")
    ax.set_xlabel("Year")
    ax.set_ylabel("Years behind the frontier")
    ax.xaxis.get_major_locator().set_params(integer=True)
    label_line_ends(ax, ends)


def tornado_chart(result, *, stamp: Stamp | None = None, strategy: str = "distill",
                  max_rows: int = 8):
    """Returns a Figure: how far each lever moves the lag, largest swing first."""
    rows = list(result.tornado)[:max_rows]
    name = "distilling" if strategy == "distill" else "training from scratch"
    with style_context():
        fig = new_figure(
            "tornado",
            "Which levers move the lag most",
            f"Lag behind the frontier (years) when {name}, with each lever set to the low and "
            "the high end of its range and everything else at the scenario's value.",
            scenario_footer(result, stamp), axes_height_in=max(1.6, 0.42 * len(rows) + 0.6),
            legend_rows=1)
        ax = fig.add_subplot()
        if not rows:
            empty_panel(ax, "No tornado: the scenario has no lever ranges")
            return fig
        base = getattr(rows[0], strategy).lag_years_base
        for i, row in enumerate(rows):
            y = len(rows) - 1 - i
            s = getattr(row, strategy)
            for value, lag, colour in ((row.low, s.lag_years_at_low, PALETTE["decrease"]),
                                       (row.high, s.lag_years_at_high, PALETTE["increase"])):
                ax.barh(y, lag - base, left=base, height=0.6, color=colour, alpha=0.85)
                ax.annotate(_short(value), (lag, y), xytext=(3 if lag >= base else -3, 0),
                            textcoords="offset points", va="center", fontsize=7,
                            ha="left" if lag >= base else "right", color="#333333")
        fleet = [entry.chip for entry in result.fleet]
        ax.set_yticks(range(len(rows)), [lever_label(r.path, fleet, r.label) for r in reversed(rows)])
        ax.margins(x=0.14)
        ax.axvline(base, color="#333333", lw=1.0)
        ax.annotate(f"Scenario: {no_minus_zero(base)} yr", (base, len(rows) - 0.45),
                    xytext=(3, 0), textcoords="offset points", ha="left", va="bottom",
                    fontsize=7.5, color="#333333", annotation_clip=False)
        ax.set_xlabel("Years behind the frontier")
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        from matplotlib.patches import Patch

        bottom_legend(fig, [Patch(color=PALETTE["decrease"], label="Lever at the low end"),
                            Patch(color=PALETTE["increase"], label="Lever at the high end")])
    return fig


def lever_label(path: str, fleet=(), label: str | None = None) -> str:
    """Returns a reader's name for a tornado lever's path (chip entries named by their chip;
    ``label``: the lever's own label, used where the schema has no words for the path)."""
    from simulator.scenario.schema import path_words

    words = path_words(path).get("label")
    parts = path.split(".")
    if len(parts) == 4 and parts[:2] == ["actor", "chips"] and parts[2].isdigit():
        i = int(parts[2])
        chip = fleet[i] if i < len(fleet) else f"chip entry {i}"
        return f"{chip}: {words or parts[3].replace('_', ' ')}"
    if words:
        return words
    label = label or path
    return label[:1].upper() + label[1:]


def _short(value) -> str:
    v = float(value)
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-2):
        return sci(v)
    return f"{v:,.0f}" if v == int(v) and abs(v) >= 1000 else f"{v:g}"


def cost_chart(result, *, stamp: Stamp | None = None):
    """Returns a Figure: what each path costs (fleet vs API spend), with the 90% range."""
    api = float(result.distillation.api_cost_usd or 0.0)
    scratch = result.results.scratch.cost_usd
    distill = result.results.distill.cost_usd
    with style_context():
        fig = new_figure(
            "cost",
            "What each path costs",
            "Cost in US dollars of training from scratch and of distilling (the same fleet plus "
            "API spend on teacher tokens). Bars: point estimates; whiskers: 5th-95th percentile.",
            scenario_footer(result, stamp, "Fleet cost on the scenario's cost basis (rental "
                                           "or purchase), in nominal US dollars."),
            axes_height_in=2.2, legend_rows=1)
        ax = fig.add_subplot()
        bars = [("distill", distill - api, api), ("scratch", scratch, 0.0)]
        for y, (strategy, fleet, spend) in enumerate(bars):
            ax.barh(y, fleet, height=0.55, color=PALETTE["scratch"], alpha=0.8)
            if spend > 0:
                ax.barh(y, spend, left=fleet, height=0.55, color=PALETTE["text"], alpha=0.9)
            q = _pct(result, strategy, "cost_usd")
            if q and q["p95"] > q["p5"]:
                ax.plot([q["p5"], q["p95"]], [y, y], color="#222222", lw=1.0)
                ax.plot([q["p5"]] * 2, [y - 0.12, y + 0.12], color="#222222", lw=1.0)
                ax.plot([q["p95"]] * 2, [y - 0.12, y + 0.12], color="#222222", lw=1.0)
            total = fleet + spend
            extra = f" (API {_usd(spend)})" if spend > 0 else ""
            ax.annotate(f"{_usd(total)}{extra}", (max(total, q["p95"] if q else 0), y),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
        ax.set_yticks([0, 1], ["Distil through the API", "Train from scratch"])
        ax.set_ylim(-0.6, 1.6)
        top = max([scratch, distill] + [(_pct(result, st, "cost_usd") or {}).get("p95") or 0
                                        for st in ("scratch", "distill")])
        ax.set_xlim(0, top * 1.45 or 1)
        from matplotlib.patches import Patch
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _usd(v)))
        ax.set_xlabel("Cost (US dollars)")
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        bottom_legend(fig, [Patch(color=PALETTE["scratch"], alpha=0.8, label="Fleet (chips)"),
                            Patch(color=PALETTE["text"], alpha=0.9, label="API tokens")])
    return fig


def _usd(x: float) -> str:
    return usd(x, tex=True)   # an escaped "$": a bare pair would switch to math text


# The one dispatch from a chart slug to the chart of a scenario result (the capability chart
# also needs the curves of simulator.scenario.sweeps; the chip map needs the catalogue).
RESULT_CHARTS = {"lag": lag_chart, "tornado": tornado_chart, "cost": cost_chart}


def scenario_figures(result, curves: dict | None, stamp: Stamp | None = None,
                     chips=None, rule=None) -> dict:
    """Returns {slug: Figure} of every chart of one scenario (chip map when chips given)."""
    figs = {"capability": capability_chart(curves, result, stamp=stamp)}
    figs.update({slug: chart(result, stamp=stamp) for slug, chart in RESULT_CHARTS.items()})
    if chips is not None and rule is not None:
        from simulator.charts.chips import chip_map

        fleet = [entry.chip for entry in result.fleet]
        figs["chip_map"] = chip_map(chips, rule, stamp=stamp, highlight=fleet)
    return figs


def comparison_chart(results: list, *, stamp: Stamp | None = None):
    """Returns a Figure comparing scenarios: lag (median, 90% range) from scratch and distilling."""
    n = len(results)
    with style_context():
        fig = new_figure(
            "comparison",
            "Years behind the frontier, scenario by scenario",
            "Lag behind the frontier in years for each scenario, training from scratch and "
            "distilling through the API (the scenario's access mode): point estimate with the "
            "5th-95th percentile range of its Monte Carlo draws.",
            Footer(source="Compute Moat scenario model over the scenarios listed; "
                          "data/chips.csv, rules.toml, laws.toml; distillation behaviour as "
                          "stated in each scenario's report.",
                   note=transfer_note(results[0]) if results else TRANSFER_NOTE,
                   stamp=stamp or Stamp()),
            axes_height_in=max(1.5, 0.34 * n + 0.5), legend_rows=1)
        ax = fig.add_subplot()
        for i, result in enumerate(results):
            y = n - 1 - i
            for strategy, dy, colour, marker in (("scratch", 0.13, PALETTE["scratch"], "o"),
                                                 ("distill", -0.13, PALETTE["text"], "D")):
                q = _pct(result, strategy, "lag_years")
                if q:
                    ax.plot([q["p5"], q["p95"]], [y + dy] * 2, color=colour, lw=1.2)
                ax.plot([getattr(result.results, strategy).lag_years], [y + dy], marker,
                        color=colour, ms=5, zorder=3)
        ax.set_yticks(range(n), [r.scenario.name for r in reversed(results)], fontsize=7.5)
        ax.set_ylim(-0.6, n - 0.4)
        ax.axvline(0, color=PALETTE["reference"], lw=0.9, ls="--")
        ax.set_xlabel("Years behind the frontier (below 0: ahead)")
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        from matplotlib.lines import Line2D

        bottom_legend(fig, [Line2D([], [], color=PALETTE["scratch"], marker="o",
                                   label="Train from scratch"),
                            Line2D([], [], color=PALETTE["text"], marker="D",
                                   label="Distil through the API")])
    return fig
