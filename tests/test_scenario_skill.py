"""The skill axis of a scenario (simulator.scenario.skill): a [capability] section gives a
capability block with scratch and per-tier distilled accuracy, CEG, skill lag and a timeline."""

import datetime as dt
import time

import numpy as np
import pytest

from simulator.scenario import evaluate, load_scenario
from simulator.scenario.loading import read_toml, scenario_from_dict
from simulator.scenario.skill_transfer import anchors, load_shapes, sample_draws, transfer
from simulator.scenario.skill_section import TIERS, TRACE_TIERS, CapabilitySection

BASE = "scenarios/api-open-2026.toml"


def _scenario(path=BASE, **cap):
    data = read_toml(path)
    data["capability"] = {"teacher_release": "2026-01-15", **cap}
    return scenario_from_dict(data, path)


def _block(s, draws=200, **kw):
    return evaluate(s, draws=draws, with_tornado=False, **kw).to_dict()["capability"]


def test_block_carries_scratch_every_tier_and_provenance():
    b = _block(_scenario())
    assert set(b["tiers"]) == set(TIERS)
    assert b["scratch"]["accuracy"] == pytest.approx(anchors()["self_reliant_level"], abs=1e-9)
    for label in b["provenance"].values():
        assert label.split()[0] in ("measured", "anchored", "assumed", "derived")
    assert b["distilled"]["tier"] == "verified_trace"


def test_zero_tokens_equals_scratch():
    s = _scenario()
    s = s.model_copy(update={"distillation": s.distillation.model_copy(update={"tokens": 0.0})})
    b = _block(s)
    for e in b["tiers"].values():
        assert e["accuracy"] == pytest.approx(b["scratch"]["accuracy"], abs=1e-12)
        assert e["lag_years"] == pytest.approx(b["scratch"]["lag_years"], abs=1e-12)


@pytest.mark.parametrize("tier", TIERS)
def test_more_samples_never_lower_the_skill_outcome(tier):
    shapes, anc = load_shapes(), anchors()
    sec = CapabilitySection(tier=tier)
    d = sample_draws(shapes, 300, 1)
    prev_acc, prev_ceg = None, None
    for n in np.geomspace(1, 1e8, 25):
        out = transfer(shapes, anc, sec, float(n), 1e24, d)["tiers"][tier]
        if prev_acc is not None:
            assert np.all(out["accuracy"] >= prev_acc - 1e-12)
            assert np.all(out["ceg"] >= prev_ceg - 1e-9)
        prev_acc, prev_ceg = out["accuracy"], out["ceg"]


def test_lower_bound_ceg_is_never_shown_as_a_point():
    b = _block(_scenario(tier="verified_trace"))
    d = b["distilled"]
    assert d["beats_self_reliant"]
    assert d["ceg_kind"] == "lower_bound" and d["lag_kind"] == "upper_bound"
    assert any("lower bound" in n for n in b["notes"])


@pytest.mark.parametrize("tier", TRACE_TIERS)
def test_hidden_chain_of_thought_never_beats_visible_unless_the_card_says_so(tier):
    shapes = load_shapes()
    for tokens in (1e5, 1e7, 1e9, 1e11):
        s = _scenario(tier=tier, hide_chain_of_thought=True)
        s = s.model_copy(update={"distillation": s.distillation.model_copy(
            update={"tokens": tokens})})
        b = _block(s, draws=0)
        assert b["effective_tier"] == "answer"
        if b["tiers"]["answer"]["accuracy"] > b["tiers"][tier]["accuracy"] + 1e-12:
            assert shapes["answer_beats_trace_at"]
            assert any("measured answer-only above" in n for n in b["notes"])


def test_timeline_never_before_release_and_lag_includes_the_delay():
    b = _block(_scenario(student_training_days=10))
    tl = b["timeline"]
    release = dt.date.fromisoformat(tl["teacher_release"])
    assert dt.date.fromisoformat(tl["campaign_end"]) >= release
    assert dt.date.fromisoformat(tl["student_ready"]) >= dt.date.fromisoformat(tl["campaign_end"])
    assert tl["delay_years"] == pytest.approx((90 + 10) / 365.25, rel=1e-6)
    d = b["distilled"]
    assert d["lag_years_at_student_ready"] == pytest.approx(d["lag_years"] + tl["delay_years"])


def test_knowledge_gate_raises_n50_for_a_smaller_student():
    shapes, anc = load_shapes(), anchors()
    sec = CapabilitySection()
    d = sample_draws(shapes, 1, None)
    big = transfer(shapes, anc, sec, 1e4, anc["anchor_base_compute_flop"], d)
    small = transfer(shapes, anc, sec, 1e4, anc["anchor_base_compute_flop"] / 16, d)
    ratio = small["tiers"]["verified_trace"]["n50"][0] / big["tiers"]["verified_trace"]["n50"][0]
    assert ratio == pytest.approx(shapes["gate_ratio"] ** 2, rel=1e-9)


