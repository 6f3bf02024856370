"""Classification of chips under each export-control rule.

EXPECTED pins every chip under every rule: (status, start of the deciding test). A new chip or
rule in data/ must be added here (test_expected_table_covers_catalogue_and_rules), so a data
change that moves a chip shows up as a failing cell with its chip and rule.
"""

import pytest

from simulator.errors import InputError
from simulator.hardware import classify, classify_all, get_rule, rule_ids
from simulator.hardware.catalog import chip_names

RULES = ["none", "2022-10", "2023-10", "2024-12", "2025-04", "2025-08", "2026-01"]

# Cell codes: status, then how the deciding test (Classification.threshold) starts.
O = ("not_controlled", "")           # no controls (rule 'none')
DOM = ("domestic", "n/a: designed in the restricted country")
D22 = ("denied", "3A090 (2022): TPP >= 4800, link >= 600 GB/s")
DA1 = ("denied", "3A090.a.1: TPP >= 4800")
NB1 = ("nac_notification", "3A090.b.1")
NDC = ("nac_notification", "3A090.a (non-DC): TPP >= 4800")
LIC = ("licence_required", "H20 letter (2025)")
H20L = ("case_by_case", "H20 licences (2025-08)")
R26 = ("case_by_case", "2026 review")


def free(test):
    """Not controlled; the nearest test the chip escapes starts with ``test``."""
    return ("not_controlled", test)


# One row per chip; columns in RULES order (none ... 2026-01).
EXPECTED = {
    "V100":      [O, free("3A090 (2022): TPP 2000 < 4800"), free("3A090.b.1: TPP 2000 < 2400"),
                  free("3A090.b.1: TPP 2000 < 2400"), free("3A090.b.1: TPP 2000 < 2400"),
                  free("3A090.b.1: TPP 2000 < 2400"), free("3A090.b.1: TPP 2000 < 2400")],
    "A100":      [O, D22, DA1, DA1, DA1, DA1, R26],
    "A800":      [O, free("3A090 (2022): interconnect 400 < 600"), DA1, DA1, DA1, DA1, DA1],
    "H100 SXM":  [O, D22, DA1, DA1, DA1, DA1, R26],
    "H100 PCIe": [O, D22, DA1, DA1, DA1, DA1, R26],
    "H100 NVL":  [O, D22, DA1, DA1, DA1, DA1, R26],
    "H800":      [O, free("3A090 (2022): interconnect 400 < 600"), DA1, DA1, DA1, DA1, DA1],
    "H800 PCIe": [O, free("3A090 (2022): interconnect 400 < 600"), DA1, DA1, DA1, DA1, DA1],
    "H20":       [O, free("3A090 (2022): TPP 2368 < 4800"), free("3A090.b.1: TPP 2368 < 2400"),
                  free("3A090.b.1: TPP 2368 < 2400"), LIC, H20L, H20L],
    "H200":      [O, D22, DA1, DA1, DA1, DA1, R26],
    "L20":       [O, free("3A090 (2022): TPP 1914 < 4800"), free("3A090.b.2: PD 3.142 < 3.2"),
                  free("3A090.b.2: PD 3.142 < 3.2"), free("3A090.b.2: PD 3.142 < 3.2"),
                  free("3A090.b.2: PD 3.142 < 3.2"), free("3A090.b.2: PD 3.142 < 3.2")],
    "L40":       [O, free("3A090 (2022): TPP 2896 < 4800"), NB1, NB1, NB1, NB1, NB1],
    "L40S":      [O, free("3A090 (2022): interconnect 64 < 600"), DA1, DA1, DA1, DA1, R26],
    "B200":      [O, D22, DA1, DA1, DA1, DA1, DA1],
    "B300":      [O, D22, DA1, DA1, DA1, DA1, DA1],
    "RTX 4090":  [O, free("3A090 (2022): interconnect 64 < 600"), NDC, NDC, NDC, NDC, NDC],
    "RTX 4090D": [O, free("3A090 (2022): TPP 4707 < 4800"),
                  free("3A090.a (non-DC): TPP 4707 < 4800"), free("3A090.a (non-DC): TPP 4707"),
                  free("3A090.a (non-DC): TPP 4707"), free("3A090.a (non-DC): TPP 4707"),
                  free("3A090.a (non-DC): TPP 4707")],
    "RTX 5090":  [O, free("3A090 (2022): interconnect 128 < 600"), NDC, NDC, NDC, NDC, NDC],
    "RTX 5090D": [O, free("3A090 (2022): TPP 4750 < 4800"),
                  free("3A090.a (non-DC): TPP 4750 < 4800"), free("3A090.a (non-DC): TPP 4750"),
                  free("3A090.a (non-DC): TPP 4750"), free("3A090.a (non-DC): TPP 4750"),
                  free("3A090.a (non-DC): TPP 4750")],
    "MI250X":    [O, D22, DA1, DA1, DA1, DA1, R26],
    "MI300X":    [O, D22, DA1, DA1, DA1, DA1, R26],
    "MI325X":    [O, D22, DA1, DA1, DA1, DA1, R26],
    "Ascend 910B":  [DOM] * 7,
    "Ascend 910C":  [DOM] * 7,
    "Ascend 950PR": [DOM] * 7,
}
CELLS = [(chip, rule, cell) for chip, row in EXPECTED.items() for rule, cell in zip(RULES, row)]


