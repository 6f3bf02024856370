"""The scenario model: fleet accounting under rules, regimes, lag, cost, uncertainty, tornado."""

import json
import math

import numpy as np
import pytest
from test_scenario_fixtures import card, disordered_card, make_card, scenario  # noqa: F401

from simulator.paths import SCENARIOS_DIR
from simulator.scenario import evaluate, load_scenario, tornado


def point(s, fit=None):
    return evaluate(s, fit, draws=0, with_tornado=False).to_dict()


def test_deepseek_v3_reference_matches_reported_compute_within_30_percent():
    r = point(load_scenario(SCENARIOS_DIR / "deepseek-v3-reference.toml"))
    compute = r["results"]["scratch"]["compute_flop"]
    assert abs(compute / 3.4e24 - 1) < 0.30
    assert r["results"]["scratch"]["cost_usd"] == pytest.approx(5.576e6, rel=0.01)


def test_every_shipped_scenario_evaluates_to_finite_numbers():
    for path in sorted(SCENARIOS_DIR.glob("*.toml")):
        d = evaluate(load_scenario(path), draws=100).to_dict()
        for strategy in ("scratch", "distill"):
            assert all(math.isfinite(v) for v in (d["results"][strategy][k] for k in (
                "compute_flop", "effective_compute_flop", "loss", "lag_years", "cost_usd"))), path
        json.dumps(d, allow_nan=False)


def test_rule_decides_which_imports_count():
    h800 = [{"chip": "H800", "count": 1000, "channel": "import"}]
    loophole = point(scenario(rule="2022-10", actor__chips=h800))
    closed = point(scenario(rule="2023-10", actor__chips=h800))
    assert loophole["fleet"][0]["usable"] == 1000
    assert closed["fleet"][0]["usable"] == 0
    assert any("do not count" in a for a in closed["assumptions"])
    assert math.isfinite(closed["results"]["scratch"]["lag_years"])


def test_case_by_case_imports_count_at_the_approval_fraction():
    s = scenario(rule="2026-01", actor__chips=[{"chip": "H200", "count": 1000,
                                                "channel": "import"}],
                 actor__case_by_case_approval_fraction=0.25)
    assert point(s)["fleet"][0]["usable"] == pytest.approx(250)


def test_smuggled_and_domestic_chips_count_under_any_rule():
    chips = [{"chip": "H100", "count": 100, "channel": "smuggled"},
             {"chip": "Ascend 910C", "count": 100, "channel": "domestic", "yield_fraction": 0.4}]
    r = point(scenario(rule="2025-04", actor__chips=chips,
                       actor__smuggling_interdiction_fraction=0.5))
    assert [row["usable"] for row in r["fleet"]] == pytest.approx([50, 40])


def test_cloud_chips_drop_out_under_remote_access_controls():
    chips = [{"chip": "H100", "count": 100, "channel": "cloud"}]
    open_ = point(scenario(actor__chips=chips))
    closed = point(scenario(actor__chips=chips, actor__remote_access_controls=True))
    assert open_["fleet"][0]["usable"] == 100 and closed["fleet"][0]["usable"] == 0


def test_scratch_compute_follows_chips_times_peak_times_mfu_times_time():
    s = scenario(rule="none", actor__chips=[{"chip": "H100", "count": 1000, "channel": "import"}],
                 actor__mfu=0.4, actor__training_days=30)
    expected = 1000 * 989.5e12 * 0.4 * 30 * 86400
    assert point(s)["results"]["scratch"]["compute_flop"] == pytest.approx(expected, rel=1e-9)


def test_lag_is_log_compute_ratio_over_log_growth():
    r = point(scenario(frontier__algorithmic_progress_per_year=2.8))
    c = r["results"]["scratch"]["effective_compute_flop"]
    assert r["results"]["scratch"]["lag_years"] == pytest.approx(
        math.log(3.5e26 / c) / math.log(4.5 * 2.8))


