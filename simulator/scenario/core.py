"""The scenario model: fleet -> FLOP -> scratch and distillation outcomes -> effective compute,
lag behind the frontier in years, and cost. Every function here is vectorised over draws.

Formulas (per draw; law = the published scaling law L(N, D) = E + A/N^alpha + B/D^beta):

Fleet. For chip entry i with count n_i, yield y_i, performance factor p_i:
    usable_i = n_i y_i x channel factor  (import: 1 if the rule allows it, the case-by-case
               approval fraction if it is under review, 0 if denied; smuggled: 1 - interdiction;
               domestic: 1; cloud: 0 if remote-access controls apply and the rule controls the
               chip, or the rule bars cloud access, else 1)
    C = sum_i usable_i x peak_i x p_i x MFU x 86400 x days           (compute_flop)
    cost = sum_i usable_i x 24 days x rent_i (rental basis) or usable_i x price_i (capital;
           smuggled x price multiplier; cloud always rental)
Efficiency. m = actor.algorithmic_efficiency_multiplier (1 = the frontier's algorithms): the
    actor trains as if it had m times its physical compute at the frontier's efficiency.
Scratch. C_pre = C (1 - f_A), f_A = actor.post_training_fraction (default f_F); E = m C_pre;
    (N*, D*, L_s) = compute_optimal(law, E). effective compute = E / (1 - f_F).
Teacher. L_T = L*(C_F (1 - f_F)), the law's compute-optimal loss at the frontier's pre-training
    compute (f_F = frontier.post_training_fraction; simulator.scenario.accounting).
Tokens obtained. T = min(tokens requested, accounts x rate x 1440 x days x survival,
    budget / price), survival = (1 - e^{-h m}) / (h m) with h = -ln(1 - p_detect) per month and
    m = campaign months (the mean active share of accounts under a constant ban hazard).
    API spend = T x (price_out + ratio x price_in) / 1e6. Self-hosted teacher (access = logits,
    open or leaked weights): T = tokens requested, no API spend, and the teacher's inference
    F_T = 2 N_T (1 + ratio) T comes out of the student's pre-training compute (accounting).
    Epochs: the behaviours see T' = T + T R* (1 - e^{-(epochs - 1)/R*}) (Muennighoff et al.).
Distillation. Per access mode (simulator.scenario.distill): L_mode(T), non-decreasing in T;
    then L_mode <- min(L_s, max(L_T, L_mode)) (the student never beats its teacher, and the actor
    can always ignore the teacher); then the envelope L_topk <- min(L_topk, L_text),
    L_logits <- min(L_logits, L_topk) (flagged in the assumptions when it binds).
    effective compute = max(C*(L_d), E) / (1 - f_F), the frontier's total compute reaching L_d.
    cost = fleet cost + API spend.
Lag. lag = ln(C_F / effective compute) / ln(growth x algorithmic progress): how many years ago
    the frontier had the actor's effective compute (negative: ahead of the frontier); pre-training
    against pre-training, so equal post-training fractions leave it unchanged.
    Where the lag goes (compute gap, efficiency, distillation): simulator.scenario.decomposition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from simulator.curves import forms
from simulator.scenario import accounting, world
from simulator.scenario.contract import HEADLINE  # noqa: F401  (re-exported)
from simulator.scenario.distill import behaviours
from simulator.scenario.schema import LEVER_FIELDS

MIN_COMPUTE_FLOP = 1e15   # floor so that a fleet with no usable chip still gives finite numbers
LIMITS = ("requested", "rate limits and detection", "budget")


@dataclass
class Context:
    """Everything about a scenario that does not vary across draws."""

    scenario: object
    law: dict
    law_info: dict
    chips: list                       # (ChipEntry, ChipFacts) per fleet entry
    cloud_allowed: bool
    modes: dict                       # mode -> CardMode | PriorMode
    card_label: str
    notes: list = field(default_factory=list)


def build_context(scenario, card, card_label) -> Context:
    """Returns the Context of a scenario with a fit card (or None for the priors)."""
    law_info = world.law(scenario.law)
    chips, notes = [], []
    for entry in scenario.actor.chips:
        facts = world.chip_facts(entry.chip, scenario.actor.precision, scenario.rule)
        if facts.precision != scenario.actor.precision:
            notes.append(f"{facts.name} has no {scenario.actor.precision} figure; its bf16 peak "
                         "is used")
        chips.append((entry, facts))
    modes = behaviours(card, scenario.distillation.teacher, world.priors(),
                       top_k=scenario.distillation.top_k)
    return Context(scenario=scenario, law=law_info["params"], law_info=law_info, chips=chips,
                   cloud_allowed=world.cloud_access_allowed(scenario.rule), modes=modes,
                   card_label=card_label, notes=notes)


def base_values(ctx: Context) -> dict:
    """Returns {lever path: float} of the scenario's own values (chip defaults filled in)."""
    s = ctx.scenario
    v = {"_years": 0.0}
    for name in LEVER_FIELDS["frontier"]:   # None (post-training share): NaN = the default
        v[f"frontier.{name}"] = _float(getattr(s.frontier, name))
    for name in LEVER_FIELDS["actor"]:      # None (post-training share): NaN = the frontier's
        v[f"actor.{name}"] = _float(getattr(s.actor, name))
    defaults = {"price_usd": "price_usd", "rental_usd_per_hour": "rental_usd_per_hour"}
    for i, (entry, facts) in enumerate(ctx.chips):
        for name in LEVER_FIELDS["chip"]:
            value = getattr(entry, name)
            if value is None:
                value = getattr(facts, defaults[name])
            v[f"actor.chips.{i}.{name}"] = float(value)
    for name in LEVER_FIELDS["distillation"]:
        value = getattr(s.distillation, name)
        v[f"distillation.{name}"] = math.inf if value is None else float(value)
    return v


