"""evaluate(scenario) -> ScenarioResult: the point estimate, Monte Carlo percentiles, tornado,
regime, assumptions and (optionally) a yearly time series, as plain data.

Example:
    >>> from simulator.scenario import load_scenario, evaluate
    >>> result = evaluate(load_scenario("scenarios/deepseek-v3-reference.toml"))
    >>> result.to_dict()["results"]["scratch"]["compute_flop"]  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from simulator.errors import InputError
from simulator.paths import DEFAULT_FIT
from simulator.scenario import montecarlo, sensitivity
from simulator.scenario.model import HEADLINE, LIMITS, TRANSFER, base_values, build_context, core
from simulator.scenario.levers import lever_specs


@dataclass
class ScenarioResult:
    """What evaluate() returns; to_dict() is exactly what ``run --json`` prints."""

    scenario: dict
    results: dict
    percentiles: dict
    tornado: list
    regime: dict
    assumptions: list
    fleet: list
    distillation: dict
    timeseries: list = field(default_factory=list)
    fit: dict = field(default_factory=dict)
    serving: dict | None = None  # only with a [serving] section (simulator.scenario.serving)

    def to_dict(self) -> dict:
        """Returns a JSON-ready dict (finite floats, plain types)."""
        out = {
            "scenario": self.scenario, "results": self.results,
            "percentiles": self.percentiles, "tornado": self.tornado, "regime": self.regime,
            "assumptions": self.assumptions, "fleet": self.fleet,
            "distillation": self.distillation, "timeseries": self.timeseries, "fit": self.fit,
        }
        if self.serving is not None:
            out["serving"] = self.serving
        return _plain(out)


def _plain(obj):
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if math.isfinite(x) else None
    return obj


# --------------------------------------------------------------------------- fit cards

@functools.lru_cache(maxsize=8)
def _load_card_cached(path: str, mtime: float) -> dict:
    from simulator.curves.card import load_card

    return load_card(path)


def load_fit(path) -> dict:
    """Returns a fit card read from ``path`` (cached by modification time)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: no such fit card")
    return _load_card_cached(str(p), os.path.getmtime(p))


def resolve_fit(scenario, fit_card):
    """Returns (card or None, label) for evaluate's fit_card argument and the scenario's fit."""
    if isinstance(fit_card, dict):
        return fit_card, "fit card (given)"
    if fit_card is not None:
        return load_fit(fit_card), str(fit_card)
    if scenario.fit == "priors":
        return None, "literature priors (scenario fit = 'priors')"
    if scenario.fit == "default":
        if DEFAULT_FIT.is_file():
            return load_fit(DEFAULT_FIT), "data/fits/default.json"
        return None, "literature priors (no fit card at data/fits/default.json)"
    path = Path(scenario.fit)
    if not path.is_absolute():
        path = Path(scenario.source_path).parent / path
    if not path.is_file():
        raise InputError(f"{scenario.source_path}: fit: no such fit card {str(path)!r} "
                         "(or use 'default' or 'priors')")
    return load_fit(path), str(path)


# --------------------------------------------------------------------------- evaluate

def _specs(scenario) -> dict:
    return {s["path"]: s for s in lever_specs(scenario) if s["sampled"]}


def _lever_tuples(scenario):
    return [(lv.path, lv.low, lv.high) for lv in scenario.uncertainty.levers]


def tornado(scenario, fit_card=None, levers=None) -> list[dict]:
    """Returns tornado rows for the lag: [{path, label, low, high, base, scratch: {...},
    distill: {...}, swing_years}], largest swing first.

    ``levers``: [(path, low, high)]; default: the scenario's uncertainty ranges plus
    sensitivity.DEFAULT_SWINGS for the levers those ranges leave out.
    """
    card, label = resolve_fit(scenario, fit_card)
    ctx = build_context(scenario, card, label)
    return _tornado(ctx, base_values(ctx), levers)


def _tornado(ctx, base, levers=None):
    specs = _specs(ctx.scenario)
    if levers is None:
        levers = _lever_tuples(ctx.scenario)
        covered = {path for path, _, _ in levers}
        levers += [lv for lv in sensitivity.default_levers(ctx, base, specs)
                   if lv[0] not in covered]
    return sensitivity.tornado_rows(ctx, base, levers, specs)


def _point(ctx, values) -> dict:
    n = 1
    return {k: v[0] for k, v in core(ctx, values, np.full(n, -1), np.full(n, 0.5),
                                     np.ones(n, dtype=bool)).items()}