def test_rule_ids_are_the_contract_ids():
    assert rule_ids() == RULES


def test_expected_table_covers_catalogue_and_rules():
    assert set(EXPECTED) == set(chip_names())
    assert all(len(row) == len(RULES) for row in EXPECTED.values())


@pytest.mark.parametrize("chip, rule, cell", CELLS, ids=[f"{c}|{r}" for c, r, _ in CELLS])
def test_every_chip_under_every_rule(chip, rule, cell):
    status, deciding = cell
    c = classify(chip, rule)
    assert c.status == status
    assert c.threshold.startswith(deciding), c.threshold


def test_unknown_rule_lists_valid_ids():
    with pytest.raises(InputError, match="unknown rule '2024'; valid: none, 2022-10, 2023-10"):
        get_rule("2024")


def test_no_rule_controls_nothing():
    assert not classify_all("none")["controlled"].any()


def test_2026_review_needs_a_chip_sold_in_the_us():
    # 91 FR 1684: only chips 'commercially available in the United States at the time of
    # publication'; China-only parts with the same specs stay denied.
    for china_only, us_twin in (("A800", "A100"), ("H800", "H100 SXM"), ("H800 PCIe", "H100 PCIe")):
        c = classify(china_only, "2026-01")
        assert c.status == "denied" and not c.import_allowed
        assert "not eligible for review (2026 review: not sold in the US" in c.reason
        assert classify(us_twin, "2026-01").status == "case_by_case"


def test_2026_review_thresholds_are_tpp_21000_and_dram_6500():
    review = next(t for t in get_rule("2026-01").reviews if t.id == "2026 review")
    got = {(c.metric, c.op): c.value for c in review.conditions}
    assert got[("tpp", "<")] == pytest.approx(21000)
    assert got[("memory_bandwidth_gbps", "<")] == pytest.approx(6500)
    assert got[("us_market", "==")] == pytest.approx(1)
    assert "2026-00789" in review.source


def test_mi325x_is_just_inside_the_2026_review_and_b300_far_outside():
    mi325x = classify("MI325X", "2026-01")
    assert mi325x.status == "case_by_case"
    assert "TPP 2.092e+04 < 21000" in mi325x.reason
    assert "memory bandwidth 6000 < 6500 GB/s" in mi325x.reason
    b300 = classify("B300", "2026-01")
    assert b300.status == "denied" and "TPP 5.6e+04 >= 21000" in b300.reason


def test_h20_needs_a_licence_from_april_2025():
    c = classify("H20", "2025-04")
    assert c.status == "licence_required" and c.controlled and not c.import_allowed
    assert c.revenue_share == 0.0


def test_h20_route_after_august_2025_is_its_licences_with_a_15_percent_share():
    for rule in ("2025-08", "2026-01"):
        c = classify("H20", rule)
        assert c.status == "case_by_case" and c.import_allowed
        assert c.threshold.startswith("H20 licences (2025-08)")
        assert c.revenue_share == pytest.approx(0.15)
        assert "15% of licensed revenue" in c.reason


def test_h20_licences_name_only_the_h20():
    review = next(t for t in get_rule("2025-08").reviews)
    assert review.chips == ("H20",) and review.softens == ("licence_required",)
    assert "nvda-20250727" in review.revenue_share_source


def test_2026_review_does_not_soften_licence_or_nac_policies():
    review = next(t for t in get_rule("2026-01").reviews if t.id == "2026 review")
    assert review.softens == ("presumption_of_denial",)
    assert classify("L40", "2026-01").status == "nac_notification"


@pytest.mark.parametrize("chip, test", [("L40", "3A090.b.1"), ("RTX 4090", "3A090.a (non-DC)"),
                                        ("RTX 5090", "3A090.a (non-DC)")])
def test_3a090b_and_non_datacenter_a_items_are_nac_eligible_not_denied(chip, test):
    # 88 FR 73458, ECCN 3A090 License Exceptions: NAC for 3A090.b datacenter items and for
    # non-datacenter 3A090.a items with TPP >= 4800 (prior notification for China).
    c = classify(chip, "2023-10")
    assert c.status == "nac_notification" and c.threshold.startswith(test)
    assert c.controlled and c.import_allowed and c.case_by_case
    assert "License Exception NAC" in c.reason


