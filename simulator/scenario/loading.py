"""Loading scenarios: TOML text or files, ``--set`` overrides and app values, validated into
the typed Scenario of ``schema.py``, with every problem named in one line (exit code 2).

    from simulator.scenario.loading import load_scenario
    s = load_scenario("scenarios/deepseek-v3-reference.toml", ["actor.mfu=0.2"])
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from simulator.errors import InputError, choices_text, reading
from simulator.scenario import world
from simulator.scenario.fields import field_bounds
from simulator.scenario.schema import Scenario, is_lever, path_field


def _key(part) -> str:
    """Returns a path part for a message: as is, or quoted when it holds odd characters."""
    text = str(part)
    return text if text.isprintable() and text.strip() == text and text else repr(text)


def _problem(error: dict) -> str:
    loc = ".".join(_key(p) for p in error["loc"]) or "(top level)"
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        msg = "unknown key"
    elif kind == "missing":
        msg = "required field is missing"
    else:
        msg = error["msg"].replace("\n", " ")
        if kind not in ("value_error",) and "input" in error and not isinstance(
                error["input"], (dict, list)):
            msg += f" (got {error['input']!r})"
    return f"{loc}: {msg}"


def _problems_line(source: str, problems: list[str]) -> str:
    """Returns one line naming every problem (not only the first)."""
    count = f" ({len(problems)} problems)" if len(problems) > 1 else ""
    return f"{source}{count}: " + "; ".join(problems)


def parse_override(text: str, source: str = "<scenario>") -> tuple[list[str], object]:
    """Returns (path parts, value) for 'dotted.path=VALUE' where VALUE is a TOML literal."""
    shown = text if text.isprintable() else repr(text)
    if "=" not in text:
        raise InputError(f"{source}: --set {shown}: expected dotted.path=VALUE")
    path, _, raw = text.partition("=")
    path = path.strip()
    if not path or any(not p for p in path.split(".")):
        raise InputError(f"{source}: --set {shown}: empty path")
    if not path.isprintable():
        raise InputError(f"{source}: --set {shown}: the path holds control characters")
    try:
        doc = tomllib.loads(f"v = {raw.strip()}")
    except (tomllib.TOMLDecodeError, RecursionError):
        raise InputError(f"{source}: --set {path}: {raw.strip()!r} is not a TOML literal "
                         "(quote strings: name=\"x\")") from None
    if set(doc) != {"v"}:  # 'actor.mfu=0.3\n[actor]' parses, but the rest would be dropped
        raise InputError(f"{source}: --set {path}: {raw.strip()!r} has input after the value; "
                         "give one TOML literal")
    return path.split("."), doc["v"]


def apply_override(data: dict, parts: list[str], value, source: str = "") -> None:
    """Sets data[parts] = value in a raw TOML dict, creating missing tables."""
    label = ".".join(_key(p) for p in parts)
    node = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit():
                raise InputError(f"{source}: --set {label}: {'.'.join(_key(p) for p in parts[:i])} is a list; "
                                 f"index it with a number")
            idx = int(part)
            if idx >= len(node):
                raise InputError(f"{source}: --set {label}: index {idx} out of range "
                                 f"({len(node)} entries)")
            if last:
                node[idx] = value
            else:
                node = node[idx]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                if part not in node:
                    node[part] = {}
                node = node[part]
        else:
            raise InputError(f"{source}: --set {label}: {'.'.join(_key(p) for p in parts[:i])} is not a table")


def read_toml(path) -> dict:
    """Returns the raw TOML mapping of a scenario file; InputError if missing or malformed."""
    with reading(path, "scenario file"):
        text = Path(path).read_bytes().decode("utf-8")
    return parse_toml(text, str(path))


def parse_toml(text: str, source: str) -> dict:
    """Returns the TOML mapping in text (a leading UTF-8 BOM allowed); InputError if malformed."""
    if text.startswith("\ufeff"):
        text = text[1:]  # editors on Windows save UTF-8 with a byte-order mark
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source}: malformed TOML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise InputError(f"{source}: malformed TOML: arrays or tables nested too deeply") \
            from None


def scenario_from_dict(data: dict, source: str = "<scenario>") -> Scenario:
    """Returns a validated Scenario from a raw mapping; InputError naming the field if not."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(e) for e in exc.errors(include_url=False)]
        if isinstance(data, dict):  # unknown rule, law or chip names too: every problem at once
            problems += _data_references(data)
        raise InputError(_problems_line(source, problems)) from None
    scenario._source_path = source
    _check_references(scenario, source)
    return scenario


