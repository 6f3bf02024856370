"""Fleet accounting and the published reference points it must reproduce."""

import math

import pytest

from simulator.errors import InputError
from simulator.hardware import chips_for_compute, days_for_compute, fleet_compute, implied_mfu
from simulator.hardware.frontier_models import load_frontier_models


def model_row(name):
    df = load_frontier_models().set_index("model")
    return df.loc[name]


def test_deepseek_v3_h800_hours_imply_mfu_between_015_and_030():
    row = model_row("DeepSeek-V3")
    assert row["training_compute_flop"] == pytest.approx(3.4e24, rel=0.02)
    mfu = implied_mfu("H800", row["training_compute_flop"], row["chip_hours"], precision="fp8")
    assert 0.15 < mfu < 0.30  # measured: 0.172 against the FP8 dense peak (trained in FP8)


def test_deepseek_v3_cost_at_two_dollars_per_h800_hour():
    row = model_row("DeepSeek-V3")
    fleet = fleet_compute("H800", chip_hours=row["chip_hours"], mfu=0.2, precision="fp8")
    assert fleet.rental_cost_usd == pytest.approx(row["cost_usd"])  # 5.576M USD


def test_llama_31_405b_h100_hours_imply_mfu_near_04():
    row = model_row("Llama 3.1 405B")
    mfu = implied_mfu("H100 SXM", row["training_compute_flop"], row["chip_hours"], "bf16")
    # measured: 0.346; the paper's 38-43% excludes restarts and other overheads in the 30.84M
    assert mfu == pytest.approx(0.4, abs=0.06)


def test_fleet_flop_is_chips_times_peak_times_mfu_times_seconds():
    fleet = fleet_compute("H100", 1000, days=10, mfu=0.4)
    assert fleet.chip_hours == 240_000
    assert fleet.flop == pytest.approx(1000 * 989.5e12 * 0.4 * 10 * 86400)
    assert fleet.rental_cost_usd == pytest.approx(240_000 * 2.35)
    assert fleet.capital_cost_usd == pytest.approx(1000 * 33_600)


def test_chip_hours_with_a_count_gives_days():
    fleet = fleet_compute("H800", 2048, chip_hours=2.788e6, mfu=0.2, precision="fp8")
    assert fleet.days == pytest.approx(2.788e6 / 2048 / 24)


def test_chip_hours_without_count_has_no_capital_cost():
    fleet = fleet_compute("H800", chip_hours=1e6, mfu=0.2)
    assert fleet.count is None and fleet.capital_cost_usd is None and fleet.days is None


def test_inverse_rounds_chips_up_and_meets_the_target():
    fleet = chips_for_compute("H100", 3.8e25, days=90, mfu=0.4)
    assert fleet.flop >= 3.8e25
    smaller = fleet_compute("H100", fleet.count - 1, days=90, mfu=0.4)
    assert smaller.flop < 3.8e25


def test_inverse_of_forward_recovers_the_count():
    flop = fleet_compute("A100", 512, days=30, mfu=0.35).flop
    assert chips_for_compute("A100", flop, days=30, mfu=0.35).count == 512


def test_days_for_compute_inverts_forward():
    flop = fleet_compute("H20", 4096, days=42, mfu=0.3).flop
    assert days_for_compute("H20", flop, count=4096, mfu=0.3).days == pytest.approx(42)


def test_missing_rental_rate_gives_nan_cost_not_an_error():
    assert math.isnan(fleet_compute("L40S", 8, days=1, mfu=0.3).rental_cost_usd)
    assert fleet_compute("L40S", 8, days=1, mfu=0.3).to_dict()["rental_cost_usd"] is None


@pytest.mark.parametrize("mfu", [0, -0.1, 1.01, float("nan"), "high"])
def test_mfu_outside_zero_one_is_rejected(mfu):
    with pytest.raises(InputError, match=r"mfu must be .*\(0, 1\]"):
        fleet_compute("H100", 8, days=1, mfu=mfu)


def test_mfu_of_one_is_allowed():
    assert fleet_compute("H100", 8, days=1, mfu=1.0).mfu == 1.0


@pytest.mark.parametrize("count", [-1, 0, 2.5, float("inf")])
def test_bad_counts_are_rejected(count):
    with pytest.raises(InputError, match="count must be"):
        fleet_compute("H100", count, days=1, mfu=0.4)


def test_exactly_one_of_days_and_chip_hours():
    with pytest.raises(InputError, match="exactly one of days or chip-hours"):
        fleet_compute("H100", 8, days=1, chip_hours=5, mfu=0.4)
    with pytest.raises(InputError, match="exactly one of days or chip-hours"):
        fleet_compute("H100", 8, mfu=0.4)


def test_days_need_a_count():
    with pytest.raises(InputError, match="days needs a chip count"):
        fleet_compute("H100", days=3, mfu=0.4)
