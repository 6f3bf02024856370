"""Where the lag goes: the algorithmic-efficiency lever and the per-axis decomposition of the lag
(simulator.scenario.decomposition, simulator.scenario.efficiency)."""

import csv
import io
import json
import math
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from simulator.paths import DATA_DIR, SCENARIOS_DIR
from simulator.scenario import evaluate, load_scenario
from simulator.scenario.core import base_values, build_context
from simulator.scenario.decomposition import LEVER, general_parts
from simulator.scenario.efficiency import evidence
from simulator.scenario.lag_contract import PARTS
from simulator.scenario.montecarlo import draw
from simulator.scenario.schema import LeverRange
from test_scenario_fixtures import scenario

SHIPPED = sorted(SCENARIOS_DIR.glob("*.toml"))
EFFICIENT = SCENARIOS_DIR / "efficient-actor-deepseek-v3-2024.toml"


def _sum(axis) -> float:
    return sum(getattr(axis, k) for k in PARTS)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_parts_add_up_to_the_lag_on_both_axes_for_every_shipped_scenario(path):
    r = evaluate(load_scenario(path), draws=200, with_tornado=False)
    block = r.lag_decomposition
    assert block is not None
    assert _sum(block.general) == pytest.approx(r.results.distill.lag_years, abs=1e-9)
    assert block.general.total_years == pytest.approx(r.results.distill.lag_years, abs=1e-12)
    assert (block.general.compute_gap_years + block.general.efficiency_years
            == pytest.approx(r.results.scratch.lag_years, abs=1e-9))
    if r.capability is not None:
        assert block.skill is not None
        assert _sum(block.skill) == pytest.approx(r.capability["distilled"]["lag_years"],
                                                  abs=1e-9)
    else:
        assert block.skill is None


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_parts_add_up_in_every_random_draw(path):
    """Random draws over the scenario's ranges plus the efficiency lever's sourced range."""
    s = load_scenario(path)
    lo, hi = evidence()["range"]["low"], evidence()["range"]["high"]
    levers = [lv for lv in s.uncertainty.levers if lv.path != LEVER]
    levers.append(LeverRange(path=LEVER, low=lo, high=hi, scale="log"))
    s = s.model_copy(update={"uncertainty": s.uncertainty.model_copy(update={"levers": levers})})
    ctx = build_context(s, None, "priors")
    out = draw(ctx, base_values(ctx), 300, seed=7)
    parts = general_parts(out)
    total = sum(parts[k] for k in PARTS)
    assert np.allclose(total, out["distill.lag_years"], rtol=0, atol=1e-9)
    m = out["efficiency_multiplier"]
    assert m.min() >= lo and m.max() <= hi and np.ptp(m) > 0   # the lever is sampled
    assert np.allclose(parts["efficiency_years"], -np.log(m) / out["lag_clock"])


def test_efficiency_multiplies_effective_compute_and_moves_only_the_efficiency_part():
    one = evaluate(scenario(), draws=0, with_tornado=False)
    two = evaluate(scenario(actor__algorithmic_efficiency_multiplier=2.0), draws=0,
                   with_tornado=False)
    assert two.results.scratch.effective_compute_flop == pytest.approx(
        2 * one.results.scratch.effective_compute_flop, rel=1e-12)
    assert two.results.scratch.compute_flop == pytest.approx(one.results.scratch.compute_flop)
    assert two.results.scratch.cost_usd == pytest.approx(one.results.scratch.cost_usd)
    clock = one.lag_decomposition.clock_per_year
    assert (one.results.scratch.lag_years - two.results.scratch.lag_years
            == pytest.approx(math.log(2) / clock, rel=1e-9))
    a, b = one.lag_decomposition.general, two.lag_decomposition.general
    assert a.efficiency_years == 0.0
    assert b.efficiency_years == pytest.approx(-math.log(2) / clock, rel=1e-12)
    assert b.compute_gap_years == pytest.approx(a.compute_gap_years, rel=1e-12)
    # the compute gap is what the chips alone leave: the scratch lag at parity
    assert b.compute_gap_years == pytest.approx(one.results.scratch.lag_years, abs=1e-12)


