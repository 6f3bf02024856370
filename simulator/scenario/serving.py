"""The serving block of a scenario result: what the actor can deploy with the model it trained
from scratch, and with the smaller distilled model that reaches the same skill.

    from simulator.scenario.serving import serving_block
    block = serving_block(scenario, result)     # a contract.Serving; None without [serving]

Models. The scratch model is the law's compute-optimal model at the actor's pre-training
compute C: N_s = N*(C). Distillation reaches the loss of scratch compute C_eff with compute C,
a gain G = C_eff / C (>= 1; 1 when distillation does not help). Treating G as a compute
multiplier on the compute-optimal frontier (DESIGN: M(C)), the distilled model with the
scratch model's loss is the compute-optimal model at C / G: N_d = N*(C / G) <= N_s.

Deployment. A share s of each chip entry's usable chips serves (the rule has already decided
what is usable). Per chip, the serving roofline (simulator.serving) gives the most users each
served at the settings' speed (20 tokens/s, 4,989 tokens of context by default) on the best
replica size; tokens per day = users x speed x 86,400; users per day = tokens per day /
tokens_per_user_per_day. A model that fits on no replica of a chip serves nothing there.
"""

from __future__ import annotations

import math

from simulator.curves import forms
from simulator.errors import InputError
from simulator.scenario import world
from simulator.scenario.contract import ScenarioResult, Serving
from simulator.serving import architecture_for, load_settings, users_at_speed
from simulator.hardware import get_chip

SECONDS_PER_DAY = 86400.0


def _finite_or_zero(x: float) -> float:
    return x if math.isfinite(x) else 0.0


def _model_sizes(scenario, result: ScenarioResult) -> dict:
    law = world.law(scenario.law)["params"]
    res = result.results
    compute = _finite_or_zero(res.scratch.effective_compute_flop)
    distilled = _finite_or_zero(res.distill.effective_compute_flop)
    gain = 1.0
    if distilled and compute > 0:
        gain = max(1.0, distilled / compute)
    n_scratch = float(forms.compute_optimal(law, compute)[0])
    n_distill = float(forms.compute_optimal(law, compute / gain)[0])
    return {"scratch": (n_scratch, res.scratch.loss),
            "distill": (n_distill, res.scratch.loss), "gain": gain}


