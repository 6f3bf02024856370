"""The typed fit cards: one loader each, the shipped files reproduced byte for byte, a broken
file named in one line (exit 2 at the CLI)."""

import copy
import json

import pytest

from simulator.curves.capability_schema import (CapabilityCard, load_capability_card,
                                                validate_capability_card)
from simulator.curves.card import FitCard, GainFit, load_card, validate_card
from simulator.errors import InputError
from simulator.paths import DATA_DIR, DEFAULT_FIT, REPO_ROOT

CAPABILITY = DATA_DIR / "fits" / "capability.json"
CENTRAL = REPO_ROOT / "scenarios" / "h20-requirement-2025-central.toml"


@pytest.mark.parametrize("path, loader", [(DEFAULT_FIT, load_card),
                                          (CAPABILITY, load_capability_card)],
                         ids=["default", "capability"])
def test_a_shipped_card_loads_and_dumps_back_to_its_file_byte_for_byte(path, loader):
    if not path.exists():
        pytest.skip(f"no shipped {path.name}")
    assert loader(path).to_json() == path.read_text(encoding="utf-8")


def test_the_card_is_frozen_and_typed():
    card = load_card(DEFAULT_FIT)
    assert isinstance(card, FitCard)
    assert isinstance(card.gain_fits("text")["model"], GainFit)
    with pytest.raises(Exception, match="frozen"):
        card.warnings = []
    # the run count adds the scratch, distillation and token-limited runs the fits used
    expected = card.scratch.n_runs + sum(t.n_runs for e in card.distill.values()
                                         for t in e.teachers.values()) \
        + sum(t.n_runs for ts in card.token_limited_modes().values() for t in ts.values())
    assert card.run_count() == expected


def test_a_field_a_newer_writer_adds_is_kept_through_load_and_dump():
    data = json.loads(DEFAULT_FIT.read_text())
    data["scratch"]["heldout"]["future_relative_error_loss"] = 0.5
    data["distill"]["text"]["new_section"] = {"k": [1.0, 2.0]}
    card = validate_card(data)
    assert card.to_dict() == data
    assert card.scratch.heldout.value("future_relative_error_loss") == 0.5


def _broken(change):
    data = json.loads(DEFAULT_FIT.read_text())
    change(data)
    return data


@pytest.mark.parametrize("change, message", [
    (lambda d: d["scratch"]["params"].pop("alpha"), "field 'scratch.params.alpha' is missing"),
    (lambda d: d["scratch"]["params"].update(E="0.9"), "field 'scratch.params.E' must be a number"),
    (lambda d: d["scratch"]["params"].update(E=True), "field 'scratch.params.E' must be a number"),
    (lambda d: d["distill"]["text"]["compute_multiplier"]["p05"].pop(),
     "field 'distill.text.compute_multiplier.p05' must have one entry per compute_flop"),
    (lambda d: d["token_limited"]["modes"]["text"]["model"]["intervals"].update(g=[0.1]),
     "field 'token_limited.modes.text.model.intervals.g' must be [low, high]"),
    (lambda d: d["distill"]["logits"]["teachers"]["model"]["heldout"].update(
        floor_fitted_relative_error_loss="small"),
     "field 'distill.logits.teachers.model.heldout.floor_fitted_relative_error_loss' must be "
     "a number or null"),
    (lambda d: d.update(distill=[]), "field 'distill' must be an object"),
    (lambda d: d["provenance"].pop("results_sha256"), "field 'provenance.results_sha256' is "
                                                      "missing"),
], ids=["missing", "text", "bool", "curve", "interval", "heldout", "shape", "provenance"])
def test_a_broken_card_is_named_in_one_line(change, message):
    with pytest.raises(InputError) as err:
        validate_card(_broken(change), "card.json")
    assert str(err.value) == f"card.json: {message}"
    assert "\n" not in str(err.value)


def test_a_broken_capability_card_is_named_in_one_line():
    data = json.loads(CAPABILITY.read_text())
    tier = copy.deepcopy(data)
    tier["tiers"]["trace"]["bases"][data["largest_base"]].pop("n50")
    with pytest.raises(InputError, match=rf"^c.json: field 'tiers.trace.bases."
                                         rf"{data['largest_base']}.n50' is missing$"):
        validate_capability_card(tier, "c.json")
    with pytest.raises(InputError, match="field 'schema' must be 'capability-card/1'"):
        validate_capability_card(dict(data, schema="capability-card/0"), "c.json")
    assert isinstance(validate_capability_card(data), CapabilityCard)


def test_a_broken_fit_card_given_to_run_exits_2_with_one_line(tmp_path, run_cli):
    bad = tmp_path / "fit.json"
    bad.write_text(json.dumps(_broken(lambda d: d["scratch"]["params"].pop("beta"))))
    code, out, err = run_cli("run", CENTRAL, "--fit", bad, "--json")
    assert code == 2 and out == ""
    assert err.strip() == f"error: {bad}: field 'scratch.params.beta' is missing"
    (tmp_path / "not.json").write_text("{")
    code, _, err = run_cli("run", CENTRAL, "--fit", tmp_path / "not.json")
    assert code == 2 and "not valid JSON" in err and "Traceback" not in err
