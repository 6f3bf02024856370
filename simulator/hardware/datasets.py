"""Loaders for the other curated tables in data/: frontier models, API prices, published laws.

    from simulator.hardware.datasets import load_frontier_models, get_law
    frontier = load_frontier_models().query("kind == 'pretrain'")  # compute by release year
    get_law("besiroglu_2024")["params"]  # {"E": 1.8172, "A": 482.01, ...}
"""

from __future__ import annotations

import functools
import tomllib

import pandas as pd

from simulator.errors import InputError, choices_text
from simulator.paths import DATA_DIR

FRONTIER_MODELS_CSV = DATA_DIR / "frontier_models.csv"
API_PRICES_CSV = DATA_DIR / "api_prices.csv"
LAWS_TOML = DATA_DIR / "laws.toml"


def _bool_column(series: pd.Series) -> pd.Series:
    """Returns true/false/blank text as True/False/<NA>."""
    text = series.astype("string").str.strip().str.lower()
    return text.map({"true": True, "false": False}).astype("boolean")


def load_frontier_models(path=None) -> pd.DataFrame:
    """Returns data/frontier_models.csv with release_date parsed and a fractional ``year``."""
    df = pd.read_csv(path or FRONTIER_MODELS_CSV)
    df["release_date"] = pd.to_datetime(df["release_date"])
    df["year"] = df["release_date"].dt.year + (df["release_date"].dt.day_of_year - 1) / 365.25
    for col in ("compute_estimate", "chip_hours_estimate", "open_weights", "verified"):
        df[col] = _bool_column(df[col])
    return df


def load_api_prices(path=None) -> pd.DataFrame:
    """Returns data/api_prices.csv (prices in USD per million tokens; ``current`` marks the
    providers' models of late 2026, the others are kept for the time series)."""
    df = pd.read_csv(path or API_PRICES_CSV)
    for col in ("current", "price_source_official", "logprobs", "verify"):
        df[col] = _bool_column(df[col])
    df["max_top_logprobs"] = df["max_top_logprobs"].astype("Int64")
    return df


@functools.lru_cache(maxsize=2)
def _laws(path: str) -> dict:
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    laws = {}
    for name, law in doc["laws"].items():
        law = dict(law)
        # Numbers only in "params", so scratch_loss() and array code can take it as is.
        law["params_source"] = law["params"].get("source", law.get("source", ""))
        law["params"] = {k: float(v) for k, v in law["params"].items() if k != "source"}
        laws[name] = law
    return laws


def load_laws(path=None) -> dict:
    """Returns {name: law} from data/laws.toml; each law's "params" holds E, A, B, alpha, beta."""
    return {k: dict(v) for k, v in _laws(str(path or LAWS_TOML)).items()}


def get_law(name=None, path=None) -> dict:
    """Returns one published law (default: the file's ``default``); InputError lists valid names."""
    laws = load_laws(path)
    if name is None:
        with open(path or LAWS_TOML, "rb") as f:
            name = tomllib.load(f).get("default", next(iter(laws)))
    if name not in laws:
        raise InputError(f"unknown law {name!r}; valid: {choices_text(laws)}")
    return laws[name]
