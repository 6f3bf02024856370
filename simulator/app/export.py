"""A view exported as what it is: a scenario whose levers moved is renamed and described as
modified from its preset, its result lists the moved levers, and no server path leaves.

Example:
    >>> value_text(0.35), value_text(2048), value_text(None)
    ('0.35', '2,048', 'default from data/')
"""

from __future__ import annotations

from typing import Mapping


def public_source(path: str) -> str:
    """Returns a scenario's source as a reader may see it: relative to the repository when it
    is a shipped file, else the file's name only (never a server path)."""
    from pathlib import Path

    from simulator.paths import REPO_ROOT

    p = Path(str(path))
    try:
        return p.resolve().relative_to(REPO_ROOT.resolve()).as_posix()
    except (ValueError, OSError):
        return p.name or str(path)


def value_text(value) -> str:
    """Returns a lever value as a person reads it (3 significant figures, exact small ints)."""
    if value is None:
        return "default from data/"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e6:
            return f"{int(value):,}"
        return f"{value:.3g}".replace("e+", "e")
    return str(value)


def lever_changes(changed: Mapping, base_values: Mapping, label_of) -> list[dict]:
    """Returns [{path, label, old, new}] (values as text) of each lever moved from the preset,
    in the order given; ``label_of(path)`` names a lever for people."""
    return [{"path": path, "label": label_of(path), "old": value_text(base_values.get(path)),
             "new": value_text(value)} for path, value in changed.items()]


def modified_name(preset_name: str, changes: list) -> str:
    """Returns the name of a scenario modified from a preset, e.g.
    'Modified from "X" (1 lever moved)' (at most 200 characters, the schema's limit)."""
    n = len(changes)
    tail = f'" ({n} lever{"s" if n != 1 else ""} moved)'
    return 'Modified from "' + preset_name[:200 - len(tail) - 15] + tail


def modified_description(preset_name: str, source: str, description: str,
                         changes: list) -> str:
    """Returns the description of a modified scenario: the preset, each moved lever old -> new,
    then the preset's own description (its sources still apply to the unmoved levers)."""
    lines = [f'Modified from the preset "{preset_name}" ({source}). Moved levers, old -> new:']
    lines += [f"- {c['label']} ({c['path']}): {c['old']} -> {c['new']}" for c in changes]
    lines += ["", "The preset's description (it no longer describes the moved levers):", "",
              description.strip()]
    return "\n".join(lines) + "\n"


def export_scenario(scenario, preset_name: str, changes: list):
    """Returns ``scenario`` as it should be exported: renamed and described as modified from
    the preset when levers moved (the same object when none did)."""
    if not changes:
        return scenario
    source = public_source(scenario.source_path)
    copy = scenario.model_copy(update={
        "name": modified_name(preset_name, changes),
        "description": modified_description(preset_name, source, scenario.description,
                                            changes)})
    copy._source_path = scenario.source_path
    return copy


def export_result(result, scenario, preset_name: str | None = None,
                  changes: list | None = None):
    """Returns the ScenarioResult fit to leave the server: the scenario's name and description
    as exported, the moved levers listed (``scenario.moved_levers``; the charts' footers say
    "Levers moved from the preset"), and no server path."""
    from simulator.scenario.contract import MovedLever, ScenarioInfo

    info = result.scenario
    update = {"file": public_source(info.file or scenario.source_path),
              "name": scenario.name, "description": scenario.description}
    if changes:
        update["modified_from"] = preset_name
        update["moved_levers"] = [MovedLever(**c) for c in changes]
    fields = {name: getattr(info, name) for name in ScenarioInfo.model_fields}
    return result.model_copy(update={"scenario": ScenarioInfo(**(fields | update))})


def scenario_toml(scenario) -> str:
    """Returns a scenario as TOML that loads back to the same scenario (None fields omitted)."""
    import tomli_w

    data = scenario.model_dump(mode="json", exclude_none=True)
    return tomli_w.dumps(data, multiline_strings=True)
