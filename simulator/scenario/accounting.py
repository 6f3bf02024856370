"""Training-compute accounting of a scenario: post-training on both sides, a self-hosted
teacher's inference on the actor's fleet, and bought tokens reused for several epochs.
Vectorised over draws like simulator.scenario.core, which calls these functions.

Post-training (like with like). frontier.compute_flop is the frontier model's total training
compute; f_F = frontier.post_training_fraction of it is post-training (data/accounting.toml
[post_training]: 0.05 [0.002, 0.5]), so its pre-training compute is C_F (1 - f_F) and the
teacher's loss is the law's at that compute. The actor pre-trains on C (1 - f_A), f_A =
actor.post_training_fraction (default: f_F). Effective compute is stated as frontier-equivalent
total compute, C*(L) / (1 - f_F): the total training compute the frontier would spend, at its own
post-training share, to reach loss L. The lag ln(C_F / effective) / ln(clock) is then
ln(C_F (1 - f_F) / C*(L)) / ln(clock): pre-training against pre-training. With f_A = f_F the
scratch lag is ln(C_F / C) / ln(clock) whatever the shared fraction.

Self-hosted teacher. Full logits are not sold by any API; access = "logits" means open or
leaked weights run on the actor's own fleet (schema: Distillation.access). Then no API spend,
no rate limit, no account bans; instead the teacher's forward passes over the obtained tokens
and their prompts cost F_T = 2 N_T (1 + r) T FLOP (N_T: the teacher's active parameters,
distillation.teacher_active_params, default the law's compute-optimal N at the frontier's
pre-training compute; r: prompt tokens per teacher token; T: tokens), run once (outputs kept
across epochs). F_T is taken from the student's pre-training compute (it uses fleet time within
the same training window): C_student = C (1 - f_A) - F_T. An actor that ignores the teacher
(the decision layer in core) pays nothing and trains from scratch. For API tiers F_T = 0.

Repetition (Muennighoff et al. 2023, arXiv:2305.16264). T unique teacher tokens seen for
E = distillation.epochs passes count as T' = T + T R* (1 - exp(-(E - 1) / R*)) unique tokens
(R* = 15.39, data/accounting.toml [repetition]); E = 1 gives T exactly, T' <= E T, and T'
saturates at T (1 + R*). The distillation behaviours receive T' in place of T.
"""

from __future__ import annotations

import functools

import numpy as np

from simulator.curves import forms
from simulator.datafile import read_toml
from simulator.paths import DATA_DIR

ACCOUNTING_TOML = DATA_DIR / "accounting.toml"
SELF_HOSTED_ACCESS = ("logits",)


@functools.lru_cache(maxsize=1)
def constants() -> dict:
    """Returns data/accounting.toml ([post_training], [repetition])."""
    return read_toml(ACCOUNTING_TOML, "accounting constants file")


def frontier_post_training_default() -> float:
    """Returns the sourced central post-training share of the frontier (data/accounting.toml)."""
    return float(constants()["post_training"]["central"])


def r_star() -> float:
    """Returns Muennighoff et al.'s fitted R*_D (data/accounting.toml [repetition])."""
    return float(constants()["repetition"]["r_star_d"])


def self_hosted(access: str) -> bool:
    """Returns whether an access mode means running the teacher's weights on the actor's fleet."""
    return access in SELF_HOSTED_ACCESS


def post_training_fractions(arr) -> tuple:
    """Returns (actor, frontier) post-training fractions per draw; the actor's base value is NaN
    when the scenario leaves it unset (it then follows the frontier's, draw by draw)."""
    frontier = arr("frontier.post_training_fraction")
    frontier = np.where(np.isnan(frontier), frontier_post_training_default(), frontier)
    actor = arr("actor.post_training_fraction")
    return np.where(np.isnan(actor), frontier, actor), frontier


