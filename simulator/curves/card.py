"""The fit card: a versioned JSON record of every fitted law, as typed frozen models.

One loader, ``load_card``, validates a card once and returns a ``FitCard``; the writer
(``python -m simulator fit``, simulator.curves.fit_runs) builds the same model before it writes,
so the model is the writer's contract (schema in docs/interfaces.md).

    FitCard
      schema_version: 1
      scratch: ScratchLaw                    E + A/N^alpha + B/D^beta, bootstrap, held-out
      distill: {mode: DistillMode}           per access mode (and top-k variant)
        teachers: {teacher: TeacherFit}      law: TeacherLaw (L_T + A/N^alpha + B/D^beta)
        multiplier: TokenMultiplier | None   ln k = c0 + c1 ln(D/N) + c2 r
        compute_multiplier: MultiplierCurve  M(C) on a compute grid
      token_limited: TokenLimited | None     modes: {mode: {teacher: GainFit}}, ln G = g f^p
      settings, warnings, provenance

Laws keep ``params``, ``intervals`` and ``bootstrap`` as {parameter: value(s)}, the form the
law functions of simulator.curves.forms take. Sections keep fields a newer writer adds.

Example:
    >>> card = load_card("data/fits/default.json")
    >>> card.scratch.params["alpha"], card.distill["text"].compute_multiplier.median[20]
"""

from __future__ import annotations

from typing import ClassVar, Literal, Optional

from pydantic import Field, ValidationInfo, field_validator, model_validator

from simulator.curves.cardmodel import (Num, OptNum, Problem, Section, read_json, to_dict,
                                        to_json, validate)
from simulator.errors import InputError

SCHEMA_VERSION = 1
SCRATCH_KEYS = ("E", "A", "B", "alpha", "beta")
LAW_KEYS = ("L_T", "A", "B", "alpha", "beta")
MULTIPLIER_KEYS = ("c0", "c1", "c2")
GAIN_KEYS = ("g", "p")


class Heldout(Section):
    """A held-out check: fit without some runs, predict them. Prefixed copies (``size_``,
    ``tokens_``, ``all_cells_``, ``floor_*``, ``cv_*``) are further checks of the same kind."""

    scheme: Optional[str] = None
    n_heldout: Optional[int] = None
    n_fit: Optional[int] = None
    skipped: Optional[str] = None
    relative_error_loss: OptNum = None
    relative_error_excess_loss: OptNum = None
    signed_relative_error_loss: OptNum = None
    max_relative_error_loss: OptNum = None

    @model_validator(mode="after")
    def _errors_are_numbers(self):
        for key, value in (self.model_extra or {}).items():
            if "relative_error" in key and value is not None and (
                    isinstance(value, bool) or not isinstance(value, (int, float))):
                raise Problem(key, "must be a number or null")
        return self

    def value(self, key: str, default=None):
        """Returns a check by its (possibly prefixed) name, ``default`` when not recorded."""
        value = getattr(self, key) if key in type(self).model_fields else \
            (self.model_extra or {}).get(key)
        return default if value is None else value


class LawFit(Section):
    """A fitted law: point estimate, bootstrap samples and 95% intervals per parameter."""

    KEYS: ClassVar[tuple[str, ...]] = ()
    params: dict[str, Num]
    bootstrap: dict[str, list[OptNum]]
    intervals: dict[str, list[OptNum]]
    heldout: Optional[Heldout] = None
    form: Optional[str] = None
    converged: Optional[bool] = None
    bootstrap_converged_fraction: OptNum = None
    n_runs: Optional[int] = None

    @classmethod
    def keys_for(cls, params: dict) -> tuple[str, ...]:
        return cls.KEYS

    @field_validator("params")
    @classmethod
    def _has_every_parameter(cls, params):
        for k in cls.keys_for(params):
            if k not in params:
                raise Problem(k, "is missing")
        return params

    @field_validator("bootstrap")
    @classmethod
    def _samples_align(cls, boot, info: ValidationInfo):
        if "params" not in info.data:
            return boot
        keys = cls.keys_for(info.data["params"])
        for k in keys:
            if not boot.get(k):
                raise Problem(k, "must be a non-empty list" if k in boot else "is missing")
        lengths = sorted({len(boot[k]) for k in keys})
        if len(lengths) > 1:
            raise ValueError(f"arrays differ in length ({lengths})")
        return boot

    @field_validator("intervals")
    @classmethod
    def _intervals_are_pairs(cls, intervals, info: ValidationInfo):
        for k in cls.keys_for(info.data.get("params") or {}):
            if k not in intervals:
                raise Problem(k, "is missing")
            if len(intervals[k]) != 2:
                raise Problem(k, "must be [low, high]")
        return intervals

    def samples(self, keys) -> dict[str, list]:
        """Returns {key: bootstrap samples} for ``keys`` (the point estimate where none)."""
        n = max((len(v) for v in self.bootstrap.values()), default=0)
        return {k: self.bootstrap.get(k, [self.params[k]] * max(n, 1)) for k in keys}


