"""The scratch law L(N, D) = E + A/N^alpha + B/D^beta, fitted the Chinchilla way, done right.

Method (Hoffmann et al. 2022 App. D.2 as corrected by Besiroglu et al. 2024):
log L_hat = LSE(a - alpha log N, b - beta log D, e) with a, b, e = log A, log B, log E;
minimise the *summed* Huber loss (delta = 1e-3) of log L_hat - log L; L-BFGS from many starts.
The starts come from a variable-projection grid: for each (alpha, beta) on a grid the law is
linear in (E, A, B), solved by non-negative least squares; the best grid cells seed the
search. E can be fixed (the synthetic language's oracle loss), leaving four parameters.

Memory stays bounded for any number of points: the grid is evaluated in blocks of at most
BLOCK_ELEMENTS (cells x points); above START_POINTS points the starts are found and roughly
refined and polished on a random subsample, then the best is finished on every point; the
bootstrap refits run in blocks of bounded size. Above ASYMPTOTIC_POINTS points a bootstrap
refit per resample would cost O(n) each (1,000 x 10^6 points); the intervals then come from
the M-estimator's asymptotic normal law with the sandwich covariance (Huber 1967), which at
that size agrees with the bootstrap (within ~15% in interval width at 1,000-3,000 points,
tested) and costs one pass over the data.
"""

import numpy as np
from scipy.optimize import minimize

from simulator.curves import forms
from simulator.curves.robust import (HUBER_DELTA, huber_objective, minimize_huber_batched,
                                     nnls_batched, powerlaw_residuals)
from simulator.errors import InputError

_EXP_BOUNDS = (1e-4, 5.0)         # alpha, beta
_LOG_COEF_BOUNDS = (-30.0, 80.0)  # a = log A, b = log B
_LOG_FLOOR_BOUNDS = (-15.0, 5.0)  # e = log E
BLOCK_ELEMENTS = 2_000_000        # problems x points per batched block (~16 MB per array)
START_POINTS = 2_000              # above this, starts come from a subsample of this size
ASYMPTOTIC_POINTS = 5_000         # above this, intervals from the sandwich covariance


def check_points(params_n, tokens, loss, n_free, what="data", distinct=True):
    """Returns float arrays (N, D, L) after checking them; raises InputError naming the problem."""
    arrays = []
    for name, values in (("params", params_n), ("tokens", tokens), ("loss", loss)):
        a = np.asarray(values, dtype=float).ravel()
        if not np.all(np.isfinite(a)):
            raise InputError(f"{what}: column '{name}' has missing or non-finite values")
        if np.any(a <= 0):
            raise InputError(f"{what}: column '{name}' must be positive "
                             f"(found {a[a <= 0][0]:g})")
        arrays.append(a)
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise InputError(f"{what}: params, tokens and loss differ in length")
    if n < n_free + 2:
        raise InputError(f"{what}: {n} points is too few to fit {n_free} parameters "
                         f"(need at least {n_free + 2})")
    for name, a in (("params", arrays[0]), ("tokens", arrays[1])) if distinct else ():
        if len(np.unique(a)) < 2:
            raise InputError(f"{what}: column '{name}' needs at least 2 distinct values")
    return arrays