def _serve(chip_name, count, params, section, settings) -> dict:
    chip = get_chip(chip_name)
    arch = architecture_for(params, params * section.active_params_fraction)
    try:
        u = users_at_speed(chip, arch, section.precision, settings)
    except InputError as exc:
        return {"concurrent_users": 0, "tokens_per_day": 0.0, "chips_per_replica": None,
                "note": f"{chip.name}: {exc}"}
    replicas = int(count // u.chips_per_replica)
    users = replicas * u.users_per_replica
    return {"concurrent_users": users,
            "tokens_per_day": users * u.tokens_per_s_per_user * SECONDS_PER_DAY,
            "chips_per_replica": u.chips_per_replica, "note": None}


def serving_block(scenario, result: ScenarioResult) -> Serving | None:
    """Returns the serving block for ``result``, or None when the scenario has no [serving]
    section."""
    section = getattr(scenario, "serving", None)
    if section is None:
        return None
    settings = load_settings(section.assumptions)
    sizes = _model_sizes(scenario, result)
    fleet = [(f.chip, _finite_or_zero(f.usable) * section.share_of_fleet)
             for f in result.fleet]
    by_chip, models, notes = [], {}, []
    for role in ("scratch", "distill"):
        params, loss = sizes[role]
        total_users, total_tokens = 0, 0.0
        for chip_name, count in fleet:
            served = _serve(chip_name, count, params, section, settings) if count >= 1 else {
                "concurrent_users": 0, "tokens_per_day": 0.0, "chips_per_replica": None,
                "note": None}
            total_users += served["concurrent_users"]
            total_tokens += served["tokens_per_day"]
            if served["note"]:
                notes.append(served["note"])
            by_chip.append({"model": role, "chip": chip_name, "serving_chips": count,
                            "chips_per_replica": served["chips_per_replica"],
                            "concurrent_users": served["concurrent_users"],
                            "tokens_per_day": served["tokens_per_day"]})
        models[role] = {"params": params, "active_params": params * section.active_params_fraction,
                        "loss": loss, "concurrent_users": total_users,
                        "tokens_per_day": total_tokens,
                        "users_per_day": total_tokens / section.tokens_per_user_per_day}
    scratch_tokens = models["scratch"]["tokens_per_day"]
    return Serving.model_validate({
        "share_of_fleet": section.share_of_fleet,
        "serving_chips": sum(count for _, count in fleet),
        "tokens_per_user_per_day": section.tokens_per_user_per_day,
        "precision": section.precision,
        "user_tokens_per_s": settings.user_tokens_per_s,
        "context_tokens": settings.context_tokens,
        "distill_compute_gain": sizes["gain"],
        "models": models,
        "distill_over_scratch_tokens_per_day": (
            models["distill"]["tokens_per_day"] / scratch_tokens if scratch_tokens > 0
            else (math.inf if models["distill"]["tokens_per_day"] > 0 else None)),
        "by_chip": by_chip,
        "notes": sorted(set(notes)),
        "assumptions": [
            "Serving: the distilled model with the scratch model's loss is the law's "
            "compute-optimal model at C / G, G = distillation's effective-compute gain; "
            "throughput from a roofline (upper bound; data/serving_benchmarks.toml measures "
            "how far above published figures it sits)."],
    })


def _g(x) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.3g}"


def serving_table(block: Serving) -> tuple[list, list]:
    """Returns (headers, rows) comparing the scratch and the distilled model's deployment."""
    headers = ["Quantity", "Scratch-trained model", "Distilled model, same loss"]
    m = (block.models.scratch, block.models.distill)
    rows = [
        ["Parameters (active)", *(f"{_g(x.params)} ({_g(x.active_params)})" for x in m)],
        ["Loss (nats/token)", *(_g(x.loss) for x in m)],
        [f"Concurrent users at {block.user_tokens_per_s:g} tokens/s",
         *(f"{x.concurrent_users:,}" for x in m)],
        ["Output tokens per day", *(_g(x.tokens_per_day) for x in m)],
        [f"Users per day at {block.tokens_per_user_per_day:,.0f} tokens each",
         *(_g(x.users_per_day) for x in m)],
    ]
    return headers, rows


def serving_summary(block: Serving) -> str:
    """Returns one sentence: the fleet share, the distillation gain and what it changes."""
    ratio = block.distill_over_scratch_tokens_per_day
    gain = block.distill_compute_gain
    text = (f"{block.share_of_fleet:.0%} of the usable fleet ({block.serving_chips:,.0f} "
            f"chips) serves at {block.precision}, {block.user_tokens_per_s:g} tokens/s per "
            f"user with {block.context_tokens:,.0f} tokens of context. ")
    if gain <= 1.0:
        return text + ("Distillation gives no compute gain here, so the distilled model is as "
                       "large as the scratch one and deployment is unchanged.")
    return text + (f"Distillation's compute gain of {gain:.2f}x lets a model of "
                   f"{block.models.distill.params:.3g} parameters reach the scratch "
                   f"model's loss; it serves {_g(ratio)}x the tokens per day.")


def serving_lines(block: Serving) -> list[str]:
    """Returns the serving block as text lines for ``run``'s table."""
    headers, rows = serving_table(block)
    lines = ["serving:", f"  {serving_summary(block)}",
             f"  {'':38}{headers[1]:>24}{headers[2]:>28}"]
    lines += [f"  {row[0]:38}{row[1]:>24}{row[2]:>28}" for row in rows]
    lines += [f"  note: {n}" for n in block.notes]
    return lines
