"""The capability fit card: tiers, self-reliance, CEG, the knowledge gate, held-out checks.

    python -m simulator fit --runs data/experiments/capability --out data/fits/capability.json

    from simulator.curves.capability_fit import fit_capability
    card = fit_capability(df, n_bootstrap=200, random_state=0, results_sha256=sha)  # a dict

The card's typed model and loader: simulator.curves.capability_schema; writing it:
simulator.curves.capability_card.run_capability_fit.

Sections:
- ``tiers``: per access tier (and ``grader``), per base, the saturating curve of accuracy vs
  teacher samples (simulator.curves.capability), 90% bootstrap intervals, the bootstrap samples,
  the measured seed means; ``gate``: how a_inf, n50 and the measured accuracy at the largest n
  move with the base's recall and scratch compute (least squares across bases), and per size
  the base with more own data against the one with less (n50 ratio, accuracy differences).
- ``self_reliance``: every self-reliant run (bases, self_pretrain, self_improve; all sizes) as
  (compute, accuracy); their best-so-far envelope is the self-reliant curve.
- ``ceg``: CEG(n, tier) = (least self-reliant compute reaching the distilled accuracy) / (the
  distilled student's compute) at the largest base, from the fitted curve; a lower bound where the
  self-reliant runs never reach that accuracy. Compute: student training + own generation FLOPs;
  the teacher's inference is paid by the API and is not in the student's compute.
- ``heldout``: leave one n out (refit without it, predict its seed mean) and leave one size out
  (predict a size's curves from the gate fitted on the other sizes), errors in accuracy points.
- ``comparisons``: every channel against the sampled-trace tier at the largest base.
- ``warnings``: fits at a bound, held-out errors above 5 points.
"""

import numpy as np

from simulator.curves import capability as cc
from simulator.errors import InputError

SCHEMA = "capability-card/1"
SECTIONS = ("tiers", "self_reliance", "ceg", "heldout", "warnings")
CHANNELS = ("answer", "trace", "verified_trace", "trace_topk", "trace_logits", "grader")
HELDOUT_LIMIT = 0.05
CEG_NS = (16, 64, 256, 1024, 4096)
REQUIRED = ("run_id", "arm", "tier", "base", "size", "student_params", "pretrain_tokens",
            "n_teacher_samples", "teacher_tokens", "student_flop", "generation_flop",
            "accuracy", "accuracy_no_trace", "recall", "own_loss", "seed")


def _channel(row):
    return row["tier"] if row["arm"] == "distill" else row["arm"]


