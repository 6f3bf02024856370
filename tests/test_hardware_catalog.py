"""The chip catalogue: TPP and performance density computed from specs, lookups, precisions."""

import math

import pytest

from simulator.errors import InputError
from simulator.hardware import PRECISIONS, get_chip, load_chips
from simulator.hardware import catalog
from simulator.hardware.catalog import CHIPS_CSV

REQUIRED_CHIPS = ["V100", "A100", "A800", "H100 SXM", "H100 PCIe", "H100 NVL", "H800",
                  "H800 PCIe", "H20", "H200", "L20", "L40", "L40S", "B200", "B300", "RTX 4090",
                  "RTX 4090D", "RTX 5090", "RTX 5090D", "MI250X", "MI300X", "MI325X",
                  "Ascend 910B", "Ascend 910C", "Ascend 950PR"]


def test_catalogue_has_every_required_chip():
    assert set(REQUIRED_CHIPS) <= set(load_chips()["chip"])


def test_tpp_and_density_are_not_typed_into_the_data():
    header = CHIPS_CSV.read_text().splitlines()[0].split(",")
    assert not {"tpp", "pd", "performance_density"} & set(header)


@pytest.mark.parametrize("name, tpp", [("H100 SXM", 15832), ("A100", 4992), ("H20", 2368),
                                       ("MI325X", 20919.2), ("H100 PCIe", 12104),
                                       ("L40", 2896), ("RTX 5090", 6704), ("RTX 5090D", 4750),
                                       ("Ascend 950PR", 6800)])
def test_tpp_matches_published_reference_points(name, tpp):
    assert get_chip(name).tpp == pytest.approx(tpp, abs=0.5)


def test_fp4_counts_at_four_bits_so_b300_is_rated_by_its_fp4_rate():
    # TPP = 2 x MacTOPS x bit length, maximised over precisions (88 FR 73458, Technical Note
    # to 3A090): B300's dense FP4 (14,000) x 4 = 56,000 exceeds its FP8 4,500 x 8 = 36,000.
    b300 = get_chip("B300")
    assert b300.peak_flops("fp4") == pytest.approx(14000e12)
    assert b300.tpp == pytest.approx(56000)
    assert b300.peak_flops("fp8") / 1e12 * 8 == pytest.approx(36000)


def test_fp4_does_not_change_a_chip_whose_fp4_rate_is_twice_its_fp8_rate():
    b200 = get_chip("B200")
    assert b200.peak_flops("fp4") / 1e12 * 4 == pytest.approx(b200.peak_flops("fp8") / 1e12 * 8)
    assert b200.tpp == pytest.approx(36000)


def test_mi300x_density_counts_every_logic_die():
    # Applicable die area = all logic dies on a non-planar node: 8 XCDs + 4 IODs = ~2,400 mm2,
    # not the 1,017 mm2 (a package value) recorded before: density ~8.7, not ~20.6.
    chip = get_chip("MI300X")
    assert chip.die_area_mm2 == pytest.approx(2400)
    assert chip.performance_density == pytest.approx(20919.2 / 2400)
    assert chip.performance_density == pytest.approx(8.72, abs=0.005)
    assert chip.spec_estimate and "logic dies" in chip.estimate_notes


def test_china_only_parts_are_marked_off_the_us_market():
    for name in ("A800", "H800", "H800 PCIe", "H20", "L20", "RTX 4090D", "RTX 5090D"):
        assert get_chip(name).us_market is False, name
    for name in ("H100 SXM", "H200", "MI325X", "B200", "RTX 5090"):
        assert get_chip(name).us_market is True, name


def test_memory_type_tells_hbm_parts_apart():
    assert get_chip("Ascend 910C").uses_hbm and get_chip("H200").uses_hbm
    assert not get_chip("L40S").uses_hbm and not get_chip("RTX 5090").uses_hbm


@pytest.mark.parametrize("name, density", [("H100 SXM", 19.45), ("A100", 6.04), ("H20", 2.91),
                                           ("L20", 3.14), ("MI250X", 4.23), ("L40", 4.76),
                                           ("B300", 35.0), ("RTX 5090", 8.94)])
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
    assert set(PRECISIONS) == {"fp32", "tf32", "bf16", "fp8", "int8", "fp4"}
    for p in ("fp32", "tf32", "bf16", "fp8", "int8"):
        assert get_chip("H100").peak_flops(p) > 0
    assert get_chip("B200").peak_flops("fp4") > 0


def test_missing_precision_names_what_the_chip_has():
    with pytest.raises(InputError, match="V100 has no published fp8 figure; valid for it: fp32, bf16"):
        get_chip("V100").peak_flops("fp8")


def test_unknown_precision_lists_valid_ones():
    with pytest.raises(InputError, match="valid: fp32, tf32, bf16, fp8, int8, fp4"):
        get_chip("H100").peak_flops("fp2")


def test_chip_is_frozen_and_has_contract_fields():
    chip = get_chip("H20")
    for field in ("name", "vendor", "datacenter", "tpp", "performance_density", "price_usd",
                  "rental_usd_per_hour", "memory_gb", "interconnect_gbps", "die_area_mm2"):
        assert hasattr(chip, field)
    with pytest.raises(AttributeError):
        chip.tpp = 1.0


def _same(a, b) -> bool:
    return type(a) is type(b) and (a == b or (isinstance(a, float) and math.isnan(a)
                                              and math.isnan(b)))


def test_the_rows_read_without_pandas_are_what_pandas_reads_from_the_file():
    """catalog_rows (csv module: `run` and `chips` start without pandas) types every cell as
    pandas.read_csv does: int, float (NaN when missing), bool, text ("" when missing)."""
    import numpy as np
    import pandas as pd

    table = pd.read_csv(CHIPS_CSV, dtype={"aliases": str})
    rows = catalog.catalog_rows()
    assert [r["chip"] for r in rows] == table["chip"].tolist() == catalog.chip_names()
    assert list(rows[0])[:len(table.columns)] == list(table.columns)
    for col in table.columns:
        for row, want in zip(rows, table[col].tolist()):
            got = row[col]
            if col in catalog._BOOL_COLUMNS:
                want = str(want).strip().lower() == "true"
            elif isinstance(want, float) and math.isnan(want) and col in catalog._TEXT_COLUMNS:
                want = ""
            if table[col].dtype == np.int64:
                assert isinstance(got, int), (row["chip"], col)
            assert _same(got, want), (row["chip"], col, got, want)
    for row in rows:
        chip = get_chip(row["chip"])
        assert _same(row["tpp"], chip.tpp) and _same(row["performance_density"],
                                                     chip.performance_density)


def test_load_chips_is_the_catalogue_rows_as_a_table():
    table = load_chips()
    assert table.to_dict(orient="records")[0].keys() == catalog.catalog_rows()[0].keys()
    assert table["memory_gb"].dtype.kind == "i" and table["fp4_tflops"].dtype.kind == "f"
    assert table["datacenter"].dtype == bool