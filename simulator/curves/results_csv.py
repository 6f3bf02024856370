"""A sweep's results.csv: reading and checking it (columns, values, modes, teachers).

Example:
    >>> runs = read_results("data/experiments/default/results.csv")   # a pandas DataFrame

simulator.curves.fit_runs fits what this returns; a bad file is one InputError line naming
the file, the column and the first bad run.
"""

import numpy as np
import pandas as pd

from simulator.errors import InputError, choices_text, reading

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
        with reading(path, "CSV file"):
            df = pd.read_csv(path, comment="#", encoding="utf-8-sig")  # a leading BOM is fine
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
