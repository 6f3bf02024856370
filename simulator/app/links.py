"""The URL codec: encode what a view of the app shows as query parameters, decode it back.

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
    >>> from simulator.app.widgets import Lever
    >>> lever = Lever(path="distill.top_k", label="Top-k", kind="int", min=1, max=20)
    >>> decode_levers({"distill.top_k": "5"}, [lever])
    ({'distill.top_k': 5}, [])
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from simulator.app.widgets import KIND_BOOL, KIND_CHOICE, Lever

# An uploaded scenario travels in the URL packed (zlib + base64url); this caps what a link may
# unpack to, so a hostile link cannot make the server inflate gigabytes.
MAX_CUSTOM_TOML_BYTES = 64 * 1024
MAX_COMPARE = 4
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


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


def page_url(app_url: str | None, page: str, query: Mapping[str, Any],
             default_page: str = "explorer") -> str:
    """Returns the full URL of an app page showing ``query`` (``app_url``: any URL of the
    running app; the default page lives at '/')."""
    from urllib.parse import urlencode, urlsplit

    parts = urlsplit(app_url or "http://localhost:8501/")
    root = f"{parts.scheme}://{parts.netloc}"
    path = "" if page == default_page else page
    return f"{root}/{path}?{urlencode(query, doseq=True)}"