def fit_capability(df, n_bootstrap=200, random_state=0, results_sha256=None, n_eval=400):
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(f"results.csv: missing column {missing[0]!r} (a capability sweep)")
    df = df.copy()
    df["tier"] = df["tier"].fillna("").astype(str)
    df["compute"] = df["student_flop"].astype(float) + df["generation_flop"].astype(float)
    bases = df[df["arm"] == "base"].set_index("base")
    if bases.empty:
        raise InputError("results.csv: no base runs (arm 'base')")
    rng = np.random.default_rng(random_state)
    post = df[df["arm"].isin(["distill", "grader"])].copy()
    post["channel"] = post.apply(_channel, axis=1)
    largest = max(bases.index, key=lambda b: (bases.loc[b, "student_params"],
                                              bases.loc[b, "pretrain_tokens"]))
    warnings, tiers = [], {}
    for ch in [c for c in CHANNELS if c in set(post["channel"])]:
        entry = {"bases": {}}
        for base, g in post[post["channel"] == ch].groupby("base"):
            a0 = float(bases.loc[base, "accuracy"])
            n, acc = g["n_teacher_samples"].to_numpy(float), g["accuracy"].to_numpy(float)
            fit = cc.fit_curve(n, acc, a0)
            boot = cc.bootstrap_curve(n, acc, a0, n_eval, fit, n_bootstrap, rng)
            means = g.groupby("n_teacher_samples")
            entry["bases"][base] = {
                **{k: fit[k] for k in ("a0", "a_inf", "n50", "h", "rmse", "at_bound")},
                "intervals": {k: cc.interval(boot[k]) for k in cc.CURVE_KEYS},
                "bootstrap": {k: [round(v, 6) for v in boot[k]] for k in cc.CURVE_KEYS},
                "recall": float(bases.loc[base, "recall"]),
                "base_compute": float(bases.loc[base, "student_flop"]),
                "student_params": int(bases.loc[base, "student_params"]),
                "measured": {str(int(k)): {"accuracy": float(v["accuracy"].mean()),
                                           "accuracy_no_trace": float(v["accuracy_no_trace"]
                                                                      .mean()),
                                           "seeds": int(len(v)),
                                           "compute": float(v["compute"].mean())}
                             for k, v in means}}
            if fit["at_bound"]:
                warnings.append(f"{ch} @ {base}: fit at a bound ({', '.join(fit['at_bound'])})")
        entry["largest_base"] = largest if largest in entry["bases"] else None
        entry["gate"] = _gate(entry["bases"])
        if entry["gate"] is not None:
            entry["gate"]["same_size_pairs"] = _pairs(entry["bases"], bases)
        tiers[ch] = entry
    self_runs = df[df["arm"].isin(["base", "self_pretrain", "self_improve"])]
    cells = (self_runs.groupby(["arm", "base", "level"], dropna=False)
             .agg(compute=("compute", "mean"), accuracy=("accuracy", "mean"),
                  recall=("recall", "mean"), seeds=("seed", "count")).reset_index())
    self_reliance = {
        "runs": [{"arm": r.arm, "base": r.base, "level": float(r.level), "compute": r.compute,
                  "accuracy": r.accuracy, "recall": r.recall, "seeds": int(r.seeds)}
                 for r in cells.itertuples()],
        "max_accuracy": float(cells["accuracy"].max()),
        "max_compute": float(cells["compute"].max())}
    ceg = _ceg(tiers, largest, cells, rng, n_eval)
    heldout = _heldout(post, bases, tiers)
    for ch, h in heldout["leave_one_n_out"].items():
        if h["max_abs_error"] > HELDOUT_LIMIT:
            warnings.append(f"{ch}: leave-one-n-out error up to {h['max_abs_error']:.3f} "
                            f"(> {HELDOUT_LIMIT})")
    for ch, h in heldout["leave_one_size_out"].items():
        if h.get("mean_abs_error", 0.0) > HELDOUT_LIMIT:
            warnings.append(f"{ch}: leave-one-size-out error {h['mean_abs_error']:.3f} "
                            f"(> {HELDOUT_LIMIT})")
    teacher = df[df["arm"] == "teacher"]
    comparisons = _comparisons(tiers, largest)
    return finite_or_none({
        "schema": SCHEMA, "kind": "capability",
        "results_sha256": results_sha256,
        "settings": {"n_bootstrap": int(n_bootstrap), "random_state": int(random_state),
                     "n_eval": int(n_eval), "interval": "5th-95th percentile",
                     "bootstrap": "per n, runs resampled with replacement, each run's accuracy "
                                  "redrawn as a binomial proportion over the evaluation "
                                  "questions; refit from the point estimate",
                     "curve": "a(n) = a0 + (a_inf - a0) / (1 + (n50 / n)^h), a0 = base accuracy",
                     "compute": "student training FLOPs (6N per token) + own generation FLOPs "
                                "(2N per token); teacher inference excluded"},
        "teacher": ({"accuracy": float(teacher["accuracy"].iloc[0]),
                     "params": int(teacher["student_params"].iloc[0])} if len(teacher) else None),
        "bases": {b: {"accuracy": float(r["accuracy"]), "accuracy_4hop":
                      float(r["accuracy_4hop"]) if "accuracy_4hop" in r else None,
                      "recall": float(r["recall"]),
                      "compute": float(r["student_flop"]), "params": int(r["student_params"]),
                      "pretrain_tokens": int(r["pretrain_tokens"])}
                  for b, r in bases.iterrows()},
        "largest_base": largest,
        "tiers": tiers, "self_reliance": self_reliance, "ceg": ceg, "heldout": heldout,
        "comparisons": comparisons, "warnings": warnings,
    })


