"""The lag year by year, with Monte Carlo bands: how the gap evolves if nothing else changes.

Each year t = 0..years re-runs model.core on the same Monte Carlo draws (lever ranges, fit
bootstrap samples) with the frontier's compute grown by frontier.growth_per_year^t and the
actor's fleet by actor.growth_per_year^t (1.0 by default: the fleet stays as the scenario
states it). The rule, the chips and the distillation campaign stay fixed; no new rule or chip
arrives. Reusing the draws keeps each year's band comparable with the next.

Example:
    >>> from simulator.scenario import load_scenario
    >>> rows = lag_over_time(load_scenario("scenarios/no-controls-baseline-2025.toml"), years=2)
    >>> [r["year"] for r in rows]
    [2025, 2026, 2027]
"""

from __future__ import annotations

import numpy as np

from simulator.scenario import montecarlo
from simulator.scenario.core import base_values, build_context, core
from simulator.scenario.result import resolve_fit

DEFAULT_YEARS = 5
DEFAULT_DRAWS = 500
STRATEGIES = ("scratch", "distill")


def lag_over_time(scenario, years: int | None = None, *, draws: int = DEFAULT_DRAWS,
                  seed: int | None = None, fit_card=None) -> list[dict]:
    """Returns one row per year: {year, frontier_compute_flop, actor_growth_per_year,
    scratch: {lag_years, p5, p25, p50, p75, p95}, distill: {...}}.

    ``years``: the scenario's timeseries_years when it sets one, else DEFAULT_YEARS.
    ``draws`` = 0 gives the point estimates only.
    """
    years = years if years is not None else (scenario.timeseries_years or DEFAULT_YEARS)
    card, label = resolve_fit(scenario, fit_card)
    ctx = build_context(scenario, card, label)
    base = base_values(ctx)
    seed = scenario.uncertainty.seed if seed is None else int(seed)
    rng = np.random.default_rng(seed)
    n = int(draws)
    sampled = montecarlo.lever_arrays(scenario.uncertainty.levers, base, n, rng) if n else None
    idx = rng.integers(0, montecarlo.IDX_HIGH, size=n)
    u = rng.random(n)
    rows = []
    for t in range(years + 1):
        point = core(ctx, {**base, "_years": float(t)}, np.full(1, -1), np.full(1, 0.5),
                     np.ones(1, dtype=bool))
        row = {"year": scenario.year + t,
               "frontier_compute_flop": float(point["frontier_compute_flop"][0]),
               "actor_growth_per_year": float(base["actor.growth_per_year"])}
        out = (core(ctx, {**sampled, "_years": float(t)}, idx, u, np.zeros(n, dtype=bool))
               if n else None)
        for strategy in STRATEGIES:
            cell = {"lag_years": float(point[f"{strategy}.lag_years"][0])}
            if out is not None:
                values = np.percentile(out[f"{strategy}.lag_years"], montecarlo.PERCENTILES)
                cell.update({f"p{p}": float(v) for p, v in zip(montecarlo.PERCENTILES, values)})
            row[strategy] = cell
        rows.append(row)
    return rows


def assumption_text(scenario) -> str:
    """Returns the sentence that states what the yearly series holds fixed."""
    grow = scenario.actor.growth_per_year
    fleet = ("stays as the scenario states it (actor.growth_per_year = 1)" if grow == 1 else
             f"grows {grow:g}x a year (actor.growth_per_year)")
    from simulator.hardware import get_rule

    return (f"Fixed-fleet assumption: the actor's fleet {fleet}, under the "
            f"{get_rule(scenario.rule).name} throughout, while the frontier's training compute grows "
            f"{scenario.frontier.growth_per_year:g}x a year; no new rule, chip or campaign "
            "arrives. Bands: 5th-95th and 25th-75th percentiles over the same Monte Carlo "
            "draws each year.")
