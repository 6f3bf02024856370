"""Citation bundles: one zip with the figures, the data, the scenario and where they came from.

Researchers citing a chart need the numbers and the inputs, not only the pixels. A bundle is
deterministic: entries are sorted and carry a fixed timestamp, so the same inputs give the same
bytes (and the same SHA-256 in a citation).

Example:
    >>> data = build_bundle({"scenario.toml": b"year = 2026\\n"}, {"code_version": "0.1.0"},
    ...                     title="central")
    >>> sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())
    ['CITATION.txt', 'MANIFEST.json', 'provenance.json', 'scenario.toml']
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Mapping

# 1980-01-01 is the earliest date a zip entry can hold; any fixed date makes bytes repeatable.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def citation_text(title: str, provenance: Mapping, url: str | None = None) -> str:
    """Returns the CITATION.txt of a bundle: how to cite it and what produced it (and, for a
    modified scenario, the preset it was modified from and each moved lever)."""
    code = provenance.get("code_version", "unknown")
    date = provenance.get("date", "unknown date")
    lines = [
        f"Compute Moat scenario: {title}",
        "",
        "Cite as:",
        f"  Compute Moat (version {code}), scenario \"{title}\", computed {date}.",
    ]
    if url:
        lines.append(f"  View online (reproduces this view): {url}")
    modified = (provenance.get("scenario") or {}).get("modified_from")
    if modified:
        lines += ["", f"Modified from the preset \"{modified['preset']}\" "
                      f"({modified['source']}); moved levers, old -> new:"]
        lines += [f"  {c['label']} ({c['path']}): {c['old']} -> {c['new']}"
                  for c in modified["changes"]]
    lines += [
        "",
        "Contents:",
        "  scenario.toml     the exact inputs; rerun with `python -m simulator run scenario.toml`",
        "  results.json      what the model computed (the same object `run --json` prints)",
        "  *.csv             the numbers behind each chart",
        "  figures/          each chart as PDF, SVG and PNG",
        "  provenance.json   code version, package versions, data and fit hashes, date",
        "  MANIFEST.json     the SHA-256 of every other file in this bundle",
        "",
        "Transfer assumption: dimensionless quantities (scaling exponents, the effective-data",
        "multiplier of distillation, the relative cost of each API access mode) measured in small",
        "experiments are assumed to hold at frontier scale; absolute losses come from a published",
        "large-scale law. See the assumptions listed in results.json.",
    ]
    return "\n".join(lines) + "\n"


def build_bundle(files: Mapping[str, bytes], provenance: Mapping, *, title: str,
                 url: str | None = None) -> bytes:
    """Returns the bytes of a zip holding ``files`` plus provenance, a citation and a manifest."""
    entries = {name: _as_bytes(data) for name, data in files.items()}
    entries["provenance.json"] = _json_bytes(provenance)
    entries["CITATION.txt"] = citation_text(title, provenance, url).encode("utf-8")
    entries["MANIFEST.json"] = _json_bytes(
        {name: hashlib.sha256(data).hexdigest() for name, data in sorted(entries.items())})
    return zip_files(entries)


def zip_files(files: Mapping[str, bytes]) -> bytes:
    """Returns the bytes of a deterministic zip of ``files`` (sorted, fixed timestamps)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, _as_bytes(files[name]))
    return buffer.getvalue()