def _comparisons(tiers, base, reference="trace"):
    """Each channel against the ``trace`` tier at the largest base: the difference in a_inf
    (90% interval from the two channels' independent bootstrap samples) and in measured
    accuracy at each n. Negative: the channel transfers less than sampled traces."""
    ref = tiers.get(reference, {}).get("bases", {}).get(base)
    if ref is None:
        return {}
    out = {"reference": reference, "base": base, "channels": {}}
    for ch, entry in tiers.items():
        f = entry["bases"].get(base)
        if f is None or ch == reference:
            continue
        diff = np.subtract(f["bootstrap"]["a_inf"], ref["bootstrap"]["a_inf"])
        out["channels"][ch] = {
            "a_inf_difference": f["a_inf"] - ref["a_inf"],
            "a_inf_difference_interval": cc.interval(diff),
            "accuracy_difference": {n: f["measured"][n]["accuracy"] - m["accuracy"]
                                    for n, m in ref["measured"].items() if n in f["measured"]}}
    return out


def _gate(fits):
    """Least squares across bases: a_inf on recall, log10 n50 on log10 base compute."""
    if len(fits) < 2:
        return None
    rec = np.array([f["recall"] for f in fits.values()])
    comp = np.log10([f["base_compute"] for f in fits.values()])
    a_inf = np.array([f["a_inf"] for f in fits.values()])
    n50 = np.log10([f["n50"] for f in fits.values()])
    s1 = np.polyfit(rec, a_inf, 1) if np.ptp(rec) > 0 else [0.0, float(a_inf.mean())]
    s2 = np.polyfit(comp, n50, 1) if np.ptp(comp) > 0 else [0.0, float(n50.mean())]
    corr = float(np.corrcoef(rec, a_inf)[0, 1]) if np.ptp(rec) > 0 and np.ptp(a_inf) > 0 \
        else None
    top = [f["measured"][max(f["measured"], key=int)]["accuracy"] for f in fits.values()]
    s3 = np.polyfit(rec, top, 1) if np.ptp(rec) > 0 else [0.0, float(np.mean(top))]
    corr3 = float(np.corrcoef(rec, top)[0, 1]) if np.ptp(rec) > 0 and np.ptp(top) > 0 else None
    return {"a_inf_vs_recall": {"slope": float(s1[0]), "intercept": float(s1[1]),
                                "correlation": corr},
            "accuracy_at_largest_n_vs_recall": {"slope": float(s3[0]), "intercept": float(s3[1]),
                                                "correlation": corr3},
            "log10_n50_vs_log10_base_compute": {"slope": float(s2[0]),
                                                "intercept": float(s2[1])},
            "h_mean": float(np.mean([f["h"] for f in fits.values()]))}


def _pairs(fits, bases):
    """The gate measured without extrapolation: for each size, its base with the most own data
    against the one with the least (same model, more knowledge): the ratio of their n50 (90%
    interval from the bootstrap samples) and the difference of measured accuracy at each n."""
    out = {}
    for size in sorted({str(bases.loc[b, "size"]) for b in fits}):
        mine = sorted((b for b in fits if str(bases.loc[b, "size"]) == size),
                      key=lambda b: bases.loc[b, "pretrain_tokens"])
        if len(mine) < 2:
            continue
        lo, hi = fits[mine[0]], fits[mine[-1]]
        ratio = np.divide(lo["bootstrap"]["n50"], hi["bootstrap"]["n50"])
        out[size] = {"less_data": mine[0], "more_data": mine[-1],
                     "recall": [lo["recall"], hi["recall"]],
                     "n50_ratio_less_over_more": lo["n50"] / hi["n50"],
                     "n50_ratio_interval": cc.interval(ratio),
                     "accuracy_difference_more_minus_less": {
                         n: hi["measured"][n]["accuracy"] - m["accuracy"]
                         for n, m in lo["measured"].items() if n in hi["measured"]}}
    return out