class ExcludedCell(Section):
    params: Num
    tokens: Num
    steps: OptNum = None
    loss: Num
    signed_relative_error_loss: OptNum = None


class ScratchLaw(LawFit):
    """The scratch law L(N, D) = E + A/N^alpha + B/D^beta (E fixed at the oracle loss)."""

    KEYS = SCRATCH_KEYS
    heldout: Heldout
    e_fixed: Optional[bool] = None
    intervals_90: Optional[dict[str, list[OptNum]]] = None
    # noise or misfit (simulator.curves.identifiability)
    seed_noise_intervals_90: Optional[dict[str, list[OptNum]]] = None
    leave_one_size_out: Optional[list[dict[str, OptNum]]] = None
    n_cells: Optional[int] = None
    min_steps: Optional[int] = None
    excluded_cells: list[ExcludedCell] = Field(default_factory=list)
    seed_noise_relative_sd: OptNum = None
    objective: OptNum = None
    derived: Optional[dict[str, OptNum | list[OptNum]]] = None
    domain: Optional[dict[str, list[OptNum]]] = None


class TeacherLaw(LawFit):
    """A teacher-floored law L = L_T + A/N^alpha + B/D^beta; ``floor``: L_T measured or fitted."""

    KEYS = LAW_KEYS
    floor: Optional[str] = None


class MultiplierCurve(Section):
    """M(C): scratch compute reaching the distilled loss over C, on a compute grid."""

    compute_flop: list[OptNum]
    median: list[OptNum]
    p05: list[OptNum]
    p95: list[OptNum]
    point: Optional[list[OptNum]] = None
    teacher: Optional[str] = None

    @model_validator(mode="after")
    def _one_entry_per_compute(self):
        for k in ("median", "p05", "p95"):
            if len(getattr(self, k)) != len(self.compute_flop):
                raise Problem(k, "must have one entry per compute_flop")
        return self


class TeacherFit(Section):
    """One teacher's distilled runs: its teacher-floored law and the M(C) it implies."""

    law: TeacherLaw
    heldout: Heldout
    teacher_loss: OptNum = None
    n_runs: Optional[int] = None
    compute_multiplier: Optional[MultiplierCurve] = None


class TokenMultiplier(LawFit):
    """The effective-data multiplier ln k = c0 + c1 ln(D/N) + c2 r of pure distillation."""

    KEYS = MULTIPLIER_KEYS
    gap_fitted: Optional[bool] = None
    domain: dict[str, list[OptNum]] = Field(default_factory=dict)


class DistillMode(Section):
    """An access mode's (or top-k variant's) distilled runs."""

    teachers: dict[str, TeacherFit]
    compute_multiplier: MultiplierCurve
    multiplier: Optional[TokenMultiplier] = None
    top_k: Optional[int] = None
    hard_label_weight: OptNum = None


class GainTable(Section):
    """G(f) tabulated on a grid of teacher-token fractions (point, median, 90% band)."""

    fraction: list[OptNum]
    median: Optional[list[OptNum]] = None
    point: Optional[list[OptNum]] = None
    p05: Optional[list[OptNum]] = None
    p95: Optional[list[OptNum]] = None
    n_runs: Optional[list[int]] = None
    n_outside: Optional[list[int]] = None   # own-curve gains: runs outside the measured curve
    note: Optional[str] = None

    def central(self) -> list:
        """Returns the median gains (the point estimates when the table has no median)."""
        return self.median if self.median is not None else (self.point or [])


class GainFit(LawFit):
    """The token-limited gain ln G = g f^p (``p`` absent: linear) of one mode and teacher."""

    KEYS = GAIN_KEYS
    form_name: Optional[str] = None
    gain: Optional[GainTable] = None
    measured: Optional[GainTable] = None
    measured_own_curve: Optional[GainTable] = None   # the same, without the scratch law
    domain: dict[str, list[OptNum]] = Field(default_factory=dict)
    at_bound: list[str] = Field(default_factory=list)
    degenerate: bool = False
    captured_mass: OptNum = None
    top_k: Optional[int] = None
    order: Optional[str] = None
    orders: Optional[list[str]] = None
    by_order: dict[str, GainFit] = Field(default_factory=dict)

    @classmethod
    def keys_for(cls, params: dict) -> tuple[str, ...]:
        return GAIN_KEYS if "p" in params else GAIN_KEYS[:1]

    def fraction_domain(self) -> Optional[list]:
        """Returns the measured [min, max] teacher-token fraction, None when not recorded."""
        return self.domain.get("fraction")

    def for_order(self, order: Optional[str]) -> Optional[GainFit]:
        """Returns the fit for a curriculum order (None: this entry's own)."""
        if order is None or order == self.order:
            return self
        return self.by_order.get(order)


