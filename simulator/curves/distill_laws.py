"""Distillation laws: the teacher-floored law and the effective-data multiplier k(N, D).

- ``TeacherFlooredFitter``: L = L_T + A'/N^alpha' + B'/D^beta' per access mode and teacher
  (the student's loss tends to the teacher's as N, D grow); L_T fixed at the measured teacher
  loss or fitted.
- ``TokenMultiplierFitter``: ln k = c0 + c1 ln(D/N) + c2 r, where a distilled token is worth k
  scratch tokens: L_distilled(N, D) = L_scratch(N, k D). It is fitted in loss space (predict
  each distilled run's loss through the scratch law) so runs that beat the scratch law's
  N-limited floor, where k is unbounded, still count without infinities.

Example:
    >>> law = TeacherFlooredFitter(teacher_loss=1.02).fit(params, tokens, loss)
    >>> mult = TokenMultiplierFitter(scratch.params_).fit(params, tokens, loss, teacher_loss)
"""

import numpy as np

from simulator.curves import forms
from simulator.curves.robust import HUBER_DELTA, minimize_huber_batched
from simulator.curves.scratch import FlooredPowerLawFitter, check_points

SCRATCH_KEYS = ("E", "A", "B", "alpha", "beta")


class TeacherFlooredFitter(FlooredPowerLawFitter):
    """L = L_T + A/N^alpha + B/D^beta; ``teacher_loss`` fixes L_T (None: fit it)."""

    floor_name = "L_T"

    def __init__(self, teacher_loss=None, delta=HUBER_DELTA, grid_size=30, n_starts=16,
                 random_state=0, floor_bounds=None, n_polish=1):
        super().__init__(floor=teacher_loss, delta=delta, grid_size=grid_size,
                         n_starts=n_starts, random_state=random_state, floor_bounds=floor_bounds,
                         n_polish=n_polish)
        self.teacher_loss = teacher_loss

    def _law(self, params, params_n, tokens):
        return forms.teacher_floored_loss(params, params_n, tokens)


def _scratch_arrays(scratch_params):
    """Returns {key: 1-D float array} of scratch-law parameters (one entry or one per sample)."""
    return {k: np.atleast_1d(np.asarray(scratch_params[k], dtype=float)) for k in SCRATCH_KEYS}


def _pick(arrays, rows):
    """Returns {key: column (b, 1)} of per-problem constants for the batch rows."""
    out = {}
    for k, v in arrays.items():
        out[k] = (v[:1] if len(v) == 1 else v[rows])[:, None] if rows is not None \
            else v[:1][:, None]
    return out


def scratch_equivalent_residuals(scratch_params, params_n, tokens, loss, log_gain):
    """Returns residual_and_jacobian for log L_scratch(N, e^u D) - log L, u = log_gain(...).

    log_gain(theta, sp) -> (u (b, n), du/dtheta (b, n, p)); sp holds the scratch-law
    parameters of each problem as (b, 1) columns (one set per bootstrap sample, or one shared).
    ``loss`` is (n,) or, one row per problem, (b, n) (a loss anchored to each scratch sample).
    """
    arrays = _scratch_arrays(scratch_params)
    log_loss_all = np.log(np.asarray(loss, dtype=float))
    n = np.asarray(params_n, dtype=float)
    d = np.asarray(tokens, dtype=float)

    def fn(theta, rows=None):
        sp = _pick(arrays, rows)
        u, du = log_gain(theta, sp)
        data_term = sp["B"] * np.exp(-sp["beta"] * (u + np.log(d)))
        pred = sp["E"] + sp["A"] * np.power(n, -sp["alpha"]) + data_term
        dr_du = -sp["beta"] * data_term / pred
        log_loss = log_loss_all
        if log_loss_all.ndim == 2:
            log_loss = log_loss_all[rows] if rows is not None else log_loss_all[:1]
        return np.log(pred) - log_loss, dr_du[..., None] * du

    return fn


def gap_ratio(scratch_params, params_n, tokens, teacher_loss):
    """Returns r = (L_T - E) / (L_scratch(N, D) - E): 0 for a perfect teacher."""
    e = np.asarray(scratch_params["E"], dtype=float)
    return (np.asarray(teacher_loss, dtype=float) - e) / (
        forms.scratch_loss(scratch_params, params_n, tokens) - e)


