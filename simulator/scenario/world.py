"""The scenario model's view of the world: chips, rules and published laws, looked up once.

A thin, cached adapter over ``simulator.hardware`` and ``data/laws.toml`` so that evaluating a
scenario (which the app does on every interaction) never re-reads a data file.
"""

from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass

from simulator import hardware as hw
from simulator.datafile import read_toml
from simulator.errors import InputError, choices_text
from simulator.hardware.laws import LAWS_TOML, load_laws
from simulator.paths import DATA_DIR
PRIORS_TOML = DATA_DIR / "distillation_priors.toml"
LAW_KEYS = ("E", "A", "B", "alpha", "beta")


@functools.lru_cache(maxsize=1)
def rule_ids() -> tuple:
    """Returns the valid rule ids."""
    return tuple(hw.rule_ids())


@functools.lru_cache(maxsize=1)
def chip_names() -> tuple:
    """Returns the canonical chip names of the catalogue."""
    return tuple(hw.chip_names())


@functools.lru_cache(maxsize=256)
def chip(name: str):
    """Returns the hardware Chip for a name (InputError listing valid names if unknown)."""
    return hw.get_chip(name)


@functools.lru_cache(maxsize=16)
def rule(rule_id: str):
    """Returns the hardware Rule for an id."""
    return hw.get_rule(rule_id)


@dataclass(frozen=True)
class ChipFacts:
    """What the model needs about one chip under one rule at one precision."""

    name: str
    precision: str               # the precision used (bf16 if the chip lacks the one asked)
    flop_per_chip_day: float     # dense peak FLOP per chip per day at MFU 1
    rental_usd_per_hour: float
    price_usd: float
    status: str                  # the rule's status label for the chip
    import_factor: float         # 1 allowed, -1 case-by-case (approval fraction), 0 denied
    controlled: bool
    reason: str


@functools.lru_cache(maxsize=1024)
def chip_facts(name: str, precision: str, rule_id: str) -> ChipFacts:
    """Returns the cached ChipFacts of a chip under a rule."""
    c = chip(name)
    used = precision
    try:
        fc = hw.fleet_compute(c, 1, days=1.0, mfu=1.0, precision=precision)
    except InputError:
        used = "bf16"
        fc = hw.fleet_compute(c, 1, days=1.0, mfu=1.0, precision="bf16")
    cls = hw.classify(c, rule(rule_id))
    if cls.case_by_case:
        factor = -1.0
    elif cls.import_allowed:
        factor = 1.0
    else:
        factor = 0.0
    return ChipFacts(
        name=c.name, precision=used, flop_per_chip_day=float(fc.flop),
        rental_usd_per_hour=_finite(fc.rental_usd_per_hour),
        price_usd=_finite(fc.price_usd), status=str(cls.status), import_factor=factor,
        controlled=bool(cls.controlled), reason=str(cls.reason))


def _finite(x) -> float:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return 0.0
    return x if math.isfinite(x) else 0.0


def cloud_access_allowed(rule_id: str) -> bool:
    """Returns whether the rule lets the restricted actor rent controlled chips abroad."""
    return bool(getattr(rule(rule_id), "cloud_access_allowed", True))


# --------------------------------------------------------------------------- laws

@functools.lru_cache(maxsize=1)
def _laws() -> dict:
    try:
        raw = load_laws()
    except FileNotFoundError:
        raise InputError(f"{LAWS_TOML}: published-law file not found") from None
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{LAWS_TOML}: malformed law file ({exc})") from None
    laws = {}
    for law_id, law in raw.items():
        params = law.get("params", {})
        if all(k in params for k in LAW_KEYS):
            laws[law_id] = {"id": law_id, "params": {k: float(params[k]) for k in LAW_KEYS},
                            "title": str(law.get("title", law_id)),
                            "source": str(law.get("source", ""))}
    if not laws:
        raise InputError(f"{LAWS_TOML}: no law with E, A, B, alpha, beta")
    return laws


def law_ids() -> tuple:
    """Returns the ids of the published laws in data/laws.toml."""
    return tuple(_laws())


def law(law_id: str) -> dict:
    """Returns {'id', 'params': {E, A, B, alpha, beta}, 'title', 'source'} of a published law."""
    laws = _laws()
    if law_id not in laws:
        raise InputError(f"law: unknown law {law_id!r} (valid: {choices_text(laws)})")
    return laws[law_id]


@functools.lru_cache(maxsize=1)
def priors() -> dict:
    """Returns the literature anchors of data/distillation_priors.toml."""
    return read_toml(PRIORS_TOML, "distillation priors file")
