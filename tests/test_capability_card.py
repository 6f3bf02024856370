"""The capability fits and the shipped capability sweep and card."""

import numpy as np
import pandas as pd
import pytest

from simulator.curves import capability as cc
from simulator.curves.capability_fit import fit_capability
from simulator.curves.capability_schema import load_capability_card, validate_capability_card
from simulator.experiments import capability_presets as cp
from simulator.experiments.hops import HopsWorld
from simulator.paths import REPO_ROOT
from simulator.provenance import sha256_file
from tests.nested import assert_nested_close

SWEEP = REPO_ROOT / "data" / "experiments" / "capability"
CARD = REPO_ROOT / "data" / "fits" / "capability.json"


def test_the_saturating_fit_recovers_known_parameters():
    rng = np.random.default_rng(0)
    n = np.repeat([16, 64, 256, 1024, 4096], 3).astype(float)
    truth = cc.saturating(n, 0.02, 0.9, 300.0, 1.3)
    acc = truth + rng.normal(0, 0.01, size=n.size)
    fit = cc.fit_curve(n, acc, 0.02)
    assert fit["a_inf"] == pytest.approx(0.9, abs=0.03)
    assert fit["n50"] == pytest.approx(300.0, rel=0.15)
    assert fit["h"] == pytest.approx(1.3, rel=0.2)
    assert not fit["at_bound"]


def test_a_flat_curve_is_flagged_at_a_bound():
    n = np.array([16, 64, 256, 1024, 4096], float)
    fit = cc.fit_curve(n, np.full(5, 0.03), 0.03)
    assert fit["a_inf"] == pytest.approx(0.03, abs=0.01) or fit["at_bound"]


def test_self_reliant_compute_interpolates_and_marks_bounds():
    compute = np.array([1e9, 1e10, 1e11])
    acc = np.array([0.1, 0.3, 0.2])            # the envelope is 0.1, 0.3, 0.3
    c, kind = cc.self_compute_for(0.2, compute, acc)
    assert kind == "point" and c == pytest.approx(10 ** 9.5, rel=1e-9)
    c, kind = cc.self_compute_for(0.5, compute, acc)
    assert kind == "lower_bound" and c == pytest.approx(1e11)
    c, kind = cc.self_compute_for(0.05, compute, acc)
    assert kind == "upper_bound" and c == pytest.approx(1e9)


def synthetic_results():
    """A capability results table: 3 sizes x 2 budgets, two channels, self-reliant runs."""
    rows, rng = [], np.random.default_rng(1)
    sizes = {"c1": 8_000, "c2": 28_000, "c3": 106_000}
    for s, params in sizes.items():
        for tokens, recall in ((100_000, 0.3), (400_000, 0.9)):
            recall = min(1.0, recall * (1 + params / 4e5))
            base = f"{s}@{tokens}"
            c0 = 6.0 * params * tokens
            common = {"base": base, "size": s, "student_params": params,
                      "pretrain_tokens": tokens, "recall": recall, "own_loss": 1.2,
                      "accuracy_no_trace": 0.03, "generation_flop": 0.0, "teacher_tokens": 0}
            rows.append({**common, "run_id": f"b-{base}", "arm": "base", "tier": "",
                         "n_teacher_samples": 0, "student_flop": c0, "accuracy": 0.02,
                         "seed": 0, "level": 0})
            for tier, a_inf in (("trace", recall), ("answer", 0.1)):
                for n in (16, 64, 256, 1024, 4096):
                    for seed in (0, 1):
                        a = cc.saturating(n, 0.02, a_inf, 200.0, 1.5) + rng.normal(0, 0.01)
                        rows.append({**common, "run_id": f"{tier}-{base}-{n}-{seed}",
                                     "arm": "distill", "tier": tier, "n_teacher_samples": n,
                                     "teacher_tokens": 25 * n,
                                     "student_flop": c0 * (1 + n / 1e4),
                                     "accuracy": float(np.clip(a, 0, 1)), "seed": seed,
                                     "level": n})
            for f in (0.5, 1.0, 2.0):
                rows.append({**common, "run_id": f"sp-{base}-{f}", "arm": "self_pretrain",
                             "tier": "", "n_teacher_samples": 0, "student_flop": c0 * (1 + f),
                             "accuracy": 0.02 + 0.01 * f, "seed": 0, "level": f * tokens})
    rows.append({**rows[0], "run_id": "t", "arm": "teacher", "base": "teacher",
                 "size": "teacher", "accuracy": 1.0})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def synthetic_card():
    return fit_capability(synthetic_results(), n_bootstrap=200, random_state=0, n_eval=400)