def test_bad_date_is_an_input_error():
    from simulator.errors import InputError

    data = read_toml(BASE)
    data["capability"] = {"teacher_release": "2026-13-01"}
    with pytest.raises(InputError, match="teacher_release"):
        scenario_from_dict(data, BASE)


def test_no_section_no_block():
    assert "capability" not in evaluate(load_scenario(BASE), draws=0,
                                        with_tornado=False).to_dict()


@pytest.mark.parametrize("fit", ["default", "priors"])
def test_every_shipped_scenario_runs_with_a_capability_section(fit):
    import glob

    for path in sorted(glob.glob("scenarios/*.toml")):
        data = read_toml(path)
        data.setdefault("capability", {})
        data["fit"] = fit
        s = scenario_from_dict(data, path)
        b = _block(s, draws=50)
        assert 0.0 <= b["distilled"]["accuracy"] <= 1.0
        assert b["distilled"]["lag_years"] >= 0.0


def test_ten_thousand_draws_under_a_second():
    shapes, anc = load_shapes(), anchors()
    sec = CapabilitySection()
    transfer(shapes, anc, sec, 1e6, 1e24, sample_draws(shapes, 10, 0))
    times = []
    for seed in range(5):
        t0 = time.perf_counter()
        transfer(shapes, anc, sec, 1e6, 1e24, sample_draws(shapes, 10_000, seed))
        times.append(time.perf_counter() - t0)
    assert float(np.median(times)) < 1.0


def test_api_policies_give_the_skill_outcome_under_each_provider_lever():
    s = _scenario(tier="trace_topk")
    b = evaluate(s, draws=0).to_dict()["capability"]
    rows = {r["policy"]: r for r in b["api_policies"]}
    assert rows["Hide the chain of thought"]["tier"] == "answer"
    assert rows["Drop log-probs (traces only)"]["tier"] == "trace"
    for r in rows.values():
        assert r["samples"] <= b["samples"] * (1 + 1e-9)   # no policy buys more samples
        assert r["accuracy"] >= b["scratch"]["accuracy"] - 1e-12
    tight = _scenario(tier="trace")
    tight = tight.model_copy(update={"distillation": tight.distillation.model_copy(
        update={"accounts": 1.0, "tokens": 1e12})})
    rows = {r["policy"]: r for r in evaluate(tight, draws=0).to_dict()["capability"]
            ["api_policies"]}
    assert rows["Rate limit / 10"]["samples"] < rows["Hide the chain of thought"]["samples"]


def test_two_axis_sentence_gives_both_lags_and_why_when_nothing_is_gained():
    from simulator.scenario.skill_text import two_axis_sentence

    b = _block(_scenario(tier="verified_trace"))
    text = two_axis_sentence(b, 2.14, 2.14, "The teacher's tokens are too few.")
    assert "gains nothing (lag 2.14 years: The teacher's tokens are too few)" in text
    assert f"to at most {b['distilled']['lag_years']:.2f} years" in text
    hidden = _block(_scenario(tier="trace", hide_chain_of_thought=True))
    text = two_axis_sentence(hidden, 2.14, 1.5)
    assert "moves the lag from 2.14 to 1.50 years" in text
    assert "gains nothing" in text and "stays under the actor's own post-training" in text


def test_saturation_level_is_triangular_with_its_mode_at_the_measurement():
    from simulator.scenario.skill_transfer import saturation_level

    anc = anchors()
    lo, mode, hi = anc["saturation_low"], anc["saturation_central"], anc["saturation_high"]
    assert lo < mode < hi
    assert saturation_level(anc, 0.5, central=True) == pytest.approx(mode)
    draws = saturation_level(anc, np.random.default_rng(0).random(200_000), central=False)
    assert draws.min() >= lo - 1e-12 and draws.max() <= hi + 1e-12
    assert float(np.mean(draws)) == pytest.approx((lo + mode + hi) / 3, abs=5e-4)
    q05, q95 = np.percentile(draws, [5, 95])
    assert q05 < mode < q95


def test_point_accuracy_lies_inside_its_monte_carlo_interval_at_saturation():
    b = _block(_scenario(BASE, tier="verified_trace"), draws=2000)
    d = b["distilled"]
    assert d["regime"] == "saturated"
    lo, hi = d["accuracy_interval"]
    assert lo < d["accuracy"] < hi
