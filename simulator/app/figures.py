"""The publication figures of one scenario view, and the downloads built from them (tables zip,
citation bundle), for the explorer.

No Streamlit import. ``result`` is the typed ScenarioResult as exported
(simulator.app.export.export_result: moved levers listed, no server path).
"""

from __future__ import annotations

SCENARIO_FIGURES = {"lag": "Lag behind the frontier", "capability": "Capability by path",
                    "tornado": "What moves the lag (tornado)", "cost": "Cost by path"}


def scenario_stamp(scenario):
    """Returns the provenance stamp of a scenario's figures (scenario and fit card hashes)."""
    from simulator.app.export import scenario_toml
    from simulator.charts.style import Stamp
    from simulator.paths import DEFAULT_FIT
    from simulator.provenance import code_version, sha256_bytes, sha256_file

    toml_text = scenario_toml(scenario)
    fit = sha256_file(DEFAULT_FIT) if DEFAULT_FIT.is_file() else None
    return Stamp(code_version=code_version(), scenario_id=scenario.name,
                 scenario_sha256=sha256_bytes(toml_text.encode("utf-8")), fit_sha256=fit)


def scenario_figure(slug: str, scenario, result, stamp=None):
    """Returns one publication figure of a scenario (simulator.charts.scenario)."""
    from simulator.charts import scenario as charts
    from simulator.scenario.sweeps import capability_curves

    stamp = stamp or scenario_stamp(scenario)
    if slug == "capability":
        return charts.capability_chart(capability_curves(scenario), result, stamp=stamp)
    return charts.RESULT_CHARTS[slug](result, stamp=stamp)


def citation_bundle(scenario, result, url: str, modified_from: dict | None = None) -> bytes:
    """Returns the citation bundle zip of a scenario view: every figure of SCENARIO_FIGURES,
    the tables, the TOML, results.json, provenance and CITATION.txt."""
    from simulator.app.bundle import scenario_bundle
    from simulator.charts.save import figure_bytes

    stamp = scenario_stamp(scenario)
    figures = {slug: scenario_figure(slug, scenario, result, stamp) for slug in SCENARIO_FIGURES}
    return scenario_bundle(scenario, result, figures, url=url, figure_bytes=figure_bytes,
                           modified_from=modified_from)


def tables_zip(result) -> bytes:
    """Returns a zip of the result's CSV tables (simulator.app.bundle.result_tables)."""
    from simulator.app.bundle import result_tables, zip_files

    return zip_files({f"{name}.csv": frame.to_csv(index=False)
                      for name, frame in result_tables(result).items()})


def headline_frame(name: str, result):
    """Returns the result's headline table (one row per strategy) tagged with a scenario."""
    from simulator.app.bundle import result_tables

    frame = result_tables(result)["headline"]
    frame.insert(0, "scenario", name)
    return frame
