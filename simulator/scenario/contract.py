"""The scenario result as typed, nested pydantic models: what ``evaluate`` returns.

``ScenarioResult.to_dict()`` (``model_dump`` with non-finite floats as None) is exactly what
``python -m simulator run --json`` prints (docs/interfaces.md): ``results`` maps ``scratch`` and
``distill`` to at least compute_flop, effective_compute_flop, loss, lag_years and cost_usd.

Layout (one class per block; optional blocks, such as ``serving`` (a [serving] section's
block, built by simulator.scenario.serving) or a later ``capability`` block, are fields
defaulting to None, named in OPTIONAL_BLOCKS and left out of the dump when None):

    ScenarioResult
      scenario: ScenarioInfo            name, file, year, rule, law, variant, access, fit, ...
                                        (moved_levers: [MovedLever] on an exported view)
      results: Results                  scratch: Outcome, distill: DistillOutcome
      percentiles: Percentiles | None   per strategy and headline: Quantiles (p5..p95)
      tornado: [TornadoRow]             per lever: TornadoSide per strategy
      regime: Regime                    pure / token_limited / none, and why
      assumptions: [str]
      fleet: [FleetEntry]               per chip entry of the scenario
      distillation: Distillation        tokens, API spend, loss per access mode (ModeLosses)
      timeseries: [YearRow]
      fit: FitInfo
      serving: Serving | None           only with a [serving] section: per model (ServingModels)
                                        and per chip entry (ServingChipRow)
      accounting: Accounting | None     post-training shares, a self-hosted teacher's charge,
                                        repetition (always set by evaluate)
      lag_decomposition                 where the lag goes, per axis (scenario.lag_contract)

Example:
    >>> from simulator.scenario import load_scenario, evaluate
    >>> r = evaluate(load_scenario("scenarios/deepseek-v3-reference.toml"))
    >>> r.results.distill.lag_years, r.distillation.loss_by_access_mode.text  # doctest: +SKIP
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, field_serializer, model_serializer

from simulator.scenario.lag_contract import LagDecomposition

HEADLINE = ("compute_flop", "effective_compute_flop", "loss", "lag_years", "cost_usd")
STRATEGIES = ("scratch", "distill")


class _Block(BaseModel):
    # defer_build: the validators are built on first use, not at import (CLI startup)
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Headline(_Block):
    """The five headline numbers of one strategy (see scenario.core for the formulas)."""

    compute_flop: float
    effective_compute_flop: float
    loss: float
    lag_years: float
    cost_usd: float

    @classmethod
    def from_core(cls, out: dict, strategy: str, i: int = 0) -> "Headline":
        """Returns the headline of ``strategy`` at draw ``i`` of model.core's outputs."""
        return cls(**{k: float(out[f"{strategy}.{k}"][i]) for k in HEADLINE})


class Outcome(Headline):
    """One strategy's point estimate, with its lag gain over training from scratch."""

    lag_reduction_vs_scratch_years: float


class DistillOutcome(Outcome):
    """Distillation's point estimate and the regime it ran in."""

    regime: str


class Results(_Block):
    scratch: Outcome
    distill: DistillOutcome


class Quantiles(_Block):
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float


class StrategyPercentiles(_Block):
    compute_flop: Quantiles
    effective_compute_flop: Quantiles
    loss: Quantiles
    lag_years: Quantiles
    cost_usd: Quantiles


class Percentiles(_Block):
    """Monte Carlo percentiles over ``draws`` seeded draws."""

    scratch: StrategyPercentiles
    distill: StrategyPercentiles
    tokens_obtained: Quantiles
    pure_regime_share: float
    envelope_share: float
    draws: int
    seed: int


class TornadoSide(_Block):
    lag_years_at_low: float
    lag_years_at_high: float
    lag_years_base: float
    swing_years: float


class TornadoRow(_Block):
    """One lever set to the low and the high end of its range, all else at the scenario."""

    path: str
    label: str
    low: float
    high: float
    base: float
    scratch: TornadoSide
    distill: TornadoSide
    swing_years: float


class Regime(_Block):
    """Which distillation regime the point estimate is in and why (fields past ``source`` only
    when distillation is enabled; the dump leaves out what was not set)."""

    regime: str
    why: str
    source: str | None
    tokens_obtained: float | None = None
    tokens_for_pure_run: float | None = None
    teacher_token_fraction: float | None = None
    binding_limit: str | None = None

    @model_serializer(mode="wrap")
    def _set_only(self, handler):
        return {k: v for k, v in handler(self).items() if k in self.model_fields_set}


class FleetEntry(_Block):
    """One chip entry of the fleet: how many chips count under the rule and their FLOP."""

    index: int
    chip: str
    channel: str
    count: float
    usable: float
    flop: float
    status: str
    controlled: bool
    precision: str
    reason: str | None


