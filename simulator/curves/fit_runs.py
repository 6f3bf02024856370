"""Fit a sweep's results.csv into a fit card: every law, its bootstrap, its held-out check.

Example:
    >>> card = fit_runs(read_results("data/experiments/default/results.csv"))   # results_csv
    python -m simulator fit --runs data/experiments/default --out data/fits/default.json

Groups of runs (by ``mode`` and ``teacher_token_fraction``):
  scratch         mode scratch, no teacher tokens         -> the scratch law (E fixed at the
                                                             oracle loss)
  distilled       mode logits|topk|text, all tokens from  -> teacher-floored law per mode and
                  the teacher (fraction empty or 1)          teacher; multiplier k per mode;
                                                             compute multiplier M(C)
  token-limited   fraction in (0, 1)                      -> gain G(f) per mode and teacher
The scratch law is fitted to one point per (N, D) cell, the mean over its seeds (replicate
seeds measure noise and should not weigh their cells more).
Bootstrap: runs (scratch: cells) are resampled with replacement within each group; resample
i of every group is paired with resample i of the scratch law, so derived quantities (M, G)
carry both uncertainties. Held-out: refit without the largest compute level (runs within 0.1
decade of the group's largest 6ND), predict it.
"""

import numpy as np
import pandas as pd

from simulator.curves.card import SCHEMA_VERSION, FitCard, validate_card
from simulator.curves.distill_section import ScratchBasis, fit_distill_section
from simulator.curves.identifiability import (leave_one_size_out, misfit_note,
                                              seed_noise_intervals)
from simulator.curves.replicates import few_seed_warnings
from simulator.curves.results_csv import DISTILL_MODES
from simulator.curves.robust import HUBER_DELTA
from simulator.curves.scratch import ScratchLawFitter
from simulator.curves.summary import (HELDOUT_DECADES, MIN_STEPS, PERCENTILES, as_list,
                                      heldout_mask, heldout_record, heldout_warnings,
                                      intervals_90, resample_counts, round_sig,
                                      student_compute, summarise)
from simulator.curves.token_limited import fit_token_limited_section
from simulator.errors import InputError


# -- the sections ----------------------------------------------------------------------------
def seed_means(runs):
    """Returns one row per (params, tokens) cell: the mean loss over its seeds, and the count.

    Replicate seeds measure noise; averaged, they do not weigh their cells more than the rest.
    ``steps`` is the cell's optimiser steps (tokens / batch_tokens; NaN where unknown).
    """
    runs = runs.assign(steps=runs["tokens"] / runs["batch_tokens"]
                       if "batch_tokens" in runs else np.nan)
    cells = runs.groupby(["params", "tokens"], as_index=False, sort=True)
    return cells.agg(loss=("loss", "mean"), n_seeds=("loss", "size"), loss_sd=("loss", "std"),
                     steps=("steps", "min"))


def seed_noise(cells):
    """Returns the median relative seed-to-seed standard deviation of L over replicated cells."""
    rep = cells[cells["n_seeds"] > 1]
    return round_sig(np.median(rep["loss_sd"] / rep["loss"])) if len(rep) else None


def split_transient(cells, min_steps, n_free, warnings):
    """Returns (fitted cells, excluded cells): cells under ``min_steps`` optimiser steps are
    early-training transients the law does not describe. Cells whose step count is unknown
    (no batch_tokens) are always fitted; every cell is kept, with a warning, when too few
    cells, sizes or budgets would remain."""
    short = (cells["steps"] < min_steps).to_numpy()
    if not short.any():
        return cells, cells.iloc[:0]
    kept = cells[~short]
    if (len(kept) < n_free + 4 or kept["params"].nunique() < 3
            or kept["tokens"].nunique() < 3):
        warnings.append(f"scratch law: fewer than {min_steps} optimiser steps in "
                        f"{int(short.sum())} cells, but too few would remain without them; "
                        "all cells fitted")
        return cells, cells.iloc[:0]
    return kept, cells[short]