def _float(value) -> float:
    return math.nan if value is None else float(value)


def _fleet(ctx, arr, n):
    """Returns (flop, chip_hours, cost_usd, per-entry flop list) arrays for the fleet."""
    s = ctx.scenario
    scale = np.power(arr("actor.growth_per_year"), arr("_years"))
    days, mfu = arr("actor.training_days"), arr("actor.mfu")
    flop, hours, cost = np.zeros(n), np.zeros(n), np.zeros(n)
    per_entry = []
    for i, (entry, facts) in enumerate(ctx.chips):
        pre = f"actor.chips.{i}."
        count = arr(pre + "count") * arr(pre + "yield_fraction") * scale
        if entry.channel == "import":
            factor = (arr("actor.case_by_case_approval_fraction") if facts.import_factor < 0
                      else facts.import_factor)
        elif entry.channel == "smuggled":
            factor = 1.0 - arr("actor.smuggling_interdiction_fraction")
        elif entry.channel == "cloud":
            blocked = facts.controlled and (s.actor.remote_access_controls
                                            or not ctx.cloud_allowed)
            factor = 0.0 if blocked else 1.0
        else:
            factor = 1.0
        usable = count * factor
        f = usable * facts.flop_per_chip_day * arr(pre + "performance_factor") * mfu * days
        h = usable * 24.0 * days
        rent = h * arr(pre + "rental_usd_per_hour")
        if s.actor.cost_basis == "rental" or entry.channel == "cloud":
            c = rent
        else:
            mult = arr("actor.smuggled_price_multiplier") if entry.channel == "smuggled" else 1.0
            c = usable * arr(pre + "price_usd") * mult
        flop, hours, cost = flop + f, hours + h, cost + c
        per_entry.append((usable, f))
    return flop, hours, cost, per_entry


def _tokens(arr):
    """Returns (tokens obtained, limit code 0/1/2, API spend USD, survival) arrays."""
    price = (arr("distillation.price_output_usd_per_mtok") + arr(
        "distillation.input_tokens_per_output_token") * arr(
        "distillation.price_input_usd_per_mtok")) / 1e6
    days = arr("distillation.campaign_days")
    p = np.clip(arr("distillation.detection_probability_per_account_month"), 0.0, 1.0)
    with np.errstate(divide="ignore"):
        hazard_months = -np.log1p(-p) * days / 30.4375
    with np.errstate(invalid="ignore", divide="ignore"):
        survival = np.where(hazard_months > 1e-12,
                            -np.expm1(-hazard_months) / hazard_months, 1.0)
    survival = np.nan_to_num(survival, nan=0.0, posinf=0.0)
    by_rate = (arr("distillation.accounts") * arr("distillation.rate_limit_tokens_per_minute")
               * 1440.0 * days * survival)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_budget = np.where(price > 0, arr("distillation.budget_usd") / price, np.inf)
    stack = np.stack([arr("distillation.tokens"), by_rate, by_budget])
    limit = np.argmin(stack, axis=0)
    tokens = np.nan_to_num(np.min(stack, axis=0), nan=0.0)
    return tokens, limit, tokens * price, survival


