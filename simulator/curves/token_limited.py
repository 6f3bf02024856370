"""Token-limited distillation: the gain from mixing a fraction f of teacher tokens into training.

A student trains on D tokens, a fraction f of them bought from the teacher (an API sells a
limited number of tokens). Its compute-equivalent gain (CEG) is G(f) = D_eq / D, where the
scratch law at the same N reaches the student's loss with D_eq tokens: scratch would need G
times the student's compute. G is fitted as ln G = g f^p ("power") or ln G = g f ("linear"), in loss space through the
scratch law, with g signed: teacher tokens that make students worse give G < 1, and the card
keeps that sign (harm is a result; whether an actor would use such tokens is decided in the
scenario, simulator.scenario.distill). The form is chosen by leave-one-fraction-out error. A
fit at a parameter bound is flagged (``at_bound``) and a warning says so.

Each entry also carries the measured gains, per fraction level, without a form: every run's
D_eq from the scratch law (its anchored loss inverted), G = D_eq / D, averaged in ln G over the
runs at that level, with a bootstrap interval (runs resampled, paired with scratch resamples).
Top-k runs at several k are split by k (``topk`` is the most-run k; ``topk-k8`` etc. the
others); ``topk_scan`` lists, per k, the teacher's captured probability mass and the measured
gain, so that a real API's k can be mapped to captured mass, not to k.

Example:
    >>> gain = token_limited_gain(load_card("data/fits/default.json"), "text", 0.1)  # FitCard
"""

import numpy as np

from simulator.curves import forms
from simulator.curves.distill_laws import scratch_equivalent_residuals
from simulator.curves.own_curve import own_curve_gains
from simulator.curves.robust import HUBER_DELTA, minimize_huber_batched
from simulator.curves.scratch import check_points
from simulator.curves.summary import (as_list, relative_errors, resample_counts, round_sig,
                                      summarise)
from simulator.errors import InputError, choices_text

FORMS = {"power": "ln G = g f^p", "linear": "ln G = g f"}
G_BOUND = 10.0          # |ln G(1)| <= 10: a gain or harm of e^10 is far outside anything measured
P_BOUNDS = (0.05, 5.0)


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

        def log_gain(theta, _sp):  # the fraction's gain: no scratch-law term
            g = theta[:, :1]
            p = theta[:, 1:2] if self.form == "power" else np.ones_like(g)
            f_p = np.power(f, p)
            cols = [f_p] if self.form != "power" else [f_p, g * f_p * log_f]
            return g * f_p, np.stack(cols, axis=-1)

        return log_gain

    def _bounds(self):
        # g signed (harm is measured, not clamped); p > 0 keeps ln G(0) = 0 (0^0 would be 1)
        return np.array([-G_BOUND, P_BOUNDS[0]][: self._n_par()]), \
            np.array([G_BOUND, P_BOUNDS[1]][: self._n_par()])

    def at_bound(self):
        """Returns the names of parameters at (within 1e-6 of) a bound."""
        lo, hi = self._bounds()
        names = ("g", "p")[: self._n_par()]
        return [k for k, v, a, b in zip(names, self.theta_, lo, hi)
                if abs(v - a) < 1e-6 * max(1.0, abs(a)) or abs(v - b) < 1e-6 * max(1.0, abs(b))]

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
        starts = np.array([[g, p] for g in (-1.0, -0.1, 0.1, 0.5, 1.0, 2.0, 4.0)
                           for p in (0.3, 1.0, 2.0)])
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


def paired_loss(runs, scratch_params, observed):
    """Returns each run's loss anchored to its paired scratch run: L * L_law / L_scratch.

    A token-limited run and the scratch run of the same seed at the same (N, D) share their
    first tokens, so their ratio is the measured effect of the teacher tokens; multiplying it
    by the scratch law at (N, D) removes the law's own misfit there (else G(0+) would absorb
    it). ``observed``: each run's anchor (anchor_losses); runs without one (NaN) keep their
    loss.
    """
    loss = runs["loss"].to_numpy(dtype=float)
    law = forms.scratch_loss(scratch_params, runs["params"].to_numpy(dtype=float),
                             runs["tokens"].to_numpy(dtype=float))
    return np.where(np.isfinite(observed), loss * law / observed, loss)


