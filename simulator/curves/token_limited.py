"""Token-limited distillation: the gain from mixing a fraction f of teacher tokens into training.

A student trains on D tokens, a fraction f of them bought from the teacher (an API sells a
limited number of tokens). Its compute-equivalent gain (CEG) is G(f) = D_eq / D, where the
scratch law at the same N reaches the student's loss with D_eq tokens: scratch would need G
times the student's compute. G is fitted as a non-decreasing function of f,
ln G = g f^p (g, p >= 0; "power") or ln G = g f ("linear"), in loss space through the scratch
law; the form is chosen by leave-one-fraction-out error.

Example:
    >>> gain = token_limited_gain(load_card("data/fits/default.json"), "text", 0.1)
"""

import numpy as np

from simulator.curves import forms
from simulator.curves.distill_laws import scratch_equivalent_residuals
from simulator.curves.robust import HUBER_DELTA, minimize_huber_batched
from simulator.curves.scratch import check_points
from simulator.curves.summary import (as_list, relative_errors, resample_counts, round_sig,
                                      summarise)
from simulator.errors import InputError, choices_text

FORMS = {"power": "ln G = g f^p", "linear": "ln G = g f"}


class TokenGainFitter:
    """ln G(f) = g f^p (or g f), fitted through the scratch law; learned ``params_`` etc."""

    def __init__(self, scratch_params, form="power", delta=HUBER_DELTA, random_state=0):
        self.scratch_params = scratch_params
        self.form = form
        self.delta = delta
        self.random_state = random_state

    def _n_par(self):
        return 2 if self.form == "power" else 1

    def _log_gain(self, fraction):
        f = np.asarray(fraction, dtype=float)
        log_f = np.log(f)

        def log_gain(theta, rows, sp):
            g = theta[:, :1]
            p = theta[:, 1:2] if self.form == "power" else np.ones_like(g)
            f_p = np.power(f, p)
            cols = [f_p] if self.form != "power" else [f_p, g * f_p * log_f]
            return g * f_p, np.stack(cols, axis=-1)

        return log_gain

    def _bounds(self):
        # p > 0 keeps ln G(0) = 0 (0^0 would be 1)
        return np.array([0.0, 1e-3][: self._n_par()]), np.array([30.0, 10.0][: self._n_par()])

    def fit(self, params_n, tokens, loss, fraction):
        """Returns self fitted to token-limited runs (N, D, L, f)."""
        if self.form not in FORMS:
            raise InputError(f"unknown token-limited form '{self.form}' "
                             f"(valid: {choices_text(FORMS)})")
        n, d, loss = check_points(params_n, tokens, loss, self._n_par(), "token-limited runs",
                                   distinct=False)
        f = np.asarray(fraction, dtype=float)
        if np.any(~np.isfinite(f)) or np.any((f <= 0) | (f >= 1)):
            raise InputError("token-limited runs: teacher_token_fraction must lie in (0, 1)")
        self._data = (n, d, f)
        fn = scratch_equivalent_residuals(self.scratch_params, n, d, loss, self._log_gain(f))
        lo, hi = self._bounds()
        starts = np.array([[g, p] for g in (0.1, 0.5, 1.0, 2.0, 4.0) for p in (0.3, 1.0, 2.0)])
        starts = starts[:, : self._n_par()]
        theta, obj, ok = minimize_huber_batched(fn, starts, np.ones((len(starts), len(loss))),
                                                lo, hi, delta=self.delta)
        best = int(np.argmin(obj))
        self.theta_, self.objective_, self.converged_ = theta[best], float(obj[best]), \
            bool(ok[best])
        self.params_ = self._theta_to_params(self.theta_)
        self.n_points_ = len(loss)
        return self

    def _theta_to_params(self, theta):
        theta = np.asarray(theta, dtype=float)
        to = float if theta.ndim == 1 else (lambda v: np.asarray(v, dtype=float))
        out = {"g": to(theta[..., 0])}
        if self.form == "power":
            out["p"] = to(theta[..., 1])
        return out

    def predict_loss(self, params_n, tokens, fraction, params=None):
        """Returns the student's loss L_scratch(N, G(f) D) the gain predicts."""
        params = self.params_ if params is None else params
        ln_g = forms.token_limited_log_gain(params, fraction)
        return forms.scratch_loss(self.scratch_params, params_n, np.exp(ln_g) * tokens)

    def bootstrap_counts(self, loss, counts, scratch_samples):
        """Returns {g, p, converged} refitted per resample, each with its scratch sample."""
        n, d, f = self._data
        fn = scratch_equivalent_residuals(scratch_samples, n, d, loss, self._log_gain(f))
        lo, hi = self._bounds()
        starts = np.repeat(self.theta_[None, :], len(counts), axis=0)
        theta, _, ok = minimize_huber_batched(fn, starts, counts, lo, hi, delta=self.delta)
        out = self._theta_to_params(theta)
        out["converged"] = ok
        return out


