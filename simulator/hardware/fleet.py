"""Fleet accounting: chips x peak FLOP/s x MFU x time -> FLOP, chip-hours and cost; and back.

    >>> from simulator.hardware import fleet_compute, chips_for_compute
    >>> f = fleet_compute("H800", 2048, days=56.7, mfu=0.2, precision="fp8")
    >>> round(f.flop / 1e24, 1)   # ~DeepSeek-V3's scale
    4.0
    >>> chips_for_compute("H100", 3.8e25, days=90, mfu=0.4).count
    12347

Costs: rental = chip-hours x rental rate; capital = chips x purchase price (None when the chip
count is not known). Both come from data/chips.csv and are NaN where it has no figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.errors import InputError
from simulator.hardware.catalog import get_chip

SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class FleetCompute:
    """What a fleet delivers: FLOP, chip-hours and cost."""

    chip: str
    precision: str
    mfu: float
    peak_flops_per_chip: float   # dense FLOP/s at the precision
    count: int | None            # chips (None if only chip-hours were given)
    days: float | None           # wall-clock days (None without a count)
    chip_hours: float
    flop: float
    rental_cost_usd: float       # chip_hours x rental_usd_per_hour
    capital_cost_usd: float | None  # count x price_usd
    rental_usd_per_hour: float
    price_usd: float
    rental_estimate: bool
    price_estimate: bool

    def to_dict(self) -> dict:
        """Returns the fields as a plain dict (NaN becomes None, for JSON)."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in self.__dict__.items()}


def _positive(name: str, value, *, integer: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number > 0; got {value!r}") from None
    if not math.isfinite(x) or x <= 0:
        raise InputError(f"{name} must be a finite number > 0; got {value!r}")
    if integer and x != int(x):
        raise InputError(f"{name} must be a whole number > 0; got {value!r}")
    return x


def check_mfu(mfu) -> float:
    """Returns mfu as a float; raises InputError unless it is in (0, 1]."""
    try:
        x = float(mfu)
    except (TypeError, ValueError):
        raise InputError(f"mfu must be a number in (0, 1]; got {mfu!r}") from None
    if not (0 < x <= 1):
        raise InputError(f"mfu must be in (0, 1]; got {mfu!r}")
    return x


def _result(chip, precision, mfu, peak, count, days, chip_hours) -> FleetCompute:
    return FleetCompute(
        chip=chip.name, precision=precision, mfu=mfu, peak_flops_per_chip=peak,
        count=None if count is None else int(count), days=days, chip_hours=chip_hours,
        flop=chip_hours * SECONDS_PER_HOUR * peak * mfu,
        rental_cost_usd=chip_hours * chip.rental_usd_per_hour,
        capital_cost_usd=None if count is None else count * chip.price_usd,
        rental_usd_per_hour=chip.rental_usd_per_hour, price_usd=chip.price_usd,
        rental_estimate=chip.rental_estimate, price_estimate=chip.price_estimate)


def fleet_compute(chip, count=None, *, days=None, chip_hours=None, mfu,
                  precision="bf16") -> FleetCompute:
    """Returns the FLOP, chip-hours and cost of ``count`` chips for ``days`` (or ``chip_hours``).

    Give exactly one of ``days`` (needs ``count``) and ``chip_hours`` (``count`` optional; with
    it, days = chip_hours / count / 24).
    """
    chip = get_chip(chip)
    mfu = check_mfu(mfu)
    peak = chip.peak_flops(precision)
    if count is not None:
        count = _positive("count", count, integer=True)
    if (days is None) == (chip_hours is None):
        raise InputError("give exactly one of days or chip-hours")
    if days is not None:
        if count is None:
            raise InputError("days needs a chip count")
        days = _positive("days", days)
        chip_hours = count * days * HOURS_PER_DAY
    else:
        chip_hours = _positive("chip-hours", chip_hours)
        days = chip_hours / count / HOURS_PER_DAY if count is not None else None
    return _result(chip, str(precision).lower(), mfu, peak, count, days, chip_hours)


def chips_for_compute(chip, flop, *, days, mfu, precision="bf16") -> FleetCompute:
    """Returns the smallest fleet that delivers ``flop`` in ``days`` (count rounded up)."""
    chip = get_chip(chip)
    mfu = check_mfu(mfu)
    flop = _positive("flop", flop)
    days = _positive("days", days)
    peak = chip.peak_flops(precision)
    exact = flop / (peak * mfu * days * HOURS_PER_DAY * SECONDS_PER_HOUR)
    count = max(1, math.ceil(exact * (1 - 1e-12)))  # guard against 1000.0000000001
    return _result(chip, str(precision).lower(), mfu, peak, count, days,
                   count * days * HOURS_PER_DAY)


def days_for_compute(chip, flop, *, count, mfu, precision="bf16") -> FleetCompute:
    """Returns the wall-clock time ``count`` chips need to deliver ``flop``."""
    chip = get_chip(chip)
    mfu = check_mfu(mfu)
    flop = _positive("flop", flop)
    count = _positive("count", count, integer=True)
    peak = chip.peak_flops(precision)
    chip_hours = flop / (peak * mfu * SECONDS_PER_HOUR)
    return _result(chip, str(precision).lower(), mfu, peak, count,
                   chip_hours / count / HOURS_PER_DAY, chip_hours)


def implied_mfu(chip, flop, chip_hours, precision="bf16") -> float:
    """Returns the MFU at which ``chip_hours`` of ``chip`` deliver ``flop``: FLOP / (hours x peak)."""
    chip = get_chip(chip)
    flop = _positive("flop", flop)
    chip_hours = _positive("chip-hours", chip_hours)
    return flop / (chip_hours * SECONDS_PER_HOUR * chip.peak_flops(precision))