def timeseries(ctx, base, years: int) -> list[dict]:
    """Returns one row per year 0..years: frontier compute and both strategies' headlines."""
    n = years + 1
    values = dict(base)
    values["_years"] = np.arange(n, dtype=float)
    out = core(ctx, values, np.full(n, -1), np.full(n, 0.5), np.ones(n, dtype=bool))
    year0 = ctx.scenario.year
    return [{"year": year0 + t, "frontier_compute_flop": float(out["frontier_compute_flop"][t]),
             **{s: {k: float(out[f"{s}.{k}"][t]) for k in HEADLINE}
                for s in ("scratch", "distill")}} for t in range(n)]


def evaluate(scenario, fit_card=None, *, draws=None, seed=None, with_tornado=True):
    """Returns the ScenarioResult of a scenario.

    fit_card: a card dict, a path, or None for the scenario's ``fit`` ('default' uses
    data/fits/default.json when present, else the literature priors). draws/seed override
    ``[uncertainty]``; draws=0 skips the Monte Carlo.
    """
    card, label = resolve_fit(scenario, fit_card)
    ctx = build_context(scenario, card, label)
    base = base_values(ctx)
    point = _point(ctx, base)
    n = scenario.uncertainty.draws if draws is None else int(draws)
    seed = scenario.uncertainty.seed if seed is None else int(seed)
    pct = montecarlo.percentiles(montecarlo.draw(ctx, base, n, seed)) if n > 0 else {}
    if pct:
        pct.update({"draws": n, "seed": seed})
    results = {s: {k: float(point[f"{s}.{k}"]) for k in HEADLINE}
               for s in ("scratch", "distill")}
    for s in ("scratch", "distill"):
        results[s]["lag_reduction_vs_scratch_years"] = (
            results["scratch"]["lag_years"] - results[s]["lag_years"])
    regime = _regime(ctx, point)
    results["distill"]["regime"] = regime["regime"]
    result = ScenarioResult(
        scenario=_scenario_summary(scenario, ctx),
        results=results, percentiles=pct,
        tornado=_tornado(ctx, base) if with_tornado else [],
        regime=regime, assumptions=_assumptions(ctx, point, pct),
        fleet=_fleet_rows(ctx, point), distillation=_distillation(ctx, point),
        timeseries=timeseries(ctx, base, scenario.timeseries_years)
        if scenario.timeseries_years else [],
        fit={"label": label, "sources": {m: b.source for m, b in ctx.modes.items()}},
    )
    if scenario.serving is not None:
        from simulator.scenario.serving import serving_block

        result.serving = serving_block(scenario, result.to_dict())
    return result


def _scenario_summary(s, ctx) -> dict:
    return {"name": s.name, "file": s.source_path, "year": s.year, "rule": s.rule,
            "law": s.law, "variant": s.variant, "access": s.distillation.access,
            "fit": ctx.card_label, "description": s.description}


def _regime(ctx, p) -> dict:
    d = ctx.scenario.distillation
    if not d.enabled:
        return {"regime": "none", "why": "distillation disabled in the scenario",
                "source": None}
    obtained, needed = float(p["tokens_obtained"]), float(p["student_tokens"])
    binding = limit = LIMITS[int(p["token_limit"])]
    if limit == "rate limits and detection":
        limit += (f": {d.accounts:g} accounts x {d.rate_limit_tokens_per_minute:g} tokens/min x "
                  f"{d.campaign_days:g} days x {float(p['account_survival']):.2f} mean share of "
                  "accounts not yet banned")
    elif limit == "budget":
        limit += f": ${d.budget_usd:,.0f}"
    behaviour = ctx.modes[d.access]
    if bool(p["pure"]):
        regime = "pure"
        why = (f"the {obtained:.3g} teacher tokens obtained (bound: {limit}) cover the "
               f"{needed:.3g} tokens of a compute-optimal student run, so every student token "
               "can come from the teacher")
    else:
        regime = "token_limited"
        why = (f"only {obtained:.3g} teacher tokens obtained (bound: {limit}) against "
               f"{needed:.3g} for a compute-optimal pure-distillation run: a fraction "
               f"{obtained / needed:.2e} of the student's tokens comes from the teacher")
    if float(p["distill.loss"]) >= float(p["scratch.loss"]) * (1 - 1e-9):
        why += ("; at this scale the measured behaviour gives no gain over training from "
                "scratch, so the distilled result equals scratch (the actor ignores the teacher)")
    return {"regime": regime, "why": why, "source": behaviour.source,
            "tokens_obtained": obtained, "tokens_for_pure_run": needed,
            "teacher_token_fraction": min(1.0, obtained / needed), "binding_limit": binding}


