"""Per-field words and lever metadata, attached to the scenario schema's field definitions.

Each numeric field the model reads is declared with ``json_schema_extra=lever(...)`` (other
fields a reader names with ``words(...)``), so a field's label, unit, log scale and default
tornado swing live next to its bounds and description (simulator.scenario.schema).

Example:
    >>> from simulator.scenario.schema import Actor
    >>> field_words(Actor.model_fields["training_days"])["unit"]
    'days'
"""

from __future__ import annotations


def words(label: str, unit: str = "", *, log: bool = False, short: str | None = None) -> dict:
    """Returns a field's ``json_schema_extra``: how readers name it (``label``: charts and
    report; ``short``: the app's widget, when it differs), its ``unit`` and whether it spans
    decades (``log``: log-scale sliders and sampling)."""
    return {"words": {"label": label, "short": short or label, "unit": unit, "log": log}}


def lever(label: str, unit: str = "", *, log: bool = False, short: str | None = None,
          swing: tuple | None = None) -> dict:
    """Returns ``json_schema_extra`` of a lever: a numeric field the model reads, which Monte
    Carlo ranges and the tornado may vary. ``swing``: its default tornado range when the
    scenario gives none, ("mul", low factor, high factor), ("add", -delta, +delta) or
    ("set", low, high) (clipped to the field's bounds); None: swung only by a scenario range."""
    extra = words(label, unit, log=log)
    extra["words"]["short"] = short   # None: the app names the widget after the field
    extra["lever"] = {"swing": swing}
    return extra


def field_bounds(field) -> tuple[float | None, float | None, bool, bool]:
    """Returns (min, max, min exclusive, max exclusive) of a field's constraints."""
    lo = hi = None
    lo_open = hi_open = False
    for m in field.metadata:
        for name in ("ge", "gt"):
            if getattr(m, name, None) is not None:
                lo, lo_open = float(getattr(m, name)), name == "gt"
        for name in ("le", "lt"):
            if getattr(m, name, None) is not None:
                hi, hi_open = float(getattr(m, name)), name == "lt"
    return lo, hi, lo_open, hi_open


def field_words(field) -> dict:
    """Returns the words of a pydantic field ({} when it has none)."""
    return (field.json_schema_extra or {}).get("words", {})
