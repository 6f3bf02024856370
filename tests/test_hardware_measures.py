"""The HBM control (3A090.c) and China's own import measures, as data a scenario can use."""

import pytest

from simulator.errors import InputError
from simulator.hardware.measures import (china_measures_for, hbm_constrained, load_china_measures,
                                         load_hbm_controls)


def test_hbm_threshold_is_2_gb_s_per_mm2_from_89_fr_96790():
    doc = load_hbm_controls()
    assert doc["eccn"] == "3A090.c" and doc["effective"] == "2024-12-02"
    assert doc["threshold"]["op"] == ">"
    assert doc["threshold"]["value"] == pytest.approx(2.0)
    assert doc["licence_exception_hbm"]["max_memory_bandwidth_density_gb_s_per_mm2"] == \
        pytest.approx(3.3)
    assert "2024-28270" in doc["source"]


@pytest.mark.parametrize("chip", ["Ascend 910B", "Ascend 910C", "Ascend 950PR"])
def test_domestic_hbm_chips_are_constrained_once_hbm_exports_are_controlled(chip):
    assert not hbm_constrained(chip, "2023-10")
    assert hbm_constrained(chip, "2024-12")
    assert hbm_constrained(chip, "2026-01")


def test_imported_chips_are_never_hbm_constrained():
    assert not hbm_constrained("H200", "2026-01")
    assert not hbm_constrained("H20", "2025-04")


def test_every_china_measure_cites_a_url_and_names_known_chips():
    measures = load_china_measures()
    assert {m.id for m in measures} >= {"h200-customs-block-2026", "h20-cac-summons-2025",
                                        "state-funded-datacentres-2025"}
    for m in measures:
        assert any("http" in s for s in m.sources)
        assert m.effect in ("block", "discourage")


def test_h200_is_blocked_at_chinese_customs_from_january_2026():
    before = [m.id for m in china_measures_for("H200", "2026-01-13")]
    after = [m.id for m in china_measures_for("H200", "2026-01-14")]
    assert "h200-customs-block-2026" not in before
    assert "h200-customs-block-2026" in after
    block = next(m for m in load_china_measures() if m.id == "h200-customs-block-2026")
    assert block.effect == "block" and block.kind == "customs_block" and not block.official


def test_h20_measure_starts_with_the_cac_summons():
    assert china_measures_for("H20", "2025-07-30") == []
    assert [m.id for m in china_measures_for("H20", "2025-08-01")] == ["h20-cac-summons-2025"]


def test_domestic_chips_are_outside_chinas_import_measures():
    assert china_measures_for("Ascend 910C", "2026-06-01") == []


def test_a_measure_naming_an_unknown_chip_is_rejected(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[[measures]]\nid = "x"\nannounced = "2026-01-01"\nkind = "customs_block"\n'
                    'chips = ["H999"]\nscope = "s"\neffect = "block"\nofficial = false\n'
                    'confidence = "reported"\nsources = ["https://example.org"]\n')
    with pytest.raises(InputError, match="unknown chip 'H999'"):
        load_china_measures(path)


def test_a_measure_with_an_unknown_effect_is_rejected(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[[measures]]\nid = "x"\nannounced = "2026-01-01"\nkind = "customs_block"\n'
                    'chips = ["H200"]\nscope = "s"\neffect = "maybe"\nofficial = false\n'
                    'confidence = "reported"\nsources = ["https://example.org"]\n')
    with pytest.raises(InputError, match="effect: 'maybe'; valid: block, discourage"):
        load_china_measures(path)
