"""Shared pieces of the typed fit cards: the frozen section base, numbers, one-line errors.

Both cards (the pre-training card, simulator.curves.card, and the capability card,
simulator.curves.capability_schema) are pydantic models built from JSON once; a bad file
gives one line, ``<file>: field 'a.b.c' <problem>`` (InputError, exit 2 at the CLI).

A section keeps the fields it was given and no others (``to_dict`` dumps only what was set),
and the writers store floats as floats, so load + dump reproduces a card byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

from pydantic import BaseModel, ConfigDict, Strict, ValidationError

from simulator.errors import InputError, reading


Num = Annotated[float, Strict()]
"""A JSON number (an int is read as a float; booleans and strings are refused)."""
OptNum = Optional[Num]


class Problem(ValueError):
    """A validator's complaint about a sub-field: ``sub`` extends the error's location."""

    def __init__(self, sub: str, problem: str):
        super().__init__(problem)
        self.sub, self.problem = sub, problem


class Section(BaseModel):
    """A card section: frozen; fields a newer writer adds are kept and dumped unchanged."""

    # defer_build: the validators are built on first use, not at import (CLI startup)
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)


def to_dict(model: BaseModel) -> dict:
    """Returns the model as the plain JSON object it was built from (set fields only)."""
    return model.model_dump(exclude_unset=True, by_alias=True)


def to_json(model: BaseModel) -> str:
    """Returns the card as the text the writers store: sorted keys, two-space indent."""
    return json.dumps(to_dict(model), indent=2, sort_keys=True, allow_nan=False) + "\n"


_PROBLEMS = {"missing": "is missing", "float_type": "must be a number",
             "int_type": "must be a whole number", "string_type": "must be text",
             "bool_type": "must be true or false", "list_type": "must be a list",
             "dict_type": "must be an object", "model_type": "must be an object",
             "model_attributes_type": "must be an object"}


def first_error(exc: ValidationError, source: str) -> InputError:
    """Returns one InputError line naming the first bad field of a validation error."""
    err = exc.errors(include_url=False)[0]
    loc = [str(p) for p in err["loc"]]
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, Problem):
        loc.append(cause.sub)
        problem = cause.problem
    elif err["type"] == "value_error":
        problem = err["msg"].removeprefix("Value error, ")
    else:
        problem = _PROBLEMS.get(err["type"]) or f"is not valid ({err['msg'].lower()})"
    field = ".".join(loc)
    return InputError(f"{source}: field '{field}' {problem}" if field else f"{source}: {problem}")


def read_json(path, what: str) -> Any:
    """Returns the parsed JSON at ``path``; InputError naming the file when it cannot be."""
    with reading(path, what):
        data = Path(path).read_bytes()
    try:
        return json.loads(data.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: not valid JSON ({str(exc).splitlines()[0][:200]})") from None


def validate(model: type[BaseModel], data: Any, source: str):
    """Returns ``model`` built from ``data``; InputError (one line) when it does not fit."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: not a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise first_error(exc, source) from None
