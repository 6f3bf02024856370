"""Capability-transfer presets (``capability-smoke``, ``capability``) and their jobs.

    from simulator.experiments.capability_presets import build_config, plan_jobs
    config = build_config("capability-smoke")
    jobs = plan_jobs(config, sweep_dir)

A preset is plain data (the sweep's ``config.json``): the hops world, the teacher, student sizes,
pre-training budgets (a base = size x budget), the post-training rule and its learning rates, and
groups of runs. Jobs: one ``teacher`` job (training, then a response pool per seed), one ``base``
job per base, one ``post`` job per (arm, tier, base, seed) holding its runs (one per n or level).
A run's id is a hash of everything that decides its result, so a preset always names the same runs.

How the post-training settings were chosen (a rule, written here, not a look at which tier wins):
the step rule (epochs, min/max steps, replay half of each batch) follows the calibration trial in
docs (post-training is step-limited: several epochs over the bought samples); the learning rate of
each arm was picked on a pilot (scripts/capability_pilot.py) on a 4-point grid: at the reference
base and n = 1024 (self_improve: 1,024 attempts), the smallest rate whose accuracy on the
*validation* chains (never the evaluation chains) is within two binomial standard errors of the
best. The same rate is used at every size (the pilot validated no size scaling). The step budget
(min 150, max 600 steps: 2.3 epochs at n = 4,096) was sized to the 30-minute, 2-core budget.
"""

import hashlib
import json

from simulator.errors import InputError, choices_text
from simulator.experiments.model import ModelConfig, count_params

PRESET_NAMES = ("capability-smoke", "capability")
N_VALUES = [16, 64, 256, 1024, 4096]
WORLD = {"n_entities": 32, "n_relations": 8, "zipf_exponent": 1.0, "seed": 0, "vocab_size": 64,
         "context": 32, "n_eval": 200, "n_valid": 200}
TIERS = ["answer", "trace", "verified_trace", "trace_topk", "trace_logits"]

# Post-training learning rates per arm, chosen by the pilot's rule (module docstring) on the
# grid 0.001, 0.003, 0.01, 0.03 (pilot of 2026-12-01, table in data/README.md), used at every size.
POST_LR = {"answer": 0.001, "trace": 0.01, "verified_trace": 0.01, "trace_topk": 0.01,
           "trace_logits": 0.01, "grader": 0.001, "self_improve": 0.001}


def _capability():
    sizes = {"c1": {"n_layer": 2, "d_model": 16, "n_head": 1, "lr": 0.01},
             "c2": {"n_layer": 2, "d_model": 32, "n_head": 1, "lr": 0.005},
             "c3": {"n_layer": 2, "d_model": 64, "n_head": 2, "lr": 0.003}}
    bases = [f"{s}@{b}" for s in sizes for b in (100_000, 400_000)]
    big = ["c3@400000"]
    return {
        "preset": "capability", "kind": "capability", "world": WORLD, "threads": 1,
        "teacher": {"size": {"n_layer": 2, "d_model": 64, "n_head": 2}, "steps": 1500,
                    "lr": 0.003, "own_rows": 16, "trace_rows": 32, "seed": 0},
        "sizes": sizes,
        "pretrain": {"batch": 64, "budgets": [100_000, 400_000], "seed": 0},
        "post": {"teacher_rows": 16, "own_rows": 16, "epochs": 4, "min_steps": 150,
                 "max_steps": 600, "top_k": 4, "rounds": 4, "seed_traces": 8,
                 "ref_size": "c3", "lr": POST_LR},
        "groups": [
            {"arm": "distill", "bases": bases, "tiers": TIERS, "n": N_VALUES, "seeds": [0]},
            {"arm": "distill", "bases": big, "tiers": TIERS, "n": N_VALUES, "seeds": [1, 2]},
            {"arm": "grader", "bases": bases, "n": N_VALUES, "seeds": [0]},
            {"arm": "grader", "bases": big, "n": N_VALUES, "seeds": [1, 2]},
            {"arm": "self_pretrain", "bases": bases, "extra": [0.5, 1.0, 2.0], "seeds": [0]},
            # longer own pre-training of the largest base: how far the self-reliant curve is
            # measured sets the CEG lower bounds (added after the first 289 runs; see data/README)
            {"arm": "self_pretrain", "bases": big, "extra": [4.0, 8.0], "seeds": [0]},
            {"arm": "self_improve", "bases": bases, "attempts": [256, 1024, 4096], "seeds": [0]},
            {"arm": "self_improve", "bases": big, "attempts": [256, 1024, 4096], "seeds": [1, 2]},
        ],
    }


def _smoke():
    sizes = {"c1": {"n_layer": 1, "d_model": 16, "n_head": 1, "lr": 0.01},
             "c2": {"n_layer": 2, "d_model": 24, "n_head": 1, "lr": 0.008}}
    bases = ["c1@20000", "c2@20000", "c2@40000"]
    n = [16, 64]
    return {
        "preset": "capability-smoke", "kind": "capability",
        "world": {**WORLD, "n_entities": 12, "n_relations": 4, "n_eval": 48, "n_valid": 48},
        "threads": 1,
        "teacher": {"size": {"n_layer": 2, "d_model": 32, "n_head": 1}, "steps": 800,
                    "lr": 0.006, "own_rows": 16, "trace_rows": 32, "seed": 0},
        "sizes": sizes,
        "pretrain": {"batch": 32, "budgets": [20_000, 40_000], "seed": 0},
        "post": {"teacher_rows": 8, "own_rows": 8, "epochs": 2, "min_steps": 12,
                 "max_steps": 24, "top_k": 4, "rounds": 2, "seed_traces": 4,
                 "ref_size": "c2", "lr": POST_LR},
        "groups": [
            {"arm": "distill", "bases": bases, "tiers": TIERS, "n": n, "seeds": [0]},
            {"arm": "distill", "bases": ["c2@40000"], "tiers": ["trace"], "n": n, "seeds": [1]},
            {"arm": "grader", "bases": bases, "n": n, "seeds": [0]},
            {"arm": "self_pretrain", "bases": bases, "extra": [0.5, 1.0], "seeds": [0]},
            {"arm": "self_improve", "bases": bases, "attempts": [32, 64], "seeds": [0]},
        ],
    }


