"""Citation bundles: one zip with the figures, the data, the scenario and where they came from.

Researchers citing a chart need the numbers and the inputs, not only the pixels. A bundle is
deterministic: entries are sorted and carry a fixed timestamp, so the same inputs give the same
bytes (and the same SHA-256 in a citation).

Example:
    >>> import io, zipfile
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

from simulator.app.export import public_source

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


def result_tables(result) -> dict:
    """Returns {name: DataFrame} of a ScenarioResult for CSV export.

    headline     one row per strategy: the point estimate and the 5th/50th/95th percentiles
    percentiles  long form: strategy, quantity, percentile, value
    tornado      one row per lever: range and the lag at each end, per strategy
    fleet        the fleet rows as the model counted them
    timeseries   one row per year (when the scenario asks for a time series)
    """
    import pandas as pd

    from simulator.scenario.contract import STRATEGIES

    pct = result.percentiles
    rows, long_rows = [], []
    for strategy in STRATEGIES:
        outcome = getattr(result.results, strategy)
        bands_of = getattr(pct, strategy) if pct is not None else None
        row = {"strategy": strategy}
        for quantity in type(outcome).model_fields:
            row[quantity] = _finite(getattr(outcome, quantity))
            bands = getattr(bands_of, quantity, None)
            if bands is None:
                continue
            for name, band_value in _fields(bands).items():
                if name in ("p5", "p50", "p95"):
                    row[f"{quantity}_{name}"] = band_value
            for name, band_value in _fields(bands).items():
                long_rows.append({"strategy": strategy, "quantity": quantity,
                                  "percentile": name, "value": band_value})
        rows.append(row)
    tables = {"headline": pd.DataFrame(rows),
              "percentiles": pd.DataFrame(long_rows,
                                          columns=["strategy", "quantity", "percentile", "value"])}
    tornado = []
    for item in result.tornado:
        row = {k: _finite(getattr(item, k)) for k in ("path", "label", "low", "high", "base",
                                                      "swing_years")}
        for strategy in STRATEGIES:
            for key, value in _fields(getattr(item, strategy)).items():
                row[f"{strategy}_{key}"] = value
        tornado.append(row)
    tables["tornado"] = pd.DataFrame(tornado)
    tables["fleet"] = pd.DataFrame([_fields(entry) for entry in result.fleet])
    series = []
    for item in result.timeseries:
        row = {"year": item.year, "frontier_compute_flop": _finite(item.frontier_compute_flop)}
        for strategy in STRATEGIES:
            for key, value in _fields(getattr(item, strategy)).items():
                row[f"{strategy}_{key}"] = value
        series.append(row)
    if series:
        tables["timeseries"] = pd.DataFrame(series)
    return tables


def _fields(block) -> dict:
    """Returns {field: value} of one flat block of the result (non-finite floats as None)."""
    return {name: _finite(getattr(block, name)) for name in type(block).model_fields}


def _finite(value):
    import math

    return None if isinstance(value, float) and not math.isfinite(value) else value


def scenario_bundle(scenario, result, figures: Mapping, *, url: str | None = None,
                    figure_bytes=None, modified_from: Mapping | None = None) -> bytes:
    """Returns the citation bundle of one scenario view: TOML, results, CSVs, figures, provenance.

    ``result`` is a ScenarioResult (results.json is its ``to_dict()``, what ``run --json``
    prints, plus the moved levers of an exported view). ``figures`` maps a name to a
    matplotlib Figure; ``figure_bytes(fig, fmt)`` renders one (simulator.charts.save).
    ``modified_from``: {preset, source, changes} when levers moved (the citation and
    provenance then list them). Pass the scenario and result from
    simulator.app.export.export_scenario / export_result: no server path leaves in them.
    """
    from simulator import provenance as prov
    from simulator.app.export import scenario_toml
    from simulator.paths import DEFAULT_FIT

    toml_text = scenario_toml(scenario)
    files = {"scenario.toml": toml_text,
             "results.json": json.dumps(result.to_dict(), indent=2, sort_keys=True) + "\n"}
    for name, frame in result_tables(result).items():
        files[f"{name}.csv"] = frame.to_csv(index=False)
    for name, fig in figures.items():
        for fmt in ("pdf", "svg", "png"):
            files[f"figures/{name}.{fmt}"] = figure_bytes(fig, fmt)
    record = prov.provenance()
    record["scenario"] = {"name": scenario.name,
                          "source": public_source(scenario.source_path),
                          "sha256": prov.sha256_bytes(toml_text.encode("utf-8"))}
    if modified_from:
        record["scenario"]["modified_from"] = dict(modified_from)
    record["fit"] = result.fit.label
    if DEFAULT_FIT.is_file():
        record["fit_card_sha256"] = prov.sha256_file(DEFAULT_FIT)
    if url:
        record["url"] = url
    return build_bundle(files, record, title=scenario.name, url=url)