def effective_tokens(tokens, epochs, rstar):
    """Returns Muennighoff et al.'s effective unique tokens of ``tokens`` seen ``epochs`` times:
    T + T R* (1 - exp(-(epochs - 1) / R*)); epochs < 1 counts as 1."""
    repeats = np.maximum(np.asarray(epochs, dtype=float) - 1.0, 0.0)
    return tokens * (1.0 + rstar * -np.expm1(-repeats / rstar))


def teacher_inference_flop(active_params, tokens, prompt_ratio):
    """Returns the FLOP of a teacher forward pass over ``tokens`` outputs and their prompts:
    2 N (1 + r) T."""
    return 2.0 * active_params * (1.0 + prompt_ratio) * tokens


def teacher(ctx, arr, law, tokens, pretrain, frontier_pre, n_opt, d_opt, floor) -> dict:
    """Returns the tokens the behaviours see (after repetition), a self-hosted teacher's
    inference charge and the student's pre-training compute and shape it leaves
    (API tiers: no charge, the scratch shape (n_opt, d_opt)); ``floor``: core's compute floor."""
    hosted = self_hosted(ctx.scenario.distillation.access)
    params = arr("distillation.teacher_active_params")
    out = {"self_hosted": hosted, "charge": np.zeros_like(pretrain), "student_flop": pretrain,
           "n_opt": n_opt, "d_opt": d_opt}
    if hosted:   # open or leaked weights on the actor's fleet: every requested token, no API
        params = np.where(np.isfinite(params), params,
                          forms.compute_optimal(law, frontier_pre)[0])
        tokens = arr("distillation.tokens")
        out["charge"] = teacher_inference_flop(
            params, tokens, arr("distillation.input_tokens_per_output_token"))
        out["student_flop"] = np.maximum(pretrain - out["charge"],
                                         np.minimum(pretrain, floor))
        out["n_opt"], out["d_opt"], _ = forms.compute_optimal(law, out["student_flop"])
    out.update(tokens=tokens, teacher_params=params, effective_tokens=effective_tokens(
        tokens, arr("distillation.epochs"), r_star()))
    return out


def outputs(acc, post_actor, post_frontier, frontier_pre, flop, hours, fleet_cost, enabled,
            n) -> dict:
    """Returns core's ``accounting.*`` outputs: both sides' post-training shares and
    pre-training compute, the self-hosted teacher's charge on the fleet (FLOP, its share of the
    fleet's compute, the chip-hours and the part of the fleet's cost it takes; zero for API
    tiers or without distillation) and the effective teacher tokens after repetition."""
    zeros = np.zeros(n)
    charge = acc["charge"] if enabled and acc["self_hosted"] else zeros
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(flop > 0, charge / flop, 0.0)
    return {
        "accounting.actor_post_training_fraction": post_actor,
        "accounting.frontier_post_training_fraction": post_frontier,
        "accounting.frontier_pretrain_flop": frontier_pre,
        "accounting.student_pretrain_flop": acc["student_flop"],
        "accounting.teacher_active_params": acc["teacher_params"],
        "accounting.teacher_inference_flop": charge,
        "accounting.teacher_inference_fleet_share": share,
        "accounting.teacher_inference_chip_hours": share * hours,
        "accounting.teacher_inference_cost_usd": share * fleet_cost,
        "accounting.effective_teacher_tokens": acc["effective_tokens"] if enabled else zeros,
    }


def accounting_block(ctx, p):
    """Returns the result's Accounting block from core's outputs at the point estimate ``p``."""
    from simulator.scenario.contract import Accounting

    d = ctx.scenario.distillation
    hosted = self_hosted(d.access)
    params = float(p["accounting.teacher_active_params"])
    return Accounting(
        actor_post_training_fraction=float(p["accounting.actor_post_training_fraction"]),
        frontier_post_training_fraction=float(p["accounting.frontier_post_training_fraction"]),
        frontier_pretrain_flop=float(p["accounting.frontier_pretrain_flop"]),
        student_pretrain_flop=float(p["accounting.student_pretrain_flop"]),
        teacher_hosting="self-hosted" if hosted else "api",
        teacher_active_params=params if np.isfinite(params) else None,
        teacher_inference_flop=float(p["accounting.teacher_inference_flop"]),
        teacher_inference_fleet_share=float(p["accounting.teacher_inference_fleet_share"]),
        teacher_inference_chip_hours=float(p["accounting.teacher_inference_chip_hours"]),
        teacher_inference_cost_usd=float(p["accounting.teacher_inference_cost_usd"]),
        epochs=float(d.epochs),
        effective_teacher_tokens=float(p["accounting.effective_teacher_tokens"]),
        repetition_r_star=r_star())


