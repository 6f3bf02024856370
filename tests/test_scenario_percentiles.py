"""The Monte Carlo's percentiles: numpy's 'linear' percentile, computed without np.unique (whose
masked-array check imports numpy.ma at `run` time), bit for bit."""

import math

import numpy as np
import pytest

from simulator.scenario.montecarlo import PERCENTILES, linear_percentiles


def _samples(seed: int):
    """Returns arrays of the kinds core() produces and the awkward ones: ties, signed zeros,
    infinities, NaN, one element, FLOP-sized and tiny numbers."""
    rng = np.random.default_rng(seed)
    for n in (1, 2, 3, 7, 100, 401, 1000):
        yield rng.normal(size=n)
        yield rng.lognormal(size=n) * 1e24
        yield rng.choice([0.0, -0.0, 1e-300, 3.0], size=n)
        yield rng.choice([1.0, 2.0, np.inf, -np.inf], size=n)
        with_nan = rng.normal(size=n)
        with_nan[rng.integers(n)] = np.nan
        yield with_nan


@pytest.mark.parametrize("q", [PERCENTILES, (0, 100), (2.5, 97.5), (50,), (1, 33.3, 99.9)])
def test_linear_percentiles_equal_numpys_bit_for_bit(q):
    for x in _samples(len(q)):
        with np.errstate(invalid="ignore"):  # inf - inf: NaN on both sides
            want, got = np.percentile(x, q), linear_percentiles(x, q)
        assert np.array_equal(got, want, equal_nan=True), (x, q)
        assert np.array_equal(np.signbit(got), np.signbit(want)), (x, q)


def test_linear_percentiles_interpolate_between_neighbours():
    x = np.array([40.0, 10.0, 30.0, 20.0])  # sorted: 10, 20, 30, 40; index = 3 q / 100
    got = linear_percentiles(x, (0, 5, 50, 95, 100))
    assert got.tolist() == pytest.approx([10.0, 11.5, 25.0, 38.5, 40.0], rel=1e-15)
    assert x.tolist() == [40.0, 10.0, 30.0, 20.0]  # the input is left as it was
    assert all(math.isnan(v) for v in linear_percentiles([1.0, np.nan], (5, 95)))
