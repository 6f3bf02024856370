"""The fit card: a versioned JSON record of every fitted law (schema in docs/interfaces.md).

Example:
    >>> card = load_card("data/fits/default.json")
    >>> card["scratch"]["params"]["alpha"], card["distill"]["text"]["compute_multiplier"]
"""

import json
import numbers

from simulator.errors import InputError

SCHEMA_VERSION = 1
SCRATCH_KEYS = ("E", "A", "B", "alpha", "beta")
LAW_KEYS = ("L_T", "A", "B", "alpha", "beta")
MULTIPLIER_KEYS = ("c0", "c1", "c2")


def _fail(source, field, problem):
    raise InputError(f"{source}: field '{field}' {problem}")


def _need(obj, key, source, field):
    if not isinstance(obj, dict) or key not in obj:
        _fail(source, f"{field}.{key}" if field else key, "is missing")
    return obj[key]


def _number(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _check_params(section, keys, source, field):
    params = _need(section, "params", source, field)
    for k in keys:
        if not _number(_need(params, k, source, f"{field}.params")):
            _fail(source, f"{field}.params.{k}", "must be a number")


def _check_bootstrap(section, keys, source, field):
    boot = _need(section, "bootstrap", source, field)
    lengths = set()
    for k in keys:
        values = _need(boot, k, source, f"{field}.bootstrap")
        if not isinstance(values, list) or not values:
            _fail(source, f"{field}.bootstrap.{k}", "must be a non-empty list")
        lengths.add(len(values))
    if len(lengths) > 1:
        _fail(source, f"{field}.bootstrap", f"arrays differ in length ({sorted(lengths)})")
    intervals = _need(section, "intervals", source, field)
    for k in keys:
        iv = _need(intervals, k, source, f"{field}.intervals")
        if not (isinstance(iv, list) and len(iv) == 2):
            _fail(source, f"{field}.intervals.{k}", "must be [low, high]")


def _check_heldout(section, source, field):
    held = _need(section, "heldout", source, field)
    if not isinstance(held, dict):
        _fail(source, f"{field}.heldout", "must be an object")
    for k, v in held.items():
        if "relative_error" in k and v is not None and not _number(v):
            _fail(source, f"{field}.heldout.{k}", "must be a number or null")


def _check_curve(curve, source, field, x_key):
    x = _need(curve, x_key, source, field)
    for k in ("median", "p05", "p95"):
        if len(_need(curve, k, source, field)) != len(x):
            _fail(source, f"{field}.{k}", f"must have one entry per {x_key}")


def validate_card(card, source="fit card") -> dict:
    """Returns the card if it follows schema_version 1; raises InputError naming the field."""
    if not isinstance(card, dict):
        raise InputError(f"{source}: not a JSON object")
    version = _need(card, "schema_version", source, "")
    if version != SCHEMA_VERSION:
        _fail(source, "schema_version", f"is {version!r}; this code reads {SCHEMA_VERSION}")
    scratch = _need(card, "scratch", source, "")
    _check_params(scratch, SCRATCH_KEYS, source, "scratch")
    _check_bootstrap(scratch, SCRATCH_KEYS, source, "scratch")
    _check_heldout(scratch, source, "scratch")
    distill = _need(card, "distill", source, "")
    if not isinstance(distill, dict):
        _fail(source, "distill", "must be an object")
    for mode, entry in distill.items():
        field = f"distill.{mode}"
        teachers = _need(entry, "teachers", source, field)
        for teacher, t in teachers.items():
            tf = f"{field}.teachers.{teacher}"
            law = _need(t, "law", source, tf)
            _check_params(law, LAW_KEYS, source, f"{tf}.law")
            _check_bootstrap(law, LAW_KEYS, source, f"{tf}.law")
            _check_heldout(t, source, tf)
        if "multiplier" in entry:
            _check_params(entry["multiplier"], MULTIPLIER_KEYS, source, f"{field}.multiplier")
            _check_bootstrap(entry["multiplier"], MULTIPLIER_KEYS, source, f"{field}.multiplier")
        _check_curve(_need(entry, "compute_multiplier", source, field), source,
                     f"{field}.compute_multiplier", "compute_flop")
    limited = card.get("token_limited") or {}
    for mode, teachers in (limited.get("modes") or {}).items():
        for teacher, t in teachers.items():
            tf = f"token_limited.modes.{mode}.{teacher}"
            keys = ("g", "p") if "p" in _need(t, "params", source, tf) else ("g",)
            _check_params(t, keys, source, tf)
            _check_bootstrap(t, keys, source, tf)
            _check_heldout(t, source, tf)
    prov = _need(card, "provenance", source, "")
    _need(prov, "results_sha256", source, "provenance")
    return card


def load_card(path) -> dict:
    """Returns the fit card at ``path`` after validating it (InputError if it is not one)."""
    try:
        with open(path, encoding="utf-8") as f:
            card = json.load(f)
    except FileNotFoundError:
        raise InputError(f"{path}: no such fit card") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a fit card") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the fit card ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: not valid JSON ({str(exc).splitlines()[0][:200]})") from None
    try:
        return validate_card(card, str(path))
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        # a card of the wrong shape (a list where an object belongs, ...)
        raise InputError(f"{path}: not a fit card of the expected shape ({type(exc).__name__}: "
                         f"{str(exc)[:120]})") from None
