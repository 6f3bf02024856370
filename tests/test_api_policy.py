"""API-provider policies as scenario levers (simulator.scenario.api_policy) and the skill-axis
tornado (simulator.scenario.skill_tornado): each policy sets real scenario fields and shows its
effect on both axes; an axis that cannot show a policy says "not measured"."""

import pytest

from simulator.scenario import evaluate, load_scenario
from simulator.scenario.api_policy import POLICY_LEVERS, skill_measured
from simulator.scenario.loading import read_toml, scenario_from_dict, with_values

OPEN = "scenarios/reasoning-traces-open-2026.toml"


def _scenario(path=OPEN, distillation=None, **cap):
    data = read_toml(path)
    data["capability"] = {**data.get("capability", {}), **cap}
    data["distillation"] = {**data["distillation"], **(distillation or {})}
    return scenario_from_dict(data, path)


@pytest.fixture(scope="module")
def topk_block():
    s = _scenario(tier="trace_topk", distillation={"access": "topk"})
    return evaluate(s, draws=0).to_dict()["capability"]


def test_every_policy_sets_a_validated_scenario_field():
    s = _scenario(tier="grader", distillation={"access": "topk"})
    for p in POLICY_LEVERS:
        for value in (p.off(s), p.on(s)):
            assert with_values(s, {p.path: value}) is not None


def test_a_text_only_api_leaves_log_prob_tiers_a_sampled_trace():
    b = evaluate(_scenario(tier="trace_topk", distillation={"access": "text"}), draws=0,
                 with_tornado=False).to_dict()["capability"]
    assert b["effective_tier"] == "trace"
    assert b["distilled"]["accuracy"] == pytest.approx(b["tiers"]["trace"]["accuracy"], abs=1e-12)
    assert any("transfers as trace" in n for n in b["notes"])
    full = evaluate(_scenario(tier="trace_logits", distillation={"access": "topk"}), draws=0,
                    with_tornado=False).to_dict()["capability"]
    assert full["effective_tier"] == "trace_topk"


def test_refusing_to_grade_leaves_a_grader_campaign_at_its_own_post_training():
    b = evaluate(_scenario(tier="grader", refuse_grading=True), draws=0,
                 with_tornado=False).to_dict()["capability"]
    d = b["distilled"]
    assert d["samples"] == 0.0 and b["samples"] > 0
    assert d["accuracy"] == pytest.approx(b["scratch"]["accuracy"], abs=1e-12)
    assert d["lag_years"] == pytest.approx(b["scratch"]["lag_years"], abs=1e-12)
    assert "refuses to grade" in b["regime_why"]


def test_policy_table_gives_both_axes_and_hiding_traces_costs_skill_not_loss(topk_block):
    rows = {r["policy"]: r for r in topk_block["api_policies"]}
    base_loss = topk_block["loss_lag_years"]["distill"]
    hide = rows["Hide the chain of thought"]
    assert hide["tier"] == "answer"
    assert hide["lag_years"] > topk_block["distilled"]["lag_years"] + 0.5
    assert hide["loss_lag_years"] == pytest.approx(base_loss, abs=1e-9)
    assert "not modelled on the loss axis" in hide["loss_note"]
    drop = rows["Drop log-probs (traces only)"]
    assert drop["tier"] == "trace"
    assert drop["loss_lag_years"] >= base_loss - 1e-9   # text only never beats top-k


def test_a_top_k_cap_is_not_measured_on_the_skill_axis(topk_block):
    row = {r["policy"]: r for r in topk_block["api_policies"]}["Cap top-k log-probs at 5"]
    assert not row["skill_measured"] and "not measured" in row["skill_note"]
    assert not row["loss_measured"] and "k = 20" in row["loss_note"]
    tornado = {r["key"]: r for r in topk_block["tornado"] if r["kind"] == "policy"}
    assert tornado["cap_top_k"]["skill"] is None and tornado["cap_top_k"]["loss"] is None
    from simulator.scenario.skill_text import policy_table

    cells = [r for r in policy_table(topk_block)[1] if r[0] == "Cap top-k log-probs at 5"][0]
    assert cells[1:] == ["not measured"] * 6


def test_a_policy_already_in_force_or_without_effect_says_so():
    hidden = evaluate(load_scenario("scenarios/reasoning-traces-hidden-2026.toml"),
                      draws=0).to_dict()["capability"]
    rows = {r["policy"]: r for r in hidden["api_policies"]}
    assert "already in force" in rows["Hide the chain of thought"]["inapplicable"]
    assert "not grades" in rows["Refuse to grade"]["inapplicable"]


def test_skill_tornado_has_policies_and_levers_sorted_by_skill_swing(topk_block):
    rows = topk_block["tornado"]
    kinds = {r["kind"] for r in rows}
    assert kinds == {"lever", "policy"}
    assert {r["key"] for r in rows if r["kind"] == "policy"} == {p.key for p in POLICY_LEVERS}
    swings = [r["skill"]["swing_years"] for r in rows if r["skill"]]
    assert swings == sorted(swings, reverse=True)
    hide = [r for r in rows if r.get("key") == "hide_chain_of_thought"][0]
    assert hide["skill"]["lag_years_at_high"] > hide["skill"]["lag_years_at_low"] + 0.5
    assert hide["loss"]["swing_years"] == pytest.approx(0.0, abs=1e-12)


def test_more_tokens_never_raise_the_skill_lag_in_the_tornado(topk_block):
    row = [r for r in topk_block["tornado"] if r["path"] == "distillation.tokens"][0]
    assert row["high"] > row["low"]
    assert row["skill"]["lag_years_at_high"] <= row["skill"]["lag_years_at_low"] + 1e-12
    assert row["skill"]["accuracy_at_high"] >= row["skill"]["accuracy_at_low"] - 1e-12


def test_tornado_skill_lag_at_the_base_equals_the_block(topk_block):
    d = topk_block["distilled"]
    for r in topk_block["tornado"]:
        if r["skill"] and not r.get("inapplicable"):
            assert r["skill"]["lag_years_base"] == pytest.approx(d["lag_years"], abs=1e-9)


def test_skill_measured_only_blocks_the_top_k_cap():
    s = _scenario(tier="trace_topk", distillation={"access": "topk"})
    assert [p.key for p in POLICY_LEVERS if skill_measured(s, p.key)] == ["cap_top_k"]


def test_no_api_policy_reaches_a_self_hosted_teacher():
    s = _scenario(tier="trace_logits", distillation={"access": "logits"})
    b = evaluate(s, draws=0).to_dict()["capability"]
    for row in b["api_policies"]:
        assert "self-hosted" in row["inapplicable"]
        assert row["tier"] == b["distilled"]["tier"]        # the scenario's own numbers
        assert row["lag_years"] == pytest.approx(b["distilled"]["lag_years"], abs=1e-12)
    assert all(r["inapplicable"] and "self-hosted" in r["inapplicable"]
               for r in b["tornado"] if r["kind"] == "policy")