def paired_loss(runs, scratch_params, scratch_cells):
    """Returns each run's loss anchored to its paired scratch run: L * L_law / L_scratch.

    A token-limited run and the scratch run at the same (N, D) share their first tokens, so
    their ratio is the measured effect of the teacher tokens; multiplying it by the scratch
    law at (N, D) removes the law's own misfit there (else G(0+) would absorb it). Runs with
    no scratch cell keep their loss.
    """
    loss = runs["loss"].to_numpy(dtype=float)
    if scratch_cells is None or scratch_cells.empty:
        return loss
    cell = scratch_cells.set_index(["params", "tokens"])["loss"]
    keys = list(zip(runs["params"], runs["tokens"]))
    observed = np.array([cell.get(k, np.nan) for k in keys], dtype=float)
    law = forms.scratch_loss(scratch_params, runs["params"].to_numpy(dtype=float),
                             runs["tokens"].to_numpy(dtype=float))
    return np.where(np.isfinite(observed), loss * law / observed, loss)


def _fit_gain(runs, scratch, scratch_boot, e, rng, n_boot, random_state, scratch_cells=None):
    """Returns the token-limited entry for one (mode, teacher, order) group."""
    n, d, f = (runs[c].to_numpy() for c in ("params", "tokens", "teacher_token_fraction"))
    loss = paired_loss(runs, scratch.params_, scratch_cells)
    levels = np.unique(f)
    cv = {}
    for form in FORMS:
        errs = []
        for level in levels if len(levels) > 1 else []:
            test = f == level
            try:
                g = TokenGainFitter(scratch.params_, form, random_state=random_state).fit(
                    n[~test], d[~test], loss[~test], f[~test])
            except InputError:
                continue
            pred = g.predict_loss(n[test], d[test], f[test])
            errs.append(np.abs(pred - loss[test]) / loss[test])
        cv[form] = round_sig(np.mean(np.concatenate(errs))) if errs else None
    valid = {k: v for k, v in cv.items() if v is not None}
    form = min(valid, key=lambda k: (valid[k], k != "linear")) if valid else "linear"
    fitter = TokenGainFitter(scratch.params_, form, random_state=random_state).fit(n, d, loss, f)
    mask = f >= levels.max()
    held = {"scheme": "largest teacher-token fraction held out", "n_heldout": int(mask.sum()),
            "n_fit": int((~mask).sum())}
    if len(levels) > 1 and (~mask).sum() >= 3:
        g = TokenGainFitter(scratch.params_, form, random_state=random_state).fit(
            n[~mask], d[~mask], loss[~mask], f[~mask])
        held.update(relative_errors(g.predict_loss(n[mask], d[mask], f[mask]), loss[mask], e))
    else:
        held["skipped"] = "needs at least two fraction levels"
    held.update({f"cv_{k}_relative_error_loss": v for k, v in cv.items()})
    boot = fitter.bootstrap_counts(loss, resample_counts(rng, len(runs), n_boot), scratch_boot)
    keys = tuple(fitter.params_)
    intervals, samples = summarise(boot, keys)
    grid = np.round(np.linspace(0.0, 1.0, 21), 3)
    log_g = forms.token_limited_log_gain({k: boot[k][:, None] for k in keys}, grid[None, :])
    gains = np.exp(log_g)
    return {"form": FORMS[form], "form_name": form,
            "params": {k: round_sig(v) for k, v in fitter.params_.items()},
            "intervals": intervals, "bootstrap": samples,
            "gain": {"fraction": as_list(grid),
                     "point": as_list(np.exp(forms.token_limited_log_gain(fitter.params_, grid))),
                     "median": as_list(np.median(gains, axis=0)),
                     "p05": as_list(np.percentile(gains, 5, axis=0)),
                     "p95": as_list(np.percentile(gains, 95, axis=0))},
            "domain": {"fraction": [round_sig(f.min()), round_sig(f.max())],
                       "tokens_per_param": [round_sig((d / n).min()), round_sig((d / n).max())]},
            "heldout": held, "converged": fitter.converged_, "n_runs": int(len(runs)),
            "bootstrap_converged_fraction": round_sig(np.mean(boot["converged"]))}


