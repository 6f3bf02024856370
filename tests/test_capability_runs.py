"""Capability-transfer runs: the smoke preset end to end, the teacher, determinism, resume."""

import copy
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from simulator.experiments import capability_presets as cp
from simulator.experiments.capability import TIERS, run_job
from simulator.experiments.capability_sweep import RESULT_COLUMNS, run_capability_sweep
from simulator.experiments.hops import HopsWorld
from simulator.experiments.sweep import read_results
from simulator.paths import REPO_ROOT

CONTRACT = ["run_id", "arm", "tier", "student_params", "pretrain_tokens", "n_teacher_samples",
            "teacher_tokens", "student_flop", "generation_flop", "accuracy", "accuracy_no_trace",
            "recall", "own_loss", "seed"]
SMOKE_LIMIT_S = 90  # the preset's budget on 2 idle cores


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("capability-smoke")
    t0 = time.perf_counter()
    summary = run_capability_sweep(cp.build_config("capability-smoke"), out, workers=2,
                                   progress=False)
    return out, summary, time.perf_counter() - t0


def _rows(out):
    return list(read_results(out).values())


def test_the_smoke_preset_runs_every_arm_and_tier_with_the_results_contract(smoke):
    out, summary, _ = smoke
    assert summary["done"] == summary["total"] > 40
    header = (out / "results.csv").read_text().splitlines()[0].split(",")
    assert set(CONTRACT) <= set(header) and header == RESULT_COLUMNS
    rows = _rows(out)
    assert {r["arm"] for r in rows} == {"teacher", "base", "distill", "grader", "self_pretrain",
                                        "self_improve"}
    assert {r["tier"] for r in rows if r["arm"] == "distill"} == set(TIERS)
    assert all(r["tier"] in ("", None) for r in rows if r["arm"] != "distill")
    for r in rows:
        assert 0.0 <= float(r["accuracy"]) <= 1.0 and float(r["student_flop"]) > 0
    distill = [r for r in rows if r["arm"] == "distill"]
    assert all(int(r["teacher_tokens"]) > 0 and float(r["generation_flop"]) == pytest.approx(0)
               for r in distill)
    improve = [r for r in rows if r["arm"] == "self_improve"]
    assert all(float(r["generation_flop"]) > 0 and int(r["teacher_tokens"]) == 0
               for r in improve)


def test_the_capability_sweep_leaves_a_finished_progress_file(smoke):
    from simulator.experiments.progress import read_progress

    out, summary, _ = smoke
    progress = read_progress(out)
    assert progress["state"] == "finished" and progress["failed"] == 0
    assert progress["done"] == progress["total"] == summary["total"]


@pytest.mark.slow
def test_the_smoke_preset_fits_its_time_budget_on_two_idle_cores(tmp_path):
    """A benchmark (run with -m slow on an otherwise idle machine): the budget is 90 s."""
    t0 = time.perf_counter()
    run_capability_sweep(cp.build_config("capability-smoke"), tmp_path, workers=2,
                         progress=False)
    assert time.perf_counter() - t0 <= SMOKE_LIMIT_S


def test_the_teacher_reaches_95_percent_on_held_out_3_and_4_hop_chains(smoke):
    teacher = [r for r in _rows(smoke[0]) if r["arm"] == "teacher"]
    assert len(teacher) == 1
    assert float(teacher[0]["accuracy_3hop"]) >= 0.95
    assert float(teacher[0]["accuracy_4hop"]) >= 0.95


def majority_rate(world, k):
    """The accuracy of always giving the most frequent answer of the k-hop evaluation set."""
    e, rels = world.eval_chains[k]
    counts = np.bincount(world.answer(e, rels), minlength=world.E)
    return counts.max() / counts.sum()


def test_a_base_student_is_near_chance_on_4_hops(smoke):
    cfg = cp.build_config("capability-smoke")
    world = HopsWorld(**cfg["world"])
    chance = majority_rate(world, 4)
    n = cfg["world"]["n_eval"]
    for r in _rows(smoke[0]):
        if r["arm"] == "base":
            assert float(r["accuracy_4hop"]) <= chance + 3 * np.sqrt(chance * (1 - chance) / n)


def test_a_post_training_run_is_deterministic(smoke, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(smoke[0], out)
    cfg = cp.build_config("capability-smoke")
    jobs = cp.plan_jobs(cfg, out)
    job = next(j for j in jobs if j["kind"] == "post" and j["tier"] == "trace_topk")
    results = read_results(smoke[0])
    base_row = next(r for r in results.values() if r["arm"] == "base"
                    and r["base"] == job["base"])
    rows = run_job({**copy.deepcopy(job), "base_row": base_row})
    for row in rows:  # the same accuracy as the sweep's worker process computed
        ref = results[row["run_id"]]
        for key in ("accuracy", "accuracy_no_trace", "recall", "own_loss", "student_flop"):
            assert row[key] == pytest.approx(float(ref[key]), rel=1e-9, abs=1e-12)


def test_a_killed_sweep_resumes_without_loss(smoke, tmp_path):
    out = tmp_path / "killed"
    cfg = cp.build_config("capability-smoke")
    script = ("import sys, json; from simulator.experiments.capability_sweep import "
              "run_capability_sweep; run_capability_sweep(json.loads(sys.argv[2]), sys.argv[1], "
              "workers=1, progress=False)")
    proc = subprocess.Popen([sys.executable, "-c", script, str(out), json.dumps(cfg)],
                            cwd=REPO_ROOT, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and len(list(out.glob("runs/*.json"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = read_results(out)
    total = len(read_results(smoke[0]))
    assert 0 < len(before) < total
    run_capability_sweep(cfg, out, workers=2, progress=False)
    after, full = read_results(out), read_results(smoke[0])
    assert set(after) == set(full)
    for run_id, row in before.items():  # finished runs are kept, not recomputed
        assert float(after[run_id]["wall_s"]) == pytest.approx(float(row["wall_s"]))
    for run_id, row in full.items():
        assert float(after[run_id]["accuracy"]) == pytest.approx(float(row["accuracy"]),
                                                                 abs=1e-12)


def test_the_capability_presets_refuse_a_corpus(run_cli, tmp_path):
    code, _, err = run_cli("experiments", "run", "--preset", "capability-smoke", "--out",
                           tmp_path, "--corpus", tmp_path / "x.txt")
    assert code == 2 and "--corpus" in err and "Traceback" not in err


def test_every_evaluation_chain_is_outside_the_shipped_presets_teacher_prompts():
    for name in cp.PRESET_NAMES:
        world = HopsWorld(**cp.build_config(name)["world"])
        rng = np.random.default_rng(0)
        for k in (3, 4):
            e, rels = world.train_chains(k, 2000, rng)
            assert not world.is_eval(e, rels).any()
