"""The chip catalogue: TPP and performance density computed from specs, lookups, precisions."""

import math

import pytest

from simulator.errors import InputError
from simulator.hardware import PRECISIONS, get_chip, load_chips
from simulator.hardware.catalog import CHIPS_CSV

REQUIRED_CHIPS = ["V100", "A100", "A800", "H100 SXM", "H800", "H20", "H200", "L20", "L40S",
                  "B200", "RTX 4090", "RTX 4090D", "MI250X", "MI300X", "Ascend 910B",
                  "Ascend 910C"]


def test_catalogue_has_every_required_chip():
    assert set(REQUIRED_CHIPS) <= set(load_chips()["chip"])


def test_tpp_and_density_are_not_typed_into_the_data():
    header = CHIPS_CSV.read_text().splitlines()[0].split(",")
    assert not {"tpp", "pd", "performance_density"} & set(header)


@pytest.mark.parametrize("name, tpp", [("H100 SXM", 15832), ("A100", 4992), ("H20", 2368)])
def test_tpp_matches_published_reference_points(name, tpp):
    assert get_chip(name).tpp == pytest.approx(tpp, abs=0.5)


@pytest.mark.parametrize("name, density", [("H100 SXM", 19.45), ("A100", 6.04), ("H20", 2.91),
                                           ("L20", 3.14), ("MI250X", 4.23)])
def test_performance_density_is_tpp_per_mm2(name, density):
    chip = get_chip(name)
    assert chip.performance_density == pytest.approx(chip.tpp / chip.die_area_mm2)
    assert chip.performance_density == pytest.approx(density, abs=0.005)


def test_density_is_missing_where_die_area_is_unpublished():
    assert math.isnan(get_chip("Ascend 910B").performance_density)


def test_load_chips_has_computed_columns():
    df = load_chips().set_index("chip")
    assert df.loc["H20", "tpp"] == pytest.approx(2368)
    assert df.loc["H100 SXM", "performance_density"] == pytest.approx(15832 / 814)


@pytest.mark.parametrize("query", ["h100", "H100 SXM5", "h100-sxm", "NVIDIA H20", "910b"])
def test_get_chip_is_case_insensitive_and_knows_aliases(query):
    assert get_chip(query).name in REQUIRED_CHIPS


def test_unknown_chip_lists_valid_names():
    with pytest.raises(InputError, match=r"unknown chip 'H900'; valid: V100, A100"):
        get_chip("H900")


def test_peak_flops_is_dense_flop_per_second():
    assert get_chip("H100").peak_flops("bf16") == pytest.approx(989.5e12)
    assert get_chip("H100").peak_flops("fp8") == pytest.approx(1979e12)
    assert get_chip("H100").peak_flops("fp16") == get_chip("H100").peak_flops("bf16")


def test_every_contract_precision_is_recognised():
    assert set(PRECISIONS) == {"fp32", "tf32", "bf16", "fp8", "int8"}
    for p in PRECISIONS:
        assert get_chip("H100").peak_flops(p) > 0


def test_missing_precision_names_what_the_chip_has():
    with pytest.raises(InputError, match="V100 has no published fp8 figure; valid for it: fp32, bf16"):
        get_chip("V100").peak_flops("fp8")


def test_unknown_precision_lists_valid_ones():
    with pytest.raises(InputError, match="valid: fp32, tf32, bf16, fp8, int8"):
        get_chip("H100").peak_flops("fp4")


def test_chip_is_frozen_and_has_contract_fields():
    chip = get_chip("H20")
    for field in ("name", "vendor", "datacenter", "tpp", "performance_density", "price_usd",
                  "rental_usd_per_hour", "memory_gb", "interconnect_gbps", "die_area_mm2"):
        assert hasattr(chip, field)
    with pytest.raises(AttributeError):
        chip.tpp = 1.0