def fit_scratch_section(runs, e, rng, n_boot, random_state, warnings, min_steps=MIN_STEPS):
    """Returns (fitter, bootstrap samples, card section) of the scratch law (E fixed at e).

    The law is fitted to one point per (N, D) cell, the mean over its seeds, leaving out cells
    under ``min_steps`` optimiser steps (early training, which the law does not describe: they
    are listed with their residuals, and a held-out check over every cell is reported too).
    The bootstrap resamples fitted cells and the held-out checks hold out cells.
    """
    n_runs, seed_runs = len(runs), runs  # runs becomes the fitted cells below
    n_free = 4 if e is not None else 5
    all_cells = seed_means(runs)
    runs, short = split_transient(all_cells, min_steps, n_free, warnings)
    n, d, loss = (runs[c].to_numpy() for c in ("params", "tokens", "loss"))
    fitter = ScratchLawFitter(fix_e=e, random_state=random_state).fit(n, d, loss)
    if not fitter.converged_:
        warnings.append(f"scratch law did not converge (gradient {fitter.grad_norm_:.2g}, "
                        f"at bound: {fitter.at_bound_})")

    def fit_predict(train, test):
        f = ScratchLawFitter(fix_e=e, random_state=random_state).fit(
            train["params"], train["tokens"], train["loss"])
        return f.predict(test["params"].to_numpy(), test["tokens"].to_numpy())

    n_free, floor = (4, e) if e is not None else (5, fitter.params_["E"])
    heldout = heldout_record(runs, heldout_mask(student_compute(runs)), fit_predict, floor,
                             n_free, "largest compute level held out")
    size_mask = runs["params"].to_numpy() >= runs["params"].max() * 0.999
    heldout.update(heldout_record(runs, size_mask, fit_predict, floor, n_free,
                                  "largest model size held out", prefix="size_"))
    # each size's longest run (the D extrapolation at every size; the longest budget overall
    # may be run at one size only)
    longest = runs.groupby("params")["tokens"].transform("max").to_numpy()
    tokens_mask = runs["tokens"].to_numpy() >= longest * 0.999
    heldout.update(heldout_record(runs, tokens_mask, fit_predict, floor, n_free,
                                  "largest token budget of every size held out",
                                  prefix="tokens_"))
    if len(short):  # the same check over every cell, the early-training ones included
        heldout.update(heldout_record(all_cells, heldout_mask(student_compute(all_cells)),
                                      fit_predict, floor, n_free, "largest compute level held "
                                      "out, every cell fitted", prefix="all_cells_"))
    pred = fitter.predict(short["params"].to_numpy(), short["tokens"].to_numpy())
    excluded = [{"params": round_sig(r.params), "tokens": round_sig(r.tokens),
                 "steps": round_sig(r.steps), "loss": round_sig(r.loss),
                 "signed_relative_error_loss": round_sig((y - r.loss) / r.loss)}
                for r, y in zip(short.itertuples(), pred)]
    boot = fitter.bootstrap_counts(n, d, loss, resample_counts(rng, len(runs), n_boot))
    keys = ("E", "A", "B", "alpha", "beta")
    intervals, samples = summarise(boot, keys)
    # noise or misfit (simulator.curves.identifiability): its own generator, so the other
    # sections' resamples do not depend on it
    noise = seed_noise_intervals(fitter, runs, seed_runs,
                                 np.random.default_rng([random_state, 1]), n_boot)
    by_size = leave_one_size_out(
        runs, lambda: ScratchLawFitter(fix_e=e, random_state=random_state))
    a_opt = boot["beta"] / (boot["alpha"] + boot["beta"])
    section = {
        "form": "E + A/N^alpha + B/D^beta",
        "params": {k: round_sig(v) for k, v in fitter.params_.items()},
        "e_fixed": e is not None, "intervals": intervals,
        "intervals_90": intervals_90(boot, ("alpha", "beta")),
        "seed_noise_intervals_90": noise, "leave_one_size_out": by_size,
        "bootstrap": samples, "heldout": heldout,
        "n_runs": int(n_runs), "n_cells": int(len(runs)), "min_steps": int(min_steps),
        "excluded_cells": excluded, "seed_noise_relative_sd": seed_noise(all_cells),
        "converged": fitter.converged_,
        "objective": round_sig(fitter.objective_),
        "bootstrap_converged_fraction": round_sig(np.mean(boot["converged"])),
        "derived": {"n_opt_exponent": round_sig(fitter.params_["beta"] / (
            fitter.params_["alpha"] + fitter.params_["beta"])),
            "n_opt_exponent_interval": as_list(np.percentile(a_opt, PERCENTILES))},
        "domain": {"params": [round_sig(n.min()), round_sig(n.max())],
                   "tokens": [round_sig(d.min()), round_sig(d.max())]},
    }
    return fitter, boot, section