def core(ctx: Context, values: dict, idx, u, point) -> dict:
    """Returns {output name: array} for draws given lever values (scalars or arrays of len n)."""
    n = len(idx)

    def arr(path):
        return np.broadcast_to(np.asarray(values[path], dtype=float), (n,))

    law = ctx.law
    flop, hours, fleet_cost, per_entry = _fleet(ctx, arr, n)
    post_actor, post_frontier = accounting.post_training_fractions(arr)
    pretrain = np.maximum(flop, MIN_COMPUTE_FLOP) * (1.0 - post_actor)
    efficiency = arr("actor.algorithmic_efficiency_multiplier")
    pretrain_eff = pretrain * efficiency   # at the frontier's algorithms
    n_opt, d_opt, loss_s = forms.compute_optimal(law, pretrain_eff)
    years = arr("_years")
    frontier = arr("frontier.compute_flop") * np.power(arr("frontier.growth_per_year"), years)
    frontier_pre = frontier * (1.0 - post_frontier)
    to_total = 1.0 / (1.0 - post_frontier)   # pre-training FLOP -> frontier-equivalent total
    # years per e-fold of effective compute; floored so a growth of ~1x/yr stays finite
    clock = np.maximum(np.log(arr("frontier.growth_per_year")
                              * arr("frontier.algorithmic_progress_per_year")), 1e-9)
    loss_t = forms.frontier_loss(law, frontier_pre)
    tokens, limit, api_cost, survival = _tokens(arr)
    acc = accounting.teacher(ctx, arr, law, tokens, pretrain, frontier_pre, n_opt, d_opt,
                             MIN_COMPUTE_FLOP)
    if acc["self_hosted"]:
        tokens, limit, api_cost, survival = (acc["tokens"], np.zeros(n, dtype=int),
                                             np.zeros(n), np.ones(n))
    # the teacher's inference is physical FLOP; what is left trains at the actor's efficiency
    student, n_st, d_st = acc["student_flop"] * efficiency, acc["n_opt"], acc["d_opt"]
    if acc["self_hosted"]:
        n_st, d_st, _ = forms.compute_optimal(law, student)
    state = {"n_opt": n_st, "d_opt": d_st, "compute": student, "tokens": acc["effective_tokens"],
             "teacher_loss": loss_t, "idx": np.asarray(idx), "u": np.asarray(u, dtype=float),
             "point": np.asarray(point, dtype=bool)}
    losses = {}
    raws = {}
    for mode, behaviour in ctx.modes.items():
        raw = behaviour.loss(law, state)
        raws[mode] = raw  # the measured behaviour, harm included (before the decision below)
        # the decision layer: the student never beats its teacher, and an actor whose teacher
        # tokens would hurt ignores them (the result says by how much they would have hurt)
        losses[mode] = np.minimum(loss_s, np.maximum(loss_t, raw))
    env_topk = losses["topk"] > losses["text"] * (1 + 1e-12)
    losses["topk"] = np.minimum(losses["topk"], losses["text"])
    env_logits = losses["logits"] > losses["topk"] * (1 + 1e-12)
    losses["logits"] = np.minimum(losses["logits"], losses["topk"])
    access = ctx.scenario.distillation.access
    enabled = ctx.scenario.distillation.enabled

    def effective(loss):
        eff = np.maximum(forms.frontier_compute(law, loss), pretrain_eff) * to_total
        return np.where(np.isfinite(eff), eff, frontier)

    effs = {mode: effective(loss) for mode, loss in losses.items()}
    loss_d = losses[access] if enabled else loss_s
    eff_d = effs[access] if enabled else effective(loss_s)
    out = {
        "compute_flop": flop, "pretrain_flop": pretrain, "chip_hours": hours,
        "fleet_cost_usd": fleet_cost, "frontier_compute_flop": frontier,
        "teacher_loss": loss_t, "student_params": n_st, "student_tokens": d_st,
        "tokens_obtained": tokens if enabled else np.zeros(n), "token_limit": limit,
        "account_survival": survival, "api_cost_usd": api_cost if enabled else np.zeros(n),
        "pure": (acc["effective_tokens"] >= d_st) & enabled,
        "envelope_topk": env_topk, "envelope_logits": env_logits,
        # where the lag goes (simulator.scenario.decomposition): raw = at the frontier's
        # algorithms (m = 1), so scratch effective compute = raw x m
        "efficiency_multiplier": efficiency, "lag_clock": clock,
        "raw_effective_compute_flop": pretrain * to_total,
        "scratch.compute_flop": flop, "scratch.effective_compute_flop": pretrain_eff * to_total,
        "scratch.loss": loss_s,
        "scratch.lag_years": np.log(frontier / (pretrain_eff * to_total)) / clock,
        "scratch.cost_usd": fleet_cost,
        "distill.compute_flop": flop, "distill.effective_compute_flop": eff_d,
        "distill.loss": loss_d, "distill.lag_years": np.log(frontier / eff_d) / clock,
        "distill.cost_usd": fleet_cost + (api_cost if enabled else 0.0),
    }
    for mode, loss in losses.items():
        out[f"mode.{mode}.loss"] = loss
        out[f"mode.{mode}.effective_compute_flop"] = effs[mode]
        out[f"mode.{mode}.raw_loss"] = raws[mode]
    for i, (usable, f) in enumerate(per_entry):
        out[f"entry.{i}.usable"], out[f"entry.{i}.flop"] = usable, f
    out.update(accounting.outputs(acc, post_actor, post_frontier, frontier_pre, flop, hours,
                                  fleet_cost, enabled, n))
    return out