class ModeLosses(_Block):
    """The distilled loss per access mode (after the envelope logits <= topk <= text)."""

    logits: float
    topk: float
    text: float


class Distillation(_Block):
    access: str
    tokens_obtained: float
    api_cost_usd: float
    account_survival: float
    teacher_loss: float
    student_params: float
    student_tokens: float
    loss_by_access_mode: ModeLosses


class Accounting(_Block):
    """Training-compute accounting (simulator.scenario.accounting): both sides' post-training
    shares and pre-training compute (the lag compares pre-training with pre-training), a
    self-hosted teacher's inference charged to the actor's fleet (zero for API tiers), and the
    teacher tokens' worth after ``epochs`` passes at Muennighoff et al.'s repetition discount."""

    actor_post_training_fraction: float
    frontier_post_training_fraction: float
    frontier_pretrain_flop: float
    student_pretrain_flop: float
    teacher_hosting: str                      # "api" or "self-hosted"
    teacher_active_params: float | None
    teacher_inference_flop: float
    teacher_inference_fleet_share: float
    teacher_inference_chip_hours: float
    teacher_inference_cost_usd: float
    epochs: float
    effective_teacher_tokens: float
    repetition_r_star: float


class YearRow(_Block):
    year: int
    frontier_compute_flop: float
    scratch: Headline
    distill: Headline


class FitInfo(_Block):
    label: str
    sources: dict[str, str]


class MovedLever(_Block):
    """One lever a person moved from the preset (values as text, e.g. '0.35' -> '0.5')."""

    path: str
    label: str
    old: str
    new: str


class ScenarioInfo(_Block):
    """Which scenario this is; ``modified_from`` / ``moved_levers`` only on a result exported
    from a preset whose levers moved (simulator.app.export; left out of the dump otherwise,
    so ``run --json`` never shows them)."""

    name: str
    file: str | None
    year: int
    rule: str
    law: str
    variant: str | None
    access: str
    fit: str
    description: str | None
    modified_from: str | None = None
    moved_levers: list[MovedLever] = []

    @model_serializer(mode="wrap")
    def _unmodified_as_before(self, handler):
        out = handler(self)
        if not self.moved_levers:
            out.pop("modified_from", None)
            out.pop("moved_levers", None)
        return out


class ServingModel(_Block):
    """One model's deployment on the serving share of the fleet."""

    params: float
    active_params: float
    loss: float
    concurrent_users: int
    tokens_per_day: float
    users_per_day: float


class ServingModels(_Block):
    scratch: ServingModel
    distill: ServingModel


class ServingChipRow(_Block):
    """One model on one chip entry: how many chips serve it and what they deliver."""

    model: str
    chip: str
    serving_chips: float
    chips_per_replica: int | None
    concurrent_users: int
    tokens_per_day: float


class Serving(_Block):
    """What the actor can deploy with the scratch model and the distilled one of equal loss."""

    share_of_fleet: float
    serving_chips: float
    tokens_per_user_per_day: float
    precision: str
    user_tokens_per_s: float
    context_tokens: int
    distill_compute_gain: float
    models: ServingModels
    distill_over_scratch_tokens_per_day: float | None
    by_chip: list[ServingChipRow]
    notes: list[str]
    assumptions: list[str]


class ScenarioResult(_Block):
    """What evaluate() returns; to_dict() is exactly what ``run --json`` prints."""

    scenario: ScenarioInfo
    results: Results
    percentiles: Percentiles | None = None
    tornado: list[TornadoRow] = []
    regime: Regime
    assumptions: list[str]
    fleet: list[FleetEntry]
    distillation: Distillation
    timeseries: list[YearRow] = []
    fit: FitInfo
    # Optional blocks: left out of the dump when None.
    serving: Serving | None = None   # only with a [serving] section (simulator.scenario.serving)
    capability: dict | None = None  # only with a [capability] section (scenario.skill)
    accounting: Accounting | None = None  # set by evaluate (simulator.scenario.accounting)
    lag_decomposition: LagDecomposition | None = None  # where the lag goes (.decomposition)

    @field_serializer("percentiles", mode="wrap")
    def _no_draws_as_empty(self, value, handler):
        return {} if value is None else handler(value)

    def to_dict(self) -> dict:
        """Returns a JSON-ready dict (non-finite floats as None, plain types)."""
        optional = {name for name in OPTIONAL_BLOCKS if getattr(self, name) is None}
        return finite(self.model_dump(exclude=optional or None))


OPTIONAL_BLOCKS = ("serving", "capability", "accounting", "lag_decomposition")


def finite(obj):
    """Returns ``obj`` with every non-finite float replaced by None (for strict JSON)."""
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
