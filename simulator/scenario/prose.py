"""The model's own prose: which distillation regime a result is in and why, and the assumptions
behind it, worded from the same numbers (model.core outputs at the point estimate).

Example:
    >>> from simulator.scenario import load_scenario, evaluate
    >>> evaluate(load_scenario("scenarios/api-open-2026.toml")).regime.why  # doctest: +SKIP
"""

from __future__ import annotations

import math

from simulator.curves.forms import observed_log_multiplier
from simulator.scenario import accounting
from simulator.scenario.contract import Regime
from simulator.scenario.core import LIMITS, MIN_COMPUTE_FLOP
from simulator.vocabulary import transfer_sentence


def regime(ctx, p) -> Regime:
    """Returns the Regime of the point estimate ``p`` (model.core outputs at one draw)."""
    d = ctx.scenario.distillation
    if not d.enabled:
        return Regime(regime="none", why="distillation disabled in the scenario", source=None)
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
    harm = teacher_harm(ctx, p)
    if harm is not None:
        why += "; " + harm
    elif float(p["distill.loss"]) >= float(p["scratch.loss"]) * (1 - 1e-9):
        why += ("; at this scale the measured behaviour gives no gain over training from "
                "scratch, so the distilled result equals scratch (the actor ignores the teacher)")
    return Regime(regime=regime, why=why, source=behaviour.source, tokens_obtained=obtained,
                  tokens_for_pure_run=needed, teacher_token_fraction=min(1.0, obtained / needed),
                  binding_limit=binding)


def teacher_harm(ctx, p) -> str | None:
    """Returns "the teacher's tokens would hurt by X; the actor ignores them" when the measured
    behaviour of the scenario's access mode (before the decision to ignore the teacher) is worse
    than training from scratch at the point estimate, else None."""
    d = ctx.scenario.distillation
    key = f"mode.{d.access}.raw_loss"
    if not d.enabled or key not in p:
        return None
    raw, scratch = float(p[key]), float(p["scratch.loss"])
    if not raw > scratch * (1 + 1e-9):
        return None
    ln_g = float(observed_log_multiplier(ctx.law, float(p["student_params"]),
                                         float(p["student_tokens"]), raw))
    charge = float(p.get("accounting.teacher_inference_flop", 0.0))
    if charge > 0 and ln_g >= 0:   # the tokens help; the self-hosted teacher's inference costs more
        return (f"the self-hosted teacher's inference ({charge:.3g} FLOP taken from the "
                f"student's pre-training) would cost more than its tokens give "
                f"(G = {math.exp(ln_g):.4g}): {100 * (raw / scratch - 1):.2g}% worse in loss; "
                "the actor ignores the teacher, so the distilled result equals training from "
                "scratch")
    return (f"the teacher's tokens would hurt by {100 * (raw / scratch - 1):.2g}% in loss (as "
            f"if training on {100 * (1 - math.exp(ln_g)):.2g}% fewer tokens, "
            f"G = {math.exp(ln_g):.4g}); "
            "the actor ignores them, so the distilled result equals training from scratch")


def assumptions(ctx, p, pct) -> list[str]:
    """Returns the assumptions behind a result, one sentence each (pct: Percentiles or None)."""
    s = ctx.scenario
    out = [transfer_sentence(f"{ctx.law_info['id']}: {ctx.law_info['title']}", ctx.card_label)]
    out.append(f"Distillation behaviour from {ctx.card_label}; per mode: "
               + ", ".join(f"{m} = {b.source}" for m, b in ctx.modes.items()) + ".")
    if any(b.source != "fit card" for b in ctx.modes.values()):
        out.append("Literature priors: CEG 5-20x for full logits (Davidson et al. 2023), text "
                   "1-10x, top-k 50-90% of the way from text to logits in log CEG (Busbridge et "
                   "al. 2025; Anshumann et al. 2025); reached at a "
                   "3.2e9-token post-training set (DeepSeek-R1) and not beyond.")
    out.append("The teacher is the frontier model, compute-optimal under the law at its "
               "pre-training compute (frontier.compute_flop less its post-training share); the "
               "student never beats the teacher's loss and never does worse "
               "than training from scratch (it can ignore the teacher).")
    if s.distillation.access == "topk" and getattr(ctx.modes["topk"], "blend", None) is None:
        k_card = ctx.modes["topk"].top_k
        out.append(f"Top-k behaviour transferred as measured (k = {k_card or 'n/a'} in the "
                   f"experiments) to the scenario's k = {s.distillation.top_k}, without a "
                   "captured-mass mapping.")
    harm = teacher_harm(ctx, p)
    if harm is not None:
        out.append(harm[0].upper() + harm[1:] + ".")
    for key, better, worse in (("envelope_topk", "text", "top-k"),
                               ("envelope_logits", "top-k", "full logits")):
        if bool(p[key]):
            out.append(f"Monotone envelope applied at the point estimate: the fitted behaviour "
                       f"ranked {better} above {worse}; {worse} is raised to {better}'s outcome "
                       "(logits >= top-k >= text enforced).")
    if pct is not None and pct.envelope_share > 0:
        out.append(f"Monotone envelope bound in {pct.envelope_share:.0%} of Monte Carlo "
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
    out.extend(accounting.sentences(ctx, p))
    if float(p["compute_flop"]) < MIN_COMPUTE_FLOP:
        out.append("No usable compute: the fleet contributes nothing under this rule; "
                   "compute floored at 1e15 FLOP to keep the numbers finite.")
    behaviour = ctx.modes[s.distillation.access]
    fraction = min(1.0, float(p["tokens_obtained"]) / float(p["student_tokens"]))
    domains = [m.tl_domain for m in ([behaviour] + list(getattr(behaviour, "tl_from", [])))
               if getattr(m, "tl_domain", None)]
    if s.distillation.enabled and domains and not bool(p["pure"]):
        lo, hi = min(d[0] for d in domains), max(d[1] for d in domains)
        if fraction > hi:
            out.append(f"Teacher-token fraction {fraction:.2e} lies above the largest measured "
                       f"fraction {hi:g}: the gain measured there is used (the edge value; not "
                       "extrapolated).")
        elif fraction < lo:
            out.append(f"Teacher-token fraction {fraction:.2e} lies below the smallest measured "
                       f"fraction {lo:g}: the fitted form runs between f = 0 (G = 1, no teacher "
                       f"tokens) and {lo:g}.")
    for mode, b in ctx.modes.items():
        out.extend(b.notes)
    out.extend(ctx.notes)
    return out
