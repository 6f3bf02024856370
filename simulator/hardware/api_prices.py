"""API prices (data/api_prices.csv): USD per million tokens by provider and model, with dates.

    from simulator.hardware.api_prices import load_api_prices
    current = load_api_prices().query("current")
"""

from __future__ import annotations

import pandas as pd

from simulator.hardware.frontier_models import bool_column
from simulator.paths import DATA_DIR

API_PRICES_CSV = DATA_DIR / "api_prices.csv"


def load_api_prices(path=None) -> pd.DataFrame:
    """Returns data/api_prices.csv (prices in USD per million tokens; ``current`` marks the
    providers' models of late 2026, the others are kept for the time series)."""
    df = pd.read_csv(path or API_PRICES_CSV)
    for col in ("current", "price_source_official", "logprobs", "verify"):
        df[col] = bool_column(df[col])
    df["max_top_logprobs"] = df["max_top_logprobs"].astype("Int64")
    return df
