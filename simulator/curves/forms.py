"""The functional forms every fit and every consumer of a fit card share.

These are pure numpy functions of a parameter mapping, so that the fitter (simulator.curves),
the scenario model (simulator.scenario) and the charts evaluate the same formula. Arrays
broadcast: pass bootstrap samples as arrays to evaluate every sample at once.
"""

import numpy as np


def scratch_loss(params, params_n, tokens):
    """Returns L(N, D) = E + A / N^alpha + B / D^beta (nats/token)."""
    return (params["E"] + params["A"] / np.power(params_n, params["alpha"])
            + params["B"] / np.power(tokens, params["beta"]))


def teacher_floored_loss(params, params_n, tokens):
    """Returns L(N, D) = L_T + A / N^alpha + B / D^beta, the distilled student's loss."""
    return (params["L_T"] + params["A"] / np.power(params_n, params["alpha"])
            + params["B"] / np.power(tokens, params["beta"]))


def log_token_multiplier(params, tokens_per_param, gap_ratio):
    """Returns ln k, the effective-data multiplier of distillation.

    k solves L_scratch(N, k * D) = L_distilled(N, D): a distilled token is worth k scratch
    tokens. It is modelled as a function of two dimensionless quantities that transfer
    across scale:
      tokens_per_param  D / N of the student;
      gap_ratio         r = (L_T - E) / (L_scratch(N, D) - E): the teacher's excess loss over
                        the student's scratch excess loss (0 for a perfect teacher, 1 when the
                        teacher is no better than the student would be on its own).
    Form: ln k = c0 + c1 * ln(D / N) + c2 * r.
    """
    return (params["c0"] + params["c1"] * np.log(tokens_per_param)
            + params["c2"] * np.asarray(gap_ratio, dtype=float))


def compute_optimal(params, compute_flop):
    """Returns (N*, D*, L*) on the compute-optimal frontier of the scratch law with C = 6 N D."""
    alpha, beta, A, B = params["alpha"], params["beta"], params["A"], params["B"]
    G = np.power(alpha * A / (beta * B), 1.0 / (alpha + beta))
    a = beta / (alpha + beta)
    n_opt = G * np.power(np.asarray(compute_flop, dtype=float) / 6.0, a)
    d_opt = np.asarray(compute_flop, dtype=float) / (6.0 * n_opt)
    return n_opt, d_opt, scratch_loss(params, n_opt, d_opt)
