"""Noise or misfit: seed-resampled refits and leave-one-size-out refits of the scratch law."""

import numpy as np
import pandas as pd
import pytest

from simulator.curves import forms
from simulator.curves.fit_runs import seed_means
from simulator.curves.identifiability import (leave_one_size_out, misfit_note,
                                              resampled_means, seed_noise_intervals)
from simulator.curves.scratch import ScratchLawFitter
from simulator.curves.summary import intervals_90, resample_counts

TRUE = {"E": 0.9, "A": 40.0, "B": 300.0, "alpha": 0.4, "beta": 0.3}
SIZES = np.geomspace(2e4, 8e5, 5)
TOKENS = np.geomspace(5e5, 8e6, 5)


def _runs(rng, noise=0.004, seeds=3, bend=0.0):
    """Seed runs on a size x budget grid; ``bend`` tilts each size's D-slope (a misfit the
    additive law cannot follow: small sizes flatter, large ones steeper)."""
    rows = []
    for i, n in enumerate(SIZES):
        tilt = bend * (i - 2)
        for d in TOKENS:
            base = forms.scratch_loss(TRUE, n, d) * (d / TOKENS[2]) ** (-tilt)
            for seed in range(seeds):
                rows.append({"params": n, "tokens": d, "seed": seed,
                             "loss": base * np.exp(rng.normal(0, noise))})
    return pd.DataFrame(rows)


def _fit(cells):
    return ScratchLawFitter(fix_e=TRUE["E"]).fit(cells["params"], cells["tokens"],
                                                 cells["loss"])


def test_refits_to_the_measured_losses_return_the_fit():
    runs = _runs(np.random.default_rng(0))
    cells = seed_means(runs)
    fitter = _fit(cells)
    same = np.repeat(cells["loss"].to_numpy()[None, :], 4, axis=0)
    boot = fitter.bootstrap_losses(cells["params"].to_numpy(), cells["tokens"].to_numpy(), same)
    assert boot["converged"].all()
    np.testing.assert_allclose(boot["alpha"], fitter.params_["alpha"], rtol=1e-6)
    np.testing.assert_allclose(boot["beta"], fitter.params_["beta"], rtol=1e-6)


def test_resampled_means_draw_only_a_cells_own_seeds():
    per_cell = [np.array([1.0, 2.0, 3.0]), np.array([10.0, 10.0])]
    means = resampled_means(per_cell, np.random.default_rng(0), 500)
    assert means.shape == (500, 2)
    assert means[:, 0].min() >= 1.0 and means[:, 0].max() <= 3.0
    assert np.unique(means[:, 0]).size > 3  # resampled, not the mean every time
    np.testing.assert_allclose(means[:, 1], 10.0)


def test_seed_noise_interval_covers_the_truth_when_the_law_holds():
    runs = _runs(np.random.default_rng(1))
    cells = seed_means(runs)
    noise = seed_noise_intervals(_fit(cells), cells, runs, np.random.default_rng(2), 400)
    lo, hi = noise["alpha"]
    assert lo < TRUE["alpha"] < hi and hi - lo < 0.15
    by_size = leave_one_size_out(cells, lambda: ScratchLawFitter(fix_e=TRUE["E"]))
    assert len(by_size) == len(SIZES)
    assert all(abs(r["alpha"] - TRUE["alpha"]) < 0.08 for r in by_size), by_size


def _cells_and_seed_intervals(runs):
    """Returns (alpha's 90% interval over resampled cells, over resampled seeds, by size)."""
    cells = seed_means(runs)
    fitter = _fit(cells)
    n, d, loss = (cells[c].to_numpy() for c in ("params", "tokens", "loss"))
    pairs = intervals_90(fitter.bootstrap_counts(
        n, d, loss, resample_counts(np.random.default_rng(4), len(cells), 400)), ["alpha"])
    noise = seed_noise_intervals(fitter, cells, runs, np.random.default_rng(5), 400)
    by_size = leave_one_size_out(cells, lambda: ScratchLawFitter(fix_e=TRUE["E"]))
    return pairs, noise, by_size


def test_a_law_that_misfits_across_sizes_is_told_apart_from_noise():
    """Per-size D-slopes the additive law cannot follow: resampling cells spreads alpha far
    more than resampling seeds, refits without one size disagree, and the note says so."""
    pairs, noise, by_size = _cells_and_seed_intervals(
        _runs(np.random.default_rng(3), bend=0.04))
    assert np.diff(pairs["alpha"])[0] > 2 * np.diff(noise["alpha"])[0]
    note = misfit_note(pairs, noise, by_size)
    assert "misfit" in note and "without one size ranges" in note
    # the well-specified grid raises no such claim
    good_pairs, good_noise, _ = _cells_and_seed_intervals(_runs(np.random.default_rng(3)))
    assert "misfit" not in misfit_note(good_pairs, good_noise, [])


def test_too_few_sizes_give_no_leave_one_size_out():
    runs = _runs(np.random.default_rng(6))
    cells = seed_means(runs[runs["params"] <= SIZES[2]])
    assert leave_one_size_out(cells, lambda: ScratchLawFitter(fix_e=TRUE["E"])) == []


@pytest.mark.parametrize("width,noise_width,misfit", [(0.48, 0.07, True), (0.10, 0.07, False)])
def test_misfit_note_reports_both_widths(width, noise_width, misfit):
    note = misfit_note({"alpha": [0.3, 0.3 + width]}, {"alpha": [0.4, 0.4 + noise_width]},
                       [{"params": 1.0, "alpha": 0.26, "beta": 0.3},
                        {"params": 2.0, "alpha": 0.70, "beta": 0.2}])
    assert f"{noise_width:.2f} wide" in note and f"cells {width:.2f}" in note
    assert "0.26-0.70" in note
    assert ("misfit" in note) == misfit
