"""The scratch-law fitter: recovery of known laws, the public Chinchilla data, bad input."""

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.cli import main
from simulator.curves import forms
from simulator.curves.robust import minimize_huber_batched, nnls_batched, powerlaw_residuals
from simulator.curves.scratch import ScratchLawFitter
from simulator.errors import InputError

CHINCHILLA = Path(__file__).parent / "data" / "chinchilla_fig4_epoch.csv"
# Besiroglu et al. 2024 (Epoch AI) refit, 95% bootstrap intervals, five highest losses dropped
EPOCH_95 = {"alpha": (0.317, 0.373), "beta": (0.331, 0.415), "E": (1.769, 1.871)}
TRUE = {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}


def _grid(rng, noise, n_sizes=8, n_tokens=8):
    n = np.repeat(np.geomspace(7e7, 1.6e10, n_sizes), n_tokens)
    d = np.tile(np.geomspace(5e9, 5e11, n_tokens), n_sizes)
    loss = forms.scratch_loss(TRUE, n, d) * np.exp(rng.normal(0, noise, n.size))
    return n, d, loss


def test_fit_recovers_known_parameters_from_noisy_synthetic_data():
    n, d, loss = _grid(np.random.default_rng(1), noise=0.005)
    fit = ScratchLawFitter(random_state=0).fit(n, d, loss)
    assert fit.converged_
    assert fit.params_["alpha"] == pytest.approx(TRUE["alpha"], abs=0.02)
    assert fit.params_["beta"] == pytest.approx(TRUE["beta"], abs=0.02)
    assert fit.params_["E"] == pytest.approx(TRUE["E"], abs=0.05)
    a_opt = fit.params_["beta"] / (fit.params_["alpha"] + fit.params_["beta"])
    assert a_opt == pytest.approx(TRUE["beta"] / (TRUE["alpha"] + TRUE["beta"]), abs=0.02)


def test_fit_recovers_noise_free_parameters_exactly_with_e_fixed():
    n, d, loss = _grid(np.random.default_rng(0), noise=0.0, n_sizes=5, n_tokens=5)
    fit = ScratchLawFitter(fix_e=TRUE["E"]).fit(n, d, loss)
    for k in ("A", "B", "alpha", "beta"):
        assert fit.params_[k] == pytest.approx(TRUE[k], rel=1e-4)
    assert fit.params_["E"] == TRUE["E"]


def test_fit_is_deterministic_given_random_state():
    n, d, loss = _grid(np.random.default_rng(2), noise=0.01)
    a = ScratchLawFitter(random_state=3).fit(n, d, loss)
    b = ScratchLawFitter(random_state=3).fit(n, d, loss)
    assert a.params_ == b.params_


def test_bootstrap_intervals_cover_the_true_exponents():
    n, d, loss = _grid(np.random.default_rng(4), noise=0.01)
    fit = ScratchLawFitter(fix_e=TRUE["E"]).fit(n, d, loss)
    boot = fit.bootstrap(n, d, loss, n_resamples=300, random_state=0)
    assert boot["converged"].mean() > 0.95
    for k in ("alpha", "beta"):
        lo, hi = np.percentile(boot[k], [2.5, 97.5])
        assert lo < TRUE[k] < hi


def test_chinchilla_fit_lands_inside_epoch_intervals_in_seconds():
    df = pd.read_csv(CHINCHILLA, comment="#").sort_values("loss").iloc[:-5]
    assert len(df) == 240
    t0 = time.perf_counter()
    fit = ScratchLawFitter().fit(df.params, df.tokens, df.loss)
    seconds = time.perf_counter() - t0
    assert fit.converged_
    for k, (lo, hi) in EPOCH_95.items():
        assert lo <= fit.params_[k] <= hi, (k, fit.params_[k])
    assert seconds < 10


def test_batched_solver_matches_independent_fits():
    rng = np.random.default_rng(5)
    n, d, loss = _grid(rng, noise=0.01, n_sizes=5, n_tokens=5)
    fit = ScratchLawFitter(fix_e=TRUE["E"]).fit(n, d, loss)
    counts = rng.multinomial(len(n), np.full(len(n), 1 / len(n)), size=3)
    boot = fit.bootstrap_counts(n, d, loss, counts)
    for i in range(3):
        keep = np.repeat(np.arange(len(n)), counts[i])
        one = ScratchLawFitter(fix_e=TRUE["E"]).fit(n[keep], d[keep], loss[keep])
        assert boot["alpha"][i] == pytest.approx(one.params_["alpha"], abs=2e-3)
        assert boot["beta"][i] == pytest.approx(one.params_["beta"], abs=2e-3)


def test_nnls_batched_matches_scipy():
    from scipy.optimize import nnls
    rng = np.random.default_rng(0)
    design = rng.normal(size=(20, 12, 3))
    target = rng.normal(size=12)
    got = nnls_batched(design, target)
    for i in range(20):
        assert got[i] == pytest.approx(nnls(design[i], target)[0], abs=1e-8)


