"""Token-limited gains measured without the scratch law: each size's own scratch curve.

G = D_eq / D as in simulator.curves.token_limited, but D_eq is read off the student size's
own measured scratch curve (seed means at every budget, ln L linear in ln D between
neighbouring budgets) instead of the fitted scratch law. Where the law misfits a size's
D-slope, gains read through it are biased at that size (in the default sweep the law's slope
between 1M and 2M tokens is 1.55x the measured one at s1, 1.21x at s2, 0.94x at s3); these are
not. A run's loss is anchored as the law-based gain anchors it (its ratio to the paired
scratch run, times the cell's seed mean). A loss outside the size's measured curve gives no
value (no extrapolation): such runs are counted in ``n_outside`` and left out.

    >>> table = own_curve_gains(runs, ratio, cells, seed_runs, rng, 1000)   # per fraction level
"""

import numpy as np

from simulator.curves.identifiability import resampled_means, seed_losses
from simulator.curves.summary import as_list, resample_counts

NOTE = ("G = D_eq / D per run, D_eq read off the size's own measured scratch curve (seed "
        "means, log-log interpolation, no law, no extrapolation); geometric mean over the runs "
        "at each fraction; [p05, p95] over resamples of runs and of each cell's seeds")


def curve_log_d_eq(tokens, curve_loss, loss):
    """Returns ln D_eq where a scratch curve (tokens ascending, loss strictly falling) reaches
    ``loss`` (log-log interpolation); NaN outside the curve or where it does not fall."""
    x, y = -np.log(np.asarray(curve_loss, dtype=float)), np.log(np.asarray(tokens, dtype=float))
    v = -np.log(np.asarray(loss, dtype=float))
    if np.any(np.diff(x) <= 0):
        return np.full(v.shape, np.nan)
    return np.where((v < x[0]) | (v > x[-1]), np.nan, np.interp(v, x, y))


def own_curve_gains(runs, ratio, cells, seed_runs, rng, n_boot):
    """Returns the gain table per fraction level of token-limited ``runs``.

    ``ratio``: each run's loss over its paired scratch anchor; ``cells``: the scratch seed
    means (params, tokens, loss) of every budget; ``seed_runs``: their individual seeds.
    """
    n, d, f = (runs[c].to_numpy(dtype=float) for c in ("params", "tokens",
                                                       "teacher_token_fraction"))
    ratio = np.asarray(ratio, dtype=float)
    log_g = np.full(len(runs), np.nan)
    boot = np.full((n_boot, len(runs)), np.nan)
    for size in np.unique(n):
        curve = cells[cells["params"] == size].sort_values("tokens")
        tokens, means = curve["tokens"].to_numpy(dtype=float), curve["loss"].to_numpy(dtype=float)
        sel = np.flatnonzero((n == size) & np.isin(d, tokens) & np.isfinite(ratio))
        if len(tokens) < 2 or not len(sel):
            continue
        at = np.searchsorted(tokens, d[sel])
        log_g[sel] = curve_log_d_eq(tokens, means, ratio[sel] * means[at]) - np.log(d[sel])
        drawn = resampled_means(seed_losses(curve, seed_runs), rng, n_boot)
        for b in range(n_boot):
            boot[b, sel] = curve_log_d_eq(tokens, drawn[b], ratio[sel] * drawn[b, at]) \
                - np.log(d[sel])
    table = {"fraction": [], "point": [], "median": [], "p05": [], "p95": [], "n_runs": [],
             "n_outside": []}
    for level in np.unique(f):
        sel = np.flatnonzero((f == level) & np.isfinite(log_g))
        table["fraction"].append(level)
        table["n_runs"].append(int(len(sel)))
        table["n_outside"].append(int(np.sum(f == level) - len(sel)))
        if not len(sel):
            for key in ("point", "median", "p05", "p95"):
                table[key].append(np.nan)
            continue
        counts = resample_counts(rng, len(sel), n_boot)
        values = boot[:, sel]
        weights = np.where(np.isfinite(values), counts, 0.0)
        with np.errstate(invalid="ignore"):
            gains = np.exp(np.nansum(weights * np.nan_to_num(values), axis=1)
                           / weights.sum(axis=1))
        table["point"].append(np.exp(np.mean(log_g[sel])))
        table["median"].append(np.nanmedian(gains))
        table["p05"].append(np.nanpercentile(gains, 5))
        table["p95"].append(np.nanpercentile(gains, 95))
    out = {k: (as_list(v) if k not in ("n_runs", "n_outside") else v) for k, v in table.items()}
    out["note"] = NOTE
    return out