def _as_bytes(data) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _json_bytes(obj) -> bytes:
    return (json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8")


# --- a scenario whose levers moved is exported as what it is: modified from its preset -------

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


def export_result(result: Mapping, scenario, preset_name: str | None = None,
                  changes: list | None = None) -> dict:
    """Returns a result dict fit to leave the server: the scenario's name and description as
    exported, the moved levers listed, and no server path."""
    out = dict(result)
    info = dict(out.get("scenario") or {})
    info["file"] = public_source(info.get("file") or scenario.source_path)
    info["name"], info["description"] = scenario.name, scenario.description
    if changes:
        info["modified_from"] = preset_name
        info["moved_levers"] = list(changes)
    out["scenario"] = info
    return out


def scenario_toml(scenario) -> str:
    """Returns a scenario as TOML that loads back to the same scenario (None fields omitted)."""
    import tomli_w

    data = scenario.model_dump(mode="json", exclude_none=True)
    return tomli_w.dumps(data, multiline_strings=True)


def result_tables(result: Mapping) -> dict:
    """Returns {name: DataFrame} of a scenario result (ScenarioResult.to_dict()) for CSV export.

    headline     one row per strategy: the point estimate and the 5th/50th/95th percentiles
    percentiles  long form: strategy, quantity, percentile, value
    tornado      one row per lever: range and the lag at each end, per strategy
    fleet        the fleet rows as the model counted them
    timeseries   one row per year (when the scenario asks for a time series)
    """
    import pandas as pd

    pct = result.get("percentiles") or {}
    rows, long_rows = [], []
    for strategy, values in (result.get("results") or {}).items():
        row = {"strategy": strategy}
        for quantity, value in values.items():
            row[quantity] = value
            bands = (pct.get(strategy) or {}).get(quantity) or {}
            for name in ("p5", "p50", "p95"):
                if name in bands:
                    row[f"{quantity}_{name}"] = bands[name]
            for name, band_value in bands.items():
                long_rows.append({"strategy": strategy, "quantity": quantity,
                                  "percentile": name, "value": band_value})
        rows.append(row)
    tables = {"headline": pd.DataFrame(rows),
              "percentiles": pd.DataFrame(long_rows,
                                          columns=["strategy", "quantity", "percentile", "value"])}
    tornado = []
    for item in result.get("tornado") or []:
        row = {k: item.get(k) for k in ("path", "label", "low", "high", "base", "swing_years")}
        for strategy in ("scratch", "distill"):
            for key, value in (item.get(strategy) or {}).items():
                row[f"{strategy}_{key}"] = value
        tornado.append(row)
    tables["tornado"] = pd.DataFrame(tornado)
    tables["fleet"] = pd.DataFrame(result.get("fleet") or [])
    series = []
    for item in result.get("timeseries") or []:
        row = {"year": item.get("year"), "frontier_compute_flop": item.get("frontier_compute_flop")}
        for strategy in ("scratch", "distill"):
            for key, value in (item.get(strategy) or {}).items():
                row[f"{strategy}_{key}"] = value
        series.append(row)
    if series:
        tables["timeseries"] = pd.DataFrame(series)
    return tables


def scenario_bundle(scenario, result: Mapping, figures: Mapping, *, url: str | None = None,
                    figure_bytes=None, modified_from: Mapping | None = None) -> bytes:
    """Returns the citation bundle of one scenario view: TOML, results, CSVs, figures, provenance.

    ``figures`` maps a name to a matplotlib Figure; ``figure_bytes(fig, fmt)`` renders one
    (simulator.charts.save.figure_bytes). ``modified_from``: {preset, source, changes} when
    levers moved (the citation and provenance then list them). Pass the scenario and result
    from export_scenario / export_result: no server path leaves in them.
    """
    from simulator import provenance as prov
    from simulator.paths import DEFAULT_FIT

    toml_text = scenario_toml(scenario)
    files = {"scenario.toml": toml_text,
             "results.json": json.dumps(result, indent=2, sort_keys=True) + "\n"}
    for name, frame in result_tables(result).items():
        files[f"{name}.csv"] = frame.to_csv(index=False)
    for name, fig in figures.items():
        for fmt in ("pdf", "svg", "png"):
            files[f"figures/{name}.{fmt}"] = figure_bytes(fig, fmt)
    record = prov.provenance()
    record["scenario"] = {"name": scenario.name, "source": public_source(scenario.source_path),
                          "sha256": prov.sha256_bytes(toml_text.encode("utf-8"))}
    if modified_from:
        record["scenario"]["modified_from"] = dict(modified_from)
    record["fit"] = (result.get("fit") or {}).get("label")
    if DEFAULT_FIT.is_file():
        record["fit_card_sha256"] = prov.sha256_file(DEFAULT_FIT)
    if url:
        record["url"] = url
    return build_bundle(files, record, title=scenario.name, url=url)
