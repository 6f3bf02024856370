"""Token-limited gains read off each size's own scratch curve (no scratch law)."""

import numpy as np
import pandas as pd
import pytest

from simulator.curves.fit_runs import seed_means
from simulator.curves.own_curve import curve_log_d_eq, own_curve_gains
from simulator.curves.token_limited import _warn_entry

M = 1 << 20
BUDGETS = np.array([M // 2, M, 2 * M, 4 * M], dtype=float)
# per size: L = c D^-s, a pure power law, so log-log interpolation is exact; the slopes differ
# by size as the default sweep's do (which no single additive law follows)
SIZES = {2e4: (9.0, 0.06), 6e4: (14.0, 0.09)}


def _scratch(seeds=3, noise=0.0, rng=None):
    rows = []
    for n, (c, s) in SIZES.items():
        for d in BUDGETS:
            for seed in range(seeds):
                jitter = np.exp(rng.normal(0, noise)) if noise else 1.0
                rows.append({"params": n, "tokens": d, "seed": seed,
                             "loss": c * d ** -s * jitter})
    return pd.DataFrame(rows)


def _limited(gains, fraction=0.3):
    """Runs at 1M tokens whose loss is the scratch curve's at G x 1M (G per size)."""
    rows = []
    for (n, (c, s)), g in zip(SIZES.items(), gains):
        rows.append({"params": n, "tokens": float(M), "seed": 0,
                     "teacher_token_fraction": fraction, "loss": c * (g * M) ** -s})
    return pd.DataFrame(rows)


def _ratio(runs, scratch):
    cell = seed_means(scratch).set_index(["params", "tokens"])["loss"]
    return runs["loss"].to_numpy() / np.array([cell[(n, d)] for n, d in
                                               zip(runs["params"], runs["tokens"])])


def test_log_log_interpolation_is_exact_on_a_power_law_and_refuses_to_extrapolate():
    tokens = BUDGETS
    loss = 3.0 * tokens ** -0.1
    query = 3.0 * np.array([1.5 * M, 3 * M, 16 * M, M / 4]) ** -0.1
    out = curve_log_d_eq(tokens, loss, query)
    np.testing.assert_allclose(out[:2], np.log([1.5 * M, 3 * M]), rtol=1e-12)
    assert np.isnan(out[2:]).all()  # beyond the longest and shortest budgets
    flat = loss.copy()
    flat[2] = flat[1]  # a curve that stops falling reads nothing
    assert np.isnan(curve_log_d_eq(tokens, flat, query[:1])).all()


@pytest.mark.parametrize("gains", [(1.5, 1.5), (0.8, 0.8), (1.2, 1.9)])
def test_gains_read_off_each_sizes_curve_recover_the_truth_whatever_its_slope(gains):
    scratch = _scratch()
    runs = _limited(gains)
    table = own_curve_gains(runs, _ratio(runs, scratch), seed_means(scratch), scratch,
                            np.random.default_rng(0), 200)
    expected = np.exp(np.mean(np.log(gains)))  # geometric mean over the sizes
    assert table["point"][0] == pytest.approx(expected, rel=1e-6)
    assert table["n_runs"] == [2] and table["n_outside"] == [0]
    # no seed noise: the interval is the spread over resampled runs (sizes) alone
    lo, hi = min(gains), max(gains)
    assert table["p05"][0] == pytest.approx(lo, rel=1e-6) or lo < table["p05"][0]
    assert table["p95"][0] == pytest.approx(hi, rel=1e-6) or table["p95"][0] < hi
    if lo == hi:
        assert table["p05"][0] == pytest.approx(lo, rel=1e-6)
        assert table["p95"][0] == pytest.approx(hi, rel=1e-6)


def test_seed_noise_gives_an_interval_and_a_run_off_the_curve_is_counted_not_guessed():
    scratch = _scratch(noise=0.004, rng=np.random.default_rng(1))
    runs = _limited((1.3, 20.0))  # 20x: beyond the 4M longest budget at 1M tokens
    table = own_curve_gains(runs, _ratio(runs, scratch), seed_means(scratch), scratch,
                            np.random.default_rng(2), 300)
    assert table["n_runs"] == [1] and table["n_outside"] == [1]
    lo, point, hi = table["p05"][0], table["point"][0], table["p95"][0]
    assert lo < point < hi and hi / lo > 1.01
    assert lo < 1.3 < hi


def _entry(point, lo, hi):
    return {"at_bound": [], "degenerate": False, "heldout": {},
            "measured": {"fraction": [0.1, 0.3], "p05": [0.9, lo], "p95": [1.1, hi]},
            "measured_own_curve": {"fraction": [0.1, 0.3], "point": [1.0, point]}}


def test_an_own_curve_gain_outside_the_law_based_interval_is_a_warning():
    warnings = []
    _warn_entry("topk/model/last", _entry(1.25, 1.10, 1.20), warnings)
    assert len(warnings) == 1 and "1.250" in warnings[0] and "[1.100, 1.200]" in warnings[0]
    quiet = []
    _warn_entry("topk/model/last", _entry(1.15, 1.10, 1.20), quiet)
    assert quiet == []
