"""The house contracts: the typed scenario result, the vocabulary, the schema's field words."""

import json
import math

import pytest
from test_scenario_fixtures import scenario

from simulator.paths import SCENARIOS_DIR
from simulator.provenance import sha256_bytes, sha256_file
from simulator.scenario.contract import HEADLINE, ScenarioResult, finite
from simulator.scenario.schema import LEVER_FIELDS, default_swing, is_lever, path_words
from simulator.charts.scenario import transfer_note
from simulator.scenario import evaluate, load_scenario, tornado, world
from simulator.vocabulary import TRANSFER_NOTE, no_minus_zero, sci, transfer_sentence, usd


@pytest.fixture(scope="module")
def result():
    return evaluate(load_scenario(SCENARIOS_DIR / "api-open-2026.toml"), draws=300)


def test_run_json_is_the_typed_result_dumped(result):
    d = result.to_dict()
    assert list(d) == ["scenario", "results", "percentiles", "tornado", "regime", "assumptions",
                       "fleet", "distillation", "timeseries", "fit", "accounting",
                       "lag_decomposition"]
    assert set(d["accounting"]) == set(result.accounting.model_dump())
    assert d["accounting"]["teacher_hosting"] == "api" == result.accounting.teacher_hosting
    assert d["accounting"]["frontier_pretrain_flop"] == pytest.approx(
        result.accounting.frontier_pretrain_flop, rel=1e-15)
    for strategy in ("scratch", "distill"):
        outcome = getattr(result.results, strategy)
        for key in HEADLINE:
            assert d["results"][strategy][key] == pytest.approx(getattr(outcome, key), rel=1e-15)
    assert d["results"]["distill"]["regime"] == result.regime.regime
    assert d["percentiles"]["draws"] == result.percentiles.draws == 300
    assert d["distillation"]["loss_by_access_mode"] == pytest.approx(
        result.distillation.loss_by_access_mode.model_dump(), rel=1e-15)
    json.dumps(d, allow_nan=False)


def test_run_json_names_no_moved_levers_unless_an_exported_view_sets_them(result):
    assert list(result.to_dict()["scenario"]) == ["name", "file", "year", "rule", "law",
                                                  "variant", "access", "fit", "description"]
    assert result.scenario.moved_levers == [] and result.scenario.modified_from is None


def test_lag_reduction_is_scratch_lag_minus_the_strategys(result):
    r = result.results
    assert r.scratch.lag_reduction_vs_scratch_years == 0.0
    assert r.distill.lag_reduction_vs_scratch_years == pytest.approx(
        r.scratch.lag_years - r.distill.lag_years, abs=1e-12)


def test_no_draws_dumps_empty_percentiles_and_a_regime_without_distillation():
    r = evaluate(scenario(distillation__enabled=False), draws=0, with_tornado=False)
    assert r.percentiles is None
    d = r.to_dict()
    assert d["percentiles"] == {} and d["tornado"] == []
    assert d["regime"] == {"regime": "none", "why": "distillation disabled in the scenario",
                           "source": None}


def test_a_distilling_regime_reports_its_token_budget():
    d = evaluate(scenario(), draws=0, with_tornado=False).to_dict()["regime"]
    assert set(d) == {"regime", "why", "source", "tokens_obtained", "tokens_for_pure_run",
                      "teacher_token_fraction", "binding_limit"}
    assert 0 < d["teacher_token_fraction"] <= 1


def test_result_blocks_are_validated():
    r = evaluate(scenario(), draws=0, with_tornado=False)
    data = r.model_dump()
    data["results"]["scratch"].pop("loss")
    with pytest.raises(ValueError):
        ScenarioResult.model_validate(data)


def test_non_finite_floats_dump_as_none():
    assert finite({"a": [1.0, math.inf, {"b": math.nan}], "c": "x"}) == {
        "a": [1.0, None, {"b": None}], "c": "x"}


def test_tornado_rows_are_typed_and_named_from_the_schema():
    rows = tornado(load_scenario(SCENARIOS_DIR / "h20-requirement-2025-central.toml"))
    mfu = next(r for r in rows if r.path == "actor.mfu")
    assert mfu.label == "mfu" and mfu.swing_years == pytest.approx(
        max(abs(mfu.scratch.lag_years_at_high - mfu.scratch.lag_years_at_low),
            abs(mfu.distill.lag_years_at_high - mfu.distill.lag_years_at_low)))


# --- vocabulary ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [(-0.001, "0.00"), (0.004, "0.00"), (-0.006, "-0.01"),
                                         (1.234, "1.23"), (-2.5, "-2.50")])
def test_no_minus_zero(value, text):
    assert no_minus_zero(value) == text


def test_usd_and_scientific_formats():
    assert usd(2.5e9) == "$2.5B" and usd(190_782_000) == "$191M" and usd(999) == "$999"
    assert usd(1.2e12, tex=True) == "\\$1.2T"
    assert sci(3.5e26) == "3.5e26" and sci(7.9787e25) == "8e25"


def test_transfer_sentence_names_the_law_and_where_the_behaviour_comes_from():
    text = transfer_sentence("besiroglu_2024: Chinchilla replication", "data/fits/default.json")
    assert text.startswith("Transfer assumption:") and "'besiroglu_2024: Chinchilla" in text
    assert "(fit card)" in text and "priors" not in text
    priors = transfer_sentence("besiroglu_2024", "literature priors")
    assert "data/distillation_priors.toml" in priors and "(fit card)" not in priors
    assert "a published large-scale scaling law" in TRANSFER_NOTE
    assert TRANSFER_NOTE.endswith("that transfer is an assumption, not a measurement.")


def test_the_report_and_a_scenario_chart_state_the_same_transfer_sentence(result):
    d = result.to_dict()
    law, fit = d["scenario"]["law"], d["scenario"]["fit"]
    title = f"{law}: {world.law(law)['title']}"
    assert d["assumptions"][0] == transfer_sentence(title, fit)
    assert transfer_note(result) == transfer_sentence(law, fit)


# --- the schema's field words ----------------------------------------------------------------

def test_every_lever_field_has_a_label_and_is_a_lever_path():
    for group, names in LEVER_FIELDS.items():
        for name in names:
            path = f"actor.chips.0.{name}" if group == "chip" else f"{group}.{name}"
            assert is_lever(path) and path_words(path)["label"], path


def test_field_words_give_units_log_scales_and_swings():
    assert path_words("frontier.compute_flop")["unit"] == "FLOP"
    assert path_words("actor.chips.2.count") == {"label": "chips", "short": None,
                                                "unit": "chips", "log": True}
    assert default_swing("actor.chips.2.count") == ("mul", 0.5, 2.0)
    assert default_swing("actor.growth_per_year") is None      # swung only by a scenario range
    assert path_words("rule")["short"] == "Export-control rule"
    assert path_words("no.such.path") == {}


def test_a_file_is_hashed_again_when_it_changes(tmp_path):
    f = tmp_path / "x.txt"
    f.write_bytes(b"one")
    assert sha256_file(f) == sha256_bytes(b"one")
    f.write_bytes(b"two, longer")
    assert sha256_file(f) == sha256_bytes(b"two, longer")
