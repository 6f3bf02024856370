"""Scenarios: inert TOML -> validated model -> compute budgets -> outcomes per strategy ->
effective compute, lag in years, cost and uncertainty.

Public API (docs/interfaces.md, scenario section):
    load_scenario(path, overrides=()) -> Scenario
    evaluate(scenario, fit_card=None, *, draws=None, seed=None, with_tornado=True)
        -> ScenarioResult (.to_dict() is what ``python -m simulator run --json`` prints)
    tornado(scenario, fit_card=None, levers=None) -> list of rows
    lever_specs(scenario=None) -> list of widget specs (path, kind, min, max, default, ...)

Example:
    python -m simulator run scenarios/h20-requirement-2025-central.toml \
        --set distillation.access='"topk"' --json
"""

from simulator.scenario.levers import lever_specs
from simulator.scenario.result import ScenarioResult, evaluate, load_fit, tornado
from simulator.scenario.schema import (
    ACCESS_MODES,
    CHANNELS,
    Scenario,
    load_scenario,
    scenario_from_dict,
    with_values,
)

__all__ = ["ACCESS_MODES", "CHANNELS", "Scenario", "ScenarioResult", "evaluate", "lever_specs",
           "load_fit", "load_scenario", "scenario_from_dict", "tornado", "with_values"]
