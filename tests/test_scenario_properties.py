"""Property tests (hypothesis): the scenario model's monotonic relationships and finiteness."""

import copy
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scenario_fixtures import make_card

from simulator.curves.card import validate_card
from simulator.scenario import evaluate, scenario_from_dict
from simulator.scenario.world import chip_names, rule_ids

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
CARDS = {"priors": None, "ordered": make_card(),
         # ranks the modes backwards (text best): only the envelope keeps the order
         "disordered": make_card(multipliers={"logits": (0.3, -0.2, -1.0),
                                              "topk": (0.7, 0.0, -0.5),
                                              "text": (1.5, 0.1, -0.2)},
                                 gains={"logits": (0.5, 1.0), "topk": (1.0, 0.5),
                                        "text": (3.0, 0.3)}, seed=3)}
_partial = make_card(seed=5).to_dict()   # like a real card: no token-limited fit for top-k
del _partial["token_limited"]["modes"]["topk"]
CARDS["partial"] = validate_card(_partial)
CHIPS = chip_names()
RULES = rule_ids()
HEADLINE = ("compute_flop", "effective_compute_flop", "loss", "lag_years", "cost_usd")


def log_floats(lo, hi):
    return st.floats(math.log10(lo), math.log10(hi)).map(lambda x: 10.0 ** x)


chip_entry = st.fixed_dictionaries({
    "chip": st.sampled_from(CHIPS),
    "count": st.one_of(st.just(0.0), log_floats(1, 1e6)),
    "channel": st.sampled_from(("import", "smuggled", "domestic", "cloud")),
    "yield_fraction": st.floats(0, 1),
    "performance_factor": st.floats(0.1, 2),
})

scenarios = st.fixed_dictionaries({
    "name": st.just("property"), "description": st.just("hypothesis scenario"),
    "year": st.integers(2015, 2040), "rule": st.sampled_from(RULES), "fit": st.just("priors"),
    "frontier": st.fixed_dictionaries({
        "compute_flop": log_floats(1e20, 1e29),
        "growth_per_year": st.floats(1.01, 20),
        "algorithmic_progress_per_year": st.floats(1, 10)}),
    "actor": st.fixed_dictionaries({
        "training_days": st.floats(0.1, 730), "mfu": st.floats(0.01, 0.8),
        "precision": st.sampled_from(("fp32", "tf32", "bf16", "fp8", "int8")),
        "post_training_fraction": st.floats(0, 0.9),
        "cost_basis": st.sampled_from(("rental", "capital")),
        "case_by_case_approval_fraction": st.floats(0, 1),
        "smuggling_interdiction_fraction": st.floats(0, 1),
        "remote_access_controls": st.booleans(),
        "chips": st.lists(chip_entry, min_size=1, max_size=4)}),
    "distillation": st.fixed_dictionaries({
        "access": st.sampled_from(("logits", "topk", "text")),
        "tokens": st.one_of(st.just(0.0), log_floats(1e3, 1e15)),
        "accounts": log_floats(1, 1e6),
        "rate_limit_tokens_per_minute": log_floats(1, 1e7),
        "campaign_days": st.floats(0.1, 3650),
        "detection_probability_per_account_month": st.floats(0, 1),
        "price_output_usd_per_mtok": st.floats(0, 1000),
        "budget_usd": st.one_of(st.none(), log_floats(1, 1e12))}),
})
card_names = st.sampled_from(sorted(CARDS))


def run(data, card_name):
    s = scenario_from_dict(data, source="property.toml")
    return evaluate(s, CARDS[card_name], draws=0, with_tornado=False).to_dict()


def changed(data, path, value):
    out = copy.deepcopy(data)
    node = out
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(parts[-1]) if isinstance(node, list) else parts[-1]] = value
    return out


@SETTINGS
@given(scenarios, st.data())
def test_more_chips_never_mean_less_compute(data, draw):
    i = draw.draw(st.integers(0, len(data["actor"]["chips"]) - 1))
    extra = draw.draw(log_floats(1, 1e6))
    before = run(data, "priors")["results"]["scratch"]["compute_flop"]
    more = changed(data, f"actor.chips.{i}.count", data["actor"]["chips"][i]["count"] + extra)
    assert run(more, "priors")["results"]["scratch"]["compute_flop"] >= before
    added = copy.deepcopy(data)
    added["actor"]["chips"].append(draw.draw(chip_entry))
    assert run(added, "priors")["results"]["scratch"]["compute_flop"] >= before


