"""Fit a sweep's results.csv into a fit card: every law, its bootstrap, its held-out check.

Example:
    >>> card = fit_runs(read_results("data/experiments/default/results.csv"))
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

from simulator.curves import forms
from simulator.curves.card import SCHEMA_VERSION
from simulator.curves.distill_laws import TeacherFlooredFitter, TokenMultiplierFitter
from simulator.curves.robust import HUBER_DELTA
from simulator.curves.scratch import ScratchLawFitter
from simulator.curves.summary import (HELDOUT_DECADES, MIN_STEPS, PERCENTILES, as_list,
                                      heldout_mask, heldout_record, heldout_warnings,
                                      intervals_90, resample_counts, round_sig,
                                      student_compute, summarise)
from simulator.curves.token_limited import fit_token_limited_section
from simulator.errors import InputError, choices_text

REQUIRED = ("run_id", "mode", "teacher", "params", "tokens", "loss")
MODES = ("scratch", "logits", "topk", "text")
DISTILL_MODES = MODES[1:]
TEACHERS = ("none", "oracle", "model")


def show_value(value) -> str:
    """Returns a CSV cell for a message: 'empty' for a missing one, numpy scalars as plain."""
    if value is None or (isinstance(value, float) and value != value):
        return "empty"
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and value != value:
            return "empty"
    return repr(value)


def read_csv_with(path, required) -> pd.DataFrame:
    """Returns a CSV as a DataFrame; InputError when unreadable or a required column is missing."""
    try:
        df = pd.read_csv(path, comment="#", encoding="utf-8-sig")  # a leading BOM is fine
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; give the CSV file itself") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); save the CSV as "
                         "UTF-8") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: empty file (expected a header line and data rows)") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{path}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {choices_text(missing)} "
                         f"(found: {', '.join(map(str, df.columns)) or 'none'})")
    return df


def read_results(path) -> pd.DataFrame:
    """Returns the runs of a results.csv after checking columns and values (InputError if bad)."""
    df = read_csv_with(path, REQUIRED)
    if df.empty:
        raise InputError(f"{path}: no runs (the file has a header but no rows)")
    if "oracle_loss" not in df.columns:
        raise InputError(f"{path}: missing column(s) oracle_loss (leave it empty when the "
                         "corpus has no known floor: E is then fitted)")
    if pd.to_numeric(df["oracle_loss"], errors="coerce").isna().all():
        df["oracle_loss"] = np.nan  # no known floor (a user's own text): E is fitted
    for col in ("params", "tokens", "loss", "oracle_loss"):
        if col == "oracle_loss" and df[col].isna().all():
            continue
        values = pd.to_numeric(df[col], errors="coerce")
        bad = ~np.isfinite(values) | (values <= 0)
        if bad.any():
            raise InputError(f"{path}: column '{col}' must be a positive number "
                             f"(run {df['run_id'][bad].iloc[0]!s}: "
                             f"{show_value(df[col][bad].iloc[0])})")
        df[col] = values.astype(float)
    for col, valid in (("mode", MODES), ("teacher", TEACHERS)):
        bad = ~df[col].isin(valid)
        if bad.any():
            raise InputError(f"{path}: column '{col}' has '{df[col][bad].iloc[0]}' "
                             f"(valid: {choices_text(valid)})")
    for col in ("teacher_loss", "teacher_token_fraction", "top_k", "hard_label_weight"):
        df[col] = pd.to_numeric(df[col], errors="coerce") if col in df.columns else np.nan
    if "order" not in df.columns:
        df["order"] = None
    frac = df["teacher_token_fraction"]
    if ((frac < 0) | (frac > 1)).any():
        raise InputError(f"{path}: column 'teacher_token_fraction' must lie in [0, 1]")
    return df


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
    n_runs = len(runs)
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
    tokens_mask = runs["tokens"].to_numpy() >= runs["tokens"].max() * 0.999
    heldout.update(heldout_record(runs, tokens_mask, fit_predict, floor, n_free,
                                  "largest token budget held out", prefix="tokens_"))
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
    a_opt = boot["beta"] / (boot["alpha"] + boot["beta"])
    section = {
        "form": "E + A/N^alpha + B/D^beta",
        "params": {k: round_sig(v) for k, v in fitter.params_.items()},
        "e_fixed": e is not None, "intervals": intervals,
        "intervals_90": intervals_90(boot, ("alpha", "beta")),
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


def _teacher_law(runs, teacher_loss, e, random_state):
    """Returns (fitter, floor, heldout) choosing L_T fixed vs fitted by held-out error."""
    mask = heldout_mask(student_compute(runs))
    options = {}
    for floor in ("teacher_loss", "fitted"):
        def make(floor=floor):
            if floor == "teacher_loss":
                return TeacherFlooredFitter(teacher_loss=teacher_loss, random_state=random_state)
            return TeacherFlooredFitter(floor_bounds=(e, 20.0), random_state=random_state)

        def fit_predict(train, test, make=make):
            f = make().fit(train["params"], train["tokens"], train["loss"])
            return f.predict(test["params"].to_numpy(), test["tokens"].to_numpy())

        try:
            fitter = make().fit(runs["params"], runs["tokens"], runs["loss"])
        except InputError:
            continue
        held = heldout_record(runs, mask, fit_predict, e, 4 if floor == "teacher_loss" else 5,
                              "largest compute level held out")
        options[floor] = (fitter, held)
    if not options:
        raise InputError(f"{len(runs)} runs is too few for a teacher-floored law")
    err = {k: v[1].get("relative_error_loss") for k, v in options.items()}
    # the simpler law (L_T measured) unless fitting L_T converges inside its bounds and
    # predicts the held-out runs clearly (by a tenth) better
    choice = "teacher_loss" if "teacher_loss" in options else "fitted"
    fitted_ok = "fitted" in options and options["fitted"][0].converged_
    if fitted_ok and err.get("fitted") is not None and (
            err.get("teacher_loss") is None or err["fitted"] < 0.9 * err["teacher_loss"]):
        choice = "fitted"
    fitter, held = options[choice]
    held = dict(held)
    for k, v in err.items():
        held[f"floor_{k}_relative_error_loss"] = v
    return fitter, choice, held


def _compute_multiplier(scratch_params, scratch_boot, law_params, law_boot, grid):
    point = forms.compute_multiplier(scratch_params, law_params, grid)
    sp = {k: scratch_boot[k][:, None] for k in ("E", "A", "B", "alpha", "beta")}
    lp = {k: np.asarray(law_boot[k])[:, None] for k in ("L_T", "A", "B", "alpha", "beta")}
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        m = forms.compute_multiplier(sp, lp, grid[None, :])
    return {"compute_flop": as_list(grid), "point": as_list(point),
            "median": as_list(np.nanmedian(m, axis=0)),
            "p05": as_list(np.nanpercentile(m, 5, axis=0)),
            "p95": as_list(np.nanpercentile(m, 95, axis=0))}


def _fit_teacher(runs, teacher, scratch, scratch_boot, e, rng, n_boot, grid, random_state,
                 warnings, label):
    t_loss = runs["teacher_loss"].median() if runs["teacher_loss"].notna().any() else np.nan
    if teacher == "oracle" and not np.isfinite(t_loss):
        t_loss = e
    if not np.isfinite(t_loss):
        raise InputError(f"{label}: column 'teacher_loss' is empty for teacher '{teacher}'")
    fitter, floor, held = _teacher_law(runs, t_loss, e, random_state)
    if not fitter.converged_:
        warnings.append(f"{label}: teacher-floored law did not converge")
    n, d, loss = (runs[c].to_numpy() for c in ("params", "tokens", "loss"))
    boot = fitter.bootstrap_counts(n, d, loss, resample_counts(rng, len(runs), n_boot))
    keys = ("L_T", "A", "B", "alpha", "beta")
    intervals, samples = summarise(boot, keys)
    params = {k: round_sig(v) for k, v in fitter.params_.items()}
    return {
        "teacher_loss": round_sig(t_loss),
        "law": {"form": "L_T + A/N^alpha + B/D^beta", "params": params, "floor": floor,
                "intervals": intervals, "bootstrap": samples,
                "converged": fitter.converged_,
                "bootstrap_converged_fraction": round_sig(np.mean(boot["converged"]))},
        "heldout": held, "n_runs": int(len(runs)),
        "compute_multiplier": _compute_multiplier(scratch.params_, scratch_boot,
                                                  fitter.params_, boot, grid),
    }


def _fit_multiplier(runs, scratch, scratch_boot, e, rng, n_boot, random_state, warnings, label):
    t_loss = runs["teacher_loss"].fillna(e).to_numpy()
    n, d, loss = (runs[c].to_numpy() for c in ("params", "tokens", "loss"))
    fitter = TokenMultiplierFitter(scratch.params_, random_state=random_state).fit(
        n, d, loss, t_loss)
    if not fitter.converged_:
        warnings.append(f"{label}: token multiplier did not converge")

    def fit_predict(train, test):
        f = TokenMultiplierFitter(scratch.params_, fit_gap=fitter.with_gap_,
                                  random_state=random_state).fit(
            train["params"], train["tokens"], train["loss"],
            train["teacher_loss"].fillna(e).to_numpy())
        return f.predict_loss(test["params"].to_numpy(), test["tokens"].to_numpy(),
                              test["teacher_loss"].fillna(e).to_numpy())

    held = heldout_record(runs, heldout_mask(student_compute(runs)), fit_predict, e, 3,
                          "largest compute level held out")
    boot = fitter.bootstrap_counts(loss, resample_counts(rng, len(runs), n_boot), scratch_boot)
    intervals, samples = summarise(boot, ("c0", "c1", "c2"))
    return {"form": "ln k = c0 + c1 ln(D/N) + c2 r",
            "params": {k: round_sig(v) for k, v in fitter.params_.items()},
            "gap_fitted": fitter.with_gap_, "intervals": intervals, "bootstrap": samples,
            "domain": {k: as_list(v) for k, v in fitter.domain_.items()}, "heldout": held,
            "converged": fitter.converged_, "n_runs": int(len(runs)),
            "bootstrap_converged_fraction": round_sig(np.mean(boot["converged"]))}


def _variants(runs, mode):
    """Returns {key: runs} splitting a mode by (top_k, hard_label_weight) when it varies."""
    if mode != "topk":
        return {mode: runs}
    combos = runs.groupby([runs["top_k"].fillna(-1), runs["hard_label_weight"].fillna(0.0)])
    if combos.ngroups <= 1:
        return {mode: runs}
    # the most-run variant keeps the plain name; the others say what differs
    sizes = sorted(((len(g), k) for k, g in combos), key=lambda t: (-t[0], t[1]))
    out = {}
    for rank, (_, (k, w)) in enumerate(sizes):
        key = mode if rank == 0 else f"{mode}-k{int(k)}" + (f"-hard{w:g}" if w > 0 else "")
        out[key] = combos.get_group((k, w))
    return out


def fit_runs(df, n_bootstrap=1000, random_state=0, results_sha256=None, label="results",
             min_steps=MIN_STEPS):
    """Returns the fit card (dict) for a sweep's runs (a DataFrame as read_results returns)."""
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
        warnings.append(f"scratch law: alpha's 90% interval is {width:.2f} wide (goal < 0.15)")

    all_c = student_compute(pd.concat([scratch_runs, distill_runs]))
    grid = np.geomspace(all_c.min() / 10, all_c.max() * 10, 41)
    distill = {}
    for mode in DISTILL_MODES:
        for key, runs in _variants(distill_runs[distill_runs["mode"] == mode], mode).items():
            if runs.empty:
                continue
            teachers = {}
            for teacher, group in runs.groupby("teacher", sort=True):
                try:
                    teachers[teacher] = _fit_teacher(
                        group, teacher, scratch, scratch_boot, e, rng, n_bootstrap, grid,
                        random_state, warnings, f"{key}/{teacher}")
                except InputError as exc:
                    warnings.append(f"{key}/{teacher}: skipped ({exc})")
            if not teachers:
                continue
            entry = {"top_k": None if mode != "topk" or runs["top_k"].isna().all()
                     else int(runs["top_k"].median()),
                     "hard_label_weight": round_sig(runs["hard_label_weight"].fillna(0).median()),
                     "teachers": teachers}
            try:
                entry["multiplier"] = _fit_multiplier(runs, scratch, scratch_boot, e, rng,
                                                      n_bootstrap, random_state, warnings, key)
            except InputError as exc:
                warnings.append(f"{key}: token multiplier skipped ({exc})")
            for teacher, t_entry in teachers.items():
                heldout_warnings(f"{key}/{teacher} teacher-floored law", t_entry["heldout"],
                                 warnings)
            if "multiplier" in entry:
                heldout_warnings(f"{key} token multiplier", entry["multiplier"]["heldout"],
                                 warnings)
            main = "model" if "model" in teachers else sorted(teachers)[0]
            entry["compute_multiplier"] = dict(teachers[main]["compute_multiplier"],
                                               teacher=main)
            distill[key] = entry

    token_limited = fit_token_limited_section(limited_runs, scratch, scratch_boot, e, rng,
                                              n_bootstrap, random_state, warnings,
                                              seed_means(scratch_runs), scratch_runs)
    return {
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
    }
