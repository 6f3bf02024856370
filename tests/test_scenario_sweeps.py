"""Capability curves: the scenario model asked again with the fleet scaled, in one pass."""

import numpy as np
import pytest

from simulator.paths import SCENARIOS_DIR
from simulator.scenario import evaluate, load_scenario, with_values
from simulator.scenario.core import base_values, build_context
from simulator.scenario.result import point, resolve_fit
from simulator.scenario.sweeps import capability_curves

SCENARIO = SCENARIOS_DIR / "smuggling-crackdown-2025-central.toml"   # count ranges, 3 entries


@pytest.fixture(scope="module")
def curves():
    return load_scenario(SCENARIO), capability_curves(load_scenario(SCENARIO), draws=200)


def _scaled(scenario, k, mode):
    """Returns the scenario with every chip count and count range scaled by k, access = mode."""
    values = {f"actor.chips.{i}.count": float(e.count * k)
              for i, e in enumerate(scenario.actor.chips)}
    for j, lv in enumerate(scenario.uncertainty.levers):
        if lv.path.startswith("actor.chips.") and lv.path.endswith(".count"):
            values[f"uncertainty.levers.{j}.low"] = float(lv.low * k)
            values[f"uncertainty.levers.{j}.high"] = float(lv.high * k)
    values["distillation.access"] = mode
    return with_values(scenario, values)


def test_actor_compute_scales_with_the_fleet_factor(curves):
    scenario, c = curves
    c0 = evaluate(scenario, draws=0, with_tornado=False).results.scratch.compute_flop
    assert c["scenario_compute_flop"] == pytest.approx(c0, rel=1e-12)
    assert np.allclose(c["compute_flop"], c0 * np.asarray(c["factor"]), rtol=1e-9, atol=0)
    assert len(c["factor"]) == 9 and c["factor"] == sorted(c["factor"])


def test_each_point_equals_the_scaled_scenario_evaluated_on_its_own(curves):
    scenario, c = curves
    for j in (0, 4, len(c["factor"]) - 1):
        k = c["factor"][j]
        for mode in ("logits", "topk", "text"):
            r = evaluate(_scaled(scenario, k, mode), draws=200, with_tornado=False)
            got = c["strategies"][mode]
            want = r.percentiles.distill.effective_compute_flop
            for q in ("p5", "p50", "p95"):
                assert got[q][j] == pytest.approx(getattr(want, q), rel=1e-9), (j, mode, q)
        want = r.percentiles.scratch.effective_compute_flop
        assert c["strategies"]["scratch"]["p50"][j] == pytest.approx(want.p50, rel=1e-9)


def test_point_estimates_match_direct_core_evaluations():
    """With no Monte Carlo ranges and no fit samples, every percentile is the point value."""
    scenario = load_scenario(SCENARIOS_DIR / "deepseek-v3-reference.toml",
                             ["uncertainty.levers=[]", 'fit="priors"'])
    c = capability_curves(scenario, draws=50)
    ctx = build_context(scenario, *resolve_fit(scenario, None))
    base = base_values(ctx)
    for j in (0, 3, len(c["factor"]) - 1):
        values = dict(base)
        values["actor.chips.0.count"] = scenario.actor.chips[0].count * c["factor"][j]
        out = point(ctx, values)
        assert c["compute_flop"][j] == pytest.approx(out["compute_flop"][0], rel=1e-9)
        assert c["strategies"]["scratch"]["p50"][j] == pytest.approx(
            out["scratch.effective_compute_flop"][0], rel=1e-9)
        for mode in ("logits", "topk", "text"):
            # the priors' ranges still vary per draw (u); the median draw u = 0.5 is the point
            lo, hi = c["strategies"][mode]["p5"][j], c["strategies"][mode]["p95"][j]
            at_point = out[f"mode.{mode}.effective_compute_flop"][0]
            assert lo * (1 - 1e-9) <= at_point <= hi * (1 + 1e-9)


def test_distillation_never_falls_below_scratch_and_grows_with_compute(curves):
    _, c = curves
    scratch = np.asarray(c["strategies"]["scratch"]["p50"])
    assert np.all(np.diff(scratch) > 0)
    for mode in ("logits", "topk", "text"):
        assert np.all(np.asarray(c["strategies"][mode]["p50"]) >= scratch * (1 - 1e-12))


def test_a_fleet_with_no_usable_compute_has_no_curve():
    scenario = load_scenario(SCENARIOS_DIR / "deepseek-v3-reference.toml",
                             ["actor.chips.0.count=0"])
    assert capability_curves(scenario, draws=10) is None


def test_one_core_pass_gives_every_mode_its_effective_compute():
    scenario = load_scenario(SCENARIOS_DIR / "api-open-2026.toml")
    ctx = build_context(scenario, *resolve_fit(scenario, None))
    out = point(ctx, base_values(ctx))
    access = scenario.distillation.access
    assert out[f"mode.{access}.effective_compute_flop"][0] == pytest.approx(
        out["distill.effective_compute_flop"][0], rel=1e-12)
