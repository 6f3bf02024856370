"""The app's state in the URL: encode what a view shows as query parameters, decode it back.

A shared link must reproduce the exact view, and a bad link must never crash the app: every
decoder here returns the values it could read plus a list of one-line messages for the ones it
could not (the app shows them and falls back to the preset). No Streamlit import: the app pages
call these functions, and tests call them directly.

URL schema (all values are plain text; only what differs from the preset appears):
  explorer   ?scenario=<preset id>&<dotted.lever.path>=<value>...&view=<view slug>
             ?custom=<packed TOML>&<dotted.lever.path>=<value>...   (an uploaded scenario)
             (view: which tab of the result is shown; absent for the first tab)
  compare    ?scenarios=<id>&scenarios=<id>...   (repeated; ids are presets)
  chips      ?rule=<rule id>&tpp=<number>&density=<number>

Example:
    >>> lever = Lever(path="distill.top_k", label="Top-k", kind="int", min=1, max=20)
    >>> decode_levers({"distill.top_k": "5"}, [lever])
    ({'distill.top_k': 5}, [])
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

# An uploaded scenario travels in the URL packed (zlib + base64url); this caps what a link may
# unpack to, so a hostile link cannot make the server inflate gigabytes.
MAX_CUSTOM_TOML_BYTES = 64 * 1024
MAX_COMPARE = 4
KIND_FLOAT, KIND_INT, KIND_CHOICE, KIND_BOOL = "float", "int", "choice", "bool"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


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


# --- values as URL text ---------------------------------------------------------------------

def format_value(value) -> str:
    """Returns the URL text of a lever value: short, and parsed back to the same value."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = format(value, ".10g")
        return text if float(text) == value else repr(value)
    return str(value)


def parse_value(lever: Lever, text) -> Any:
    """Returns the lever's value from URL text; ValueError naming the lever if it is invalid."""
    if isinstance(text, list):             # a repeated parameter: the last one wins
        text = text[-1] if text else ""
    text = str(text).strip()
    if lever.optional and text.lower() == "none":
        return None
    if lever.kind == KIND_BOOL:
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"{lever.path}: expected true or false, got {text!r}")
    if lever.kind == KIND_CHOICE:
        for choice in lever.choices:
            if text == format_value(choice):
                return choice
        return lever.check(text)           # raises with the valid choices
    return lever.check(text)


def same_value(a, b) -> bool:
    """Returns True when two lever values are equal (floats to 1e-9 relative)."""
    if a is None or b is None:
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not (
            isinstance(a, bool) or isinstance(b, bool)):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def decode_levers(query: Mapping[str, Any], levers: Iterable[Lever]):
    """Returns ({path: value} for the levers the query sets validly, [error messages])."""
    values, errors = {}, []
    for lever in levers:
        if lever.path not in query:
            continue
        try:
            values[lever.path] = parse_value(lever, query[lever.path])
        except ValueError as exc:
            errors.append(f"Link parameter {exc}; using the preset's value.")
    return values, errors


def encode_levers(values: Mapping[str, Any], base: Mapping[str, Any],
                  levers: Iterable[Lever]) -> dict:
    """Returns {path: text} for each lever whose value differs from ``base`` (the preset)."""
    out = {}
    for lever in levers:
        if lever.path in values and not same_value(values[lever.path], base.get(lever.path)):
            out[lever.path] = format_value(values[lever.path])
    return out


# --- the explorer ---------------------------------------------------------------------------

@dataclass
class ExplorerQuery:
    """What an explorer link asks for."""

    preset: str
    values: dict = field(default_factory=dict)    # lever overrides
    custom_toml: str | None = None                 # an uploaded scenario, unpacked
    errors: list = field(default_factory=list)
    view: str | None = None                        # the result tab's slug (None: the first)