def anchor_losses(runs, scratch_cells, scratch_runs=None):
    """Returns each run's scratch anchor: the same-seed scratch run at its (N, D), else the
    cell's seed mean, else NaN."""
    if scratch_cells is None or scratch_cells.empty:
        return np.full(len(runs), np.nan)
    cell = scratch_cells.set_index(["params", "tokens"])["loss"]
    keys = list(zip(runs["params"], runs["tokens"]))
    observed = np.array([cell.get(k, np.nan) for k in keys], dtype=float)
    if scratch_runs is not None and "seed" in runs and "seed" in scratch_runs:
        same = scratch_runs.groupby(["params", "tokens", "seed"])["loss"].mean()
        seeded = np.array([same.get((n, d, s), np.nan) for n, d, s in
                           zip(runs["params"], runs["tokens"], runs["seed"])], dtype=float)
        observed = np.where(np.isfinite(seeded), seeded, observed)
    return observed


def measured_log_gain(scratch_params, params_n, tokens, loss):
    """Returns ln(D_eq / D) per run: the scratch law at N inverted at the run's loss.

    +inf where the loss is below what the law reaches at N with any data (L <= E + A/N^alpha).
    Broadcasts over bootstrap arrays of the scratch parameters.
    """
    sp = scratch_params
    rest = loss - sp["E"] - sp["A"] / np.power(params_n, sp["alpha"])
    with np.errstate(divide="ignore", invalid="ignore"):
        log_d_eq = (np.log(sp["B"]) - np.log(rest)) / sp["beta"]
    return np.where(rest > 0, log_d_eq - np.log(tokens), np.inf)


def _measured(n, d, f, loss, scratch, scratch_boot, rng):
    """Returns the measured gain per fraction level: point, median, p05, p95 (ln G averaged)."""
    levels = np.unique(f)
    sp = {k: np.asarray(scratch_boot[k], dtype=float)[:, None]
          for k in ("E", "A", "B", "alpha", "beta")}
    point, med, lo, hi, count = [], [], [], [], []
    ratio = loss / forms.scratch_loss(scratch.params_, n, d)  # the measured effect
    for level in levels:
        sel = f == level
        ln_g = measured_log_gain(scratch.params_, n[sel], d[sel], loss[sel])
        point.append(np.exp(np.mean(ln_g)))
        counts = resample_counts(rng, int(sel.sum()), len(sp["E"]))
        nn, dd = n[sel][None, :], d[sel][None, :]
        boot_ln = measured_log_gain(sp, nn, dd, ratio[sel][None, :] * forms.scratch_loss(sp, nn, dd))
        with np.errstate(invalid="ignore"):  # a run drawn 0 times adds nothing (0 * inf too)
            mean_ln = np.where(counts > 0, counts * boot_ln, 0.0).sum(axis=1) / counts.sum(axis=1)
        g = np.exp(mean_ln)
        med.append(np.median(g))
        lo.append(np.percentile(g, 5))
        hi.append(np.percentile(g, 95))
        count.append(int(sel.sum()))
    return {"fraction": as_list(levels), "point": as_list(point), "median": as_list(med),
            "p05": as_list(lo), "p95": as_list(hi), "n_runs": count,
            "note": "G = D_eq / D per run from the scratch law, geometric mean over the runs "
                    "at each fraction; [p05, p95] over resamples of runs and scratch law"}


