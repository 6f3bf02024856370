"""Monte Carlo over lever ranges and the fit card's bootstrap samples, vectorised over draws.

Each draw takes every lever in ``[[uncertainty.levers]]`` uniformly (or log-uniformly) from
its range, one bootstrap resample of the fit card (the same resample index for every access
mode and section, so correlated fits stay correlated), and one uniform number ``u`` that places
the literature priors within their ranges. All draws go through one call of model.core, so
10,000 draws cost one pass of numpy over arrays of 10,000.

Example:
    >>> from simulator.scenario import load_scenario, evaluate
    >>> r = evaluate(load_scenario("scenarios/deepseek-v3-reference.toml"), draws=10_000)
    >>> r.percentiles["distill"]["lag_years"]["p50"]  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from simulator.scenario.core import HEADLINE, core

PERCENTILES = (5, 25, 50, 75, 95)
IDX_HIGH = 2**31 - 1


def lever_arrays(levers, base: dict, n: int, rng) -> dict:
    """Returns base values with each lever range replaced by n random draws."""
    values = dict(base)
    for lever in levers:
        u = rng.random(n)
        if lever.scale == "log":
            lo, hi = np.log(lever.low), np.log(lever.high)
            values[lever.path] = np.exp(lo + u * (hi - lo))
        else:
            values[lever.path] = lever.low + u * (lever.high - lever.low)
    return values


def draw(ctx, base: dict, n: int, seed: int) -> dict:
    """Returns model.core outputs for n seeded Monte Carlo draws."""
    rng = np.random.default_rng(seed)
    values = lever_arrays(ctx.scenario.uncertainty.levers, base, n, rng)
    idx = rng.integers(0, IDX_HIGH, size=n)
    u = rng.random(n)
    return core(ctx, values, idx, u, np.zeros(n, dtype=bool))


def linear_percentiles(values, q=PERCENTILES) -> np.ndarray:
    """Returns np.percentile(values, q) (the default 'linear' method), bit for bit.

    numpy's own percentile calls np.unique, whose masked-array check imports numpy.ma: a
    third of ``run``'s Monte Carlo time for a module it never uses. The steps below are
    numpy's (numpy/lib/_function_base_impl.py: _quantile, _get_indexes, _lerp), for a 1-D
    float array and percentiles in [0, 100].
    """
    arr = np.asarray(values, dtype=float).flatten()
    virtual = (arr.size - 1) * np.true_divide(q, 100)
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= arr.size - 1  # at the top: the largest value
    previous[above] = following[above] = -1
    previous, following = previous.astype(np.intp), following.astype(np.intp)
    arr.partition(sorted({0, -1, *previous.tolist(), *following.tolist()}))
    a, b = arr[previous], arr[following]
    gamma = virtual - previous
    diff = b - a
    result = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=result, where=gamma >= 0.5)
    if np.isnan(arr[-1]):  # a NaN sorts last; numpy then answers NaN everywhere
        result[...] = np.nan
    return result


def percentiles(out: dict) -> dict:
    """Returns {strategy: {headline: {"p5": .., ..., "p95": ..}}} over the draws."""
    result = {}
    for strategy in ("scratch", "distill"):
        result[strategy] = {}
        for key in HEADLINE:
            values = linear_percentiles(out[f"{strategy}.{key}"])
            result[strategy][key] = {f"p{p}": float(v) for p, v in zip(PERCENTILES, values)}
    result["tokens_obtained"] = {
        f"p{p}": float(v) for p, v in zip(PERCENTILES, linear_percentiles(out["tokens_obtained"]))}
    result["pure_regime_share"] = float(np.mean(out["pure"]))
    result["envelope_share"] = float(np.mean(out["envelope_topk"] | out["envelope_logits"]))
    return result