def decode_explorer(query: Mapping[str, Any], presets: Iterable[str], default_preset: str,
                    levers_for, views: Iterable[str] = ()) -> ExplorerQuery:
    """Returns the explorer state a link asks for; bad parts become messages, not exceptions.

    ``levers_for(preset, custom_toml)`` returns the levers of that scenario, or raises
    ValueError when ``custom_toml`` is not a valid scenario (the link then falls back to the
    preset). ``views`` are the valid slugs of the ``view`` parameter (the first is the default).
    """
    presets = list(presets)
    errors = []
    preset = _last(query.get("scenario"))
    if preset is None:
        preset = default_preset
    elif preset not in presets:
        errors.append(f"Link parameter scenario={preset!r} is not a shipped scenario "
                      f"(valid: {', '.join(presets)}); showing {default_preset!r}.")
        preset = default_preset
    custom = None
    if "custom" in query:
        try:
            custom = unpack_text(_last(query["custom"]) or "")
        except ValueError as exc:
            errors.append(f"Link parameter custom: {exc}; showing the preset instead.")
    try:
        levers = list(levers_for(preset, custom))
    except ValueError as exc:
        errors.append(f"Link parameter custom: {exc}; showing the preset instead.")
        custom = None
        levers = list(levers_for(preset, None))
    values, lever_errors = decode_levers(query, levers)
    views = list(views)
    view = decode_choice(query, "view", views, views[0], errors) if views else None
    view = None if views and view == views[0] else view
    known = {"scenario", "custom"} | {lever.path for lever in levers} | (
        {"view"} if views else set())
    unknown = sorted(k for k in query if k not in known)
    if unknown:
        errors.append(f"Ignored unknown link parameter(s): {', '.join(unknown)}.")
    return ExplorerQuery(preset=preset, values=values, custom_toml=custom,
                         errors=errors + lever_errors, view=view)


def encode_explorer(preset: str, values: Mapping[str, Any], base: Mapping[str, Any],
                    levers: Iterable[Lever], custom_toml: str | None = None,
                    view: str | None = None) -> dict:
    """Returns the query parameters of an explorer view (only non-preset lever values, and the
    result tab's slug unless it is the first, ``None``)."""
    query = {"custom": pack_text(custom_toml)} if custom_toml else {"scenario": preset}
    query.update(encode_levers(values, base, levers))
    if view:
        query["view"] = view
    return query


def _last(value):
    if isinstance(value, list):
        return value[-1] if value else None
    return value


# --- compare and chips ----------------------------------------------------------------------

def decode_compare(query: Mapping[str, Any], presets: Iterable[str], default: Iterable[str]):
    """Returns ([preset ids to compare, at most MAX_COMPARE], [error messages])."""
    presets = list(presets)
    raw = query.get("scenarios")
    if raw is None:
        return list(default), []
    asked = raw if isinstance(raw, list) else [raw]
    # "a,b" is accepted too: people edit links by hand.
    asked = [part for item in asked for part in str(item).split(",") if part]
    chosen, errors = [], []
    for item in asked:
        if item not in presets:
            errors.append(f"Link parameter scenarios={item!r} is not a shipped scenario "
                          f"(valid: {', '.join(presets)}); left out.")
        elif item not in chosen:
            chosen.append(item)
    if len(chosen) > MAX_COMPARE:
        errors.append(f"At most {MAX_COMPARE} scenarios side by side; kept the first "
                      f"{MAX_COMPARE}.")
        chosen = chosen[:MAX_COMPARE]
    if len(chosen) < 2:
        if asked:
            errors.append("Compare needs at least two scenarios; showing the default pair.")
        chosen = list(default)
    return chosen, errors


def encode_compare(chosen: Iterable[str]) -> dict:
    """Returns the compare page's query parameters."""
    return {"scenarios": list(chosen)}


def decode_number(query: Mapping[str, Any], name: str, lo: float, hi: float, default,
                  errors: list):
    """Returns query[name] as a float in [lo, hi], else ``default`` (appending a message)."""
    if name not in query:
        return default
    text = _last(query[name])
    try:
        number = float(text)
        if not math.isfinite(number) or not lo <= number <= hi:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(f"Link parameter {name}={text!r} must be a number in "
                      f"[{lo:g}, {hi:g}]; using {default:g}.")
        return default
    return number


def decode_choice(query: Mapping[str, Any], name: str, choices: Iterable[str], default,
                  errors: list):
    """Returns query[name] when it is one of ``choices``, else ``default`` (with a message)."""
    choices = list(choices)
    if name not in query:
        return default
    text = _last(query[name])
    if text in choices:
        return text
    errors.append(f"Link parameter {name}={text!r} is not valid (valid: "
                  f"{', '.join(choices)}); using {default!r}.")
    return default


# --- packing a scenario into a link ---------------------------------------------------------

def pack_text(text: str) -> str:
    """Returns ``text`` compressed into URL-safe base64 (no padding)."""
    packed = zlib.compress(text.encode("utf-8"), 9)
    return base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def unpack_text(packed: str) -> str:
    """Returns the text packed by pack_text; ValueError if the link is damaged or too large."""
    try:
        raw = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, MAX_CUSTOM_TOML_BYTES + 1)
        if len(data) > MAX_CUSTOM_TOML_BYTES or inflater.unconsumed_tail:
            raise ValueError(f"the packed scenario is larger than {MAX_CUSTOM_TOML_BYTES} bytes")
        if not inflater.eof:
            raise ValueError("the packed scenario is damaged: truncated (was the link cut short?)")
        return data.decode("utf-8")
    except (zlib.error, UnicodeDecodeError, binascii.Error):
        raise ValueError("the packed scenario is damaged (was the link cut short?)") from None


