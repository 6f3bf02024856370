"""Resumable sweeps: plan the runs of a preset, run the jobs on an Executor, collect results.

    python -m simulator experiments run --preset smoke --out /tmp/smoke
    python -m simulator experiments run --preset default --out data/experiments/default
    python -m simulator experiments run --preset default --out DIR --scheduler tcp://host:8786

A sweep directory holds ``config.json`` (the preset, exactly), ``provenance.json``,
``progress.json`` (how far it has got: simulator.experiments.progress),
``results.csv`` (one row per finished run), ``runs/<run_id>.json`` (each run as it finishes,
written by the worker) and ``teachers/`` (the trained teacher and its cached labels). Every write
is atomic; a rerun skips finished runs, so a killed sweep loses only the work in flight. A
directory that holds a different config is refused. With ``--scheduler``, the Dask workers must
see the sweep directory at the same path (a LocalCluster, or a shared filesystem).
"""

import contextlib
import csv
import io
import json
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path

from simulator import atomic
from simulator.errors import InputError
from simulator.experiments import presets
from simulator.experiments.progress import write_progress
from simulator.provenance import provenance, sha256_file

COLUMNS = ["run_id", "mode", "teacher", "params", "tokens", "flops", "teacher_flops", "loss",
           "oracle_loss", "seed", "size", "n_layer", "d_model", "top_k", "hard_label_weight",
           "teacher_loss", "teacher_token_fraction", "teacher_tokens", "order", "lr",
           "batch_tokens", "wall_s", "device", "job_id",
           # issue 14 (appended, so the old columns keep their order)
           "lr_scale", "schedule", "teacher_captured_mass"]


# ---------------------------------------------------------------------------------------------
# The sweep directory

def prepare_dir(out, config) -> Path:
    """Returns the sweep directory after checking it is writable and holds this config."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise InputError(f"--out {out}: directory is not writable ({exc.strerror})") from None
    cfg_path = out / "config.json"
    if cfg_path.exists():
        try:
            old = json.loads(cfg_path.read_text())
        except (OSError, ValueError, RecursionError):
            raise InputError(f"{cfg_path}: unreadable config; use another --out") from None
        if not isinstance(old, dict):
            raise InputError(f"{cfg_path}: not a sweep config (a JSON object); use another "
                             "--out") from None
        if old != json.loads(json.dumps(config)):
            raise InputError(f"--out {out}: holds results of a different config "
                             f"(preset {old.get('preset')!r}); use another directory")
    elif (out / "results.csv").exists():
        raise InputError(f"--out {out}: holds a results.csv without config.json; "
                         "use another directory")
    atomic.write_json(cfg_path, config)
    return out


def read_results(out) -> dict:
    """Returns {run_id: row} from results.csv and any per-run files not yet merged."""
    out = Path(out)
    rows = {}
    path = out / "results.csv"
    if path.exists():
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                rows[row["run_id"]] = row
    runs = out / "runs"
    if runs.is_dir():
        for p in sorted(runs.glob("*.json")):
            if p.stem not in rows:
                try:
                    rows[p.stem] = json.loads(p.read_text())
                except ValueError:  # not possible with atomic writes, but never fatal
                    continue
    return rows


def write_results(out, rows: dict):
    """Writes results.csv atomically (rows sorted by job and budget for stable diffs)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in sorted(rows.values(), key=lambda r: (str(r["mode"]), str(r["teacher"]),
                                                    str(r["size"]), int(r["seed"]),
                                                    str(r["order"]),
                                                    float(r["teacher_token_fraction"]),
                                                    str(r["top_k"]),
                                                    float(r["hard_label_weight"]),
                                                    int(r["tokens"]))):
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in COLUMNS})
    atomic.write_text(Path(out) / "results.csv", buf.getvalue())


# ---------------------------------------------------------------------------------------------
# Executors

