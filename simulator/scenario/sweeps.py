"""Sweeps of the model: the same scenario asked at other lever values, in one vectorised pass.

``capability_curves`` scales every chip count of the fleet by a factor (so the actor's compute
scales with it) and reads the effective compute of training from scratch and of each access
mode at each factor: Monte Carlo percentiles per point, with the same seeded draws as
``evaluate`` would take for the scaled scenario. Every point and draw goes through one call of
model.core (no scenario is re-validated), so the figure's 9 x 3 questions cost one numpy pass.

Example:
    >>> from simulator.scenario import load_scenario
    >>> from simulator.scenario.sweeps import capability_curves
    >>> curves = capability_curves(load_scenario("scenarios/api-open-2026.toml"))
    >>> curves["strategies"]["topk"]["p50"][0]  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import numpy as np

from simulator.scenario import montecarlo
from simulator.scenario.accounting import self_hosted
from simulator.scenario.core import MIN_COMPUTE_FLOP, base_values, build_context, core
from simulator.scenario.result import point, resolve_fit
from simulator.vocabulary import MODES

MAX_CHIP_COUNT = 1e8   # the schema's bound on a chip count (ChipEntry.count)


def _count_levers(scenario):
    return [(j, lv) for j, lv in enumerate(scenario.uncertainty.levers)
            if lv.path.startswith("actor.chips.") and lv.path.endswith(".count")]


def factors_for(scenario, c0: float, points: int) -> np.ndarray:
    """Returns the fleet-scale factors of a capability curve around compute ``c0`` (FLOP):
    from well below the fleet to 3x the frontier (or 10x the fleet), within the schema's bound
    on a chip count."""
    hi = max(scenario.frontier.compute_flop * 3, c0 * 10)
    factors = np.geomspace(min(1 / 30, hi / c0 / 300), hi / c0, points)
    counts = [entry.count for entry in scenario.actor.chips]
    biggest = max(counts + [lv.high for _, lv in _count_levers(scenario)])
    return factors[factors * biggest <= MAX_CHIP_COUNT]


def scaled_fleet_values(ctx, base: dict, factors, draws: int, seed: int):
    """Returns (values, idx, u) for ``draws`` Monte Carlo draws at each fleet factor, stacked
    factor after factor: chip counts and the Monte Carlo ranges on them scale with the factor
    (or the draws would undo the scaling); each block uses the draws ``montecarlo.draw`` takes
    with ``seed``."""
    scenario = ctx.scenario
    scaled = dict(_count_levers(scenario))
    blocks, idx, u = [], None, None
    for k in factors:
        base_k = dict(base)
        for i, entry in enumerate(scenario.actor.chips):
            base_k[f"actor.chips.{i}.count"] = float(entry.count * k)
        levers = [SimpleNamespace(path=lv.path, scale=lv.scale, low=float(lv.low * k),
                                  high=float(lv.high * k)) if j in scaled else lv
                  for j, lv in enumerate(scenario.uncertainty.levers)]
        rng = np.random.default_rng(seed)
        blocks.append(montecarlo.lever_arrays(levers, base_k, draws, rng))
        idx = rng.integers(0, montecarlo.IDX_HIGH, size=draws)
        u = rng.random(draws)
    values = {key: np.concatenate([np.broadcast_to(np.asarray(b[key], dtype=float), (draws,))
                                   for b in blocks]) for key in base}
    n = len(factors)
    return values, np.tile(idx, n), np.tile(u, n)


def capability_curves(scenario, fit_card=None, *, points: int = 9, draws: int = 400,
                      seed: int | None = None) -> dict | None:
    """Returns effective-compute percentiles vs the actor's compute, per path, or None.

    {"factor": [k], "draws", "compute_flop": [actor's compute at k], "frontier_compute_flop",
    "scenario_compute_flop", "access", "strategies": {"scratch" | mode: {"p5"|"p50"|"p95":
    [..]}}}; the modes only when the scenario distils. Nothing but the chip counts (and the
    access mode, with its teacher hosting: full logits are self-hosted) changes. None when the
    fleet has no usable compute (scaling it gives nothing).
    """
    card, label = resolve_fit(scenario, fit_card)
    ctx = build_context(scenario, card, label)
    base = base_values(ctx)
    c0 = float(point(ctx, base)["scratch.compute_flop"][0])
    if not math.isfinite(c0) or c0 <= MIN_COMPUTE_FLOP:
        return None
    factors = factors_for(scenario, c0, points)
    seed = scenario.uncertainty.seed if seed is None else int(seed)
    modes = MODES[1:] if scenario.distillation.enabled else ()
    n = len(factors)
    at_point = dict(base)
    for i, entry in enumerate(scenario.actor.chips):
        at_point[f"actor.chips.{i}.count"] = np.array([float(entry.count * k) for k in factors])
    compute = core(ctx, at_point, np.full(n, -1), np.full(n, 0.5), np.ones(n, dtype=bool))
    out = {"factor": factors.tolist(), "draws": draws,
           "compute_flop": [float(x) for x in compute["scratch.compute_flop"]],
           "frontier_compute_flop": scenario.frontier.compute_flop,
           "scenario_compute_flop": c0, "access": scenario.distillation.access,
           "strategies": {}}
    if n == 0:
        out["strategies"] = {m: {"p5": [], "p50": [], "p95": []} for m in ("scratch",) + modes}
        return out
    values, idx, u = scaled_fleet_values(ctx, base, factors, draws, seed)
    sims = core(ctx, values, idx, u, np.zeros(n * draws, dtype=bool))
    by_mode = _by_hosting(ctx, modes, lambda c: core(c, values, idx, u,
                                                     np.zeros(n * draws, dtype=bool)), sims)
    keys = {"scratch": "scratch.effective_compute_flop",
            **{m: f"mode.{m}.effective_compute_flop" for m in modes}}
    for path, key in keys.items():
        blocks = by_mode.get(path, sims)[key].reshape(n, draws)
        q = np.percentile(blocks, montecarlo.PERCENTILES, axis=1)
        out["strategies"][path] = {f"p{p}": [float(x) for x in q[j]]
                                   for j, p in enumerate(montecarlo.PERCENTILES)
                                   if p in (5, 50, 95)}
    return out


def _by_hosting(ctx, modes, run, sims) -> dict:
    """Returns {mode: core outputs} where each mode is evaluated with its own teacher hosting
    (full logits: a self-hosted teacher; top-k and text: the API; simulator.scenario.accounting),
    as ``evaluate`` would with access = mode; ``sims`` are the outputs at the scenario's access,
    ``run(ctx)`` evaluates another context (once, for the modes hosted the other way)."""
    access = ctx.scenario.distillation.access
    other = [m for m in modes if self_hosted(m) != self_hosted(access)]
    if not other:
        return {m: sims for m in modes}
    d = ctx.scenario.distillation.model_copy(update={"access": other[0]})
    flipped = run(dataclasses.replace(ctx, scenario=ctx.scenario.model_copy(
        update={"distillation": d})))
    return {m: flipped if m in other else sims for m in modes}