@SETTINGS
@given(scenarios)
def test_lifting_the_rule_never_means_less_compute(data):
    ruled = run(data, "priors")["results"]
    lifted = run(changed(data, "rule", "none"), "priors")["results"]
    for strategy in ("scratch", "distill"):
        assert lifted[strategy]["compute_flop"] >= ruled[strategy]["compute_flop"]
        assert lifted[strategy]["effective_compute_flop"] >= ruled[strategy][
            "effective_compute_flop"] * (1 - 1e-9)


@SETTINGS
@given(scenarios, card_names)
def test_logits_never_distil_worse_than_topk_nor_topk_than_text(data, card_name):
    loss = {}
    for access in ("logits", "topk", "text"):
        r = run(changed(data, "distillation.access", access), card_name)
        loss[access] = r["results"]["distill"]["loss"]
        modes = r["distillation"]["loss_by_access_mode"]
        assert modes[access] == loss[access]
        assert modes["logits"] <= modes["topk"] <= modes["text"]   # same teacher, same tokens
    assert loss["topk"] <= loss["text"]
    # full logits mean a self-hosted teacher whose inference the fleet pays for, so they beat
    # API top-k only when that charge is free (checked in test_scenario_accounting.py)
    free = changed(changed(data, "distillation.access", "logits"),
                   "distillation.input_tokens_per_output_token", 0.0)
    free["distillation"]["teacher_active_params"] = 1e-30
    same_tokens = changed(free, "distillation.access", "topk")
    same_tokens["distillation"].update(accounts=1e7, rate_limit_tokens_per_minute=1e9,
                                       budget_usd=None, detection_probability_per_account_month=0)
    assert (run(free, card_name)["results"]["distill"]["loss"]
            <= run(same_tokens, card_name)["results"]["distill"]["loss"] * (1 + 1e-12))


@SETTINGS
@given(scenarios, card_names, st.data())
def test_more_distillation_tokens_never_make_the_distilled_model_worse(data, card_name, draw):
    # bought tokens (API tiers): a self-hosted teacher's tokens cost the fleet compute, so more
    # of them can leave the student less (test_scenario_accounting.py)
    data = changed(data, "distillation.budget_usd", None)
    if data["distillation"]["access"] == "logits":
        data["distillation"]["access"] = draw.draw(st.sampled_from(("topk", "text")))
    data["distillation"]["accounts"] = 1e7
    data["distillation"]["rate_limit_tokens_per_minute"] = 1e9
    low = draw.draw(st.one_of(st.just(0.0), log_floats(1e3, 1e15)))
    high = low * draw.draw(st.floats(1, 1e6))
    high = min(high, 1e15)
    worse = run(changed(data, "distillation.tokens", low), card_name)["results"]["distill"]
    better = run(changed(data, "distillation.tokens", high), card_name)["results"]["distill"]
    assert better["loss"] <= worse["loss"]
    assert better["lag_years"] <= worse["lag_years"] + 1e-9


@SETTINGS
@given(scenarios, card_names)
def test_results_are_finite_for_every_valid_input(data, card_name):
    data["uncertainty"] = {"draws": 20, "seed": 0, "levers": [
        {"path": "actor.mfu", "low": 0.01, "high": 0.8},
        {"path": "distillation.tokens", "low": 1.0, "high": 1e15, "scale": "log"}]}
    s = scenario_from_dict(data, source="property.toml")
    d = evaluate(s, CARDS[card_name], draws=20).to_dict()
    for strategy in ("scratch", "distill"):
        for key in HEADLINE:
            assert d["results"][strategy][key] is not None, (strategy, key)
            assert math.isfinite(d["results"][strategy][key])
            for q in d["percentiles"][strategy][key].values():
                assert q is not None and math.isfinite(q)
    for row in d["tornado"]:
        assert math.isfinite(row["swing_years"])


@SETTINGS
@given(scenarios, card_names, st.floats(1, 100), st.floats(0, 99))
def test_more_epochs_never_make_the_distilled_model_worse(data, card_name, epochs, more):
    once = changed(data, "distillation.epochs", epochs)
    again = changed(data, "distillation.epochs", min(100.0, epochs + more))
    worse = run(once, card_name)["results"]["distill"]
    better = run(again, card_name)["results"]["distill"]
    assert better["loss"] <= worse["loss"]
    assert better["lag_years"] <= worse["lag_years"] + 1e-9


@SETTINGS
@given(scenarios, st.floats(0, 0.9))
def test_equal_post_training_shares_leave_the_scratch_lag_unchanged(data, fraction):
    data["frontier"]["post_training_fraction"] = data["actor"]["post_training_fraction"]
    base = run(data, "priors")["results"]["scratch"]["lag_years"]
    data = changed(changed(data, "frontier.post_training_fraction", fraction),
                   "actor.post_training_fraction", fraction)
    assert run(data, "priors")["results"]["scratch"]["lag_years"] == pytest.approx(
        base, abs=1e-9)