def resolve_device(device: str) -> str:
    """Returns 'cpu' or 'cuda' for --device auto|cpu|cuda."""
    if device not in ("auto", "cpu", "cuda"):
        raise InputError(f"--device: unknown device {device!r} (valid: auto, cpu, cuda)")
    import torch
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA device is available")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def open_executor(workers, scheduler):
    """Returns (executor, slots, closer): a process pool, or a Dask cluster's executor."""
    if scheduler:
        try:
            from dask.distributed import Client
        except ImportError:
            raise InputError("--scheduler: dask.distributed is not installed "
                             "(pip install 'compute-moat[cluster]')") from None
        try:
            client = Client(scheduler, timeout="5s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"--scheduler {scheduler}: cannot reach the Dask scheduler "
                             f"({type(exc).__name__}: {str(exc).splitlines()[0][:120]})") from None
        slots = max(1, sum(client.nthreads().values()))
        return client.get_executor(pure=False), slots, client.close
    if workers is not None and workers < 1:
        raise InputError(f"--workers: must be at least 1 (got {workers})")
    workers = workers or len(os.sched_getaffinity(0))
    from simulator.workers import make_pool
    return make_pool(workers, "spawn"), workers, lambda: None  # workers die with this process


# ---------------------------------------------------------------------------------------------
# The sweep

def compute_oracle_loss(config):
    """Returns the oracle's loss on the sweep's evaluation set (None for a byte corpus)."""
    import torch

    from simulator.experiments.train import Streams, make_corpus
    if config["corpus"]["kind"] != "skills":
        return None
    threads = torch.get_num_threads()
    torch.set_num_threads(max(1, min(4, len(os.sched_getaffinity(0)))))
    try:
        corpus = make_corpus(config["corpus"])
        streams = Streams({"seed": 0, "corpus_seed": config["corpus_seed"],
                           "eval_seqs": config["eval_seqs"]}, corpus, torch.device("cpu"))
        return corpus.oracle_loss(streams.eval_set())
    finally:
        torch.set_num_threads(threads)


def run_sweep(preset, out, workers=None, scheduler=None, device="auto", corpus=None,
              progress=True, config=None) -> dict:
    """Runs (or resumes) a sweep; returns {"done": n, "total": n, "wall_s": s, "dir": path}.

    ``config`` (a dict shaped like a preset) replaces the named preset, for tests and studies.
    """
    t0 = time.perf_counter()
    corpus_sha = None
    if corpus is not None:
        from simulator.experiments.language import ByteCorpus
        ByteCorpus(corpus)  # validates the file (InputError on empty / binary / short)
        corpus_sha = sha256_file(corpus)
    if config is None:
        config = presets.build_config(preset, corpus, corpus_sha)
    device = resolve_device(device)
    out = prepare_dir(out, config)
    record = provenance({"corpus": corpus} if corpus else None)
    record.update({"preset": config["preset"], "device": device,
                   "executor": scheduler or f"local processes ({workers or 'one per core'})"})
    atomic.write_json(out / "provenance.json", record)
    oracle_loss = compute_oracle_loss(config)
    all_jobs = presets.plan_jobs(config, out.resolve(), device, oracle_loss)
    total_runs = sum(len(j["branches"]) for j in all_jobs if j["kind"] == "trunk")
    results = read_results(out)
    valid = {b["run_id"] for j in all_jobs if j["kind"] == "trunk" for b in j["branches"]}
    results = {k: v for k, v in results.items() if k in valid}
    finished = set(results)
    if not (out / "teachers" / "model.pt").exists():  # the teacher must be retrained
        finished -= {b["run_id"] for j in all_jobs if j["kind"] == "trunk"
                     for b in j["branches"] if b.get("save_teacher")}
    write_results(out, results)
    jobs = _pending(presets.with_skips(all_jobs, finished), out)
    if jobs:
        _execute(jobs, config, out, results, workers, scheduler, progress, total_runs)
    else:
        write_progress(out, done=len(results), total=total_runs, state="finished")
    return {"done": len(results), "total": total_runs, "wall_s": time.perf_counter() - t0,
            "dir": str(out)}


def _pending(jobs, out):
    """Returns the jobs still to run: label jobs only where their cache is incomplete and used."""
    needed = {d for j in jobs if j["kind"] == "trunk" for d in j["deps"]}
    pending = []
    for job in jobs:
        if job["kind"] == "labels":
            cache = out / "teachers" / "cache"
            files = [cache / f"{job['teacher']}-s{job['seed']}-{job['what']}-{c:05d}.pt"
                     for c in range(*job["chunks"])]
            if job["job_id"] not in needed or all(p.exists() for p in files):
                continue
        pending.append(job)
    ids = {j["job_id"] for j in pending}
    for job in pending:
        job["deps"] = [d for d in job["deps"] if d in ids]
    return pending


