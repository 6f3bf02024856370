"""Fits of a capability-transfer sweep: accuracy vs teacher samples, per base and access tier.

    from simulator.curves.capability import saturating, fit_curve
    fit = fit_curve(n, acc, a0)     # {"a_inf", "n50", "h", "at_bound", "rmse"}

The saturating curve a(n) = a0 + (a_inf - a0) / (1 + (n50 / n)^h), a0 the base's accuracy
(measured, fixed), fitted by least squares on every run (seeds as separate points) from a grid of
starts. n50 is the number of teacher samples that buys half the way from a0 to a_inf.
"""

import numpy as np
from scipy.optimize import least_squares

N50_BOUNDS = (1.0, 1e6)
H_BOUNDS = (0.25, 8.0)
CURVE_KEYS = ("a_inf", "n50", "h")


def saturating(n, a0, a_inf, n50, h):
    n = np.asarray(n, float)
    return a0 + (a_inf - a0) / (1.0 + (n50 / n) ** h)


def _residuals(p, n, acc, a0):
    return saturating(n, a0, p[0], 10.0 ** p[1], p[2]) - acc


def fit_curve(n, acc, a0, start=None) -> dict:
    """Returns the least-squares saturating curve through (n, acc) with a0 fixed."""
    n, acc = np.asarray(n, float), np.asarray(acc, float)
    lo = [0.0, np.log10(N50_BOUNDS[0]), H_BOUNDS[0]]
    hi = [1.0, np.log10(N50_BOUNDS[1]), H_BOUNDS[1]]
    if start is not None:
        starts = [[start["a_inf"], np.log10(start["n50"]), start["h"]]]
    else:
        top = float(np.clip(acc[n == n.max()].mean(), 0.0, 1.0))
        starts = [[a, np.log10(m), h] for a in (top, 1.0) for m in (32.0, 256.0, 2048.0)
                  for h in (1.0, 2.5)]
    best = None
    for x0 in starts:
        x0 = np.clip(x0, np.add(lo, 1e-9), np.subtract(hi, 1e-9))
        r = least_squares(_residuals, x0, bounds=(lo, hi), args=(n, acc, a0), method="trf",
                          x_scale=[0.1, 0.5, 0.5], max_nfev=400)
        if best is None or r.cost < best.cost:
            best = r
    p = best.x
    names = ("a_inf", "log10_n50", "h")
    at_bound = [name for name, v, a, b in zip(names, p, lo, hi)
                if min(abs(v - a), abs(v - b)) < 1e-4 * max(1.0, abs(b - a))]
    return {"a_inf": float(p[0]), "n50": float(10.0 ** p[1]), "h": float(p[2]),
            "a0": float(a0), "at_bound": at_bound,
            "rmse": float(np.sqrt(np.mean(best.fun ** 2)))}


def bootstrap_curve(n, acc, a0, seeds_of, n_eval, fit, n_boot, rng) -> dict:
    """Returns {a_inf, n50, h: [samples]}: resample, per n, its runs with replacement (seed
    noise, where a cell has several seeds) and redraw each run's accuracy as a binomial proportion
    over the evaluation questions (evaluation noise); refit from the point estimate."""
    n, acc = np.asarray(n, float), np.asarray(acc, float)
    cells = [np.flatnonzero(n == v) for v in np.unique(n)]
    out = {k: [] for k in CURVE_KEYS}
    for _ in range(n_boot):
        idx = np.concatenate([rng.choice(c, size=len(c), replace=True) for c in cells])
        a = rng.binomial(n_eval, np.clip(acc[idx], 0, 1)) / n_eval
        f = fit_curve(n[idx], a, a0, start=fit)
        for k in CURVE_KEYS:
            out[k].append(f[k])
    return out


def interval(samples, lo=5.0, hi=95.0):
    s = np.asarray(samples, float)
    return [float(np.percentile(s, lo)), float(np.percentile(s, hi))]


def self_compute_for(acc_target, compute, acc):
    """Returns (compute, kind): the least self-reliant compute whose best accuracy so far reaches
    ``acc_target`` (log-linear between measured points); kind 'point', 'lower_bound' (never
    reached: the largest measured compute is returned) or 'upper_bound' (already reached at
    the smallest measured compute)."""
    order = np.argsort(compute)
    c = np.asarray(compute, float)[order]
    env = np.maximum.accumulate(np.asarray(acc, float)[order])
    if acc_target > env[-1]:
        return float(c[-1]), "lower_bound"
    if acc_target <= env[0]:
        return float(c[0]), "upper_bound"
    j = int(np.argmax(env >= acc_target))
    a0, a1 = env[j - 1], env[j]
    t = (acc_target - a0) / (a1 - a0) if a1 > a0 else 1.0
    return float(10 ** (np.log10(c[j - 1]) + t * (np.log10(c[j]) - np.log10(c[j - 1])))), "point"