def build_config(preset: str) -> dict:
    builders = {"capability-smoke": _smoke, "capability": _capability}
    if preset not in builders:
        raise InputError(f"--preset: unknown preset {preset!r} "
                         f"(valid: {choices_text(PRESET_NAMES)})")
    return builders[preset]()


def _hash(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:12]


def parse_base(name):
    size, tokens = name.split("@")
    return size, int(tokens)


def _teacher_params(cfg):
    t, w = cfg["teacher"]["size"], cfg["world"]
    return count_params(ModelConfig(vocab_size=w["vocab_size"], context=w["context"], **t))


def plan_jobs(cfg, sweep_dir) -> list[dict]:
    """Returns every job of a capability sweep (teacher, bases, post-training)."""
    common = {"world": cfg["world"], "threads": cfg["threads"],
              "sweep_dir": str(sweep_dir) if sweep_dir else None}
    teacher_key = {"world": cfg["world"], "threads": cfg["threads"], "teacher": cfg["teacher"]}
    pool_seeds = sorted({s for g in cfg["groups"] if g["arm"] in ("distill", "grader")
                         for s in g["seeds"]})
    pool_size = max([n for g in cfg["groups"] if g["arm"] in ("distill", "grader")
                     for n in g["n"]], default=0)
    teacher_key["pool"] = [pool_seeds, pool_size]
    teacher = {**common, "kind": "teacher", "job_id": "teacher", "run_id": _hash(teacher_key),
               "teacher": cfg["teacher"], "pool_seeds": pool_seeds, "pool_size": pool_size,
               "deps": []}
    jobs, base_jobs = [teacher], {}
    pre = cfg["pretrain"]
    for g in cfg["groups"]:
        for b in g["bases"]:
            size_name, tokens = parse_base(b)
            if size_name not in cfg["sizes"] or tokens not in pre["budgets"]:
                raise InputError(f"preset {cfg['preset']!r}: base {b!r} is not a size@budget "
                                 "of the preset")
            if b not in base_jobs:
                size = cfg["sizes"][size_name]
                key = {"world": cfg["world"], "threads": cfg["threads"], "size": size,
                       "tokens": tokens, "batch": pre["batch"], "seed": pre["seed"]}
                base_jobs[b] = {**common, "kind": "base", "job_id": f"base-{b}", "base": b,
                                "run_id": _hash(key), "key": key, "size": size,
                                "size_name": size_name, "tokens": tokens,
                                "batch": pre["batch"], "seed": pre["seed"], "deps": []}
    jobs += list(base_jobs.values())
    post_jobs = {}
    for g in cfg["groups"]:
        arm = g["arm"]
        tiers = g.get("tiers", [""])
        levels = g.get("n") or g.get("attempts") or []
        for b in g["bases"]:
            bj = base_jobs[b]
            if arm == "self_pretrain":
                levels = [int(round(f * bj["tokens"])) for f in g["extra"]]
            for tier in tiers:
                lr = cfg["post"]["lr"].get(tier or arm, 0.0)
                if arm == "self_pretrain":
                    lr = bj["size"]["lr"]
                for seed in g["seeds"]:
                    jid = f"post-{arm}-{tier or '-'}-{b}-s{seed}"
                    if jid not in post_jobs:
                        deps = [bj["job_id"]] + (["teacher"] if arm in ("distill", "grader")
                                                 else [])
                        post_jobs[jid] = {**common, "kind": "post", "job_id": jid, "arm": arm,
                                          "tier": tier, "base": b, "size": bj["size"],
                                          "size_name": bj["size_name"], "seed": seed,
                                          "post": cfg["post"], "own_batch": pre["batch"],
                                          "lr": lr, "teacher_params": _teacher_params(cfg),
                                          "runs": [], "deps": deps}
                    job = post_jobs[jid]
                    for level in levels:
                        key = {"base": bj["key"], "arm": arm, "tier": tier, "level": level,
                               "seed": seed, "post": cfg["post"], "lr": lr}
                        if arm in ("distill", "grader"):
                            key["teacher"] = teacher["run_id"]
                        rid = _hash(key)
                        if all(r["run_id"] != rid for r in job["runs"]):
                            job["runs"].append({"run_id": rid, "level": level})
    return jobs + list(post_jobs.values())


def job_cost(job, cfg) -> float:
    """Returns a rough cost of a job in optimiser-step units (for scheduling and progress)."""
    if job["kind"] == "teacher":
        return 3.0 * cfg["teacher"]["steps"]
    if job["kind"] == "base":
        return job["tokens"] / (job["batch"] * 7.0) * 0.5
    post = job["post"]
    total = 0.0
    for run in job["runs"]:
        if job["arm"] == "self_pretrain":
            total += run["level"] / (job["own_batch"] * 7.0) * 0.5
        else:
            n = run["level"]
            total += min(max(post["epochs"] * n / post["teacher_rows"], post["min_steps"]),
                         post["max_steps"]) + 50
    return total