def fit_runs(df, n_bootstrap=1000, random_state=0, results_sha256=None, label="results",
             min_steps=MIN_STEPS) -> FitCard:
    """Returns the FitCard for a sweep's runs (a DataFrame as read_results returns); its
    provenance holds the results' SHA-256 only (the fit command adds the rest)."""
    warnings = []
    frac = df["teacher_token_fraction"]
    scratch_runs = df[(df["mode"] == "scratch") & (frac.isna() | (frac == 0))]
    distill_runs = df[df["mode"].isin(DISTILL_MODES) & (frac.isna() | (frac == 1))]
    limited_runs = df[(frac > 0) & (frac < 1) & df["mode"].isin(DISTILL_MODES)]
    if len(scratch_runs) == 0:
        raise InputError(f"{label}: no scratch runs (mode 'scratch') to fit the scratch law")
    e = float(df["oracle_loss"].median()) if df["oracle_loss"].notna().any() else None
    if e is not None and np.ptp(df["oracle_loss"]) > 1e-3 * e:
        warnings.append(f"oracle_loss varies across runs ({df['oracle_loss'].min():.4g}-"
                        f"{df['oracle_loss'].max():.4g}); E fixed at the median {e:.4g}")
    if e is None:
        warnings.append("oracle_loss is empty: E is fitted, not fixed")
    rng = np.random.default_rng(random_state)
    try:
        scratch, scratch_boot, scratch_section = fit_scratch_section(
            scratch_runs, e, rng, n_bootstrap, random_state, warnings, min_steps)
    except InputError as exc:
        raise InputError(f"{label}: scratch runs: {exc}") from None
    e = scratch.params_["E"]
    heldout_warnings("scratch law", scratch_section["heldout"], warnings)
    width = np.diff(scratch_section["intervals_90"]["alpha"])[0]
    if width >= 0.15:
        why = misfit_note(scratch_section["intervals_90"],
                          scratch_section["seed_noise_intervals_90"],
                          scratch_section["leave_one_size_out"])
        warnings.append(f"scratch law: alpha's 90% interval is {width:.2f} wide (goal < 0.15); "
                        + why)

    all_c = student_compute(pd.concat([scratch_runs, distill_runs]))
    grid = np.geomspace(all_c.min() / 10, all_c.max() * 10, 41)
    basis = ScratchBasis(fitter=scratch, boot=scratch_boot, e=e, rng=rng, n_boot=n_bootstrap,
                         random_state=random_state, warnings=warnings)
    distill = fit_distill_section(distill_runs, basis, grid)

    token_limited = fit_token_limited_section(limited_runs, scratch, scratch_boot, e, rng,
                                              n_bootstrap, random_state, warnings,
                                              seed_means(scratch_runs), scratch_runs)
    warnings += few_seed_warnings(scratch_runs, distill_runs, limited_runs, min_steps)
    return validate_card({
        "schema_version": SCHEMA_VERSION,
        "scratch": scratch_section,
        "distill": distill,
        "token_limited": token_limited,
        "settings": {"huber_delta": HUBER_DELTA, "n_bootstrap": int(n_bootstrap),
                     "random_state": random_state, "interval_percentiles": list(PERCENTILES),
                     "heldout_decades": HELDOUT_DECADES, "scratch_min_steps": int(min_steps),
                     "compute": "student training compute 6*N*D (FLOP); teacher inference "
                                "excluded", "bootstrap": "runs (scratch: seed-mean cells) "
                                "resampled within each group; resample i paired with scratch "
                                "resample i"},
        "warnings": warnings,
        "provenance": {"results_sha256": results_sha256},
    }, label)
