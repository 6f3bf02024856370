"""fit-loss in bounded memory: many rows never build a (grid cells x rows) matrix at once, and
the answer is still the law the rows were drawn from."""

import json
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator.curves import scratch
from simulator.curves.scratch import ScratchLawFitter

ROOT = Path(__file__).resolve().parent.parent
TRUE = {"E": 1.8, "A": 400.0, "B": 1200.0, "alpha": 0.34, "beta": 0.28}


def _write_rows(path: Path, n: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    N = 10 ** rng.uniform(6, 10, n)
    D = 10 ** rng.uniform(8, 12, n)
    L = (TRUE["E"] + TRUE["A"] / N ** TRUE["alpha"] + TRUE["B"] / D ** TRUE["beta"]) * np.exp(
        rng.normal(0, 0.01, n))
    with open(path, "w") as f:
        f.write("params,tokens,loss\n")
        np.savetxt(f, np.column_stack([N, D, L]), delimiter=",", fmt="%.8g")


def _fit_loss_peak(csv: Path, *extra) -> tuple[dict, float, float]:
    """Returns (JSON output, peak RSS in GB, CPU seconds) of fit-loss in a child process.

    CPU time (user + system), not wall time: the suite shares its cores with other work."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "simulator", "fit-loss", "--csv", str(csv),
                           "--json", *extra], cwd=ROOT, capture_output=True, text=True,
                          timeout=1800)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(done.stdout), after.ru_maxrss / 2**20, cpu  # maxrss: largest child yet


def test_a_hundred_thousand_rows_fit_in_under_a_gigabyte(tmp_path):
    csv = tmp_path / "rows.csv"
    _write_rows(csv, 100_000)
    out, peak_gb, _ = _fit_loss_peak(csv, "--bootstrap", "100")
    assert peak_gb < 1.0  # the (1600-cell grid x rows) matrices alone were 20 GB
    for k, v in TRUE.items():
        assert out[k] == pytest.approx(v, rel=0.02), k
    lo, hi = out["intervals"]["alpha"]
    assert lo < out["alpha"] < hi and hi - lo < 0.01
    assert out["converged"] and out["bootstrap_converged_fraction"] > 0.95


@pytest.mark.slow
def test_a_million_rows_fit_in_two_gigabytes_and_a_minute(tmp_path):
    csv = tmp_path / "rows.csv"
    _write_rows(csv, 1_000_000)
    out, peak_gb, cpu_s = _fit_loss_peak(csv)
    assert peak_gb <= 2.0 and cpu_s <= 60
    for k, v in TRUE.items():
        assert out[k] == pytest.approx(v, rel=0.01), k


def test_blocked_grid_and_bootstrap_give_the_same_numbers_as_one_block(monkeypatch):
    rng = np.random.default_rng(3)
    n_pts = 10 ** rng.uniform(6, 9, 300)
    d_pts = 10 ** rng.uniform(8, 11, 300)
    loss = (1.7 + 300 / n_pts ** 0.3 + 900 / d_pts ** 0.3) * np.exp(rng.normal(0, 0.01, 300))
    one = ScratchLawFitter(fix_e=None).fit(n_pts, d_pts, loss)
    boot_one = one.bootstrap(n_pts, d_pts, loss, 40, random_state=1)
    monkeypatch.setattr(scratch, "BLOCK_ELEMENTS", 3000)  # 10 grid cells, 10 resamples a block
    many = ScratchLawFitter(fix_e=None).fit(n_pts, d_pts, loss)
    boot_many = many.bootstrap(n_pts, d_pts, loss, 40, random_state=1)
    for k in TRUE:
        assert many.params_[k] == pytest.approx(one.params_[k], rel=1e-9)
        assert boot_many[k] == pytest.approx(boot_one[k], rel=1e-6)


def test_asymptotic_intervals_have_the_width_of_the_bootstrap(monkeypatch):
    """Above ASYMPTOTIC_POINTS the sandwich covariance stands in for the bootstrap: its 95%
    intervals must be about as wide (within 30%) and hold the fit."""
    rng = np.random.default_rng(5)
    n = 3000
    n_pts = 10 ** rng.uniform(6, 10, n)
    d_pts = 10 ** rng.uniform(8, 12, n)
    loss = (1.8 + 400 / n_pts ** 0.34 + 1200 / d_pts ** 0.28) * np.exp(rng.normal(0, 0.01, n))
    fit = ScratchLawFitter().fit(n_pts, d_pts, loss)
    full = fit.bootstrap(n_pts, d_pts, loss, 200, random_state=2)
    assert fit.interval_method_ == "bootstrap"
    monkeypatch.setattr(scratch, "ASYMPTOTIC_POINTS", 1000)
    fast = fit.bootstrap(n_pts, d_pts, loss, 200, random_state=2)
    assert fit.interval_method_ == "asymptotic"
    for k in ("E", "A", "B", "alpha", "beta"):
        w_full = np.subtract(*np.percentile(full[k], [97.5, 2.5]))
        w_fast = np.subtract(*np.percentile(fast[k], [97.5, 2.5]))
        assert w_fast == pytest.approx(w_full, rel=0.3), k
        assert np.percentile(fast[k], 2.5) < fit.params_[k] < np.percentile(fast[k], 97.5)
