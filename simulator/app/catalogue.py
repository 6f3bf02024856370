"""The scenarios the app offers: the shipped presets, a visitor's upload, and what a view
starts from (its base).

No Streamlit import: app_pages/shared.py caches these, tests call them directly.
"""

from __future__ import annotations

import hashlib
import re

from simulator.app.links import MAX_CUSTOM_TOML_BYTES

MAX_UPLOAD_BYTES = MAX_CUSTOM_TOML_BYTES


def preset_index(folder=None) -> dict:
    """Returns {id: {label, path, variant, year, rule}} for each scenarios/*.toml (a file that
    does not load is left out: a broken preset must not take the app down)."""
    from simulator.paths import SCENARIOS_DIR
    from simulator.scenario import load_scenario

    out = {}
    for path in sorted((folder or SCENARIOS_DIR).glob("*.toml")):
        try:
            s = load_scenario(path)
        except Exception:  # noqa: BLE001 - a broken preset is skipped, not fatal
            continue
        out[path.stem] = {"label": f"{s.name}", "path": str(path), "variant": s.variant,
                          "year": s.year, "rule": s.rule}
    return out


def default_preset(presets: dict) -> str:
    """Returns the preset the explorer opens on: the latest central scenario."""
    central = [p for p, v in presets.items() if v["variant"] == "central"]
    pool = central or list(presets)
    return max(pool, key=lambda p: (presets[p]["year"], p)) if pool else ""


def base_id(preset: str, custom: str | None) -> str:
    """Returns a short id of what the levers start from (a preset or an uploaded file)."""
    if custom:
        return "custom:" + hashlib.sha256(custom.encode("utf-8")).hexdigest()[:16]
    return f"preset:{preset}"


def upload_text(name: str, data: bytes) -> str:
    """Returns an uploaded file's text; InputError when it is not UTF-8 (a BOM is kept for
    the TOML reader, which accepts it)."""
    from simulator.errors import InputError

    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{name}: not a UTF-8 text file") from None


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


def scenario_from_json(scenario_json: str, source: str):
    """Returns the Scenario of a canonical JSON string (``Scenario.model_dump_json()``)."""
    from simulator.scenario import Scenario

    scenario = Scenario.model_validate_json(scenario_json)
    scenario._source_path = source
    return scenario


def slug(text: str) -> str:
    """Returns a file-name-safe slug of a title (also the view names in links)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "scenario"
