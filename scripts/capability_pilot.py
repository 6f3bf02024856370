"""Pilot for the capability preset's post-training learning rates (one rate per arm).

    python scripts/capability_pilot.py --out /tmp/capability-pilot [--workers 2]

Trains the preset's teacher and reference base (c3 at its larger budget) once, then post-trains
that base with every arm at n = 1024 samples (self_improve: 1,024 attempts) for each rate of a
3-point grid, scoring accuracy on the world's *validation* chains (disjoint from the evaluation
chains and from every teacher prompt). The rule: per arm, the rate with the best validation
accuracy, where rates within two binomial standard errors of the best count as tied and the
smallest of those is chosen (differences inside evaluation noise do not pick a rate). Results
are cached in OUT/pilot-table.json, so the grid can be extended without rerunning it. Prints the
table and the chosen rates as JSON.
"""

import argparse
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

GRID = (0.001, 0.003, 0.01, 0.03)
ARMS = ("answer", "trace", "verified_trace", "trace_topk", "trace_logits", "grader",
        "self_improve")


def _one(args):
    job, lr = args
    from simulator.experiments.capability import run_job
    job = {**job, "lr": lr, "measure_on": "valid", "sweep_dir": job["sweep_dir"]}
    job["runs"] = [{**r, "run_id": f"pilot-{job['job_id']}-{lr}"} for r in job["runs"]]
    return run_job({**job, "sweep_dir": job["pilot_dir"]})[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from simulator.experiments.capability import run_job
    from simulator.experiments.capability_presets import build_config, plan_jobs
    cfg = build_config("capability")
    ref = f"{cfg['post']['ref_size']}@{max(cfg['pretrain']['budgets'])}"
    cfg["groups"] = [
        {"arm": "distill", "bases": [ref], "tiers": list(ARMS[:5]), "n": [1024], "seeds": [0]},
        {"arm": "grader", "bases": [ref], "n": [1024], "seeds": [0]},
        {"arm": "self_improve", "bases": [ref], "attempts": [1024], "seeds": [0]}]
    out = Path(args.out)
    jobs = plan_jobs(cfg, out.resolve())
    rows = {}
    for job in jobs:
        if job["kind"] == "teacher" and not (out / "teacher" / "model.pt").exists():
            print("teacher", run_job(job)[0]["accuracy"], flush=True)
        if job["kind"] == "base":
            path = out / "bases" / f"{job['base']}.pt"
            rows[job["base"]] = run_job(job)[0] if not path.exists() else None
    if rows[ref] is None:
        rows[ref] = json.loads(next((out / "runs").glob("*.json")).read_text())
        for p in (out / "runs").glob("*.json"):
            r = json.loads(p.read_text())
            if r.get("arm") == "base":
                rows[ref] = r
    posts = [j for j in jobs if j["kind"] == "post"]
    cache = out / "pilot-table.json"
    table = json.loads(cache.read_text()) if cache.exists() else {}
    tasks = [({**j, "base_row": rows[ref], "pilot_dir": str(out.resolve())}, lr)
             for j in posts for lr in GRID if str(lr) not in table.get(j["tier"] or j["arm"], {})]
    with ProcessPoolExecutor(args.workers) as ex:
        results = list(ex.map(_one, tasks))
    for (job, lr), row in zip(tasks, results):
        arm = job["tier"] or job["arm"]
        table.setdefault(arm, {})[str(lr)] = {k: row[k] for k in (
            "accuracy", "accuracy_no_trace", "recall", "post_steps", "n_train_samples")}
    cache.write_text(json.dumps(table, indent=2))
    n_q = 2 * cfg["world"]["n_valid"]
    chosen = {}
    for arm, accs in table.items():
        for lr, r in sorted(accs.items(), key=lambda kv: float(kv[0])):
            print(f"{arm:<15} lr={lr:<6} valid accuracy {r['accuracy']:.3f} (no trace "
                  f"{r['accuracy_no_trace']:.3f}, recall {r['recall']:.3f}, steps "
                  f"{r['post_steps']}, samples {r['n_train_samples']})")
        best = max(r["accuracy"] for r in accs.values())
        se = (best * (1 - best) / n_q) ** 0.5
        chosen[arm] = min(float(lr) for lr, r in accs.items()
                          if r["accuracy"] >= best - 2 * se)
    print(json.dumps({"chosen": chosen}, indent=2))


if __name__ == "__main__":
    main()
