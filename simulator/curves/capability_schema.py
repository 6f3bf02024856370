"""The capability fit card (data/fits/capability.json) as typed frozen models, and its loader.

``load_capability_card`` validates a card once and returns a ``CapabilityCard``;
``run_capability_fit`` (simulator.curves.capability_card) builds the same model before it
writes, so the model is the writer's contract. What each section means is written in
simulator.curves.capability_fit.

    CapabilityCard
      schema: 'capability-card/1', results_sha256, settings, teacher, bases: {base: BaseRun}
      largest_base
      tiers: {channel: Tier}          bases: {base: CurveFit}, gate: Gate | None
      self_reliance: SelfReliance     runs: [SelfRun], max_accuracy, max_compute
      ceg: Ceg                        channels: {channel: {n: CegPoint}}
      heldout: CapabilityHeldout      leave_one_n_out, leave_one_size_out: {channel: ...}
      comparisons: Comparisons        channels: {channel: ChannelComparison}
      warnings, provenance, baselines
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from simulator.curves.cardmodel import OptNum, Section, read_json, to_dict, to_json, validate
from simulator.errors import InputError

SCHEMA = "capability-card/1"


class CapabilitySettings(Section):
    n_bootstrap: int
    random_state: int
    n_eval: int
    interval: Optional[str] = None
    bootstrap: Optional[str] = None
    curve: Optional[str] = None
    compute: Optional[str] = None


class Teacher(Section):
    accuracy: OptNum
    params: int


class BaseRun(Section):
    """A base model (pre-trained on its own data only) before any post-training."""

    accuracy: OptNum
    accuracy_4hop: OptNum = None
    recall: OptNum
    compute: OptNum
    params: int
    pretrain_tokens: int


class MeasuredCell(Section):
    """Seed means at one number of teacher samples."""

    accuracy: OptNum
    accuracy_no_trace: OptNum = None
    seeds: int
    compute: OptNum


class CurveFit(Section):
    """a(n) = a0 + (a_inf - a0) / (1 + (n50 / n)^h) for one channel and base."""

    a0: OptNum
    a_inf: OptNum
    n50: OptNum
    h: OptNum
    rmse: OptNum = None
    at_bound: list[str] = Field(default_factory=list)
    intervals: dict[str, list[OptNum]]
    bootstrap: dict[str, list[OptNum]]
    recall: OptNum
    base_compute: OptNum
    student_params: int
    measured: dict[str, MeasuredCell]


class Regression(Section):
    slope: OptNum
    intercept: OptNum
    correlation: OptNum = None


class SizePair(Section):
    """One size's base with more own data against the one with less."""

    less_data: str
    more_data: str
    recall: list[OptNum]
    n50_ratio_less_over_more: OptNum
    n50_ratio_interval: list[OptNum]
    accuracy_difference_more_minus_less: dict[str, OptNum]


class Gate(Section):
    """How a_inf, n50 and the accuracy at the largest n move with the base's knowledge."""

    a_inf_vs_recall: Regression
    accuracy_at_largest_n_vs_recall: Optional[Regression] = None
    log10_n50_vs_log10_base_compute: Regression
    h_mean: OptNum
    same_size_pairs: dict[str, SizePair] = Field(default_factory=dict)


class Tier(Section):
    """One access tier (or the grader): its curve per base and the knowledge gate."""

    bases: dict[str, CurveFit]
    largest_base: Optional[str] = None
    gate: Optional[Gate] = None
    captured_mass: OptNum = None   # the teacher's probability mass a top-k tier saw (not yet
    #                                written: the scenario then cannot map a real API's top-k)


class SelfRun(Section):
    arm: str
    base: Optional[str] = None
    level: OptNum = None
    compute: OptNum
    accuracy: OptNum
    recall: OptNum = None
    seeds: int


class SelfReliance(Section):
    runs: list[SelfRun]
    max_accuracy: OptNum
    max_compute: OptNum


class CegPoint(Section):
    """CEG at one n: self-reliant compute reaching the distilled accuracy over the student's."""

    accuracy: OptNum
    student_compute: OptNum
    self_compute: OptNum
    ceg: OptNum
    kind: str
    interval: list[OptNum]
    lower_bound_fraction: OptNum = None
    measured_range: Optional[bool] = None


class Ceg(Section):
    base: Optional[str] = None
    definition: Optional[str] = None
    channels: dict[str, dict[str, CegPoint]] = Field(default_factory=dict)


class HeldoutCell(Section):
    base: str
    n: int
    error: OptNum
    size: Optional[str] = None


class HeldoutChannel(Section):
    mean_abs_error: OptNum = None
    max_abs_error: OptNum = None
    cells: list[HeldoutCell] = Field(default_factory=list)
    note: Optional[str] = None


class CapabilityHeldout(Section):
    leave_one_n_out: dict[str, HeldoutChannel]
    leave_one_size_out: dict[str, HeldoutChannel]
    units: Optional[str] = None


class ChannelComparison(Section):
    a_inf_difference: OptNum
    a_inf_difference_interval: list[OptNum]
    accuracy_difference: dict[str, OptNum]


class Comparisons(Section):
    """Every channel against the reference tier at the largest base (empty without one)."""

    reference: Optional[str] = None
    base: Optional[str] = None
    channels: dict[str, ChannelComparison] = Field(default_factory=dict)


class CapabilityProvenance(Section):
    results_sha256: Optional[str] = None
    results_path: Optional[str] = None
    code_version: Optional[str] = None
    fit_seconds: OptNum = None


class CapabilityCard(Section):
    """The capability card (schema 'capability-card/1')."""

    schema_: Literal["capability-card/1"] = Field(alias="schema")
    kind: Optional[str] = None
    results_sha256: Optional[str]
    settings: CapabilitySettings
    teacher: Optional[Teacher] = None
    bases: dict[str, BaseRun] = Field(default_factory=dict)
    largest_base: str
    tiers: dict[str, Tier]
    self_reliance: SelfReliance
    ceg: Ceg
    heldout: CapabilityHeldout
    comparisons: Comparisons = Field(default_factory=Comparisons)
    warnings: list[str]
    provenance: CapabilityProvenance
    baselines: Optional[dict[str, OptNum]] = None

    def to_dict(self) -> dict:
        """Returns the card as the JSON object it was built from."""
        return to_dict(self)

    def to_json(self) -> str:
        """Returns the card's file text (sorted keys, indent 2), as the writer stores it."""
        return to_json(self)


def validate_capability_card(card, source="capability card") -> CapabilityCard:
    """Returns ``card`` (a dict) as a CapabilityCard; InputError naming the bad field."""
    if isinstance(card, CapabilityCard):
        return card
    if isinstance(card, dict) and card.get("schema") != SCHEMA:
        raise InputError(f"{source}: field 'schema' must be {SCHEMA!r}")
    return validate(CapabilityCard, card, source)


def load_capability_card(path) -> CapabilityCard:
    """Returns the capability card at ``path``, validated once (InputError if it is not one)."""
    return validate_capability_card(read_json(path, "capability card"), str(path))