def test_the_lag_cannot_tell_algorithms_from_chips_but_the_decomposition_can():
    """Twice the efficiency reaches what twice the MFU reaches; only the parts differ."""
    algorithms = evaluate(scenario(actor__algorithmic_efficiency_multiplier=2.0), draws=0,
                          with_tornado=False)
    chips = evaluate(scenario(actor__mfu=0.70), draws=0, with_tornado=False)
    for strategy in ("scratch", "distill"):
        assert (getattr(algorithms.results, strategy).loss
                == pytest.approx(getattr(chips.results, strategy).loss, rel=1e-12))
        assert (getattr(algorithms.results, strategy).lag_years
                == pytest.approx(getattr(chips.results, strategy).lag_years, abs=1e-9))
    ga, gc = algorithms.lag_decomposition.general, chips.lag_decomposition.general
    clock = chips.lag_decomposition.clock_per_year
    assert gc.efficiency_years == 0.0
    assert ga.compute_gap_years - gc.compute_gap_years == pytest.approx(math.log(2) / clock)


def test_the_default_is_parity_and_leaves_the_result_unchanged():
    explicit = evaluate(scenario(actor__algorithmic_efficiency_multiplier=1.0), draws=100)
    default = evaluate(scenario(), draws=100)
    assert explicit.to_dict()["results"] == default.to_dict()["results"]
    assert explicit.to_dict()["percentiles"] == default.to_dict()["percentiles"]
    assert default.lag_decomposition.efficiency_multiplier == 1.0
    assert default.lag_decomposition.provenance["efficiency"].startswith("assumed")


def test_the_efficient_scenario_samples_its_sourced_range_and_shows_it_in_the_tornado():
    s = load_scenario(EFFICIENT)
    ds = evidence()["ranges"]["deepseek_v3"]
    lever = next(lv for lv in s.uncertainty.levers if lv.path == LEVER)
    assert (lever.low, lever.high, lever.scale) == (ds["low"], ds["high"], "log")
    assert s.actor.algorithmic_efficiency_multiplier == pytest.approx(
        math.sqrt(ds["low"] * ds["high"]), rel=0.01)   # the geometric middle
    r = evaluate(s)
    block = r.lag_decomposition
    assert block.efficiency_range == [ds["low"], ds["high"]]
    assert block.provenance["efficiency"].startswith("anchored")
    q = block.general.intervals.efficiency_years
    clock = block.clock_per_year
    assert -math.log(ds["high"]) / clock - 1e-9 <= q.p5 < q.p95 <= -math.log(ds["low"]) / clock
    row = next(row for row in r.tornado if row.path == LEVER)
    assert row.scratch.lag_years_at_high < row.scratch.lag_years_at_low
    assert row.scratch.swing_years == pytest.approx(
        math.log(ds["high"] / ds["low"]) / clock, rel=1e-9)


def test_skill_axis_shares_the_scratch_parts_and_efficiency_moves_its_scratch_compute():
    base = load_scenario(EFFICIENT)
    r = evaluate(base, draws=0, with_tornado=False)
    block, cap = r.lag_decomposition, r.capability
    assert block.skill.compute_gap_years == block.general.compute_gap_years
    assert block.skill.efficiency_years == block.general.efficiency_years
    assert block.skill.distillation_years == pytest.approx(
        cap["distilled"]["lag_years"] - cap["scratch"]["lag_years"], abs=1e-12)
    parity = evaluate(load_scenario(EFFICIENT, ["actor.algorithmic_efficiency_multiplier=1.0"]),
                      draws=0, with_tornado=False)
    m = base.actor.algorithmic_efficiency_multiplier
    assert (cap["scratch"]["skill_equivalent_compute_flop"] == pytest.approx(
        m * parity.capability["scratch"]["skill_equivalent_compute_flop"], rel=1e-12))


