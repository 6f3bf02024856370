"""The ``lag_decomposition`` block of a ScenarioResult, as typed models: where each axis's lag
comes from (built by simulator.scenario.decomposition; contract.py holds the field).

    LagDecomposition
      efficiency_multiplier, efficiency_range, clock_per_year
      general: LagAxis        the loss axis: total = distill.lag_years
      skill: LagAxis | None   the skill axis (with a [capability] section): total = the
                              distilled skill lag
      provenance: {part: "measured" / "anchored" / "assumed" / "derived" and why}

    LagAxis: total_years = compute_gap_years + efficiency_years + distillation_years, exactly,
    with 90% intervals (LagIntervals) where the result has Monte Carlo draws.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

PARTS = ("compute_gap_years", "efficiency_years", "distillation_years")


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Interval(_Block):
    """The 5th and 95th percentile of one part over the draws (a 90% interval)."""

    p5: float
    p95: float


class LagIntervals(_Block):
    """Per part and total: its own percentiles over the draws (percentiles do not add up)."""

    total_years: Interval
    compute_gap_years: Interval
    efficiency_years: Interval
    distillation_years: Interval


class LagAxis(_Block):
    """One axis's lag in years, split into three parts that sum to the total.

    compute gap: ln(frontier compute / the actor's raw effective compute, i.e. at the
    frontier's algorithms) / clock: the scratch lag at an efficiency multiplier of 1;
    efficiency: -ln(efficiency multiplier) / clock (negative: more efficient than the frontier);
    distillation: the distilled lag minus the scratch lag (negative: distillation helps)."""

    axis: str
    label: str
    total_years: float
    scratch_years: float
    compute_gap_years: float
    efficiency_years: float
    distillation_years: float
    intervals: LagIntervals | None = None
    notes: list[str] = []


class LagDecomposition(_Block):
    """Where the lag goes, on each axis."""

    efficiency_multiplier: float
    efficiency_range: list[float] | None   # the scenario's Monte Carlo range, when it has one
    sourced_range: list[float]             # data/algorithmic_efficiency.toml [range]
    clock_per_year: float                  # ln(frontier growth x algorithmic progress)
    general: LagAxis
    skill: LagAxis | None = None
    provenance: dict[str, str]