class TopkScanRow(Section):
    """The measured gain of one top-k at the largest teacher-token fraction."""

    top_k: int
    captured_mass: OptNum
    fraction: OptNum
    gain: OptNum
    p05: OptNum = None
    p95: OptNum = None
    own_curve_gain: OptNum = None   # read off each size's own scratch curve, not the law
    own_curve_p05: OptNum = None
    own_curve_p95: OptNum = None


class TokenLimited(Section):
    """Token-limited distillation: a fraction f of the student's tokens from the teacher."""

    modes: dict[str, dict[str, GainFit]] = Field(default_factory=dict)
    definition: Optional[str] = None
    topk_scan: Optional[list[TopkScanRow]] = None


class Provenance(Section):
    """Where the card came from: the runs' SHA-256 (required), code, packages, machine."""

    results_sha256: Optional[str]
    results_path: Optional[str] = None
    code_version: Optional[str] = None
    date: Optional[str] = None
    fit_seconds: OptNum = None


class FitSettings(Section):
    """How the card was fitted (bootstrap size, seed, held-out rule, robust loss)."""

    n_bootstrap: Optional[int] = None
    random_state: Optional[int] = None
    huber_delta: OptNum = None
    interval_percentiles: Optional[list[Num]] = None
    heldout_decades: OptNum = None
    scratch_min_steps: Optional[int] = None
    compute: Optional[str] = None
    bootstrap: Optional[str] = None


class FitCard(Section):
    """The pre-training fit card (schema_version 1)."""

    schema_version: Literal[1]
    scratch: ScratchLaw
    distill: dict[str, DistillMode]
    provenance: Provenance
    token_limited: Optional[TokenLimited] = None
    settings: FitSettings = Field(default_factory=FitSettings)
    warnings: list[str] = Field(default_factory=list)

    def law(self, mode: str, teacher: Optional[str]) -> Optional[LawFit]:
        """Returns the fitted law of ``mode`` ('scratch' or a distillation mode and teacher)."""
        if mode == "scratch":
            return self.scratch
        entry = self.distill.get(mode)
        fit = entry.teachers.get(teacher) if entry is not None else None
        return fit.law if fit is not None else None

    def gain_fits(self, mode: str) -> dict[str, GainFit]:
        """Returns {teacher: GainFit} of a mode's token-limited fits (empty when none)."""
        return self.token_limited.modes.get(mode, {}) if self.token_limited else {}

    def token_limited_modes(self) -> dict[str, dict[str, GainFit]]:
        """Returns {mode: {teacher: GainFit}} (empty when the card has no token-limited fits)."""
        return self.token_limited.modes if self.token_limited else {}

    def run_count(self) -> Optional[int]:
        """Returns how many runs the fits used (scratch + distillation + token-limited)."""
        total = self.scratch.n_runs or 0
        for entry in self.distill.values():
            total += sum(t.n_runs or 0 for t in entry.teachers.values())
        for teachers in self.token_limited_modes().values():
            total += sum(t.n_runs or 0 for t in teachers.values())
        return total or None

    def to_dict(self) -> dict:
        """Returns the card as the JSON object it was built from."""
        return to_dict(self)

    def to_json(self) -> str:
        """Returns the card's file text (sorted keys, indent 2), as the writer stores it."""
        return to_json(self)


def validate_card(card, source="fit card") -> FitCard:
    """Returns ``card`` (a dict, or a FitCard) as a FitCard; InputError naming the bad field."""
    if isinstance(card, FitCard):
        return card
    if isinstance(card, dict) and "schema_version" in card and \
            card["schema_version"] != SCHEMA_VERSION:
        raise InputError(f"{source}: field 'schema_version' is {card['schema_version']!r}; "
                         f"this code reads {SCHEMA_VERSION}")
    return validate(FitCard, card, source)


def load_card(path) -> FitCard:
    """Returns the fit card at ``path``, validated once (InputError if it is not one)."""
    return validate_card(read_json(path, "fit card"), str(path))