def _fit_gain(runs, scratch, scratch_boot, e, rng, n_boot, random_state, scratch_cells=None,
              scratch_runs=None):
    """Returns the token-limited entry for one (mode, teacher, order) group."""
    n, d, f = (runs[c].to_numpy() for c in ("params", "tokens", "teacher_token_fraction"))
    anchors = anchor_losses(runs, scratch_cells, scratch_runs)
    loss = paired_loss(runs, scratch.params_, anchors)
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
    # each resample anchors the measured ratio L / L_scratch to its own scratch law, so that
    # a run with no measured effect stays at G = 1 in every resample
    ratio = loss / forms.scratch_loss(scratch.params_, n, d)
    sp = {k: np.asarray(scratch_boot[k], dtype=float)[:, None]
          for k in ("E", "A", "B", "alpha", "beta")}
    boot = fitter.bootstrap_counts(ratio[None, :] * forms.scratch_loss(sp, n[None, :],
                                                                       d[None, :]),
                                   resample_counts(rng, len(runs), n_boot), scratch_boot)
    keys = tuple(fitter.params_)
    intervals, samples = summarise(boot, keys)
    grid = np.round(np.linspace(0.0, 1.0, 21), 3)
    log_g = forms.token_limited_log_gain({k: boot[k][:, None] for k in keys}, grid[None, :])
    gains = np.exp(log_g)
    at_bound = fitter.at_bound()
    entry = {"form": FORMS[form], "form_name": form,
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
            "bootstrap_converged_fraction": round_sig(np.mean(boot["converged"])),
            "at_bound": at_bound, "degenerate": len(levels) < 2,
            "measured": _measured(n, d, f, loss, scratch, scratch_boot, rng)}
    if scratch_runs is not None and scratch_cells is not None and not scratch_cells.empty:
        # the same gains without the law: each size's own scratch curve (its own generator,
        # so that the law-based resamples above stay as they were)
        entry["measured_own_curve"] = own_curve_gains(
            runs, runs["loss"].to_numpy(dtype=float) / anchors, scratch_cells, scratch_runs,
            np.random.default_rng([random_state, 2]), n_boot)
    if "teacher_captured_mass" in runs and runs["teacher_captured_mass"].notna().any():
        entry["captured_mass"] = round_sig(runs["teacher_captured_mass"].mean())
    return entry


def _split_topk(group):
    """Returns {key: runs}: top-k runs split by k (the most-run k keeps the name 'topk')."""
    mode = group["mode"].iloc[0]
    if mode != "topk" or group["top_k"].nunique(dropna=False) <= 1:
        return {mode: group}
    ks = group["top_k"].fillna(-1)
    sizes = sorted(((int((ks == k).sum()), k) for k in ks.unique()), key=lambda t: (-t[0], t[1]))
    return {(mode if rank == 0 else f"{mode}-k{int(k)}"): group[ks == k]
            for rank, (_, k) in enumerate(sizes)}


def _warn_entry(label, entry, warnings):
    if entry.get("at_bound"):
        warnings.append(f"token-limited {label}: fit at a parameter bound "
                        f"({', '.join(entry['at_bound'])}); not extrapolated past the measured "
                        f"fractions {entry['domain']['fraction']}")
    if entry.get("degenerate"):
        warnings.append(f"token-limited {label}: one fraction level only; the form is not "
                        "identified (use the measured gain)")
    own, meas = entry.get("measured_own_curve"), entry["measured"]
    if own and own["point"][-1] is not None and not (
            meas["p05"][-1] <= own["point"][-1] <= meas["p95"][-1]):
        warnings.append(f"token-limited {label}: read off each size's own scratch curve, "
                        f"G({meas['fraction'][-1]:g}) = {own['point'][-1]:.3f}, outside the "
                        f"law-based [{meas['p05'][-1]:.3f}, {meas['p95'][-1]:.3f}] (the scratch "
                        "law's D-slope misfits some sizes)")
    err = entry["heldout"].get("relative_error_loss")
    if err is not None and err > 0.03:
        warnings.append(f"token-limited {label}: held-out relative error {err:.1%} exceeds 3%")


def topk_scan(section, order="last"):
    """Returns [{top_k, captured_mass, fraction, gain (measured), p05, p95}] over the top-k
    entries of the model teacher (sorted by k), read from a token_limited section."""
    out = []
    for key, teachers in (section.get("modes") or {}).items():
        if not key.startswith("topk"):
            continue
        entry = teachers.get("model") or {}
        if entry.get("order") != order:
            entry = (entry.get("by_order") or {}).get(order) or {}
        meas, mass, k = entry.get("measured"), entry.get("captured_mass"), entry.get("top_k")
        if not meas or mass is None or k is None:
            continue
        i = int(np.argmax(meas["fraction"]))
        row = {"top_k": k, "captured_mass": mass, "fraction": meas["fraction"][i],
               "gain": meas["point"][i], "p05": meas["p05"][i], "p95": meas["p95"][i]}
        own = entry.get("measured_own_curve")
        if own:
            row.update({"own_curve_gain": own["point"][i], "own_curve_p05": own["p05"][i],
                        "own_curve_p95": own["p95"][i]})
        out.append(row)
    return sorted(out, key=lambda r: r["top_k"])


