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


def student_compute(df):
    """Returns the student training compute 6 N D (FLOP) of each run."""
    return 6.0 * df["params"].to_numpy() * df["tokens"].to_numpy()


def heldout_mask(compute):
    """Returns True for runs in the largest compute level (within 0.1 decade of the max)."""
    log_c = np.log10(compute)
    return log_c >= log_c.max() - HELDOUT_DECADES


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