def test_distillation_never_beats_the_teacher_nor_loses_to_scratch(card):  # noqa: F811
    for tokens in (0, 1e9, 1e15):
        r = point(scenario(distillation__tokens=tokens, distillation__access="logits"), card)
        d, s = r["results"]["distill"], r["results"]["scratch"]
        assert d["loss"] <= s["loss"] + 1e-12
        assert d["loss"] >= r["distillation"]["teacher_loss"] - 1e-12
        assert d["lag_years"] >= -1e-9


def test_regime_is_token_limited_until_tokens_cover_a_pure_run(card):  # noqa: F811
    few = point(scenario(distillation__tokens=1e10), card)
    assert few["regime"]["regime"] == "token_limited"
    assert few["regime"]["source"] == "fit card" and "fraction" in few["regime"]["why"]
    many = point(scenario(distillation__tokens=1e15), card)
    assert many["regime"]["regime"] == "pure"
    assert many["regime"]["tokens_obtained"] >= many["regime"]["tokens_for_pure_run"]


def test_without_a_card_the_priors_apply_and_say_so():
    r = point(scenario())
    assert r["regime"]["source"] == "literature priors"
    assert any("Davidson" in a for a in r["assumptions"])
    assert any("Transfer assumption" in a for a in r["assumptions"])


def test_card_without_token_limited_section_falls_back_for_that_regime():
    c = make_card(with_token_limited=False)
    r = point(scenario(distillation__tokens=1e10), c)
    assert any("literature priors" in a and "token-limited" in a for a in r["assumptions"])


def test_mode_without_token_limited_fit_borrows_its_measured_neighbours():
    c = make_card().to_dict()     # a card dict: evaluate validates it
    del c["token_limited"]["modes"]["topk"]
    r = point(scenario(distillation__tokens=1e11, distillation__access="topk"), c)
    assert any("mean of the measured logits and text" in a for a in r["assumptions"])
    losses = r["distillation"]["loss_by_access_mode"]
    assert losses["logits"] <= losses["topk"] <= losses["text"]


def test_disordered_card_gets_the_monotone_envelope_and_a_flag(disordered_card):  # noqa: F811
    r = point(scenario(distillation__tokens=1e12, distillation__access="topk"), disordered_card)
    losses = r["distillation"]["loss_by_access_mode"]
    assert losses["logits"] <= losses["topk"] <= losses["text"]
    assert any("envelope" in a for a in r["assumptions"])


def test_rate_limits_detection_and_budget_bound_the_tokens():
    base = dict(distillation__tokens=1e12, distillation__accounts=10,
                distillation__rate_limit_tokens_per_minute=1000, distillation__campaign_days=10)
    r = point(scenario(**base))
    assert r["distillation"]["tokens_obtained"] == pytest.approx(10 * 1000 * 1440 * 10)
    assert r["regime"]["binding_limit"] == "rate limits and detection"
    detected = point(scenario(**base, distillation__detection_probability_per_account_month=0.9))
    assert detected["distillation"]["tokens_obtained"] < r["distillation"]["tokens_obtained"]
    budget = point(scenario(distillation__tokens=1e12, distillation__budget_usd=1000.0))
    assert budget["regime"]["binding_limit"] == "budget"
    assert budget["distillation"]["api_cost_usd"] == pytest.approx(1000.0)


def test_distillation_cost_adds_api_spend_to_the_fleet():
    r = point(scenario())
    api = r["distillation"]["api_cost_usd"]
    assert api == pytest.approx(6.4e10 * (15 + 0.25 * 3) / 1e6)
    assert r["results"]["distill"]["cost_usd"] == pytest.approx(
        r["results"]["scratch"]["cost_usd"] + api)


def test_capital_basis_prices_smuggled_chips_with_the_multiplier():
    chips = [{"chip": "H100", "count": 10, "channel": "smuggled", "price_usd": 30000.0}]
    r = point(scenario(actor__chips=chips, actor__cost_basis="capital",
                       actor__smuggled_price_multiplier=2.0))
    assert r["results"]["scratch"]["cost_usd"] == pytest.approx(10 * 30000 * 2.0)