def test_china_compliant_consumer_parts_stay_under_4800():
    for chip in ("RTX 4090D", "RTX 5090D"):
        for rule in RULES[2:]:
            assert classify(chip, rule).status == "not_controlled"


def test_l20_escapes_by_performance_density():
    assert classify("L20", "2023-10").threshold == "3A090.b.2: PD 3.142 < 3.2"


def test_h20_escapes_2023_by_tpp_and_density():
    c = classify("H20", "2023-10")
    assert c.threshold == "3A090.b.1: TPP 2368 < 2400"
    assert "PD 2.909 < 3.2" in c.reason


def test_hbm_rule_changes_no_accelerator_status():
    for chip in chip_names():
        assert classify(chip, "2024-12").status == classify(chip, "2023-10").status


def test_hbm_controls_stay_in_force_in_later_rules():
    assert "hbm_export_controls" not in get_rule("2023-10").extra
    for rule in ("2024-12", "2025-04", "2025-08", "2026-01"):
        assert get_rule(rule).extra["hbm_export_controls"] is True


def test_rule_dates_follow_the_primary_sources():
    assert get_rule("2022-10").effective == "2022-10-07"
    assert "2022-08-26" in get_rule("2022-10").extra["preceded_by"]
    assert "nvda-20220826" in get_rule("2022-10").extra["preceded_by_source"]
    assert get_rule("2023-10").effective == "2023-11-17"
    assert get_rule("2024-12").effective == "2024-12-02"
    assert get_rule("2025-04").effective == "2025-04-09"
    assert get_rule("2026-01").effective == "2026-01-15"
    assert any("2022-21658" in s for s in get_rule("2022-10").sources)  # 87 FR 62186


def test_no_rule_or_test_is_flagged_unverified():
    for rule_id in rule_ids():
        rule = get_rule(rule_id)
        assert "verify" not in rule.extra
        for test in rule.controls + rule.reviews:
            assert "secondary" not in test.source and "verify" not in test.source
            assert all("verify" not in c.source for c in test.conditions)


def test_cloud_access_is_recorded_for_every_rule():
    for rule_id in rule_ids():
        assert isinstance(get_rule(rule_id).cloud_access_allowed, bool)


def test_2026_rule_carries_volume_cap_and_tariff_as_data():
    extra = get_rule("2026-01").extra
    assert extra["china_volume_cap_fraction_of_us_units"] == pytest.approx(0.5)
    assert extra["us_import_tariff_fraction"] == pytest.approx(0.25)


def test_later_rules_extend_earlier_ones():
    for parent, child in zip(RULES[2:], RULES[3:]):
        ids_parent = [t.id for t in get_rule(parent).controls]
        ids_child = [t.id for t in get_rule(child).controls]
        assert ids_child[: len(ids_parent)] == ids_parent


def test_classification_fields_are_consistent_for_every_chip_and_rule():
    for rule_id in rule_ids():
        for row in classify_all(rule_id).itertuples():
            assert row.controlled == (row.status in ("denied", "licence_required",
                                                     "case_by_case", "nac_notification"))
            assert row.case_by_case == (row.status in ("case_by_case", "nac_notification"))
            assert row.import_allowed == (row.status in ("not_controlled", "case_by_case",
                                                         "nac_notification", "domestic"))
            assert row.reason


def test_a_review_with_neither_conditions_nor_chips_is_rejected(tmp_path):
    from simulator.hardware.rules import rule_ids as ids

    path = tmp_path / "rules.toml"
    path.write_text('[rules.x]\ntitle = "x"\ncloud_access_allowed = true\n'
                    '[[rules.x.reviews]]\nid = "r"\npolicy = "case_by_case"\nconditions = []\n')
    with pytest.raises(InputError, match="neither conditions nor named chips"):
        ids(path)


def test_a_revenue_share_without_a_source_is_rejected(tmp_path):
    from simulator.hardware.rules import rule_ids as ids

    path = tmp_path / "rules.toml"
    path.write_text('[rules.x]\ntitle = "x"\ncloud_access_allowed = true\n'
                    '[[rules.x.reviews]]\nid = "r"\npolicy = "case_by_case"\nchips = ["H20"]\n'
                    'softens = ["licence_required"]\nrevenue_share = 0.15\nconditions = []\n')
    with pytest.raises(InputError, match="revenue_share has no revenue_share_source"):
        ids(path)


def test_status_matrix_lists_where_each_chip_changes_status():
    from simulator.hardware.matrix import status_matrix

    m = status_matrix()
    assert m.changes("A800") == [("none", "not_controlled"), ("2023-10", "denied")]
    assert m.changes("H20") == [("none", "not_controlled"), ("2025-04", "licence_required"),
                                ("2025-08", "case_by_case")]
    assert m.changes("H200") == [("none", "not_controlled"), ("2022-10", "denied"),
                                 ("2026-01", "case_by_case")]
    assert m.row("RTX 5090")["2023-10"] == "nac_notification"
