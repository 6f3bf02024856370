"""Fits of a capability-transfer sweep: accuracy vs teacher samples, per base and access tier.

    from simulator.curves.capability import saturating, fit_curve
    fit = fit_curve(n, acc, a0)     # {"a_inf", "n50", "h", "at_bound", "rmse"}

The saturating curve a(n) = a0 + (a_inf - a0) / (1 + (n50 / n)^h), a0 the base's accuracy
(measured, fixed), fitted by least squares on every run (seeds as separate points) from a grid of
starts (projected Levenberg-Marquardt, batched over starts and bootstrap resamples in numpy).
n50 is the number of teacher samples that buys half the way from a0 to a_inf.
"""

import numpy as np

N50_BOUNDS = (1.0, 1e6)
H_BOUNDS = (0.25, 8.0)
CURVE_KEYS = ("a_inf", "n50", "h")


def saturating(n, a0, a_inf, n50, h):
    n = np.asarray(n, float)
    return a0 + (a_inf - a0) / (1.0 + (n50 / n) ** h)


LO = np.array([0.0, np.log10(N50_BOUNDS[0]), H_BOUNDS[0]])
HI = np.array([1.0, np.log10(N50_BOUNDS[1]), H_BOUNDS[1]])
LN10 = np.log(10.0)


def _model_and_jacobian(p, log_n, a0):
    """Returns predictions (B, m) and the Jacobian (B, m, 3) for parameters p (B, 3) =
    (a_inf, log10 n50, h)."""
    a_inf, lg, h = p[:, 0:1], p[:, 1:2], p[:, 2:3]
    z = lg * LN10 - log_n[None, :]
    s = 0.5 * (1.0 - np.tanh(0.5 * h * z))              # 1 / (1 + (n50 / n)^h), stably
    ds = -s * (1.0 - s)
    pred = a0 + (a_inf - a0) * s
    jac = np.stack([s, (a_inf - a0) * ds * h * LN10, (a_inf - a0) * ds * z], axis=-1)
    return pred, jac


def fit_batch(n, acc, a0, starts, iters=200):
    """Least squares for many problems at once (projected Levenberg-Marquardt): ``acc`` (B, m)
    at the shared ``n`` (m,), starts (B, 3); returns parameters (B, 3) and costs (B,)."""
    log_n = np.log(np.asarray(n, float))
    acc = np.atleast_2d(np.asarray(acc, float))
    p = np.clip(np.asarray(starts, float), LO, HI)
    pred, jac = _model_and_jacobian(p, log_n, a0)
    cost = ((pred - acc) ** 2).sum(1)
    lam = np.full(len(p), 1e-2)
    eye = np.eye(3)
    for _ in range(iters):
        r = pred - acc
        jtj = np.einsum("bmi,bmj->bij", jac, jac)
        g = np.einsum("bmi,bm->bi", jac, r)
        a = jtj + lam[:, None, None] * (np.einsum("bii->bi", jtj)[:, :, None] * eye + 1e-9 * eye)
        step = -np.linalg.solve(a, g[..., None])[..., 0]
        trial = np.clip(p + step, LO, HI)
        t_pred, t_jac = _model_and_jacobian(trial, log_n, a0)
        t_cost = ((t_pred - acc) ** 2).sum(1)
        better = t_cost < cost
        p = np.where(better[:, None], trial, p)
        pred = np.where(better[:, None], t_pred, pred)
        jac = np.where(better[:, None, None], t_jac, jac)
        cost = np.where(better, t_cost, cost)
        lam = np.where(better, lam / 3.0, np.minimum(lam * 4.0, 1e8))
        if (lam >= 1e7).all():  # no problem can improve any more
            break
    return p, cost


def _result(p, cost, m, a0):
    names = ("a_inf", "log10_n50", "h")
    at_bound = [name for name, v, a, b in zip(names, p, LO, HI)
                if min(abs(v - a), abs(v - b)) < 1e-4 * max(1.0, abs(b - a))]
    return {"a_inf": float(p[0]), "n50": float(10.0 ** p[1]), "h": float(p[2]),
            "a0": float(a0), "at_bound": at_bound, "rmse": float(np.sqrt(cost / m))}


def fit_curve(n, acc, a0, start=None) -> dict:
    """Returns the least-squares saturating curve through (n, acc) with a0 fixed."""
    n, acc = np.asarray(n, float), np.asarray(acc, float)
    if start is not None:
        starts = [[start["a_inf"], np.log10(start["n50"]), start["h"]]]
    else:
        top = float(np.clip(acc[n == n.max()].mean(), 0.0, 1.0))
        starts = [[a, np.log10(m), h] for a in (top, 1.0) for m in (32.0, 256.0, 2048.0)
                  for h in (1.0, 2.5)]
    p, cost = fit_batch(n, np.repeat(acc[None], len(starts), 0), a0, starts)
    best = int(np.argmin(cost))
    return _result(p[best], cost[best], len(n), a0)


def bootstrap_curve(n, acc, a0, n_eval, fit, n_boot, rng) -> dict:
    """Returns {a_inf, n50, h: [samples]}: resample, per n, its runs with replacement (seed
    noise, where a cell has several seeds) and redraw each run's accuracy as a binomial proportion
    over the evaluation questions (evaluation noise); refit from the point estimate."""
    n, acc = np.asarray(n, float), np.asarray(acc, float)
    cells = [np.flatnonzero(n == v) for v in np.unique(n)]
    order = np.concatenate(cells)
    samples = np.empty((n_boot, len(order)))
    for b in range(n_boot):
        idx = np.concatenate([rng.choice(c, size=len(c), replace=True) for c in cells])
        samples[b] = rng.binomial(n_eval, np.clip(acc[idx], 0, 1)) / n_eval
    start = [[fit["a_inf"], np.log10(fit["n50"]), fit["h"]]] * n_boot
    p, _ = fit_batch(n[order], samples, a0, start)
    return {"a_inf": p[:, 0].tolist(), "n50": (10.0 ** p[:, 1]).tolist(), "h": p[:, 2].tolist()}


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