def load_scenario(path, overrides=()) -> Scenario:
    """Returns the validated Scenario in a TOML file, 'dotted.path=VALUE' overrides applied."""
    data = read_toml(path)
    for text in overrides:
        parts, value = parse_override(text, str(path))
        apply_override(data, parts, value, source=str(path))
    return scenario_from_dict(data, source=str(path))


def _name_problems(rule, law, chips) -> list[str]:
    """Returns the unknown rule, law and chip names among those given (strings only)."""
    problems = []
    rules = world.rule_ids()
    if isinstance(rule, str) and rule not in rules:
        problems.append(f"rule: unknown rule {rule!r} (valid: {choices_text(rules)})")
    for i, chip in enumerate(chips):
        if isinstance(chip, str):
            try:
                world.chip(chip)
            except InputError as exc:
                problems.append(f"actor.chips.{i}.chip: {exc}")
    laws = world.law_ids()
    if isinstance(law, str) and law not in laws:
        problems.append(f"law: unknown law {law!r} (valid: {choices_text(laws)})")
    return problems


def _data_references(data: dict) -> list[str]:
    """Returns the name problems of raw scenario data that failed validation elsewhere."""
    actor = data.get("actor") if isinstance(data.get("actor"), dict) else {}
    chips = actor.get("chips") if isinstance(actor.get("chips"), list) else []
    names = [c.get("chip") if isinstance(c, dict) else None for c in chips]
    try:
        return _name_problems(data.get("rule"), data.get("law", "besiroglu_2024"), names)
    except InputError:
        return []


def _check_references(s: Scenario, source: str) -> None:
    """Checks rule, chips, law and lever paths against the data; InputError naming every field."""
    problems = _name_problems(s.rule, s.law, [entry.chip for entry in s.actor.chips])
    for i, lever in enumerate(s.uncertainty.levers):
        parts = lever.path.split(".")
        entry_missing = parts[:2] == ["actor", "chips"] and (
            len(parts) != 4 or not parts[2].isdigit() or int(parts[2]) >= len(s.actor.chips))
        if not is_lever(lever.path) or entry_missing:
            problems.append(f"uncertainty.levers.{i}.path: {lever.path!r} is not a numeric "
                            "lever of this scenario (e.g. actor.mfu, actor.chips.0.count, "
                            "distillation.tokens)")
            continue
        lo, hi, lo_open, hi_open = field_bounds(path_field(lever.path))
        below = lo is not None and (lever.low < lo or (lo_open and lever.low == lo))
        above = hi is not None and (lever.high > hi or (hi_open and lever.high == hi))
        if below or above:
            problems.append(f"uncertainty.levers.{i}: range [{lever.low}, {lever.high}] of "
                            f"{lever.path} leaves its bounds [{lo}, {hi}]")
    if problems:
        raise InputError(_problems_line(source, problems))


def with_values(scenario: Scenario, values: dict) -> Scenario:
    """Returns a re-validated copy of ``scenario`` with dotted-path values replaced."""
    data = scenario.model_dump()
    for path, value in values.items():
        apply_override(data, path.split("."), value, source=scenario.source_path)
    return scenario_from_dict(data, source=scenario.source_path)
