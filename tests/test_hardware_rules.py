"""Classification of chips under each export-control rule."""

import pytest

from simulator.errors import InputError
from simulator.hardware import classify, classify_all, get_rule, rule_ids


def status(chip, rule):
    return classify(chip, rule).status


def test_rule_ids_are_the_contract_ids():
    assert rule_ids() == ["none", "2022-10", "2023-10", "2025-04", "2026-01"]


def test_unknown_rule_lists_valid_ids():
    with pytest.raises(InputError, match="unknown rule '2024'; valid: none, 2022-10, 2023-10"):
        get_rule("2024")


def test_no_rule_controls_nothing():
    assert not classify_all("none")["controlled"].any()


@pytest.mark.parametrize("chip", ["A800", "H800"])
def test_a800_h800_escaped_2022_by_interconnect_and_were_caught_in_2023(chip):
    c2022 = classify(chip, "2022-10")
    assert not c2022.controlled and c2022.import_allowed
    assert "interconnect 400 < 600" in c2022.threshold
    c2023 = classify(chip, "2023-10")
    assert c2023.controlled and not c2023.import_allowed
    assert c2023.threshold.startswith("3A090.a.1")


@pytest.mark.parametrize("chip", ["A100", "H100", "H200", "MI250X", "B200"])
def test_2022_rule_catches_high_tpp_high_interconnect_chips(chip):
    assert status(chip, "2022-10") == "denied"


@pytest.mark.parametrize("chip", ["L40S", "RTX 4090"])
def test_pcie_parts_escaped_2022_and_were_caught_in_2023(chip):
    assert status(chip, "2022-10") == "not_controlled"
    assert classify(chip, "2023-10").controlled


def test_h20_is_below_2023_thresholds_by_tpp_and_density():
    c = classify("H20", "2023-10")
    assert c.status == "not_controlled" and c.import_allowed
    assert c.threshold == "3A090.b.1: TPP 2368 < 2400"
    assert "PD 2.909 < 3.2" in c.reason


def test_h20_needs_a_licence_from_april_2025_and_is_not_importable():
    c = classify("H20", "2025-04")
    assert c.status == "licence_required"
    assert c.controlled and not c.import_allowed
    assert c.threshold.startswith("H20 letter")


@pytest.mark.parametrize("chip", ["L20", "RTX 4090D", "V100"])
def test_china_compliant_designs_stay_uncontrolled(chip):
    for rule in ("2023-10", "2025-04", "2026-01"):
        assert status(chip, rule) == "not_controlled"


def test_l20_escapes_by_performance_density():
    assert classify("L20", "2023-10").threshold == "3A090.b.2: PD 3.142 < 3.2"


def test_rtx_4090_is_caught_as_a_non_datacenter_part():
    c = classify("RTX 4090", "2023-10")
    assert c.status == "licence_required"
    assert c.threshold.startswith("3A090.a (non-DC)")


@pytest.mark.parametrize("chip", ["H200", "H100", "MI300X", "H20"])
def test_2026_case_by_case_review_makes_h200_class_importable(chip):
    c = classify(chip, "2026-01")
    assert c.status == "case_by_case"
    assert c.controlled and c.case_by_case and c.import_allowed
    assert c.threshold.startswith("2026 review")


def test_b200_stays_denied_in_2026_above_the_tpp_ceiling():
    c = classify("B200", "2026-01")
    assert c.status == "denied" and not c.import_allowed
    assert "TPP 3.6e+04 >= 21000" in c.reason


@pytest.mark.parametrize("rule", ["none", "2022-10", "2023-10", "2025-04", "2026-01"])
def test_chinese_chips_are_domestic_under_every_rule(rule):
    c = classify("Ascend 910C", rule)
    assert c.status == "domestic" and c.import_allowed and not c.controlled


def test_cloud_access_is_recorded_for_every_rule():
    for rule_id in rule_ids():
        assert isinstance(get_rule(rule_id).cloud_access_allowed, bool)


def test_2026_rule_carries_volume_cap_and_tariff_as_data():
    extra = get_rule("2026-01").extra
    assert extra["china_volume_cap_fraction_of_us_units"] == 0.5
    assert extra["us_import_tariff_fraction"] == 0.25


def test_later_rules_extend_earlier_ones():
    ids_2023 = [t.id for t in get_rule("2023-10").controls]
    ids_2025 = [t.id for t in get_rule("2025-04").controls]
    assert ids_2025[: len(ids_2023)] == ids_2023 and len(ids_2025) > len(ids_2023)


def test_classification_fields_are_consistent_for_every_chip_and_rule():
    for rule_id in rule_ids():
        for row in classify_all(rule_id).itertuples():
            assert row.controlled == (row.status in ("denied", "licence_required", "case_by_case"))
            assert row.case_by_case == (row.status == "case_by_case")
            assert row.reason
