"""Training-compute accounting: post-training on both sides, a self-hosted teacher's inference
charged to the actor's fleet, and teacher tokens reused for several epochs
(simulator.scenario.accounting)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_scenario_fixtures import card, scenario  # noqa: F401

from simulator.curves import forms
from simulator.scenario import evaluate, world
from simulator.scenario.accounting import constants, effective_tokens, r_star
from simulator.scenario.cli import format_table


def run(s, fit=None):
    return evaluate(s, fit, draws=0, with_tornado=False)


def lag(s, strategy="scratch", fit=None):
    return run(s, fit).results.model_dump()[strategy]["lag_years"]


# --------------------------------------------------------------------------- post-training

@pytest.mark.parametrize("fraction", [0.0, 0.05, 0.3, 0.9])
def test_equal_post_training_fractions_leave_the_scratch_lag_unchanged(fraction):
    base = lag(scenario(frontier__post_training_fraction=0.0, actor__post_training_fraction=0.0))
    same = lag(scenario(frontier__post_training_fraction=fraction,
                        actor__post_training_fraction=fraction))
    assert same == pytest.approx(base, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 0.9), st.floats(0.0, 0.9))
def test_by_default_the_actor_post_trains_like_the_frontier(f1, f2):
    one = lag(scenario(frontier__post_training_fraction=f1))
    two = lag(scenario(frontier__post_training_fraction=f2))
    assert one == pytest.approx(two, abs=1e-9)


def test_the_lag_compares_pre_training_with_pre_training():
    r = run(scenario(frontier__post_training_fraction=0.05, actor__post_training_fraction=0.3))
    c = r.results.scratch.compute_flop
    expected = math.log(3.5e26 * (1 - 0.05) / (c * (1 - 0.3))) / math.log(4.5)
    assert r.results.scratch.lag_years == pytest.approx(expected, rel=1e-9)
    assert r.accounting.frontier_pretrain_flop == pytest.approx(3.5e26 * 0.95, rel=1e-12)
    assert r.accounting.student_pretrain_flop == pytest.approx(c * 0.7, rel=1e-12)


def test_more_post_training_on_one_side_moves_the_lag_its_way():
    mid = lag(scenario(frontier__post_training_fraction=0.2, actor__post_training_fraction=0.2))
    actor_more = lag(scenario(frontier__post_training_fraction=0.2,
                              actor__post_training_fraction=0.5))
    frontier_more = lag(scenario(frontier__post_training_fraction=0.5,
                                 actor__post_training_fraction=0.2))
    assert actor_more == pytest.approx(mid + math.log(0.8 / 0.5) / math.log(4.5), rel=1e-9)
    assert frontier_more == pytest.approx(mid - math.log(0.8 / 0.5) / math.log(4.5), rel=1e-9)


def test_the_teacher_is_compute_optimal_at_the_frontier_pre_training_compute():
    r = run(scenario(frontier__post_training_fraction=0.3))
    law = world.law("besiroglu_2024")["params"]
    expected = float(forms.frontier_loss(law, np.array([3.5e26 * 0.7]))[0])
    assert r.distillation.teacher_loss == pytest.approx(expected, rel=1e-12)


def test_the_default_frontier_share_is_the_sourced_one():
    table = constants()["post_training"]
    assert table["low"] <= table["central"] <= table["high"]
    r = run(scenario())
    assert r.accounting.frontier_post_training_fraction == pytest.approx(table["central"])
    assert r.accounting.actor_post_training_fraction == pytest.approx(table["central"])


def test_a_monte_carlo_range_on_the_frontier_share_moves_an_unset_actor_along():
    s = scenario(uncertainty__levers=[{"path": "frontier.post_training_fraction",
                                       "low": 0.0, "high": 0.9}])
    pct = evaluate(s, draws=200, with_tornado=False).percentiles.scratch.lag_years
    assert pct.p95 - pct.p5 == pytest.approx(0.0, abs=1e-9)


# --------------------------------------------------------------------------- self-hosted teacher

@pytest.mark.parametrize("access", ["text", "topk"])
def test_api_tiers_charge_no_teacher_inference_to_the_fleet(access):
    a = run(scenario(distillation__access=access, distillation__tokens=1e12)).accounting
    assert a.teacher_hosting == "api"
    assert a.teacher_inference_flop == 0.0 and a.teacher_inference_chip_hours == 0.0


def test_a_self_hosted_teacher_costs_two_flop_per_parameter_per_token():
    s = scenario(distillation__access="logits", distillation__tokens=1e10,
                 distillation__teacher_active_params=3.7e10,
                 distillation__input_tokens_per_output_token=0.25)
    r = run(s)
    expected = 2 * 3.7e10 * 1.25 * 1e10
    assert r.accounting.teacher_hosting == "self-hosted"
    assert r.accounting.teacher_inference_flop == pytest.approx(expected, rel=1e-12)
    fleet = r.results.scratch.compute_flop
    share = expected / fleet
    assert r.accounting.teacher_inference_fleet_share == pytest.approx(share, rel=1e-12)
    pretrain = fleet * (1 - r.accounting.actor_post_training_fraction)
    assert r.accounting.student_pretrain_flop == pytest.approx(pretrain - expected, rel=1e-9)


def test_the_teacher_charge_grows_linearly_with_tokens():
    charges = [run(scenario(distillation__access="logits", distillation__tokens=t))
               .accounting.teacher_inference_flop for t in (1e9, 2e9, 8e9)]
    assert charges[0] > 0
    assert charges[1] == pytest.approx(2 * charges[0], rel=1e-12)
    assert charges[2] == pytest.approx(8 * charges[0], rel=1e-12)


def test_the_default_teacher_size_is_compute_optimal_at_the_frontier_pre_training_compute():
    r = run(scenario(distillation__access="logits", frontier__post_training_fraction=0.05))
    law = world.law("besiroglu_2024")["params"]
    n_opt = float(forms.compute_optimal(law, np.array([3.5e26 * 0.95]))[0][0])
    assert r.accounting.teacher_active_params == pytest.approx(n_opt, rel=1e-12)


def test_a_self_hosted_teacher_has_no_api_spend_nor_rate_limit():
    s = scenario(distillation__access="logits", distillation__tokens=1e11,
                 distillation__accounts=1, distillation__rate_limit_tokens_per_minute=10)
    r = run(s)
    assert r.distillation.tokens_obtained == pytest.approx(1e11)
    assert r.distillation.api_cost_usd == 0.0
    assert r.regime.binding_limit == "requested"
    assert any("self-hosted teacher" in a for a in r.assumptions)


def test_the_teacher_charge_leaves_the_student_less_compute(card):  # noqa: F811
    cheap = run(scenario(distillation__access="logits", distillation__tokens=1e12,
                         distillation__teacher_active_params=1e9), card)
    dear = run(scenario(distillation__access="logits", distillation__tokens=1e12,
                        distillation__teacher_active_params=1e12), card)
    assert dear.accounting.student_pretrain_flop < cheap.accounting.student_pretrain_flop
    assert dear.distillation.student_params < cheap.distillation.student_params
    assert dear.results.distill.loss >= cheap.results.distill.loss


def test_a_charge_larger_than_the_fleet_leaves_the_actor_at_scratch(card):  # noqa: F811
    r = run(scenario(distillation__access="logits", distillation__tokens=1e15,
                     distillation__teacher_active_params=1e13), card)
    assert r.accounting.teacher_inference_fleet_share > 1
    assert r.results.distill.loss == pytest.approx(r.results.scratch.loss, rel=1e-12)


# --------------------------------------------------------------------------- repetition

def test_the_repetition_constant_is_muennighoffs_fit():
    assert r_star() == pytest.approx(15.387756, rel=1e-9)


def test_one_epoch_counts_each_token_once():
    tokens = np.array([0.0, 1e3, 6.4e10, 1e15])
    assert np.array_equal(effective_tokens(tokens, 1.0, r_star()), tokens)


@settings(max_examples=100, deadline=None)
@given(st.floats(1e3, 1e15), st.floats(1.0, 100.0), st.floats(0.0, 50.0))
def test_effective_tokens_never_exceed_epochs_times_tokens_and_saturate(tokens, epochs, more):
    rs = r_star()
    eff = float(effective_tokens(tokens, epochs, rs))
    assert tokens * (1 - 1e-12) <= eff <= epochs * tokens * (1 + 1e-12)
    assert eff <= tokens * (1 + rs) * (1 + 1e-12)
    assert float(effective_tokens(tokens, epochs + more, rs)) >= eff * (1 - 1e-12)


def test_effective_tokens_follow_the_published_form():
    # Muennighoff et al. eq. 5 at R = 4 extra passes: U (1 + R* (1 - exp(-4 / R*)))
    rs = 15.387756
    assert float(effective_tokens(1.0, 5.0, rs)) == pytest.approx(
        1 + rs * (1 - math.exp(-4 / rs)), rel=1e-12)
    assert float(effective_tokens(1.0, 1e6, rs)) == pytest.approx(1 + rs, rel=1e-9)


def test_one_epoch_is_the_default_and_changes_nothing(card):  # noqa: F811
    default = run(scenario(distillation__tokens=1e11), card).to_dict()
    one = run(scenario(distillation__tokens=1e11, distillation__epochs=1.0), card).to_dict()
    assert default == one
    assert one["accounting"]["effective_teacher_tokens"] == pytest.approx(1e11, rel=1e-15)


@pytest.mark.parametrize("access", ["text", "topk", "logits"])
def test_epochs_act_as_more_unique_tokens(card, access):  # noqa: F811
    epochs, tokens = 4.0, 3e10
    eff = float(effective_tokens(tokens, epochs, r_star()))
    repeated = run(scenario(distillation__access=access, distillation__tokens=tokens,
                            distillation__epochs=epochs), card)
    # the same campaign with eff unique tokens, its charge (self-hosted) held at `tokens`
    unique = run(scenario(distillation__access=access, distillation__tokens=eff,
                          distillation__teacher_active_params=(
                              repeated.accounting.teacher_active_params or 1.0) * tokens / eff),
                 card)
    assert repeated.distillation.loss_by_access_mode.model_dump() == pytest.approx(
        unique.distillation.loss_by_access_mode.model_dump(), rel=1e-9)
    assert repeated.accounting.effective_teacher_tokens == pytest.approx(eff, rel=1e-12)


@pytest.mark.parametrize("access", ["text", "topk", "logits"])
def test_more_epochs_never_lower_the_outcome(card, access):  # noqa: F811
    losses = [run(scenario(distillation__access=access, distillation__tokens=3e10,
                           distillation__epochs=e), card).results.distill.loss
              for e in (1.0, 2.0, 4.0, 16.0, 100.0)]
    assert all(b <= a + 1e-12 for a, b in zip(losses, losses[1:]))
    assert losses[-1] < losses[0]


# --------------------------------------------------------------------------- output

def test_run_prints_the_accounting():
    text = format_table(evaluate(scenario(distillation__access="logits",
                                          distillation__epochs=3.0), draws=0))
    assert "post-training share actor 0.05, frontier 0.05" in text
    assert "self-hosted teacher" in text and "epochs over the teacher tokens: 3" in text
    d = evaluate(scenario(), draws=0, with_tornado=False).to_dict()
    assert d["accounting"]["teacher_hosting"] == "api"
    assert d["accounting"]["epochs"] == 1.0


def test_when_the_charge_outweighs_the_tokens_the_result_says_so():
    from test_scenario_fixtures import make_card

    from simulator.paths import SCENARIOS_DIR
    from simulator.scenario import load_scenario

    # a small positive gain (ln G = 0.05 f): the self-hosted teacher's inference costs more
    # than its 0.45% of the student's tokens give (the shipped card's measured logits gain at
    # that fraction is below 1, a harm, so it would not reach this branch)
    small_gain = make_card(gains={"logits": (0.05, 1.0), "topk": (0.04, 1.0),
                                  "text": (0.03, 1.0)})
    r = run(load_scenario(SCENARIOS_DIR / "api-open-2026.toml",
                          ['distillation.access="logits"']), small_gain)
    assert r.results.distill.loss == pytest.approx(r.results.scratch.loss, rel=1e-12)
    assert "self-hosted teacher's inference" in r.regime.why
    assert "would cost more than its tokens give" in r.regime.why