class FlooredPowerLawFitter:
    """L(N, D) = floor + A/N^alpha + B/D^beta; the floor is E (scratch) or L_T (distilled).

    Parameters (stored as given, scikit-learn style): ``floor`` fixes the floor when not None;
    ``delta`` the Huber threshold on log loss; ``grid_size`` cells per exponent in the
    variable-projection initialiser; ``n_starts`` starts refined by the batched solver (the
    best grid cells plus random ones), of which the ``n_polish`` best are finished by
    L-BFGS-B; ``random_state`` seeds the random starts; ``floor_bounds`` bound a fitted floor.
    Learned: ``params_``, ``objective_`` (summed Huber), ``converged_``, ``grad_norm_``,
    ``n_points_``, ``theta_`` (the log-space parameter vector).
    """

    floor_name = "E"

    def __init__(self, floor=None, delta=HUBER_DELTA, grid_size=40, n_starts=24,
                 random_state=0, floor_bounds=None, n_polish=2):
        self.floor = floor
        self.n_polish = n_polish
        self.floor_bounds = floor_bounds
        self.delta = delta
        self.grid_size = grid_size
        self.n_starts = n_starts
        self.random_state = random_state

    # -- the parameter vector -------------------------------------------------------------
    @property
    def _fixed(self):
        return self.floor is not None

    def _bounds(self):
        lo = [_LOG_COEF_BOUNDS[0]] * 2 + [_EXP_BOUNDS[0]] * 2
        hi = [_LOG_COEF_BOUNDS[1]] * 2 + [_EXP_BOUNDS[1]] * 2
        if not self._fixed:
            f_lo, f_hi = _LOG_FLOOR_BOUNDS
            if self.floor_bounds is not None:
                f_lo, f_hi = np.log(self.floor_bounds[0]), np.log(self.floor_bounds[1])
            lo, hi = [f_lo] + lo, [f_hi] + hi
        return np.array(lo), np.array(hi)

    def _theta_to_params(self, theta):
        theta = np.asarray(theta, dtype=float)
        if self._fixed:
            floor = np.full(theta.shape[:-1], float(self.floor)) if theta.ndim > 1 \
                else float(self.floor)
            a, b, al, be = (theta[..., i] for i in range(4))
        else:
            e, a, b, al, be = (theta[..., i] for i in range(5))
            floor = np.exp(e)
        return {self.floor_name: floor, "A": np.exp(a), "B": np.exp(b), "alpha": al, "beta": be}

    def _residuals(self, log_n, log_d, log_loss):
        log_floor = np.log(self.floor) if self._fixed else None
        return powerlaw_residuals(log_n, log_d, log_loss, log_floor)

    # -- initialisation --------------------------------------------------------------------
    def _grid_starts(self, n_pts, d_pts, loss):
        """Returns candidate theta rows from the variable-projection grid (in blocks of cells)."""
        exps = np.geomspace(0.02, 2.5, self.grid_size)
        al, be = (g.ravel() for g in np.meshgrid(exps, exps, indexing="ij"))
        block = max(1, BLOCK_ELEMENTS // len(loss))
        rows = [self._grid_block(n_pts, d_pts, loss, al[i:i + block], be[i:i + block])
                for i in range(0, len(al), block)]
        lo, hi = self._bounds()
        return np.clip(np.vstack(rows), lo, hi)

    def _grid_block(self, n_pts, d_pts, loss, al, be):
        w = 1.0 / loss  # relative (≈ log-space) errors
        x_n = n_pts[None, :] ** -al[:, None]
        x_d = d_pts[None, :] ** -be[:, None]
        cols = [x_n, x_d] if self._fixed else [np.ones_like(x_n), x_n, x_d]
        design = np.stack(cols, axis=-1) * w[None, :, None]
        scale = np.linalg.norm(design, axis=1, keepdims=True)
        scale[scale == 0] = 1.0
        target = ((loss - self.floor) if self._fixed else loss) * w
        coef = nnls_batched(design / scale, target) / scale[:, 0, :]
        logs = np.log(np.maximum(coef, 1e-300))
        return np.column_stack([logs, al, be])  # (log E,) log A, log B, alpha, beta

    def _objectives(self, fn, thetas, weights):
        """Returns the summed Huber loss of each theta row, evaluated in bounded blocks."""
        block = max(1, BLOCK_ELEMENTS // len(weights))
        return np.concatenate([huber_objective(fn(thetas[i:i + block], None)[0], weights,
                                               self.delta)
                               for i in range(0, len(thetas), block)])

    def _random_starts(self, count, rng):
        lo, hi = self._bounds()
        rows = rng.uniform(size=(count, len(lo)))
        # Epoch's grid ranges: exponents 0-2, log coefficients 0-25, log floor -1 to 1
        span_lo = np.array([0.0, 0.0, 0.05, 0.05] if self._fixed else [-1.0, 0.0, 0.0, 0.05, 0.05])
        span_hi = np.array([25.0, 25.0, 2.0, 2.0] if self._fixed else [1.0, 25.0, 25.0, 2.0, 2.0])
        span_lo, span_hi = np.maximum(span_lo, lo), np.minimum(span_hi, hi)
        return np.clip(span_lo + rows * (span_hi - span_lo), lo, hi)

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, params_n, tokens, loss, sample_weight=None):
        """Returns self, fitted to runs (N, D, L); sample_weight counts repeated runs."""
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            return self._fit(params_n, tokens, loss, sample_weight)

    def _fit(self, params_n, tokens, loss, sample_weight):
        n_free = 4 if self._fixed else 5
        n_pts, d_pts, loss = check_points(params_n, tokens, loss, n_free)
        if self._fixed and not (0 < self.floor):
            raise InputError(f"the fixed {self.floor_name} must be positive (got {self.floor})")
        weights = np.ones_like(loss) if sample_weight is None else np.asarray(sample_weight, float)
        log_n, log_d, log_loss = np.log(n_pts), np.log(d_pts), np.log(loss)
        fn = self._residuals(log_n, log_d, log_loss)
        lo, hi = self._bounds()
        rng = np.random.default_rng(self.random_state)

        # starts: the grid and the rough pass see at most START_POINTS evenly spread points
        sub = (np.sort(rng.choice(len(loss), START_POINTS, replace=False))
               if len(loss) > START_POINTS else slice(None))
        fn_sub = self._residuals(log_n[sub], log_d[sub], log_loss[sub]) \
            if len(loss) > START_POINTS else fn
        w_sub = weights[sub]
        grid = self._grid_starts(n_pts[sub], d_pts[sub], loss[sub])
        order = np.argsort(self._objectives(fn_sub, grid, w_sub))
        n_grid = max(1, (2 * self.n_starts) // 3)
        starts = np.vstack([grid[order[:n_grid]],
                            self._random_starts(self.n_starts - n_grid, rng)])
        theta, obj, _ = minimize_huber_batched(
            fn_sub, starts, np.broadcast_to(w_sub, (len(starts), len(w_sub))), lo, hi,
            delta=self.delta, max_iter=150, tol=1e-8)  # a rough pass; the best are finished below

        # finish the best few optima with L-BFGS-B (analytic gradient, tight tolerances), then
        # with tight IRLS steps: L-BFGS-B alone can stop early in the flat valley of E, A, B
        # (with many points L-BFGS-B polishes on the subsample first, then the best once more
        # on every point; the IRLS finish sees them all)
        polished = np.array([self._lbfgs(fn_sub, theta[i], w_sub, lo, hi)[0]
                             for i in np.argsort(obj)[: max(1, self.n_polish)]])
        if fn_sub is not fn:
            best = int(np.argmin(self._objectives(fn, polished, weights)))
            polished = self._lbfgs(fn, polished[best], weights, lo, hi)[0][None, :]
        theta, obj, ok = minimize_huber_batched(
            fn, polished, np.broadcast_to(weights, (len(polished), len(weights))), lo, hi,
            delta=self.delta, max_iter=2000, tol=1e-15, patience=10)
        best = int(np.argmin(obj))
        self.theta_, self.objective_ = theta[best], float(obj[best])
        self.grad_norm_ = self._grad_norm(fn, self.theta_, weights, lo, hi)
        solver_ok = bool(ok[best])
        self.n_points_ = len(loss)
        self.params_ = {k: float(v) for k, v in self._theta_to_params(self.theta_).items()}
        at_bound = (np.isclose(self.theta_, lo, atol=1e-9) | np.isclose(self.theta_, hi, atol=1e-9))
        self.at_bound_ = [name for name, hit in zip(self.param_names(), at_bound) if hit]
        # A minimum at a bound has a non-zero gradient; judge the free coordinates only.
        self.converged_ = bool(solver_ok and self.grad_norm_ <= 1e-6 * max(1.0, self.objective_))
        if fn_sub is not fn and solver_ok and not self.converged_:
            # The summed gradient grows with the number of points; with many, judge by the
            # Gauss-Newton step still to take instead (below 1e-9 in every log-space coordinate).
            self.converged_ = self._newton_step(fn, weights) <= 1e-9
        self.converged_ = self.converged_ and not self.at_bound_
        return self

    def _newton_step(self, fn, weights):
        """Returns the largest coordinate of the Gauss-Newton (IRLS) step left at theta_."""
        r, jac = fn(self.theta_[None, :], None)
        r, jac = r[0], jac[0]
        omega = weights * np.minimum(1.0, self.delta / np.maximum(np.abs(r), 1e-300))
        hess = (jac * omega[:, None]).T @ jac
        grad = jac.T @ (weights * np.clip(r, -self.delta, self.delta))
        try:
            return float(np.max(np.abs(np.linalg.solve(hess, grad))))
        except np.linalg.LinAlgError:
            return float("inf")

    def _huber_and_grad(self, fn, weights):
        delta = self.delta

        def fun(theta):
            r, jac = fn(theta[None, :], None)
            r, jac = r[0], jac[0]
            return float(huber_objective(r, weights, delta)), jac.T @ (
                weights * np.clip(r, -delta, delta))

        return fun

    def _lbfgs(self, fn, theta0, weights, lo, hi):
        """Returns (theta, objective, success) of one L-BFGS-B run."""
        res = minimize(self._huber_and_grad(fn, weights), theta0, jac=True, method="L-BFGS-B",
                       bounds=list(zip(lo, hi)),
                       options={"maxiter": 10000, "ftol": 1e-15, "gtol": 1e-12, "maxcor": 20})
        return res.x, float(res.fun), bool(res.success)

    def _grad_norm(self, fn, theta, weights, lo, hi):
        """Returns the largest gradient component, ignoring those pressing against a bound."""
        _, grad = self._huber_and_grad(fn, weights)(theta)
        pinned = np.isclose(theta, lo) & (grad > 0) | np.isclose(theta, hi) & (grad < 0)
        return float(np.max(np.abs(grad[~pinned]))) if (~pinned).any() else 0.0

    def param_names(self):
        """Returns the names of the fitted log-space coordinates, in theta order."""
        names = ["log_A", "log_B", "alpha", "beta"]
        return names if self._fixed else [f"log_{self.floor_name}"] + names

    def predict(self, params_n, tokens):
        """Returns the fitted law's loss at (N, D)."""
        return self._law(self.params_, params_n, tokens)

    def _law(self, params, params_n, tokens):
        return forms.scratch_loss(params, params_n, tokens)

    def bootstrap(self, params_n, tokens, loss, n_resamples=1000, random_state=None):
        """Returns {param: array (n_resamples,)} plus 'converged': refits on resampled runs.

        Each resample draws len(runs) runs with replacement (as multinomial run counts) and
        refits from the full-data optimum with the batched solver, in blocks of bounded size.
        Above ASYMPTOTIC_POINTS runs the samples come from the estimator's asymptotic normal
        law instead (``_sandwich_samples``); ``interval_method_`` says which was used.
        """
        n_pts, d_pts, loss = (np.asarray(x, dtype=float) for x in (params_n, tokens, loss))
        rng = np.random.default_rng(self.random_state if random_state is None else random_state)
        n = len(loss)
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            if n > ASYMPTOTIC_POINTS:
                samples = self._sandwich_samples(n_pts, d_pts, loss, n_resamples, rng)
                if samples is not None:
                    self.interval_method_ = "asymptotic"
                    return samples
            self.interval_method_ = "bootstrap"
            block = max(1, BLOCK_ELEMENTS // n)
            parts = []
            for start in range(0, n_resamples, block):
                size = min(block, n_resamples - start)
                counts = rng.multinomial(n, np.full(n, 1.0 / n), size=size)
                parts.append(self.bootstrap_counts(n_pts, d_pts, loss, counts))
            return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def _sandwich_samples(self, n_pts, d_pts, loss, n_resamples, rng):
        """Returns samples of the parameters from the M-estimator's asymptotic normal law.

        For many runs a bootstrap refit costs O(n) each; the summed-Huber estimator is
        asymptotically normal with the sandwich covariance H^-1 V H^-1 (Huber 1967):
        H = sum over runs within delta of J J^T (Huber's psi' = 1 there, 0 outside),
        V = sum psi(r)^2 J J^T, J the Jacobian of log L_hat in theta. Samples are drawn in
        theta (log-space) and mapped to the parameters. Returns None if H is singular.
        """
        fn = self._residuals(np.log(n_pts), np.log(d_pts), np.log(loss))
        r, jac = fn(self.theta_[None, :], None)
        r, jac = r[0], jac[0]
        inside = np.abs(r) <= self.delta
        hess = jac[inside].T @ jac[inside]
        psi = np.clip(r, -self.delta, self.delta)
        score = (jac * (psi ** 2)[:, None]).T @ jac
        if inside.sum() < len(self.theta_) + 2 or np.linalg.cond(hess) > 1e14:
            return None
        h_inv = np.linalg.inv(hess)
        cov = h_inv @ score @ h_inv
        cov = (cov + cov.T) / 2
        if not np.all(np.isfinite(cov)):
            return None
        lo, hi = self._bounds()
        theta = np.clip(rng.multivariate_normal(self.theta_, cov, size=n_resamples,
                                                method="eigh"), lo, hi)
        out = {k: np.asarray(v, dtype=float) for k, v in self._theta_to_params(theta).items()}
        out["converged"] = np.ones(n_resamples, dtype=bool)
        return out

    def bootstrap_counts(self, n_pts, d_pts, loss, counts):
        """Returns bootstrap parameter samples for given run-count rows (n_resamples, n_runs)."""
        fn = self._residuals(np.log(n_pts), np.log(d_pts), np.log(loss))
        return self._refits(counts, lambda i, j: fn)

    def bootstrap_losses(self, n_pts, d_pts, losses):
        """Returns parameter samples refitted to each row of ``losses`` (n_resamples, n_points):
        the same points with other measured losses (e.g. seeds resampled within each cell)."""
        losses = np.asarray(losses, dtype=float)
        base = self._residuals(np.log(n_pts), np.log(d_pts), np.zeros(losses.shape[1]))
        log_losses = np.log(losses)

        def block_fn(i, j):
            def fn(theta, rows):
                pred, jac = base(theta, rows)
                return pred - log_losses[i:j][rows], jac
            return fn
        return self._refits(np.ones_like(losses), block_fn)

    def _refits(self, weights, block_fn):
        """Returns parameter samples of one refit per row of ``weights``, each started at the
        fit; ``block_fn(i, j)`` gives the residual function of rows i..j (bounded blocks)."""
        lo, hi = self._bounds()
        block = max(1, BLOCK_ELEMENTS // max(1, weights.shape[1]))
        thetas, oks = [], []
        for i in range(0, len(weights), block):
            part = weights[i:i + block]
            starts = np.repeat(self.theta_[None, :], len(part), axis=0)
            theta, _, ok = minimize_huber_batched(block_fn(i, i + len(part)), starts, part, lo,
                                                  hi, delta=self.delta)
            thetas.append(theta)
            oks.append(ok)
        theta = np.vstack(thetas) if thetas else np.empty((0, len(lo)))
        out = {k: np.asarray(v, dtype=float) for k, v in self._theta_to_params(theta).items()}
        out["converged"] = np.concatenate(oks) if oks else np.empty(0, dtype=bool)
        return out


class ScratchLawFitter(FlooredPowerLawFitter):
    """The scratch law L = E + A/N^alpha + B/D^beta; ``fix_e`` fixes E (e.g. the oracle loss)."""

    floor_name = "E"

    def __init__(self, fix_e=None, delta=HUBER_DELTA, grid_size=40, n_starts=24, random_state=0):
        super().__init__(floor=fix_e, delta=delta, grid_size=grid_size, n_starts=n_starts,
                         random_state=random_state)
        self.fix_e = fix_e
