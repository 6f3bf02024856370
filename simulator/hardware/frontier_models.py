"""Frontier models (data/frontier_models.csv): release dates, training compute and chips.

    from simulator.hardware.frontier_models import load_frontier_models
    frontier = load_frontier_models().query("kind == 'pretrain'")  # compute by release year
"""

from __future__ import annotations

import pandas as pd

from simulator.paths import DATA_DIR

FRONTIER_MODELS_CSV = DATA_DIR / "frontier_models.csv"


def bool_column(series: pd.Series) -> pd.Series:
    """Returns true/false/blank text as True/False/<NA>."""
    text = series.astype("string").str.strip().str.lower()
    return text.map({"true": True, "false": False}).astype("boolean")


def load_frontier_models(path=None) -> pd.DataFrame:
    """Returns data/frontier_models.csv with release_date parsed and a fractional ``year``."""
    df = pd.read_csv(path or FRONTIER_MODELS_CSV)
    df["release_date"] = pd.to_datetime(df["release_date"])
    df["year"] = df["release_date"].dt.year + (df["release_date"].dt.day_of_year - 1) / 365.25
    for col in ("compute_estimate", "chip_hours_estimate", "open_weights", "verified"):
        df[col] = bool_column(df[col])
    return df