# --- what-if thresholds (Chips & rules page) ------------------------------------------------
# A rule's thresholds, each under a short stable key ("tpp_4800", "performance_density_5.92"),
# so a what-if survives in a link. A what-if rule is an ordinary Rule with some values moved.

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
    import dataclasses

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


# --- scenarios as widgets -------------------------------------------------------------------
# The scenario schema (simulator.scenario.lever_specs) drives the explorer's widgets; the rule
# is a plain string in the schema, so its choices are added here from data/rules.toml.

MAX_UPLOAD_BYTES = MAX_CUSTOM_TOML_BYTES


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


def scenario_from_text(text: str, source: str):
    """Returns the validated Scenario in TOML ``text`` from a user; InputError naming the field.

    A user's file may not point at files on the server: its ``fit`` must be 'default' or
    'priors' (upload a fit card on the Evidence page instead).
    """
    from simulator.errors import InputError
    from simulator.scenario import scenario_from_dict
    from simulator.scenario.loading import parse_toml

    if len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
        raise InputError(f"{source}: larger than {MAX_UPLOAD_BYTES // 1024} KiB; is it a "
                         "scenario file?")
    data = parse_toml(text, source)  # BOM allowed; deep nesting is an InputError
    fit = data.get("fit", "default")
    if fit not in ("default", "priors"):
        raise InputError(f"{source}: fit: {fit!r} points at a file; an uploaded scenario "
                         "may use 'default' or 'priors'")
    return scenario_from_dict(data, source=source)


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


# --- which levers apply to a scenario as it stands ------------------------------------------

def inapplicable_levers(scenario, values: Mapping[str, Any]) -> dict:
    """Returns {lever path: why it has no effect} for the scenario with ``values`` applied
    (the explorer hides these controls and says why).

    Top-k only matters for top-k access; the case-by-case approval share only when an imported
    chip is under case-by-case review under the rule; smuggling levers only with smuggled
    chips; remote-access controls only with rented cloud chips; the API campaign only when
    distillation is on.
    """
    from simulator.hardware import classify

    rule = values.get("rule", scenario.rule)
    chips = scenario.actor.chips
    channels = {entry.channel for entry in chips}
    out = {}
    if values.get("distillation.access", scenario.distillation.access) != "topk":
        out["distillation.top_k"] = "applies only when the API exposes top-k log-probs"
    try:
        reviewed = any(entry.channel == "import" and classify(entry.chip, rule).case_by_case
                       for entry in chips)
    except Exception:  # noqa: BLE001 - an unknown rule or chip: show the lever
        reviewed = True
    if not reviewed:
        out["actor.case_by_case_approval_fraction"] = (
            "applies only to imported chips under case-by-case review; none under this rule")
    if "smuggled" not in channels:
        out["actor.smuggling_interdiction_fraction"] = "the fleet has no smuggled chips"
        out["actor.smuggled_price_multiplier"] = "the fleet has no smuggled chips"
    if "cloud" not in channels:
        out["actor.remote_access_controls"] = "the fleet rents no cloud chips"
    if not values.get("distillation.enabled", scenario.distillation.enabled):
        for name in ("access", "top_k", "tokens", "accounts", "rate_limit_tokens_per_minute",
                     "detection_probability_per_account_month"):
            out.setdefault(f"distillation.{name}", "distillation is off in this scenario")
    return out


def measured_top_k(card: Mapping | None) -> list[int]:
    """Returns the k values at which a fit card measured top-k distillation (sorted)."""
    found = set()
    for mode, entry in ((card or {}).get("distill") or {}).items():
        if mode.startswith("topk") and isinstance(entry, Mapping) and entry.get("top_k"):
            found.add(int(entry["top_k"]))
    return sorted(found)


def top_k_note(k: int, measured: list[int]) -> str | None:
    """Returns a warning when k lies outside the measured top-k values (an extrapolation)."""
    if not measured or min(measured) <= k <= max(measured):
        return None
    where = f"k = {measured[0]}" if len(measured) == 1 else \
        f"k = {min(measured)}–{max(measured)}"
    return (f"Extrapolation: top-k distillation was measured at {where} only (fit card); "
            f"k = {k} reuses that measurement.")