def test_the_card_has_every_section_and_keeps_the_bootstrap_samples(synthetic_card):
    card = synthetic_card
    for key in ("tiers", "self_reliance", "ceg", "heldout", "warnings"):
        assert key in card
    f = card["tiers"]["trace"]["bases"]["c3@400000"]
    assert len(f["bootstrap"]["n50"]) == 200
    assert f["intervals"]["n50"][0] <= f["n50"] <= f["intervals"]["n50"][1]
    assert f["n50"] == pytest.approx(200, rel=0.3)


def test_ceg_is_a_lower_bound_where_the_self_reliant_runs_never_reach_the_accuracy(
        synthetic_card):
    ceg = synthetic_card["ceg"]["channels"]["trace"]["1024"]
    # self-reliant runs top out at 0.04; the distilled trace curve is far above
    assert ceg["kind"] == "lower_bound"
    assert ceg["ceg"] == pytest.approx(synthetic_card["self_reliance"]["max_compute"]
                                       / ceg["student_compute"])


def test_the_gate_sees_a_inf_rise_with_recall_and_held_out_errors_are_small(synthetic_card):
    gate = synthetic_card["tiers"]["trace"]["gate"]
    assert gate["a_inf_vs_recall"]["slope"] == pytest.approx(1.0, abs=0.15)
    assert synthetic_card["heldout"]["leave_one_n_out"]["trace"]["mean_abs_error"] < 0.03
    assert synthetic_card["heldout"]["leave_one_size_out"]["trace"]["mean_abs_error"] < 0.06


def test_the_fit_command_writes_a_capability_card(run_cli, tmp_path):
    synthetic_results().to_csv(tmp_path / "results.csv", index=False)
    code, out, _ = run_cli("fit", "--runs", tmp_path, "--out", tmp_path / "card.json",
                           "--bootstrap", "200")
    assert code == 0 and "capability card" in out
    card = load_capability_card(tmp_path / "card.json")
    assert card.results_sha256 == sha256_file(tmp_path / "results.csv")
    assert (tmp_path / "card.json").read_text() == card.to_json()   # written through the model


# ---------------------------------------------------------------------------------------------
# The shipped sweep and card

shipped = pytest.mark.skipif(not CARD.exists(), reason="no shipped capability card")


@shipped
def test_the_shipped_card_names_the_shipped_results():
    card = load_capability_card(CARD)
    assert card.results_sha256 == sha256_file(SWEEP / "results.csv")


@shipped
def test_refitting_the_shipped_results_reproduces_the_card():
    card = load_capability_card(CARD)
    s = card.settings
    refit = fit_capability(pd.read_csv(SWEEP / "results.csv"), n_bootstrap=s.n_bootstrap,
                           random_state=s.random_state, results_sha256=card.results_sha256,
                           n_eval=s.n_eval)
    shipped = card.to_dict()
    for key in ("tiers", "self_reliance", "ceg", "heldout", "comparisons", "warnings", "bases"):
        assert_nested_close(refit[key], shipped[key], rel=1e-5, abs_tol=1e-9)
    validate_capability_card({**refit, "provenance": {}}, "refit")   # a card the model accepts


@shipped
def test_the_shipped_teacher_has_the_skill_and_the_bases_do_not():
    df = pd.read_csv(SWEEP / "results.csv")
    cfg = cp.build_config("capability")
    world = HopsWorld(**cfg["world"])
    teacher = df[df["arm"] == "teacher"].iloc[0]
    assert teacher["accuracy_3hop"] >= 0.95 and teacher["accuracy_4hop"] >= 0.95
    e, rels = world.eval_chains[4]
    counts = np.bincount(world.answer(e, rels), minlength=world.E)
    chance = counts.max() / counts.sum()
    n = cfg["world"]["n_eval"]
    for _, r in df[df["arm"] == "base"].iterrows():
        assert r["accuracy_4hop"] <= chance + 3 * np.sqrt(chance * (1 - chance) / n)