class TokenMultiplierFitter:
    """ln k = c0 + c1 ln(D/N) + c2 r (r: gap ratio), fitted through the scratch law.

    ``scratch_params``: the scratch law's parameters. ``fit_gap``: fit c2 (None: only when the
    runs' gap ratios vary, i.e. there is more than one teacher). Learned: ``params_``
    ({c0, c1, c2}), ``objective_``, ``converged_``, ``domain_``.
    """

    bounds = (-30.0, 30.0)

    def __init__(self, scratch_params, fit_gap=None, delta=HUBER_DELTA, random_state=0):
        self.scratch_params = scratch_params
        self.fit_gap = fit_gap
        self.delta = delta
        self.random_state = random_state

    def _log_gain(self, params_n, tokens, teacher_loss, with_gap):
        x1 = np.log(np.asarray(tokens, float) / np.asarray(params_n, float))

        def log_gain(theta, sp):
            shape = (theta.shape[0], len(x1))
            cols = [np.ones(shape), np.broadcast_to(x1, shape)]
            if with_gap:
                cols.append(np.broadcast_to(gap_ratio(sp, params_n, tokens, teacher_loss), shape))
            design = np.stack(cols, axis=-1)
            return np.einsum("bnp,bp->bn", design, theta), design

        return log_gain

    def fit(self, params_n, tokens, loss, teacher_loss):
        """Returns self fitted to distilled runs (N, D, L) with their teachers' losses."""
        n, d, loss = check_points(params_n, tokens, loss, 3, what="distilled runs",
                                   distinct=False)
        t_loss = np.broadcast_to(np.asarray(teacher_loss, dtype=float), n.shape)
        r = gap_ratio(self.scratch_params, n, d, t_loss)
        with_gap = self.fit_gap if self.fit_gap is not None else bool(np.ptp(r) > 1e-6)
        self.with_gap_ = with_gap
        self._data = (n, d, t_loss)
        fn = scratch_equivalent_residuals(self.scratch_params, n, d, loss,
                                          self._log_gain(n, d, t_loss, with_gap))
        n_par = 3 if with_gap else 2
        rng = np.random.default_rng(self.random_state)
        starts = np.zeros((12, n_par))
        starts[:, 0] = np.linspace(-1.0, 6.0, 12)
        starts[:, 1:] = rng.normal(0.0, 0.3, size=(12, n_par - 1))
        lo, hi = np.full(n_par, self.bounds[0]), np.full(n_par, self.bounds[1])
        theta, obj, ok = minimize_huber_batched(fn, starts, np.ones((12, len(loss))), lo, hi,
                                                delta=self.delta)
        best = int(np.argmin(obj))
        self.theta_, self.objective_, self.converged_ = theta[best], float(obj[best]), \
            bool(ok[best])
        self.params_ = self._theta_to_params(self.theta_)
        self.domain_ = {"tokens_per_param": [float(np.min(d / n)), float(np.max(d / n))],
                        "gap_ratio": [float(np.min(r)), float(np.max(r))]}
        self.n_points_ = len(loss)
        return self

    def _theta_to_params(self, theta):
        theta = np.asarray(theta, dtype=float)
        c2 = theta[..., 2] if self.with_gap_ else np.zeros(theta.shape[:-1])
        to = float if theta.ndim == 1 else (lambda v: np.asarray(v, dtype=float))
        return {"c0": to(theta[..., 0]), "c1": to(theta[..., 1]), "c2": to(c2)}

    def predict_loss(self, params_n, tokens, teacher_loss, params=None):
        """Returns the distilled loss L_scratch(N, k D) the multiplier predicts."""
        params = self.params_ if params is None else params
        ratio = gap_ratio(self.scratch_params, params_n, tokens, teacher_loss)
        ln_k = forms.log_token_multiplier(params, np.asarray(tokens) / np.asarray(params_n),
                                          ratio)
        return forms.scratch_loss(self.scratch_params, params_n, np.exp(ln_k) * tokens)

    def bootstrap_counts(self, loss, counts, scratch_samples):
        """Returns {c0, c1, c2, converged} refitted per resample, each with its scratch sample."""
        n, d, t_loss = self._data
        fn = scratch_equivalent_residuals(scratch_samples, n, d, loss,
                                          self._log_gain(n, d, t_loss, self.with_gap_))
        n_par = len(self.theta_)
        starts = np.repeat(self.theta_[None, :], len(counts), axis=0)
        theta, _, ok = minimize_huber_batched(fn, starts, counts, np.full(n_par, self.bounds[0]),
                                              np.full(n_par, self.bounds[1]), delta=self.delta)
        out = self._theta_to_params(theta)
        out["converged"] = ok
        return out