def _ceg(tiers, largest, cells, rng, n_eval):
    comp, acc = cells["compute"].to_numpy(float), cells["accuracy"].to_numpy(float)
    out = {"base": largest, "definition": "C_self(a_distill(n)) / C_student(n)", "channels": {}}
    for ch, entry in tiers.items():
        f = entry["bases"].get(largest)
        if f is None:
            continue
        res = {}
        meas = f["measured"]
        ns = sorted(int(k) for k in meas)
        for n in CEG_NS:
            # the student's compute at n: measured, or log-interpolated between measured n
            c_student = float(np.interp(np.log(n), np.log(ns),
                                        [meas[str(k)]["compute"] for k in ns]))
            a = float(cc.saturating(n, f["a0"], f["a_inf"], f["n50"], f["h"]))
            c_self, kind = cc.self_compute_for(a, comp, acc)
            samples, lower = [], 0
            boot = f["bootstrap"]
            for ai, ni, hi in zip(boot["a_inf"], boot["n50"], boot["h"]):
                ab = float(cc.saturating(n, f["a0"], ai, ni, hi))
                acc_b = rng.binomial(n_eval, np.clip(acc, 0, 1)) / n_eval
                cb, kb = cc.self_compute_for(ab, comp, acc_b)
                samples.append(cb / c_student)
                lower += kb == "lower_bound"
            res[str(n)] = {"accuracy": a, "student_compute": c_student,
                           "self_compute": c_self, "ceg": c_self / c_student, "kind": kind,
                           "interval": cc.interval(samples),
                           "lower_bound_fraction": lower / max(1, len(samples)),
                           "measured_range": ns[0] <= n <= ns[-1]}
        out["channels"][ch] = res
    return out


def _predict_from_gate(gate, base_fit):
    a_inf = gate["a_inf_vs_recall"]["slope"] * base_fit["recall"] \
        + gate["a_inf_vs_recall"]["intercept"]
    g = gate["log10_n50_vs_log10_base_compute"]
    n50 = 10 ** (g["slope"] * np.log10(base_fit["base_compute"]) + g["intercept"])
    return float(np.clip(a_inf, 0, 1)), float(n50), gate["h_mean"]


def _heldout(post, bases, tiers):
    lono, loso = {}, {}
    for ch, entry in tiers.items():
        errs, detail = [], []
        for base, f in entry["bases"].items():
            g = post[(post["channel"] == ch) & (post["base"] == base)]
            ns = sorted(g["n_teacher_samples"].unique())
            for n_out in ns:
                keep = g[g["n_teacher_samples"] != n_out]
                if keep["n_teacher_samples"].nunique() < 3:
                    continue
                fit = cc.fit_curve(keep["n_teacher_samples"], keep["accuracy"], f["a0"])
                pred = float(cc.saturating(n_out, f["a0"], fit["a_inf"], fit["n50"], fit["h"]))
                err = pred - float(g[g["n_teacher_samples"] == n_out]["accuracy"].mean())
                errs.append(abs(err))
                detail.append({"base": base, "n": int(n_out), "error": err})
        lono[ch] = {"mean_abs_error": float(np.mean(errs)) if errs else None,
                    "max_abs_error": float(np.max(errs)) if errs else 0.0, "cells": detail}
        sizes = {b: str(bases.loc[b, "size"]) for b in entry["bases"]}
        errs, detail = [], []
        for size in sorted(set(sizes.values())):
            train = {b: f for b, f in entry["bases"].items() if sizes[b] != size}
            if len({sizes[b] for b in train}) < 2:
                continue
            gate = _gate(train)
            for b, f in entry["bases"].items():
                if sizes[b] != size:
                    continue
                a_inf, n50, h = _predict_from_gate(gate, f)
                for n, m in f["measured"].items():
                    err = float(cc.saturating(float(n), f["a0"], a_inf, n50, h)) - m["accuracy"]
                    errs.append(abs(err))
                    detail.append({"size": size, "base": b, "n": int(n), "error": err})
        loso[ch] = ({"mean_abs_error": float(np.mean(errs)),
                     "max_abs_error": float(np.max(errs)), "cells": detail} if errs
                    else {"note": "fewer than 3 sizes: not computed"})
    return {"leave_one_n_out": lono, "leave_one_size_out": loso,
            "units": "accuracy (fraction of evaluation questions)"}


def finite_or_none(value):
    """Returns a copy with non-finite floats replaced by None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_or_none(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
