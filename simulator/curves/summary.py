"""Small shared pieces of the fit card: rounding, intervals, held-out records, resamples."""

import numpy as np

from simulator.curves.settings import HELDOUT_DECADES, MIN_STEPS, PERCENTILES, SIG_DIGITS
from simulator.errors import InputError


def round_sig(x, digits=SIG_DIGITS):
    """Returns a JSON-safe float (``digits`` significant digits) or None for non-finite."""
    x = float(x)
    return float(f"{x:.{digits}g}") if np.isfinite(x) else None


def as_list(a, digits=SIG_DIGITS):
    """Returns a flat list of JSON-safe rounded floats."""
    return [round_sig(v, digits) for v in np.asarray(a, dtype=float).ravel()]


def summarise(samples, keys):
    """Returns (intervals, bootstrap) dicts for parameter samples (6 significant digits)."""
    intervals = {k: as_list(np.nanpercentile(samples[k], PERCENTILES)) for k in keys}
    return intervals, {k: as_list(samples[k], 6) for k in keys}


def intervals_90(samples, keys):
    """Returns 90% bootstrap intervals [p5, p95] of parameter samples."""
    return {k: as_list(np.nanpercentile(samples[k], (5, 95))) for k in keys}


def student_compute(df):
    """Returns the student training compute 6 N D (FLOP) of each run."""
    return 6.0 * df["params"].to_numpy() * df["tokens"].to_numpy()


MIN_HELDOUT = 3  # a held-out check rests on at least this many points (issue 14)


def heldout_mask(compute, min_n=MIN_HELDOUT):
    """Returns True for runs in the largest compute level (within 0.1 decade of the max),
    widened to the ``min_n`` largest-compute runs when that level holds fewer (and the rest
    still leaves some to fit)."""
    compute = np.asarray(compute, dtype=float)
    log_c = np.log10(compute)
    mask = log_c >= log_c.max() - HELDOUT_DECADES
    if mask.sum() < min_n and len(compute) > 2 * min_n:
        mask = compute >= np.sort(compute)[-min_n]
    return mask


def heldout_warnings(label, record, warnings, limit=0.03):
    """Appends a warning for every held-out scheme of ``record`` whose mean relative error of
    L exceeds ``limit`` (and for one that rests on fewer than MIN_HELDOUT points)."""
    for key, value in record.items():
        if not key.endswith("relative_error_loss") or value is None:
            continue
        if any(w in key for w in ("max_", "signed_", "cv_", "floor_")):
            continue
        prefix = key[: -len("relative_error_loss")]
        scheme = record.get(f"{prefix}scheme", "held out")
        if value > limit:
            warnings.append(f"{label}: held-out relative error {value:.1%} exceeds "
                            f"{limit:.0%} by {value - limit:.1%} ({scheme})")
        n = record.get(f"{prefix}n_heldout")
        if n is not None and n < MIN_HELDOUT:
            warnings.append(f"{label}: held-out check rests on {n} point(s) ({scheme})")


def relative_errors(pred, obs, floor, prefix=""):
    """Returns the mean, max and signed relative errors of L, and of L - floor, as a dict."""
    rel = (pred - obs) / obs
    rel_excess = ((pred - floor) - (obs - floor)) / (obs - floor)
    return {f"{prefix}relative_error_loss": round_sig(np.mean(np.abs(rel))),
            f"{prefix}max_relative_error_loss": round_sig(np.max(np.abs(rel))),
            f"{prefix}signed_relative_error_loss": round_sig(np.mean(rel)),
            f"{prefix}relative_error_excess_loss": round_sig(np.mean(np.abs(rel_excess)))}


def heldout_record(df, mask, fit_predict, floor, n_free, scheme, prefix=""):
    """Returns the held-out record: fit on ~mask, predict mask, relative errors."""
    record = {f"{prefix}scheme": scheme, f"{prefix}n_heldout": int(mask.sum()),
              f"{prefix}n_fit": int((~mask).sum())}
    if mask.sum() == 0 or (~mask).sum() < n_free + 2:
        record[f"{prefix}skipped"] = "too few runs to hold any out"
        return record
    try:
        pred = fit_predict(df[~mask], df[mask])
    except InputError as exc:
        record[f"{prefix}skipped"] = str(exc)
        return record
    record.update(relative_errors(pred, df["loss"].to_numpy()[mask], floor, prefix))
    return record


def resample_counts(rng, n_runs, n_resamples):
    """Returns (n_resamples, n_runs) run counts: each row draws n_runs runs with replacement."""
    return rng.multinomial(n_runs, np.full(n_runs, 1.0 / n_runs), size=n_resamples)
