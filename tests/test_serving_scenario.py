"""The [serving] section of a scenario and the serving block of its result."""

import json

import pytest

from simulator.cli import main
from simulator.errors import InputError
from simulator.paths import SCENARIOS_DIR
from simulator.scenario import evaluate, load_scenario

H20_2025 = SCENARIOS_DIR / "h20-requirement-2025-central.toml"
H20_2023 = SCENARIOS_DIR / "rules-2023-h20-imports-central.toml"
DEEPSEEK = SCENARIOS_DIR / "deepseek-v3-reference.toml"


def _serving(path, *overrides):
    return evaluate(load_scenario(path, list(overrides)), draws=0, with_tornado=False
                    ).to_dict()["serving"]


def test_a_scenario_without_a_serving_section_has_no_serving_block():
    result = evaluate(load_scenario(SCENARIOS_DIR / "api-open-2026.toml"), draws=0,
                      with_tornado=False).to_dict()
    assert "serving" not in result


@pytest.mark.parametrize("path", [H20_2025, H20_2023, DEEPSEEK])
def test_shipped_serving_blocks_count_tokens_as_users_times_speed(path):
    block = _serving(path)
    assert block["serving_chips"] > 0
    for model in block["models"].values():
        assert model["concurrent_users"] > 0
        assert model["tokens_per_day"] == pytest.approx(
            model["concurrent_users"] * block["user_tokens_per_s"] * 86400, rel=1e-9)
        assert model["users_per_day"] == pytest.approx(
            model["tokens_per_day"] / block["tokens_per_user_per_day"], rel=1e-9)


def test_the_2025_rule_leaves_the_h20s_idle_for_serving_while_2023_serves_on_them():
    rows_2025 = {r["chip"]: r for r in _serving(H20_2025)["by_chip"] if r["model"] == "scratch"}
    assert rows_2025["H20"]["serving_chips"] == 0 and rows_2025["H20"]["tokens_per_day"] == 0
    assert rows_2025["Ascend 910C"]["tokens_per_day"] > 0
    rows_2023 = [r for r in _serving(H20_2023)["by_chip"] if r["model"] == "scratch"]
    assert rows_2023[0]["chip"] == "H20" and rows_2023[0]["tokens_per_day"] > 0


def test_with_a_distillation_gain_the_same_loss_model_is_smaller_and_serves_more():
    block = _serving(H20_2025, 'fit="priors"')  # literature priors: a compute gain > 1
    scratch, distilled = block["models"]["scratch"], block["models"]["distill"]
    assert block["distill_compute_gain"] > 1.5
    assert distilled["params"] < 0.8 * scratch["params"]
    assert distilled["loss"] == pytest.approx(scratch["loss"])
    assert block["distill_over_scratch_tokens_per_day"] > 1.2
    assert distilled["tokens_per_day"] > scratch["tokens_per_day"]


def test_without_a_distillation_gain_deployment_is_unchanged():
    block = _serving(DEEPSEEK)  # the measured fit card: no gain in this regime
    assert block["distill_compute_gain"] == pytest.approx(1.0)
    assert block["distill_over_scratch_tokens_per_day"] == pytest.approx(1.0)


def test_a_larger_serving_share_serves_proportionally_more():
    half = _serving(H20_2023)
    full = _serving(H20_2023, "serving.share_of_fleet=1.0")
    ratio = full["models"]["scratch"]["tokens_per_day"] / half["models"]["scratch"]["tokens_per_day"]
    assert ratio == pytest.approx(2.0, rel=0.01)


def test_a_scenario_can_change_a_serving_assumption():
    base = _serving(H20_2023)
    smaller = _serving(H20_2023, "serving.assumptions.memory_usable_fraction=0.8")
    assert smaller["models"]["scratch"]["tokens_per_day"] < base["models"]["scratch"]["tokens_per_day"]


def test_bad_serving_input_names_the_field():
    with pytest.raises(InputError, match="serving"):
        load_scenario(H20_2023, ["serving.share_of_fleet=1.5"])
    with pytest.raises(InputError, match="unknown serving assumption"):
        load_scenario(H20_2023, ["serving.assumptions.mfu=0.5"])


def test_run_shows_the_serving_block_in_text_and_json(capsys):
    assert main(["run", str(H20_2025), "--draws", "0"]) == 0
    assert "serving:" in capsys.readouterr().out
    assert main(["run", str(H20_2025), "--draws", "0", "--json"]) == 0
    assert "models" in json.loads(capsys.readouterr().out)["serving"]
