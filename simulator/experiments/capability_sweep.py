"""The capability-transfer sweep: resumable, on a process pool or a Dask cluster.

    python -m simulator experiments run --preset capability-smoke --out /tmp/cap-smoke
    python -m simulator experiments run --preset capability --out data/experiments/capability

The directory layout and guarantees are those of simulator.experiments.sweep (config.json,
provenance.json, results.csv, runs/<run_id>.json, atomic writes, finished runs skipped on a
rerun, a different config refused), plus ``teacher/`` (the teacher and its response pools) and
``bases/`` (the pre-trained students). Results columns: RESULT_COLUMNS.
"""

import csv
import io
import time
from pathlib import Path

from simulator import atomic
from simulator.experiments import capability_presets as cp
from simulator.experiments.progress import write_progress
from simulator.experiments.sweep import execute_jobs, prepare_dir, read_results
from simulator.provenance import provenance

RESULT_COLUMNS = [
    "run_id", "arm", "tier", "base", "size", "student_params", "pretrain_tokens",
    "n_teacher_samples", "n_train_samples", "level", "post_steps", "teacher_tokens",
    "teacher_flop", "student_flop", "generation_flop", "accuracy", "accuracy_3hop",
    "accuracy_4hop", "accuracy_no_trace", "accuracy_no_trace_3hop", "accuracy_no_trace_4hop",
    "recall", "own_loss", "lr", "seed", "wall_s", "job_id"]


def write_results(out, rows: dict):
    """Writes results.csv atomically, rows in a stable order."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=RESULT_COLUMNS, extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    order = {a: i for i, a in enumerate(("teacher", "base", "distill", "grader",
                                         "self_pretrain", "self_improve"))}
    for row in sorted(rows.values(), key=lambda r: (order.get(r["arm"], 9), str(r["tier"]),
                                                    str(r["base"]), int(r["seed"]),
                                                    float(r["level"]))):
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in RESULT_COLUMNS})
    atomic.write_text(Path(out) / "results.csv", buf.getvalue())


def _finished(jobs, results, out):
    """Returns the run ids whose results (and, for teacher and bases, files) are complete."""
    done = set(results)
    for job in jobs:
        if job["kind"] == "teacher" and not (out / "teacher" / "model.pt").exists():
            done.discard(job["run_id"])
        if job["kind"] == "base" and not (out / "bases" / f"{job['base']}.pt").exists():
            done.discard(job["run_id"])
    return done


def run_capability_sweep(config, out, workers=None, scheduler=None, progress=True) -> dict:
    """Runs (or resumes) a capability sweep; returns {"done", "total", "wall_s", "dir"}."""
    t0 = time.perf_counter()
    out = prepare_dir(out, config)
    record = provenance()
    record.update({"preset": config["preset"], "device": "cpu",
                   "executor": scheduler or f"local processes ({workers or 'one per core'})"})
    atomic.write_json(out / "provenance.json", record)
    jobs = cp.plan_jobs(config, out.resolve())
    ids = {j["run_id"] for j in jobs if j["kind"] != "post"}
    ids |= {r["run_id"] for j in jobs if j["kind"] == "post" for r in j["runs"]}
    results = {k: v for k, v in read_results(out).items() if k in ids}
    done = _finished(jobs, results, out)
    results = {k: v for k, v in results.items() if k in done}
    write_results(out, results)
    pending = []
    for job in jobs:
        if job["kind"] == "post":
            job["skip"] = sorted(r["run_id"] for r in job["runs"] if r["run_id"] in done)
            if len(job["skip"]) < len(job["runs"]):
                pending.append(job)
        elif job["run_id"] not in done:
            pending.append(job)
    if pending:
        _execute(pending, config, out, results, workers, scheduler, progress, len(ids))
    else:
        write_progress(out, done=len(results), total=len(ids), state="finished")
    return {"done": len(results), "total": len(ids), "wall_s": time.perf_counter() - t0,
            "dir": str(out)}


def _execute(jobs, config, out, results, workers, scheduler, progress, total):
    from simulator.experiments.capability import run_job
    cost = {j["job_id"]: cp.job_cost(j, config) for j in jobs}
    base_rows = {r["base"]: r for r in results.values() if r["arm"] == "base"}

    def with_base(job):  # a post-training job starts from its base's finished run
        return {**job, "base_row": base_rows[job["base"]]} if job["kind"] == "post" else job

    def keep_base(row):
        if row["arm"] == "base":
            base_rows[row["base"]] = row

    # the teacher first (it gates the most work), then bases, then the biggest jobs
    execute_jobs(jobs, run_job, cost=cost, results=results,
                 save=lambda: write_results(out, results), workers=workers,
                 scheduler=scheduler, progress=progress, desc=config["preset"], unit="step",
                 total_runs=total, folder=out, prepare=with_base, on_row=keep_base,
                 name="capability sweep",
                 priority=lambda j: ({"teacher": 0, "base": 1}.get(j["kind"], 2),
                                     -cost[j["job_id"]]))