def fit_token_limited_section(runs, scratch, scratch_boot, e, rng, n_boot, random_state,
                              warnings, scratch_cells=None, scratch_runs=None):
    """Returns the card's token_limited section: a gain fit per mode, teacher (and order).

    ``scratch_cells`` (params, tokens, loss: the seed-mean scratch runs) anchor each run to
    its paired scratch run (see paired_loss).
    """
    modes = {}
    parts = [(key, teacher, sub) for (mode, teacher), group
             in runs.groupby(["mode", "teacher"], sort=True)
             for key, sub in _split_topk(group).items()]
    for mode, teacher, group in parts:
        orders = sorted(str(o) for o in group["order"].fillna("last").unique())
        by_order = {}
        for order in orders:
            sub = group[group["order"].fillna("last").astype(str) == order]
            try:
                by_order[order] = _fit_gain(sub, scratch, scratch_boot, e, rng, n_boot,
                                            random_state, scratch_cells, scratch_runs)
            except InputError as exc:
                warnings.append(f"token-limited {mode}/{teacher}/{order}: skipped ({exc})")
                continue
            if "top_k" in sub and sub["top_k"].notna().any():
                by_order[order]["top_k"] = int(sub["top_k"].median())
            _warn_entry(f"{mode}/{teacher}/{order}", by_order[order], warnings)
        if not by_order:
            continue
        default = "last" if "last" in by_order else sorted(by_order)[0]
        entry = dict(by_order[default], order=default, orders=sorted(by_order))
        if len(by_order) > 1:
            entry["by_order"] = {k: v for k, v in by_order.items() if k != default}
        if not entry["converged"]:
            warnings.append(f"token-limited {mode}/{teacher}: gain fit did not converge")
        modes.setdefault(mode, {})[teacher] = entry
    section = {"definition": "G = D_eq / D: scratch compute reaching the student's loss at "
                             "the same N, over the student's compute; f = teacher-token "
                             "fraction; losses anchored to the paired scratch run at the same "
                             "(N, D)",
               "modes": modes}
    scan = topk_scan(section)
    if len(scan) > 1:
        section["topk_scan"] = scan
    return section


def token_limited_gain(card, mode, fraction, teacher="model", samples=False, order=None):
    """Returns G(f), the compute-equivalent gain of a fraction f of teacher tokens.

    card: a FitCard (as load_card returns). With samples=True, returns one row per
    bootstrap sample (shape (n_samples,) + shape(fraction)), for Monte Carlo propagation;
    otherwise the point estimate. ``order`` picks a curriculum ("last", "interleaved") when
    the card fitted more than one; None uses the entry's default.
    This is the card's signed fit, evaluated as asked (outside the entry's measured
    ``domain.fraction`` it extrapolates: the scenario clips f to that domain and says so).
    """
    modes = card.token_limited_modes()
    if mode not in modes:
        raise InputError(f"fit card has no token-limited fit for mode '{mode}' "
                         f"(valid: {choices_text(sorted(modes)) or 'none'})")
    teachers = modes[mode]
    if teacher not in teachers:
        raise InputError(f"fit card has no token-limited fit for mode '{mode}' with teacher "
                         f"'{teacher}' (valid: {choices_text(sorted(teachers))})")
    entry = teachers[teacher].for_order(order)
    if entry is None:
        by_order = teachers[teacher].by_order
        raise InputError(f"fit card has no token-limited fit for order '{order}' "
                         f"(valid: {choices_text(sorted(by_order) or [teachers[teacher].order])})")
    f = np.asarray(fraction, dtype=float)
    if samples:
        boot = {k: np.asarray(v, dtype=float) for k, v in entry.bootstrap.items()}
        params = {k: boot[k].reshape((-1,) + (1,) * f.ndim) for k in boot}
        return np.exp(forms.token_limited_log_gain(params, f))
    return np.exp(forms.token_limited_log_gain(entry.params, f))