def sentences(ctx, p) -> list[str]:
    """Returns the assumptions the accounting adds to a result, one sentence each."""
    s = ctx.scenario
    f_a = float(p["accounting.actor_post_training_fraction"])
    f_f = float(p["accounting.frontier_post_training_fraction"])
    source = ("data/accounting.toml: DeepSeek-R1's RL stage over V3" if
              s.frontier.post_training_fraction is None else "the scenario")
    out = [f"Post-training: the frontier spends {f_f:.3g} of its training compute on "
           f"post-training ({source}), the actor {f_a:.3g}"
           + (" (the frontier's share, by default)" if s.actor.post_training_fraction is None
              else "")
           + "; the lag compares pre-training compute on both sides, and effective compute is "
           "stated as the frontier's total compute at its own share."]
    d = s.distillation
    if d.enabled and self_hosted(d.access):
        flop = float(p["accounting.teacher_inference_flop"])
        share = float(p["accounting.teacher_inference_fleet_share"])
        size = ("the scenario's" if d.teacher_active_params is not None
                else "the law's compute-optimal size at the frontier's pre-training compute:")
        params, tokens = float(p["accounting.teacher_active_params"]), float(p["tokens_obtained"])
        out.append(f"Full logits come from a self-hosted teacher (open or leaked weights): no "
                   f"API spend or rate limit; its inference, 2 x {size} {params:.3g} active "
                   f"parameters x {tokens:.3g} tokens x (1 + {d.input_tokens_per_output_token:g} "
                   f"prompt tokens per token) = {flop:.3g} FLOP, takes {share:.1%} of the "
                   "fleet's compute from the student's pre-training.")
    if d.enabled and d.epochs > 1:
        worth = float(p["accounting.effective_teacher_tokens"])
        out.append(f"The {float(p['tokens_obtained']):.3g} teacher tokens are used for "
                   f"{d.epochs:g} epochs, worth {worth:.3g} unique tokens at Muennighoff et "
                   f"al. 2023's repetition discount (R*_D = {r_star():.4g}; arXiv:2305.16264).")
    return out


def accounting_lines(block) -> list[str]:
    """Returns the accounting lines of ``run``'s text output for an Accounting block."""
    lines = [f"accounting: post-training share actor {block.actor_post_training_fraction:.3g}, "
             f"frontier {block.frontier_post_training_fraction:.3g} (pre-training compute "
             f"{block.student_pretrain_flop:.2e} vs {block.frontier_pretrain_flop:.2e} FLOP)"]
    if block.teacher_hosting == "self-hosted":
        lines.append(f"  self-hosted teacher ({block.teacher_active_params or 0:.3g} active "
                     f"params): {block.teacher_inference_flop:.2e} FLOP of inference = "
                     f"{block.teacher_inference_fleet_share:.1%} of the fleet, "
                     f"{block.teacher_inference_chip_hours:,.0f} chip-hours, "
                     f"${block.teacher_inference_cost_usd:,.0f} of the fleet's cost")
    else:
        lines.append("  teacher via API: no inference on the actor's fleet")
    lines.append(f"  epochs over the teacher tokens: {block.epochs:g} "
                 f"(worth {block.effective_teacher_tokens:.3g} unique tokens, R*_D = "
                 f"{block.repetition_r_star:.4g})")
    return lines
