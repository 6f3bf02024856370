"""evaluate(scenario) -> ScenarioResult: the point estimate, Monte Carlo percentiles, tornado,
regime, assumptions and (optionally) a yearly time series, as typed models
(simulator.scenario.contract) built once from model.core's arrays; which fit card a scenario
uses (fit_path, resolve_fit).

Example:
    >>> from simulator.scenario import load_scenario, evaluate
    >>> result = evaluate(load_scenario("scenarios/deepseek-v3-reference.toml"))
    >>> result.results.scratch.compute_flop  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from simulator.curves.card import FitCard, load_card, validate_card
from simulator.errors import InputError
from simulator.paths import DEFAULT_FIT
from simulator.scenario import montecarlo, prose, sensitivity
from simulator.scenario.accounting import accounting_block
from simulator.scenario.contract import (STRATEGIES, DistillOutcome, Distillation, FitInfo,
                                         FleetEntry, Headline, ModeLosses, Outcome, Percentiles,
                                         Results, ScenarioInfo, ScenarioResult, TornadoRow,
                                         YearRow)
from simulator.scenario.core import base_values, build_context, core
from simulator.scenario.levers import lever_specs


# --------------------------------------------------------------------------- fit cards

@functools.lru_cache(maxsize=8)
def _load_card_cached(path: str, mtime: float) -> FitCard:
    return load_card(path)


def load_fit(path) -> FitCard:
    """Returns a fit card read from ``path`` (cached by modification time)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: no such fit card")
    return _load_card_cached(str(p), os.path.getmtime(p))


def fit_path(scenario, fit_card=None) -> Path | None:
    """Returns the fit card file a scenario uses with evaluate's ``fit_card`` argument (a path
    or None), or None for the literature priors; InputError if the scenario's file is missing.
    """
    if fit_card is not None:
        return Path(fit_card)
    if scenario.fit == "priors":
        return None
    if scenario.fit == "default":
        return DEFAULT_FIT if DEFAULT_FIT.is_file() else None
    path = Path(scenario.fit)
    if not path.is_absolute():
        path = Path(scenario.source_path).parent / path
    if not path.is_file():
        raise InputError(f"{scenario.source_path}: fit: no such fit card {str(path)!r} "
                         "(or use 'default' or 'priors')")
    return path


def resolve_fit(scenario, fit_card):
    """Returns (FitCard or None, label) for evaluate's fit_card argument (a FitCard, a card
    dict, validated here, a path or None) and the scenario's fit."""
    if isinstance(fit_card, (dict, FitCard)):
        return validate_card(fit_card, "fit card (given)"), "fit card (given)"
    path = fit_path(scenario, fit_card)
    if fit_card is not None:
        return load_fit(path), str(fit_card)
    if path is None:
        return None, ("literature priors (scenario fit = 'priors')" if scenario.fit == "priors"
                      else "literature priors (no fit card at data/fits/default.json)")
    if scenario.fit == "default":
        return load_fit(path), "data/fits/default.json"
    return load_fit(path), str(path)


# --------------------------------------------------------------------------- evaluate

def _specs(scenario) -> dict:
    return {s["path"]: s for s in lever_specs(scenario) if s["sampled"]}


def _lever_tuples(scenario):
    return [(lv.path, lv.low, lv.high) for lv in scenario.uncertainty.levers]


def tornado(scenario, fit_card=None, levers=None) -> list[TornadoRow]:
    """Returns tornado rows for the lag (TornadoRow: path, label, low, high, base, scratch and
    distill TornadoSide, swing_years), largest swing first.

    ``levers``: [(path, low, high)]; default: the scenario's uncertainty ranges plus
    the schema's default swings (schema.lever) for the levers those ranges leave out.
    """
    card, label = resolve_fit(scenario, fit_card)
    ctx = build_context(scenario, card, label)
    return _tornado(ctx, base_values(ctx), levers)


def _tornado(ctx, base, levers=None) -> list[TornadoRow]:
    specs = _specs(ctx.scenario)
    if levers is None:
        levers = _lever_tuples(ctx.scenario)
        covered = {path for path, _, _ in levers}
        levers += [lv for lv in sensitivity.default_levers(ctx, base, specs)
                   if lv[0] not in covered]
    return [TornadoRow.model_validate(row)
            for row in sensitivity.tornado_rows(ctx, base, levers, specs)]


def point(ctx, values) -> dict:
    """Returns model.core's outputs (arrays of one) at the point estimate of ``values``."""
    n = 1
    return core(ctx, values, np.full(n, -1), np.full(n, 0.5), np.ones(n, dtype=bool))


