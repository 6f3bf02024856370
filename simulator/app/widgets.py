"""The widget model: one scenario input the app draws as a widget, and the maths of its slider.

No Streamlit import: the pages draw what these describe, and tests call them directly.

Example:
    >>> lever = Lever(path="actor.mfu", label="MFU", min=0.0, max=0.8)
    >>> lever.check("0.35"), slider_bounds(lever, 0.35)
    (0.35, (0.0, 0.8, 0.01))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

KIND_FLOAT, KIND_INT, KIND_CHOICE, KIND_BOOL = "float", "int", "choice", "bool"


@dataclass(frozen=True)
class Lever:
    """One scenario input the app exposes as a widget (from the scenario schema)."""

    path: str                      # dotted path in the scenario, e.g. "distill.top_k"
    label: str
    kind: str = KIND_FLOAT         # float | int | choice | bool
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple = ()
    help: str = ""
    unit: str = ""
    log: bool = False              # slide in log10 space (quantities spanning decades)
    group: str = ""
    optional: bool = False         # None is a valid value (e.g. "use the price in chips.csv")

    def check(self, value) -> Any:
        """Returns ``value`` coerced to this lever's type; ValueError naming the lever if not."""
        if value is None and self.optional:
            return None
        if self.kind == KIND_BOOL:
            if isinstance(value, bool):
                return value
            raise ValueError(f"{self.path}: expected true or false, got {value!r}")
        if self.kind == KIND_CHOICE:
            if value in self.choices:
                return value
            valid = ", ".join(str(c) for c in self.choices)
            raise ValueError(f"{self.path}: {value!r} is not one of {valid}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{self.path}: expected a number, got {value!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"{self.path}: expected a finite number, got {value!r}")
        if self.kind == KIND_INT:
            if number != int(number):
                raise ValueError(f"{self.path}: expected a whole number, got {value!r}")
            number = int(number)
        if self.min is not None and number < self.min:
            raise ValueError(f"{self.path}: {value!r} is below the minimum {self.min:g}")
        if self.max is not None and number > self.max:
            raise ValueError(f"{self.path}: {value!r} is above the maximum {self.max:g}")
        return number


def lever_from_spec(spec) -> Lever:
    """Returns a Lever from a scenario lever spec (a mapping or an object with attributes)."""
    get = spec.get if isinstance(spec, Mapping) else (lambda k, d=None: getattr(spec, k, d))
    choices = tuple(get("choices", None) or ())
    kind = get("kind", None) or (KIND_CHOICE if choices else KIND_FLOAT)
    kind = {"number": KIND_FLOAT, "float": KIND_FLOAT, "int": KIND_INT, "integer": KIND_INT,
            "choice": KIND_CHOICE, "enum": KIND_CHOICE, "select": KIND_CHOICE,
            "bool": KIND_BOOL, "boolean": KIND_BOOL}.get(str(kind), str(kind))
    path = get("path", None) or get("name", None)
    return Lever(
        path=str(path),
        label=str(get("label", None) or path),
        kind=kind,
        min=_opt_float(get("min", None)),
        max=_opt_float(get("max", None)),
        step=_opt_float(get("step", None)),
        choices=choices,
        help=str(get("help", None) or get("description", None) or ""),
        unit=str(get("unit", None) or ""),
        log=bool(get("log", False)),
        group=str(get("group", None) or ""),
        optional=bool(get("optional", False)),
    )


def _opt_float(value):
    return None if value is None else float(value)


def log_options(value, lo, hi, extra=()) -> list[float]:
    """Returns slider stops 1-1.5-2-3-5-7 per decade in [lo, hi], plus ``value`` and ``extra``.

    For quantities that span decades (FLOP, tokens, chip counts) a log slider with round stops
    is easier to read than a linear one; the exact current value is always a stop.
    """
    import numpy as np

    stops = set()
    if lo > 0 and hi > lo:
        for decade in range(int(math.floor(math.log10(lo))), int(math.ceil(math.log10(hi))) + 1):
            for mantissa in (1, 1.5, 2, 3, 5, 7):
                x = float(f"{mantissa}e{decade}")
                if lo <= x <= hi:
                    stops.add(x)
    stops.update(float(v) for v in (value, *extra) if v is not None and float(v) > 0)
    return sorted(float(np.float64(x)) for x in stops)


def slider_bounds(lever: Lever, value, hint=()) -> tuple[float, float, float] | None:
    """Returns (lo, hi, step) of a linear slider for a bounded lever, or None (use an input)."""
    if lever.min is None or lever.max is None or lever.kind not in (KIND_FLOAT, KIND_INT):
        return None
    lo, hi = float(lever.min), float(lever.max)
    if lever.kind == KIND_INT:
        return (lo, hi, 1.0) if hi - lo <= 1000 else None
    if hi - lo > 1e4:
        return None
    # A round step giving about 100 stops: MFU in [0, 0.8] moves in 0.01, not 0.001.
    step = float(10.0 ** round(math.log10((hi - lo) / 100)))
    return lo, hi, step


# --- what a widget says ---------------------------------------------------------------------

def widget_label(lever: Lever, label: str | None = None) -> str:
    """Returns a widget's label: ``label``, else the lever's with a capital and its unit."""
    unit = f" ({lever.unit})" if lever.unit and lever.unit not in lever.label else ""
    return label or (lever.label[:1].upper() + lever.label[1:] + unit)


def widget_help(lever: Lever, base_value) -> str:
    """Returns a widget's help: the schema's description, the allowed range, the scenario's
    value (and for an optional number, what leaving it empty means)."""
    from simulator.app.display import fmt_sig

    if isinstance(base_value, str):
        return lever.help + f" Scenario value: {base_value}."
    bounds = ""
    if lever.min is not None or lever.max is not None:
        bounds = (f" Allowed: {fmt_sig(lever.min) if lever.min is not None else '–∞'} to "
                  f"{fmt_sig(lever.max) if lever.max is not None else '∞'}.")
    return lever.help + bounds + f" Scenario value: {fmt_sig(base_value)}"


def log_slider(lever: Lever, value, base_value, hint=()) -> tuple[list[float], float] | None:
    """Returns (the stops of a log slider, the stop nearest ``value``) for a log lever with
    positive values, within 1000x of the scenario's value either way; None when a log slider
    does not fit (not a log lever, a zero or missing value)."""
    if not (lever.log and base_value and value and float(base_value) > 0 and float(value) > 0):
        return None
    lo = max(lever.min or 0.0, float(base_value) / 1e3) or float(base_value) / 1e3
    hi = min(lever.max if lever.max is not None else float("inf"), float(base_value) * 1e3)
    options = log_options(float(value), lo, hi, extra=(float(base_value), *hint))
    return options, min(options, key=lambda o: abs(o - float(value)))