def _assumptions(ctx, p, pct) -> list[str]:
    s = ctx.scenario
    out = [TRANSFER.format(law=f"{ctx.law_info['id']}: {ctx.law_info['title']}")]
    out.append(f"Distillation behaviour from {ctx.card_label}; per mode: "
               + ", ".join(f"{m} = {b.source}" for m, b in ctx.modes.items()) + ".")
    if any(b.source != "fit card" for b in ctx.modes.values()):
        out.append("Literature priors: CEG 5-20x for full logits (Davidson et al. 2023), text "
                   "1-10x, top-k 50-90% of the way from text to logits in log CEG (Busbridge et "
                   "al. 2025; Anshumann et al. 2025); reached at a "
                   "3.2e9-token post-training set (DeepSeek-R1) and not beyond.")
    out.append("The teacher is the frontier model, compute-optimal at frontier.compute_flop "
               "under the law; the student never beats the teacher's loss and never does worse "
               "than training from scratch (it can ignore the teacher).")
    if s.distillation.access == "topk":
        k_card = ctx.modes["topk"].top_k
        out.append(f"Top-k behaviour transferred as measured (k = {k_card or 'n/a'} in the "
                   f"experiments) to the scenario's k = {s.distillation.top_k}.")
    for key, better, worse in (("envelope_topk", "text", "top-k"),
                               ("envelope_logits", "top-k", "full logits")):
        if bool(p[key]):
            out.append(f"Monotone envelope applied at the point estimate: the fitted behaviour "
                       f"ranked {better} above {worse}; {worse} is raised to {better}'s outcome "
                       "(logits >= top-k >= text enforced).")
    if pct and pct.get("envelope_share", 0) > 0:
        out.append(f"Monotone envelope bound in {pct['envelope_share']:.0%} of Monte Carlo "
                   "draws.")
    if s.frontier.algorithmic_progress_per_year > 1:
        out.append(f"Lag clock includes algorithmic progress of "
                   f"{s.frontier.algorithmic_progress_per_year:g}x/yr (Ho et al. 2024), "
                   "shared by the actor.")
    for i, (entry, facts) in enumerate(ctx.chips):
        if entry.channel == "import" and facts.import_factor == 0:
            out.append(f"actor.chips.{i}: {facts.name} imports do not count under rule "
                       f"{s.rule} ({facts.status}: {facts.reason}).")
        if entry.channel == "domestic" and facts.status != "domestic":
            out.append(f"actor.chips.{i}: {facts.name} is not designed in the restricted "
                       "country but is counted as domestic production, as the scenario says.")
        if entry.channel == "import" and facts.import_factor < 0:
            out.append(f"actor.chips.{i}: {facts.name} is under case-by-case review under "
                       f"{s.rule}; {s.actor.case_by_case_approval_fraction:.0%} of the "
                       "requested units are assumed licensed.")
    if float(p["compute_flop"]) * (1 - s.actor.post_training_fraction) < 1e15:
        out.append("No usable compute: the fleet contributes nothing under this rule; "
                   "compute floored at 1e15 FLOP to keep the numbers finite.")
    behaviour = ctx.modes[s.distillation.access]
    fraction = min(1.0, float(p["tokens_obtained"]) / float(p["student_tokens"]))
    domains = [m.tl_domain for m in ([behaviour] + list(getattr(behaviour, "tl_from", [])))
               if getattr(m, "tl_domain", None)]
    if s.distillation.enabled and domains and not bool(p["pure"]):
        lo, hi = min(d[0] for d in domains), max(d[1] for d in domains)
        if not lo <= fraction <= hi:
            out.append(f"The token-limited gain is extrapolated: teacher-token fraction "
                       f"{fraction:.2e} lies outside the measured range [{lo:g}, {hi:g}].")
    for mode, b in ctx.modes.items():
        out.extend(b.notes)
    out.extend(ctx.notes)
    return out


def _fleet_rows(ctx, p) -> list[dict]:
    rows = []
    for i, (entry, facts) in enumerate(ctx.chips):
        rows.append({"index": i, "chip": facts.name, "channel": entry.channel,
                     "count": entry.count, "usable": float(p[f"entry.{i}.usable"]),
                     "flop": float(p[f"entry.{i}.flop"]), "status": facts.status,
                     "controlled": facts.controlled, "precision": facts.precision,
                     "reason": facts.reason})
    return rows


def _distillation(ctx, p) -> dict:
    return {"access": ctx.scenario.distillation.access,
            "tokens_obtained": float(p["tokens_obtained"]),
            "api_cost_usd": float(p["api_cost_usd"]),
            "account_survival": float(p["account_survival"]),
            "teacher_loss": float(p["teacher_loss"]),
            "student_params": float(p["student_params"]),
            "student_tokens": float(p["student_tokens"]),
            "loss_by_access_mode": {m: float(p[f"mode.{m}.loss"])
                                    for m in ("logits", "topk", "text")}}
