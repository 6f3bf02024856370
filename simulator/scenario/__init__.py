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

from simulator.lazy import lazy_exports

_EXPORTS = {
    "lever_specs": "simulator.scenario.levers",
    "ScenarioResult": "simulator.scenario.result",
    "evaluate": "simulator.scenario.result",
    "load_fit": "simulator.scenario.result",
    "tornado": "simulator.scenario.result",
    "ACCESS_MODES": "simulator.scenario.schema",
    "CHANNELS": "simulator.scenario.schema",
    "Scenario": "simulator.scenario.schema",
    "load_scenario": "simulator.scenario.loading",
    "scenario_from_dict": "simulator.scenario.loading",
    "with_values": "simulator.scenario.loading",
}
__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