def test_monte_carlo_is_seeded_and_brackets_the_point(card):  # noqa: F811
    s = load_scenario(SCENARIOS_DIR / "h20-requirement-2025-central.toml")
    a = evaluate(s, card, draws=500).to_dict()
    b = evaluate(s, card, draws=500).to_dict()
    assert a["percentiles"] == b["percentiles"]
    q = a["percentiles"]["distill"]["lag_years"]
    assert q["p5"] <= q["p50"] <= q["p95"] and q["p5"] < q["p95"]
    c = evaluate(s, card, draws=500, seed=7).to_dict()
    assert c["percentiles"] != a["percentiles"]


def test_tornado_ranks_levers_by_swing():
    s = load_scenario(SCENARIOS_DIR / "h20-requirement-2025-central.toml")
    rows = tornado(s)
    swings = [r.swing_years for r in rows]
    assert swings == sorted(swings, reverse=True) and swings[0] > 0
    paths = [r.path for r in rows]
    assert {lv.path for lv in s.uncertainty.levers} <= set(paths)
    assert len(paths) == len(set(paths))
    mfu = next(r for r in rows if r.path == "actor.mfu")
    assert (mfu.low, mfu.high) == (0.25, 0.45)  # the scenario's range wins


def test_tornado_defaults_when_the_scenario_has_no_ranges():
    rows = tornado(scenario())
    assert "actor.mfu" in {r.path for r in rows}


def test_timeseries_reports_each_year():
    s = scenario(timeseries_years=3, actor__growth_per_year=2.0)
    ts = evaluate(s, draws=0).to_dict()["timeseries"]
    assert [row["year"] for row in ts] == [2025, 2026, 2027, 2028]
    assert ts[1]["frontier_compute_flop"] == pytest.approx(3.5e26 * 4.5)
    assert ts[1]["scratch"]["compute_flop"] == pytest.approx(2 * ts[0]["scratch"]["compute_flop"])


def test_precision_without_a_chip_figure_falls_back_to_bf16():
    chips = [{"chip": "Ascend 910C", "count": 100, "channel": "domestic"}]
    r = point(scenario(actor__chips=chips, actor__precision="fp8"))
    assert r["fleet"][0]["precision"] == "bf16"
    assert any("bf16" in a for a in r["assumptions"])


@pytest.mark.slow
def test_ten_thousand_draws_evaluate_within_one_second(card):  # noqa: F811
    import time

    s = load_scenario(SCENARIOS_DIR / "h200-case-by-case-2026-central.toml")
    evaluate(s, card, draws=100)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        evaluate(s, card, draws=10_000)
        times.append(time.perf_counter() - t0)
    assert np.median(times) <= 1.0


def test_disabled_distillation_reports_scratch_for_both():
    r = point(scenario(distillation__enabled=False))
    assert r["results"]["distill"]["loss"] == r["results"]["scratch"]["loss"]
    assert r["regime"]["regime"] == "none"
    assert r["results"]["distill"]["cost_usd"] == r["results"]["scratch"]["cost_usd"]


def test_card_bootstrap_with_missing_values_is_tolerated():
    c = make_card().to_dict()
    c["token_limited"]["modes"]["text"]["model"]["bootstrap"]["g"][3] = None
    c["distill"]["text"]["multiplier"]["bootstrap"]["c1"][5] = float("nan")
    d = evaluate(scenario(distillation__tokens=1e14), c, draws=300).to_dict()
    assert all(math.isfinite(v) for v in d["percentiles"]["distill"]["lag_years"].values())


def test_tornado_stays_finite_when_a_swing_reaches_an_exclusive_bound():
    rows = tornado(scenario(frontier__growth_per_year=1.125))
    growth = next(r for r in rows if r.path == "frontier.growth_per_year")
    assert growth.low > 1.0
    assert all(math.isfinite(r.swing_years) for r in rows)
