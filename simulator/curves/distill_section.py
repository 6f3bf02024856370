"""The fit card's distillation section: per access mode, per teacher, the teacher-floored law
L = L_T + A/N^alpha + B/D^beta with its bootstrap and held-out check, the compute multiplier
M(C) it implies, and the mode's effective-data multiplier ln k = c0 + c1 ln(D/N) + c2 r.

simulator.curves.fit_runs calls ``fit_distill_section`` after the scratch law; every
resample i here is paired with scratch resample i (``ScratchBasis.boot``).
"""

from dataclasses import dataclass

import numpy as np

from simulator.curves import forms
from simulator.curves.distill_laws import TeacherFlooredFitter, TokenMultiplierFitter
from simulator.curves.results_csv import DISTILL_MODES
from simulator.curves.summary import (as_list, heldout_mask, heldout_record, heldout_warnings,
                                      resample_counts, round_sig, student_compute, summarise)
from simulator.errors import InputError


@dataclass
class ScratchBasis:
    """What every distillation fit shares: the scratch law and its bootstrap, the loss floor
    E, the random stream, the bootstrap size, the seed and the card's warning list."""

    fitter: object          # the fitted ScratchLawFitter
    boot: dict              # its bootstrap samples {E, A, B, alpha, beta: array}
    e: float
    rng: np.random.Generator
    n_boot: int
    random_state: int
    warnings: list


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


def _fit_teacher(runs, teacher, basis: ScratchBasis, grid, label):
    """Returns the teacher's entry: its teacher-floored law and the M(C) it implies."""
    e = basis.e
    t_loss = runs["teacher_loss"].median() if runs["teacher_loss"].notna().any() else np.nan
    if teacher == "oracle" and not np.isfinite(t_loss):
        t_loss = e
    if not np.isfinite(t_loss):
        raise InputError(f"{label}: column 'teacher_loss' is empty for teacher '{teacher}'")
    fitter, floor, held = _teacher_law(runs, t_loss, e, basis.random_state)
    if not fitter.converged_:
        basis.warnings.append(f"{label}: teacher-floored law did not converge")
    n, d, loss = (runs[c].to_numpy() for c in ("params", "tokens", "loss"))
    boot = fitter.bootstrap_counts(n, d, loss, resample_counts(basis.rng, len(runs),
                                                               basis.n_boot))
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
        "compute_multiplier": _compute_multiplier(basis.fitter.params_, basis.boot,
                                                  fitter.params_, boot, grid),
    }


def _fit_multiplier(runs, basis: ScratchBasis, label):
    """Returns the mode's effective-data multiplier ln k = c0 + c1 ln(D/N) + c2 r."""
    e, scratch, random_state = basis.e, basis.fitter, basis.random_state
    t_loss = runs["teacher_loss"].fillna(e).to_numpy()
    n, d, loss = (runs[c].to_numpy() for c in ("params", "tokens", "loss"))
    fitter = TokenMultiplierFitter(scratch.params_, random_state=random_state).fit(
        n, d, loss, t_loss)
    if not fitter.converged_:
        basis.warnings.append(f"{label}: token multiplier did not converge")

    def fit_predict(train, test):
        f = TokenMultiplierFitter(scratch.params_, fit_gap=fitter.with_gap_,
                                  random_state=random_state).fit(
            train["params"], train["tokens"], train["loss"],
            train["teacher_loss"].fillna(e).to_numpy())
        return f.predict_loss(test["params"].to_numpy(), test["tokens"].to_numpy(),
                              test["teacher_loss"].fillna(e).to_numpy())

    held = heldout_record(runs, heldout_mask(student_compute(runs)), fit_predict, e, 3,
                          "largest compute level held out")
    boot = fitter.bootstrap_counts(loss, resample_counts(basis.rng, len(runs), basis.n_boot),
                                   basis.boot)
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



def fit_distill_section(distill_runs, basis: ScratchBasis, grid) -> dict:
    """Returns the card's distill section: {mode (or top-k variant): entry} for every mode
    with at least one teacher fitted; ``grid``: the compute grid of M(C)."""
    warnings = basis.warnings
    distill = {}
    for mode in DISTILL_MODES:
        for key, runs in _variants(distill_runs[distill_runs["mode"] == mode], mode).items():
            if runs.empty:
                continue
            teachers = {}
            for teacher, group in runs.groupby("teacher", sort=True):
                try:
                    teachers[teacher] = _fit_teacher(group, teacher, basis, grid,
                                                     f"{key}/{teacher}")
                except InputError as exc:
                    warnings.append(f"{key}/{teacher}: skipped ({exc})")
            if not teachers:
                continue
            entry = {"top_k": None if mode != "topk" or runs["top_k"].isna().all()
                     else int(runs["top_k"].median()),
                     "hard_label_weight": round_sig(runs["hard_label_weight"].fillna(0).median()),
                     "teachers": teachers}
            try:
                entry["multiplier"] = _fit_multiplier(runs, basis, key)
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
    return distill