def test_huber_solver_stops_and_flags_convergence():
    n, d, loss = _grid(np.random.default_rng(6), noise=0.0, n_sizes=4, n_tokens=4)
    fn = powerlaw_residuals(np.log(n), np.log(d), np.log(loss), np.log(TRUE["E"]))
    theta0 = np.array([[5.0, 6.0, 0.5, 0.5]])
    theta, obj, ok = minimize_huber_batched(fn, theta0, np.ones((1, n.size)),
                                            [-30, -30, 1e-4, 1e-4], [80, 80, 5, 5])
    assert ok[0] and obj[0] < 1e-12
    assert theta[0, 2] == pytest.approx(TRUE["alpha"], abs=1e-4)


@pytest.mark.parametrize("bad, message", [
    (dict(loss=[2.0, -1.0] + [2.0] * 6), "positive"),
    (dict(loss=[2.0, np.nan] + [2.0] * 6), "non-finite"),
    (dict(params=[1e6] * 8), "distinct"),
    (dict(loss=[2.0] * 5, params=[1e6, 2e6, 3e6, 4e6, 5e6], tokens=[1e9] * 4 + [2e9]),
     "too few"),
])
def test_bad_points_raise_input_error_naming_the_problem(bad, message):
    cols = {"params": np.geomspace(1e6, 1e8, 8), "tokens": np.tile([1e9, 1e10], 4),
            "loss": [3.0] * 8}
    cols.update(bad)
    with pytest.raises(InputError, match=message):
        ScratchLawFitter().fit(cols["params"], cols["tokens"], cols["loss"])


# -- the fit-loss command -------------------------------------------------------------------
def test_fit_loss_json_on_chinchilla_prints_the_contract_keys(capsys):
    rc = main(["fit-loss", "--csv", str(CHINCHILLA), "--drop-highest-loss", "5", "--json",
               "--bootstrap", "100"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    for k in ("E", "A", "B", "alpha", "beta"):
        assert isinstance(out[k], float)
    assert out["n_points"] == 240 and out["converged"]
    assert EPOCH_95["alpha"][0] <= out["alpha"] <= EPOCH_95["alpha"][1]
    assert out["intervals"]["alpha"][0] < out["alpha"] < out["intervals"]["alpha"][1]
    assert "relative_error_loss" in out["heldout"]


def test_fit_loss_fix_e_keeps_e(tmp_path, capsys):
    n, d, loss = _grid(np.random.default_rng(7), noise=0.003, n_sizes=5, n_tokens=5)
    path = tmp_path / "mine.csv"
    pd.DataFrame({"params": n, "tokens": d, "loss": loss}).to_csv(path, index=False)
    rc = main(["fit-loss", "--csv", str(path), "--fix-e", "1.8172", "--json", "--bootstrap", "0"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["E"] == 1.8172 and out["e_fixed"]
    assert out["alpha"] == pytest.approx(TRUE["alpha"], abs=0.02)


@pytest.mark.parametrize("content, args, message", [
    ("params,loss\n1,2\n", [], "missing column(s) tokens"),
    ("params,tokens,loss\n1e6,1e9,0\n" + "2e6,2e9,3\n" * 8, [], "'loss' must be a positive"),
    ("params,tokens,loss\n1e6,1e9,3\n2e6,2e9,2.5\n", [], "too few"),
    ("params,tokens,loss\n" + "".join(f"{1e6 * i},{1e9 * i},3\n" for i in range(1, 9)),
     ["--fix-e", "5"], "below the lowest loss"),
])
def test_fit_loss_bad_input_exits_2_with_one_line(tmp_path, capsys, content, args, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    rc = main(["fit-loss", "--csv", str(path), "--bootstrap", "0"] + args)
    err = capsys.readouterr().err
    assert rc == 2
    assert message in err and str(path) in err or message in err
    assert err.count("\n") == 1


def test_fit_loss_missing_file_exits_2(capsys):
    assert main(["fit-loss", "--csv", "/nonexistent/x.csv"]) == 2
    assert "no such CSV file" in capsys.readouterr().err


def test_fit_loss_flags_a_fit_that_hits_a_bound(tmp_path, capsys):
    # loss rising with D: beta runs to its bound, which is shown as a failed fit (exit 1)
    n = np.repeat(np.geomspace(1e6, 1e8, 5), 5)
    d = np.tile(np.geomspace(1e8, 1e10, 5), 5)
    loss = 2.0 + 50.0 / n ** 0.3 + 1e-10 * d
    path = tmp_path / "flat.csv"
    pd.DataFrame({"params": n, "tokens": d, "loss": loss}).to_csv(path, index=False)
    rc = main(["fit-loss", "--csv", str(path), "--fix-e", "2.0", "--json", "--bootstrap", "0"])
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert rc == 1 and not out["converged"] and out["at_bound"]
    assert "did not converge" in captured.err
