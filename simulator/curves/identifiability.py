"""Why the scratch law's exponents are as uncertain as they are: noise or misfit.

The card's intervals resample the fitted cells (a pairs bootstrap), so they hold two things:
measurement noise (seed to seed) and the law's misfit (a cell the form cannot follow moves the
exponents when it drops out or counts twice). Two refits tell them apart:

* ``seed_noise_intervals``: the cells stay, each cell's seeds are resampled with replacement
  and averaged, and the law is refitted: the spread measurement noise alone leaves;
* ``leave_one_size_out``: the law refitted without each model size in turn: if the exponents
  move far more than the seed-noise interval allows, the sizes disagree with the form.

    >>> noise = seed_noise_intervals(fitter, cells, runs, rng, 1000)   # {"alpha": [p5, p95], ...}
"""

import numpy as np

from simulator.curves.summary import intervals_90, round_sig

EXPONENTS = ("alpha", "beta")


def seed_losses(cells, runs):
    """Returns one array of seed losses per row of ``cells`` (its (params, tokens) runs)."""
    groups = runs.groupby(["params", "tokens"])["loss"]
    by_cell = {key: g.to_numpy(dtype=float) for key, g in groups}
    return [by_cell[(p, t)] for p, t in zip(cells["params"], cells["tokens"])]


def resampled_means(per_cell, rng, n_resamples):
    """Returns (n_resamples, n_cells) cell means with each cell's seeds drawn with replacement."""
    columns = []
    for losses in per_cell:
        picks = rng.integers(0, len(losses), size=(n_resamples, len(losses)))
        columns.append(losses[picks].mean(axis=1))
    return np.column_stack(columns)


def seed_noise_intervals(fitter, cells, runs, rng, n_resamples):
    """Returns {exponent: [p5, p95]} over refits to seed-resampled cell means (cells fixed).

    ``fitter`` is fitted to ``cells`` (one row per cell: params, tokens, mean loss); ``runs``
    hold the cells' individual seeds.
    """
    means = resampled_means(seed_losses(cells, runs), rng, n_resamples)
    boot = fitter.bootstrap_losses(cells["params"].to_numpy(), cells["tokens"].to_numpy(), means)
    return intervals_90(boot, EXPONENTS)


def leave_one_size_out(cells, make_fitter):
    """Returns [{"params", "alpha", "beta"}] refitted without each size (too few sizes: [])."""
    sizes = np.unique(cells["params"].to_numpy())
    if len(sizes) < 4:
        return []
    rows = []
    for size in sizes:
        keep = cells[cells["params"] != size]
        fitter = make_fitter().fit(keep["params"], keep["tokens"], keep["loss"])
        rows.append({"params": round_sig(size),
                     **{k: round_sig(fitter.params_[k]) for k in EXPONENTS}})
    return rows


def misfit_note(intervals, noise, by_size):
    """Returns a sentence on what makes alpha's interval as wide as it is."""
    width = np.diff(intervals["alpha"])[0]
    noise_width = np.diff(noise["alpha"])[0]
    text = (f"over seeds resampled within cells (cells fixed) it is {noise_width:.2f} wide, "
            f"over resampled cells {width:.2f}")
    if by_size:
        alphas = [r["alpha"] for r in by_size]
        text += f"; alpha refitted without one size ranges {min(alphas):.2f}-{max(alphas):.2f}"
    if width > 2 * noise_width:
        text += ": the width is the law's misfit across cells, not measurement noise"
    return text
