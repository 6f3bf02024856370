"""What-if thresholds (Chips & rules page): a rule with some of its thresholds moved.

A rule's thresholds sit each under a short stable key ("tpp_4800", "performance_density_5.92"),
so a what-if survives in a link. A what-if rule is an ordinary Rule with some values moved.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping


def threshold_key(metric: str, value: float) -> str:
    """Returns the key of one threshold of a rule, e.g. 'tpp_4800'."""
    return f"{metric}_{value:g}"


def rule_thresholds(rule) -> list[dict]:
    """Returns the distinct thresholds of a rule's tests: key, metric, op, value, used_by."""
    found: dict[str, dict] = {}
    for test in tuple(rule.controls) + tuple(rule.reviews):
        for cond in test.conditions:
            key = threshold_key(cond.metric, cond.value)
            entry = found.setdefault(key, {"key": key, "metric": cond.metric, "op": cond.op,
                                           "value": float(cond.value), "used_by": []})
            if test.id not in entry["used_by"]:
                entry["used_by"].append(test.id)
    return list(found.values())


def rule_with_thresholds(rule, values: Mapping[str, float]):
    """Returns a copy of ``rule`` with each threshold named in ``values`` moved to its value."""
    def move(test):
        conditions = tuple(
            dataclasses.replace(c, value=float(values[threshold_key(c.metric, c.value)]))
            if threshold_key(c.metric, c.value) in values else c
            for c in test.conditions)
        if conditions == tuple(test.conditions):
            return test
        label = " and ".join(c.describe() for c in conditions) + " (what-if)"
        return dataclasses.replace(test, conditions=conditions, label=label)

    if not values:
        return rule
    return dataclasses.replace(rule, id=f"{rule.id} (what-if)",
                               controls=tuple(move(t) for t in rule.controls),
                               reviews=tuple(move(t) for t in rule.reviews))


def threshold_limits(entry: dict) -> tuple[float, float, float]:
    """Returns (min, max, step) of a threshold's input: 0 to 10x its value, in 1% steps."""
    value = entry["value"]
    return 0.0, max(10.0 * value, 1.0), (value / 100.0 if value else 0.1)