def fit_token_limited_section(runs, scratch, scratch_boot, e, rng, n_boot, random_state,
                              warnings, scratch_cells=None):
    """Returns the card's token_limited section: a gain fit per mode, teacher (and order).

    ``scratch_cells`` (params, tokens, loss: the seed-mean scratch runs) anchor each run to
    its paired scratch run (see paired_loss).
    """
    modes = {}
    for (mode, teacher), group in runs.groupby(["mode", "teacher"], sort=True):
        orders = sorted(str(o) for o in group["order"].fillna("last").unique())
        by_order = {}
        for order in orders:
            sub = group[group["order"].fillna("last").astype(str) == order]
            try:
                by_order[order] = _fit_gain(sub, scratch, scratch_boot, e, rng, n_boot,
                                            random_state, scratch_cells)
            except InputError as exc:
                warnings.append(f"token-limited {mode}/{teacher}/{order}: skipped ({exc})")
        if not by_order:
            continue
        default = "last" if "last" in by_order else sorted(by_order)[0]
        entry = dict(by_order[default], order=default, orders=sorted(by_order))
        if len(by_order) > 1:
            entry["by_order"] = {k: v for k, v in by_order.items() if k != default}
        if not entry["converged"]:
            warnings.append(f"token-limited {mode}/{teacher}: gain fit did not converge")
        modes.setdefault(mode, {})[teacher] = entry
    return {"definition": "G = D_eq / D: scratch compute reaching the student's loss at the "
                          "same N, over the student's compute; f = teacher-token fraction; "
                          "losses anchored to the paired scratch run at the same (N, D)",
            "modes": modes}


def token_limited_gain(card, mode, fraction, teacher="model", samples=False, order=None):
    """Returns G(f), the compute-equivalent gain of a fraction f of teacher tokens.

    card: a fit card (dict, as load_card returns). With samples=True, returns one row per
    bootstrap sample (shape (n_samples,) + shape(fraction)), for Monte Carlo propagation;
    otherwise the point estimate. ``order`` picks a curriculum ("last", "interleaved") when
    the card fitted more than one; None uses the entry's default.
    Outside the fitted fraction range the form is extrapolated (see the entry's "domain").
    """
    section = card.get("token_limited") or {}
    modes = section.get("modes", {})
    if mode not in modes:
        raise InputError(f"fit card has no token-limited fit for mode '{mode}' "
                         f"(valid: {choices_text(sorted(modes)) or 'none'})")
    teachers = modes[mode]
    if teacher not in teachers:
        raise InputError(f"fit card has no token-limited fit for mode '{mode}' with teacher "
                         f"'{teacher}' (valid: {choices_text(sorted(teachers))})")
    entry = teachers[teacher]
    if order is not None and order != entry.get("order"):
        by_order = entry.get("by_order", {})
        if order not in by_order:
            raise InputError(f"fit card has no token-limited fit for order '{order}' "
                             f"(valid: {choices_text(sorted(by_order) or [entry.get('order')])})")
        entry = by_order[order]
    f = np.asarray(fraction, dtype=float)
    if samples:
        boot = {k: np.asarray(v, dtype=float) for k, v in entry["bootstrap"].items()}
        params = {k: boot[k].reshape((-1,) + (1,) * f.ndim) for k in boot}
        return np.exp(forms.token_limited_log_gain(params, f))
    return np.exp(forms.token_limited_log_gain(entry["params"], f))
