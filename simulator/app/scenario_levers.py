"""A scenario as widgets: its levers (from the scenario schema), their values, and a scenario
with moved levers (its Monte Carlo ranges moved with them).

The scenario schema (simulator.scenario.lever_specs) drives the explorer's widgets; the rule is
a plain string in the schema, so its choices are added here from data/rules.toml.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Iterable, Mapping

from simulator.app.widgets import (KIND_BOOL, KIND_CHOICE, KIND_FLOAT, KIND_INT, Lever,
                                   lever_from_spec)


# Scenario fields that are labels or file references, not levers.
NOT_LEVERS = ("name", "description", "variant", "fit")


def scenario_levers(scenario) -> list[Lever]:
    """Returns the explorer's levers for a scenario: every scalar field of the schema.

    Free-text fields are left out; a choice whose value is an alias (a chip named "H100" for
    "H100 SXM") keeps that value as a choice, so the scenario's own value is always valid.
    """
    from simulator.hardware import get_rule, rule_ids
    from simulator.scenario import lever_specs

    specs = [spec for spec in lever_specs(scenario)
             if spec["path"] not in NOT_LEVERS and spec["kind"] in (
                 KIND_FLOAT, KIND_INT, KIND_CHOICE, KIND_BOOL)]
    if not any(spec["path"] == "rule" for spec in specs):
        specs.insert(0, {"path": "rule", "label": "export-control rule", "kind": KIND_CHOICE,
                         "choices": tuple(rule_ids()), "group": "scenario"})
    levers = []
    for spec in specs:
        lever = lever_from_spec(spec)
        if lever.path == "rule":
            lever = replace(lever, label="export-control rule", help=(
                (lever.help + " ") if lever.help else "") + "; ".join(
                f"{r}: {get_rule(r).title}" for r in rule_ids()))
        if lever.kind == KIND_CHOICE:
            value = _value_at(scenario, lever.path)
            if value not in lever.choices:
                lever = replace(lever, choices=(value, *lever.choices))
        levers.append(lever)
    return levers


def _value_at(scenario, path: str):
    node = scenario
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else getattr(node, part)
    return node


def scenario_values(scenario, levers: Iterable[Lever]) -> dict:
    """Returns {path: value} of each lever in ``scenario``."""
    return {lever.path: _value_at(scenario, lever.path) for lever in levers}


def recentred_ranges(scenario, changed: Mapping[str, Any], levers: Iterable[Lever]) -> dict:
    """Returns the overrides that move each Monte Carlo range onto a lever the user moved.

    A scenario's [[uncertainty.levers]] sample a lever around the file's value; once a user
    sets that lever, sampling the old range would ignore the change. The range keeps its
    relative width (log ranges: ratio; linear: offset) and is clipped to the lever's bounds.
    """
    bounds = {lever.path: lever for lever in levers}
    out = {}
    for i, rng in enumerate(scenario.uncertainty.levers):
        if rng.path not in changed or changed[rng.path] is None:
            continue
        old, new = _value_at(scenario, rng.path), float(changed[rng.path])
        if old is None:
            continue
        old = float(old)
        if rng.scale == "log" and old > 0 and new > 0:
            low, high = rng.low * new / old, rng.high * new / old
        else:
            low, high = rng.low + new - old, rng.high + new - old
        lever = bounds.get(rng.path)
        if lever is not None:
            lo = lever.min if lever.min is not None else -math.inf
            hi = lever.max if lever.max is not None else math.inf
            low, high = min(max(low, lo), hi), min(max(high, lo), hi)
        if rng.scale == "log" and low <= 0:
            low = min(new, high) / 10
        out[f"uncertainty.levers.{i}.low"] = low
        out[f"uncertainty.levers.{i}.high"] = high
    return out


def changed_values(values: Mapping[str, Any], base_values: Mapping[str, Any]) -> dict:
    """Returns {path: value} of each lever whose value differs from the base's."""
    from simulator.app.links import same_value

    return {p: v for p, v in values.items()
            if p in base_values and not same_value(v, base_values[p])}


def apply_levers(base, changed: Mapping[str, Any], levers: Iterable[Lever]):
    """Returns (the base with the changed values and its Monte Carlo ranges moved with them,
    None), or (base, the reason) when they do not make a valid scenario."""
    from simulator.errors import InputError
    from simulator.scenario import with_values

    if not changed:
        return base, None
    try:
        return with_values(base, dict(changed) | recentred_ranges(base, changed, levers)), None
    except InputError as exc:
        return base, str(exc).split(": ", 1)[-1]


def lever_name_in(path: str, scenario, levers: Iterable[Lever] = ()) -> str:
    """Returns a reader's name for a lever path (chip blocks by chip and channel)."""
    from simulator.app.display import chip_count_label
    from simulator.scenario.schema import path_words

    short = path_words(path).get("short")   # shorter, clearer labels of the schema's fields
    if short:
        return short
    if path.startswith("actor.chips."):
        _, _, index, field = path.split(".", 3)
        entry = scenario.actor.chips[int(index)]
        if field == "count":
            return chip_count_label(entry.chip, entry.channel)
        return f"{entry.chip} ({entry.channel}): {field.replace('_', ' ')}"
    lever = {lv.path: lv for lv in levers}.get(path)
    return lever.label[:1].upper() + lever.label[1:] if lever else path
