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


def observed_log_multiplier(scratch_params, params_n, tokens, loss):
    """Returns ln(D_eq / D) per run, D_eq solving L_scratch(N, D_eq) = loss (+inf if none)."""
    data_excess = (np.asarray(loss, dtype=float) - scratch_params["E"]
                   - scratch_params["A"] / np.power(params_n, scratch_params["alpha"]))
    with np.errstate(divide="ignore", invalid="ignore"):
        d_eq = np.power(scratch_params["B"] / data_excess, 1.0 / scratch_params["beta"])
    return np.where(data_excess > 0, np.log(d_eq) - np.log(tokens), np.inf)


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


def _floor(params):
    """Returns the loss floor of a law: E (scratch) or L_T (teacher-floored)."""
    return params["E"] if "E" in params else params["L_T"]


def _frontier_constants(params):
    """Returns (G, a, K, q): N* = G (C/6)^a and L*(C) = floor + K (C/6)^-q."""
    alpha, beta, A, B = params["alpha"], params["beta"], params["A"], params["B"]
    G = np.power(alpha * A / (beta * B), 1.0 / (alpha + beta))
    a = beta / (alpha + beta)
    K = (1.0 + alpha / beta) * A * np.power(G, -alpha)
    q = alpha * beta / (alpha + beta)
    return G, a, K, q


def compute_optimal(params, compute_flop):
    """Returns (N*, D*, L*) on the compute-optimal frontier of the law with C = 6 N D.

    Works for the scratch law (floor "E") and the teacher-floored law (floor "L_T").
    """
    G, a, _, _ = _frontier_constants(params)
    compute = np.asarray(compute_flop, dtype=float)
    n_opt = G * np.power(compute / 6.0, a)
    d_opt = compute / (6.0 * n_opt)
    return n_opt, d_opt, _floor(params) + params["A"] / np.power(n_opt, params["alpha"]) \
        + params["B"] / np.power(d_opt, params["beta"])


def frontier_loss(params, compute_flop):
    """Returns L*(C) = floor + K (C/6)^(-alpha beta/(alpha+beta)), the compute-optimal loss."""
    _, _, K, q = _frontier_constants(params)
    return _floor(params) + K * np.power(np.asarray(compute_flop, dtype=float) / 6.0, -q)


def frontier_compute(params, loss):
    """Returns the compute C (FLOP, 6ND) at which the law's frontier reaches ``loss``.

    The inverse of frontier_loss; +inf where loss is at or below the floor.
    """
    _, _, K, q = _frontier_constants(params)
    excess = np.asarray(loss, dtype=float) - _floor(params)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 6.0 * np.power(excess / K, -1.0 / q)
    return np.where(excess > 0, out, np.inf)


def compute_multiplier(scratch_params, distill_params, compute_flop):
    """Returns M(C) = C_scratch(L*_distill(C)) / C, the compute multiplier of distillation.

    Both frontiers count student training compute only (C = 6 N D); teacher inference is paid
    by the API's owner. M > 1: distilling with C reaches what scratch needs M*C for.
    """
    compute = np.asarray(compute_flop, dtype=float)
    return frontier_compute(scratch_params, frontier_loss(distill_params, compute)) / compute


def token_limited_log_gain(params, fraction):
    """Returns ln G(f), the compute-equivalent gain of mixing a fraction f of teacher tokens.

    G = D_eq / D: the scratch tokens (hence, at the same N, scratch compute) reaching the loss
    the student reaches with D tokens of which a fraction f came from the teacher.
    Form ln G = g f^p with g, p >= 0 (non-decreasing in f, ln G(0) = 0); a params mapping
    without "p" is the linear form ln G = g f.
    """
    f = np.asarray(fraction, dtype=float)
    g = np.asarray(params["g"], dtype=float)
    p = np.asarray(params.get("p", 1.0), dtype=float)
    return g * np.power(f, p)