def timeseries(ctx, base, years: int) -> list[YearRow]:
    """Returns one row per year 0..years: frontier compute and both strategies' headlines."""
    n = years + 1
    values = dict(base)
    values["_years"] = np.arange(n, dtype=float)
    out = core(ctx, values, np.full(n, -1), np.full(n, 0.5), np.ones(n, dtype=bool))
    year0 = ctx.scenario.year
    return [YearRow(year=year0 + t, frontier_compute_flop=float(out["frontier_compute_flop"][t]),
                    scratch=Headline.from_core(out, "scratch", t),
                    distill=Headline.from_core(out, "distill", t)) for t in range(n)]


def evaluate(scenario, fit_card=None, *, draws=None, seed=None,
             with_tornado=True) -> ScenarioResult:
    """Returns the ScenarioResult of a scenario.

    fit_card: a card dict, a path, or None for the scenario's ``fit`` ('default' uses
    data/fits/default.json when present, else the literature priors). draws/seed override
    ``[uncertainty]``; draws=0 skips the Monte Carlo.
    """
    card, label = resolve_fit(scenario, fit_card)
    ctx = build_context(scenario, card, label)
    base = base_values(ctx)
    out = point(ctx, base)
    p = {k: v[0] for k, v in out.items()}
    n = scenario.uncertainty.draws if draws is None else int(draws)
    seed = scenario.uncertainty.seed if seed is None else int(seed)
    pct = mc = None
    if n > 0:
        mc = montecarlo.draw(ctx, base, n, seed)
        pct = Percentiles.model_validate(
            {**montecarlo.percentiles(mc), "draws": n, "seed": seed})
    regime = prose.regime(ctx, p)
    heads = {s: Headline.from_core(out, s) for s in STRATEGIES}
    scratch_lag = heads["scratch"].lag_years
    results = Results(
        scratch=Outcome(**heads["scratch"].model_dump(),
                        lag_reduction_vs_scratch_years=scratch_lag - scratch_lag),
        distill=DistillOutcome(**heads["distill"].model_dump(),
                               lag_reduction_vs_scratch_years=scratch_lag
                               - heads["distill"].lag_years, regime=regime.regime))
    result = ScenarioResult(
        scenario=_scenario_info(scenario, ctx), results=results, percentiles=pct,
        tornado=_tornado(ctx, base) if with_tornado else [],
        regime=regime, assumptions=prose.assumptions(ctx, p, pct),
        fleet=_fleet(ctx, p), distillation=_distillation(ctx, p),
        timeseries=timeseries(ctx, base, scenario.timeseries_years)
        if scenario.timeseries_years else [],
        fit=FitInfo(label=label, sources={m: b.source for m, b in ctx.modes.items()}),
    )
    result = result.model_copy(update={"accounting": accounting_block(ctx, p)})
    if scenario.serving is not None:  # imported here: the serving roofline is for [serving] only
        from simulator.scenario.serving import serving_block

        result = result.model_copy(update={"serving": serving_block(scenario, result)})
    if getattr(scenario, "capability", None) is not None:
        from simulator.scenario.skill import capability_block

        block = capability_block(scenario, result.to_dict(), draws=n, seed=seed)
        if with_tornado:   # the API policies and the skill-axis tornado (scenario.skill_tornado)
            from simulator.scenario.skill_tornado import policy_blocks

            block.update(policy_blocks(scenario, ctx, base, result.tornado, evaluate))
        result = result.model_copy(update={"capability": block})
    from simulator.scenario.decomposition import decomposition_block  # where the lag goes

    return result.model_copy(update={"lag_decomposition": decomposition_block(
        ctx, out, mc, result.capability)})


def _scenario_info(s, ctx) -> ScenarioInfo:
    return ScenarioInfo(name=s.name, file=s.source_path, year=s.year, rule=s.rule, law=s.law,
                        variant=s.variant, access=s.distillation.access, fit=ctx.card_label,
                        description=s.description)


def _fleet(ctx, p) -> list[FleetEntry]:
    return [FleetEntry(index=i, chip=facts.name, channel=entry.channel, count=entry.count,
                       usable=float(p[f"entry.{i}.usable"]), flop=float(p[f"entry.{i}.flop"]),
                       status=facts.status, controlled=bool(facts.controlled),
                       precision=facts.precision, reason=facts.reason)
            for i, (entry, facts) in enumerate(ctx.chips)]


def _distillation(ctx, p) -> Distillation:
    return Distillation(
        access=ctx.scenario.distillation.access,
        tokens_obtained=float(p["tokens_obtained"]), api_cost_usd=float(p["api_cost_usd"]),
        account_survival=float(p["account_survival"]), teacher_loss=float(p["teacher_loss"]),
        student_params=float(p["student_params"]), student_tokens=float(p["student_tokens"]),
        loss_by_access_mode=ModeLosses(**{m: float(p[f"mode.{m}.loss"])
                                          for m in ("logits", "topk", "text")}))
