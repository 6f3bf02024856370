"""Schema introspection for widgets: one spec per scenario field (bounds, default, units).

The app builds its widgets from ``lever_specs(scenario)``; the Monte Carlo and the tornado
accept the specs marked ``sampled`` as lever paths.

Example:
    >>> from simulator.scenario import lever_specs, load_scenario
    >>> [s for s in lever_specs(load_scenario("scenarios/h20-requirement-2025-central.toml"))
    ...  if s["path"] == "actor.mfu"][0]["max"]  # doctest: +SKIP
    0.8
"""

from __future__ import annotations

from typing import Literal

from simulator.scenario.fields import field_bounds, field_words
from simulator.scenario.schema import (
    Actor,
    ChipEntry,
    Distillation,
    Frontier,
    Scenario,
    Uncertainty,
    is_lever,
)
from simulator.scenario.skill_section import CapabilitySection


def _specs_for(model_cls, prefix: str, group: str, instance) -> list[dict]:
    out = []
    for name, field in model_cls.model_fields.items():
        ann = field.annotation
        value = getattr(instance, name) if instance is not None else field.default
        path = f"{prefix}{name}"
        args = getattr(ann, "__args__", ())
        if getattr(ann, "__origin__", None) is Literal:
            kind, choices = "choice", tuple(args)
        elif ann is bool:
            kind, choices = "bool", ()
        elif ann is int:
            kind, choices = "int", ()
        elif ann is float or (float in args and type(None) in args):
            kind, choices = "float", ()
        elif ann is str:
            kind, choices = "str", ()
        else:
            continue
        lo, hi, lo_open, hi_open = field_bounds(field)
        words = field_words(field)
        out.append({
            "path": path, "label": name.replace("_", " "), "kind": kind,
            "min": lo, "max": hi, "min_exclusive": lo_open, "max_exclusive": hi_open,
            "default": value, "choices": choices,
            "description": field.description or "", "unit": words.get("unit", ""),
            "log": words.get("log", False), "group": group, "optional": type(None) in args,
            "sampled": is_lever(path),
        })
    return out


def lever_specs(scenario: Scenario | None = None) -> list[dict]:
    """Returns one dict per scalar scenario field: path, label, kind (float|int|choice|bool|str),
    min, max, min_exclusive, max_exclusive (True: the bound itself is not allowed), default (the
    scenario's value when given), choices, description, unit, log, group,
    optional (None allowed: chip default or no cap) and sampled (a numeric lever that Monte Carlo
    ranges and the tornado may vary).

    Chip entries appear as actor.chips.<i>.<field> for each entry of ``scenario`` (or entry 0
    of the schema when no scenario is given). The app builds its widgets from this list.
    """
    specs = []
    specs += _specs_for(Scenario, "", "scenario", scenario)
    specs = [s for s in specs if s["path"] not in ("name", "description")]
    specs += _specs_for(Frontier, "frontier.", "frontier",
                        scenario.frontier if scenario else None)
    specs += _specs_for(Actor, "actor.", "actor", scenario.actor if scenario else None)
    entries = scenario.actor.chips if scenario else [None]
    for i, entry in enumerate(entries):
        specs += _specs_for(ChipEntry, f"actor.chips.{i}.", "chips", entry)
    specs += _specs_for(Distillation, "distillation.", "distillation",
                        scenario.distillation if scenario else None)
    specs += _specs_for(Uncertainty, "uncertainty.", "uncertainty",
                        scenario.uncertainty if scenario else None)
    if scenario is not None and getattr(scenario, "capability", None) is not None:
        specs += _specs_for(CapabilitySection, "capability.", "capability", scenario.capability)
    from simulator.scenario import world

    choices = {"rule": _safe(world.rule_ids), "law": _safe(world.law_ids),
               "chip": _safe(world.chip_names)}
    for spec in specs:
        key = spec["path"].rsplit(".", 1)[-1]
        if key in choices and spec["kind"] == "str" and choices[key]:
            spec["kind"], spec["choices"] = "choice", tuple(choices[key])
    return specs


def _safe(fn):
    try:
        return fn()
    except Exception:  # noqa: BLE001 - introspection must not fail on missing data
        return None