def test_the_sourced_range_is_the_span_of_the_pairs_same_date_multipliers():
    ev = evidence()
    same_date = [p["same_date"] for p in ev["pairs"]]
    assert ev["range"]["low"] == pytest.approx(min(same_date), rel=0.005)
    assert ev["range"]["high"] == pytest.approx(max(same_date), rel=0.005)
    assert ev["range"]["provenance"] == "anchored"
    deepseek = [p["same_date"] for p in ev["pairs"] if p["actor"] == "DeepSeek-V3"]
    ds = ev["ranges"]["deepseek_v3"]
    assert (ds["low"], ds["high"]) == pytest.approx((min(deepseek), max(deepseek)), rel=0.005)
    for p in ev["pairs"]:   # each actor model scored at least as high: a lower bound
        assert p["actor_score"] >= p["reference_score"]
        assert p["same_date"] < p["raw"] or p["years_between"] <= 0


def test_model_computes_agree_with_the_frontier_models_table():
    with open(DATA_DIR / "frontier_models.csv", newline="") as f:
        table = {row["model"]: row for row in csv.DictReader(f)}
    from simulator.datafile import read_toml

    models = read_toml(DATA_DIR / "algorithmic_efficiency.toml")["models"]
    checked = 0
    for name, m in models.items():
        if name in table and table[name]["training_compute_flop"]:
            # the table may include post-training (DeepSeek-V3: +1.2e23) or Epoch's rounding
            assert m["compute_flop"] == pytest.approx(
                float(table[name]["training_compute_flop"]), rel=0.05), name
            assert m["release_date"] == table[name]["release_date"], name
            checked += 1
    assert checked >= 3


def test_run_prints_the_decomposition_and_json_carries_the_block():
    from simulator.cli import main

    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["run", str(EFFICIENT), "--draws", "200"]) == 0
    text = buf.getvalue()
    assert "where the lag goes" in text and "Efficiency (own algorithms" in text
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["run", str(EFFICIENT), "--draws", "200", "--json"]) == 0
    block = json.loads(buf.getvalue())["lag_decomposition"]
    for axis in ("general", "skill"):
        parts = block[axis]
        assert sum(parts[k] for k in PARTS) == pytest.approx(parts["total_years"], abs=1e-9)
        assert set(parts["intervals"]) == {*PARTS, "total_years"}


def test_an_efficiency_outside_its_bounds_is_an_input_error(tmp_path, capsys):
    from simulator.cli import main

    code = main(["run", str(EFFICIENT), "--set", "actor.algorithmic_efficiency_multiplier=0"])
    assert code == 2
    assert "algorithmic_efficiency_multiplier" in capsys.readouterr().err


def test_a_self_hosted_teacher_charges_physical_flop_and_the_rest_trains_at_the_efficiency():
    from simulator.scenario.core import base_values, build_context, core

    def point(m):
        s = scenario(distillation__access="logits", distillation__tokens=1e12,
                     actor__algorithmic_efficiency_multiplier=m)
        ctx = build_context(s, None, "priors")
        return core(ctx, base_values(ctx), np.full(1, -1), np.full(1, 0.5),
                    np.ones(1, dtype=bool))

    one, two = point(1.0), point(2.0)
    # the teacher's inference is the same physical FLOP whatever the actor's algorithms
    assert two["accounting.teacher_inference_flop"][0] == pytest.approx(
        one["accounting.teacher_inference_flop"][0], rel=1e-12)
    assert two["accounting.student_pretrain_flop"][0] == pytest.approx(
        one["accounting.student_pretrain_flop"][0], rel=1e-12)
    parts = general_parts(two)
    assert sum(parts[k][0] for k in PARTS) == pytest.approx(two["distill.lag_years"][0],
                                                            abs=1e-9)
    assert two["distill.lag_years"][0] <= one["distill.lag_years"][0]