def _execute(jobs, config, out, results, workers, scheduler, progress, total_runs):
    from simulator.experiments.train import run_job
    cost = {j["job_id"]: presets.job_cost_flop(j, config) for j in jobs}
    # the teacher's path first (it gates the most work), then the biggest jobs
    critical = {d for j in jobs for d in j["deps"]}
    critical |= {d for j in jobs if j["job_id"] in critical for d in j["deps"]}
    execute_jobs(jobs, run_job, cost=cost, results=results,
                 save=lambda: write_results(out, results), workers=workers,
                 scheduler=scheduler, progress=progress, desc=config["preset"], unit="FLOP",
                 total_runs=total_runs, folder=out,
                 priority=lambda j: (j["job_id"] not in critical, -cost[j["job_id"]]))


def execute_jobs(jobs, run_job, *, cost, results, save, workers, scheduler, progress, desc,
                 unit, total_runs, priority, folder, prepare=None, on_row=None, name="sweep"):
    """Runs every job once the jobs it depends on have finished, at most one per executor slot,
    in ``priority`` order (a sort key); returns nothing.

    Each finished job's rows go into ``results`` (by run id; ``on_row`` sees each) and
    ``save()`` writes them at once, so a killed sweep keeps every finished run. ``prepare``
    may add what a job needs from earlier results just before it is submitted. On an error or
    an interrupt (Ctrl-C, SIGTERM) the local workers are killed. The sweep's progress file
    (simulator.experiments.progress) in ``folder`` follows every submission and finish and
    ends in state finished, failed or stopped.
    """
    from tqdm import tqdm

    from simulator.experiments.progress import write_progress
    from simulator.workers import close_executor, sigterm_interrupts
    work_total, work_done, failed = sum(cost.values()), 0.0, 0

    def report(state="running"):
        write_progress(folder, done=len(results), total=total_runs, failed=failed,
                       current=[j["job_id"] for j in running.values()], state=state,
                       work_done=work_done, work_total=work_total, unit=unit)

    waiting = {j["job_id"]: j for j in jobs}
    unfinished = set(waiting)
    executor, slots, close = open_executor(workers, scheduler)
    bar = tqdm(total=sum(cost.values()), unit=unit, unit_scale=True, disable=not progress,
               desc=desc, file=sys.stderr, dynamic_ncols=True, smoothing=0.05)
    bar.set_postfix_str(f"runs {len(results)}/{total_runs}")
    running = {}
    finished_cleanly, state = False, "failed"
    report()
    try:
        with sigterm_interrupts():  # SIGTERM: stop like Ctrl-C, killing the workers
            while waiting or running:
                ready = sorted((j for j in waiting.values() if not set(j["deps"]) & unfinished),
                               key=priority)
                submitted = ready[:max(0, slots - len(running))]
                for job in submitted:
                    running[executor.submit(run_job, prepare(job) if prepare else job)] = job
                    del waiting[job["job_id"]]
                if submitted:
                    report()
                if not running:
                    raise RuntimeError(f"{name}: unsatisfiable job dependencies")
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    job = running.pop(fut)
                    try:
                        rows = fut.result()
                    except Exception:
                        failed += 1
                        raise
                    for row in rows:
                        results[row["run_id"]] = row
                        if on_row:
                            on_row(row)
                    if rows:
                        save()
                    unfinished.discard(job["job_id"])
                    work_done += cost[job["job_id"]]
                    bar.update(cost[job["job_id"]])
                    bar.set_postfix_str(f"runs {len(results)}/{total_runs}")
                    report()
        finished_cleanly, state = True, "finished"
    except KeyboardInterrupt:
        state = "stopped"
        raise
    finally:
        running.clear()
        with contextlib.suppress(OSError):   # a full disk must not hide the error that ended it
            report(state)
        bar.close()
        close_executor(executor, finished_cleanly)
        close()
