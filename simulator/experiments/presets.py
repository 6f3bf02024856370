"""Sweep presets (smoke, default, full) and how a preset expands into runs and jobs.

    from simulator.experiments.presets import build_config, plan_jobs
    config = build_config("smoke")
    jobs = plan_jobs(config, sweep_dir="data/experiments/smoke", device="cpu")

A preset is plain data (``config.json`` of a sweep). It lists model sizes with their tuned
learning rates, shared training settings, the teacher (a scratch run of the largest size,
trained once per sweep and cached) and experiment groups:

- ``scratch``: sizes x seeds x token budgets;
- ``distill``: pure distillation (every token from the teacher): sizes x budgets x teachers x
  access modes;
- ``limited``: token-limited runs (issue 8): own data plus a fraction of teacher tokens, with
  ``order`` ``last`` (teacher tokens at the end; with the ``wsd`` schedule, just before the
  decay) or ``interleaved``.

Every student of a teacher trains on the stream of seed ``student_seed``; the teacher's stream
(its seed) must differ, else the teacher would label text it was trained on (refused).

Runs that share a trunk become one job (see simulator.experiments.train). A run's id is a hash
of everything that determines its result, so the same preset always names the same runs.
"""

import copy
import hashlib
import json
import math

from simulator.errors import InputError, choices_text
from simulator.experiments.language import CHUNK_SEQS

PRESET_NAMES = ("smoke", "default", "full", "pilot")

SKILLS_64 = {"kind": "skills", "vocab_size": 64, "n_skills": 512, "successors": 4,
             "zipf_exponent": 1.4, "dirichlet": 0.5, "context": 64, "seed": 0}

TRAIN = {"warmup_steps": 20, "cooldown_frac": 0.2, "weight_decay": 0.0, "beta1": 0.9,
         "beta2": 0.95, "grad_clip": 1.0}

# name: (n_layer, d_model, n_head, learning rate, batch in sequences). Sizes step by 2-3x in
# parameters and all have at least two layers: a one-layer transformer cannot compose attention
# heads (Olsson et al. 2022, arXiv:2209.11895) and falls off the size trend (Kaplan et al. 2020,
# arXiv:2001.08361, Fig. 6). Every size takes 16-sequence (1,024-token) batches: 128-8,192
# optimiser steps over the default preset's 0.125M-8M-token budgets. Learning rates were tuned
# per size at the 2M-token budget on a ~1.4x grid (per-size tuning is what lets small runs
# follow the Chinchilla form: Porian et al. 2024, arXiv:2406.19146); the study is in
# data/README.md. Heads are 32-64 wide: on a CPU, few wide heads run attention far faster than
# many narrow ones.
SIZES_DEFAULT = {
    "s1": (2, 24, 1, 0.007, 16),
    "s2": (2, 32, 1, 0.005, 16),
    "s3": (2, 48, 1, 0.00325, 16),
    "s4": (3, 64, 1, 0.00225, 16),
    "s5": (4, 96, 2, 0.0011, 16),
    "s6": (4, 128, 2, 0.00085, 16),
}
M = 1 << 20  # token budgets are powers of two, so every batch size divides them
ACCESS = [{"mode": "logits"}, {"mode": "topk", "top_k": 4}, {"mode": "text"}]


def _sizes(table):
    return {name: {"n_layer": L, "d_model": d, "n_head": h, "lr": lr, "batch_seqs": b}
            for name, (L, d, h, lr, b) in table.items()}


# Learning-rate multipliers per distillation arm ((mode, order) -> lr_scale), tuned on the pilot
# preset (s2, 0.5M tokens, f = 0.3 / pure; grid 0.5, 1, 2, 4; data/experiments/lr_pilot.csv, see
# data/README.md). ``last``: the teacher phase's rate; ``interleaved`` and pure: the whole run's.
# Pilot losses (nats) at lr_scale 0.5 / 1 / 2 / 4, model teacher; the lowest is taken:
#   last (f = 0.3):        logits 2.533 / 2.497 / 2.493 / 2.543; top-4 2.533 / 2.497 / 2.492 /
#                          2.536; text 2.566 / 2.553 / 2.567 / 2.623 (scratch 2.546)
#   interleaved (f = 0.3): logits 2.582 / 2.523 / 2.529 / 2.556; top-4 2.583 / 2.507 / 2.523 /
#                          2.527; text 2.612 / 2.566 / 2.577 / 2.603
#   pure:                  logits 2.497 / 2.425 / 2.413 / 2.443; top-4 2.614 / 2.572 / 2.570 /
#                          2.579; text 2.649 / 2.601 / 2.603 / 2.614
# Neighbouring scales differ by 0.1-0.5% (the seed-to-seed sd is ~0.4%): the choice matters
# little except against 0.5x and 4x, which are clearly worse.
ARM_LR_SCALE = {("logits", "last"): 2.0, ("topk", "last"): 2.0, ("text", "last"): 1.0,
                ("logits", "interleaved"): 1.0, ("topk", "interleaved"): 1.0,
                ("text", "interleaved"): 1.0,
                ("logits", "pure"): 2.0, ("topk", "pure"): 2.0, ("text", "pure"): 1.0}
TOPK_SCAN = (1, 2, 4, 8, 16)


def _arm(access, order, scale_table=None):
    """Returns an access entry with the arm's tuned lr_scale and the wsd schedule."""
    table = ARM_LR_SCALE if scale_table is None else scale_table
    return {**access, "schedule": "wsd",
            "lr_scale": table.get((access["mode"], order), 1.0)}


def _default():
    """The default preset (issue 14): fair schedules, a disjoint teacher stream, a top-k scan.

    Scratch: five sizes (46x in parameters) x three seeds. Every size takes 1,024-token
    batches and the scratch law is fitted to cells of >= 512 optimiser steps (0.5M tokens,
    curves/settings.py), so the fitted budgets run 0.5M-8M tokens (16x, 1.2 decades) at s1-s4
    and 0.5M-2M (4x) at s6 (s6 at 4M-8M would add ~6-18 min on 2 cores, past the time budget
    of 45 min for both sweeps); the 0.125M and 0.25M budgets (128 and 256 steps) document the
    early-training transient, so every size's runs span 16x. s5 is left out for time, and so
    are the oracle teacher's runs (the scenario distils a trained model). The teacher is the
    s6 scratch run of seed 0 at 2M tokens; every student trains and is labelled on a stream
    disjoint from the teacher's. Every distillation cell has three student seeds (1, 2, 3;
    seed 3 adds the same-seed scratch runs the token-limited runs are anchored to): pure
    distillation, both token-limited orders and the top-k scan. Token-limited runs use the wsd
    schedule (teacher tokens before the decay), both orders at every student size.
    """
    students = ["s1", "s2", "s3"]
    seeds = [1, 2, 3]
    model_access = [ACCESS[0], ACCESS[1], ACCESS[2]]
    scan = [{"mode": "topk", "top_k": k} for k in TOPK_SCAN if k != 4]
    short = [M // 8, M // 4, M // 2, M, 2 * M]
    groups = [
        {"kind": "scratch", "sizes": students + ["s4"], "seeds": [0, 1, 2],
         "budgets": short + [4 * M, 8 * M]},
        {"kind": "scratch", "sizes": ["s6"], "seeds": [0, 1, 2], "budgets": short},
        # seed 3's own-data runs: the anchors of its token-limited runs
        {"kind": "scratch", "sizes": students, "seeds": [3], "budgets": [M]},
        {"kind": "distill", "sizes": students + ["s4"], "teachers": ["model"], "seeds": seeds,
         "access": [_arm(a, "pure") for a in model_access], "budgets": [M // 4, M // 2, M]},
    ]
    for order in ("last", "interleaved"):
        groups.append({"kind": "limited", "order": order, "sizes": students,
                       "teachers": ["model"], "seeds": seeds,
                       "access": [_arm(a, order) for a in model_access],
                       "fractions": [0.01, 0.1, 0.3], "budgets": [M]})
    # the top-k scan (captured mass from ~1/3 to ~1) at f = 0.3, teacher-last order only
    groups.append({"kind": "limited", "order": "last", "sizes": students, "teachers": ["model"],
                   "seeds": seeds, "access": [_arm(a, "last") for a in scan],
                   "fractions": [0.3], "budgets": [M]})
    return {
        "preset": "default",
        "corpus": SKILLS_64, "corpus_seed": 0, "eval_seqs": 1024, "threads": 1,
        "sizes": _sizes(SIZES_DEFAULT), "train": TRAIN,
        "teacher": {"size": "s6", "tokens": 2 * M, "seed": 0},
        "student_seed": 1,
        "groups": groups,
    }


def _pilot():
    """The learning-rate pilot of the distillation arms: s2, 0.5M tokens, lr_scale 0.5-4."""
    cfg = _default()
    cfg["preset"] = "pilot"
    grid = (0.5, 1.0, 2.0, 4.0)
    groups = [{"kind": "scratch", "sizes": ["s6"], "seeds": [0], "budgets": [2 * M]},
              {"kind": "scratch", "sizes": ["s2"], "seeds": [1], "budgets": [M // 2]}]
    for scale in grid:
        table = {(a["mode"], o): scale for a in ACCESS for o in ("last", "interleaved", "pure")}
        groups.append({"kind": "distill", "sizes": ["s2"], "teachers": ["oracle"],
                       "access": [_arm(a, "pure", table) for a in ACCESS[:2]],
                       "budgets": [M // 2]})
        groups.append({"kind": "distill", "sizes": ["s2"], "teachers": ["model"],
                       "access": [_arm(a, "pure", table) for a in ACCESS], "budgets": [M // 2]})
        for order in ("last", "interleaved"):
            groups.append({"kind": "limited", "order": order, "sizes": ["s2"],
                           "teachers": ["model"],
                           "access": [_arm(a, order, table) for a in ACCESS],
                           "fractions": [0.3], "budgets": [M // 2]})
    cfg["groups"] = groups
    return cfg


def _smoke():
    corpus = {"kind": "skills", "vocab_size": 16, "n_skills": 32, "successors": 3,
              "zipf_exponent": 1.4, "dirichlet": 0.5, "context": 16, "seed": 0}
    sizes = {"t1": (1, 8, 1, 0.03, 16), "t2": (1, 16, 1, 0.02, 16), "t3": (2, 24, 1, 0.015, 16)}
    budgets = [16_384, 32_768, 65_536]
    return {
        "preset": "smoke",
        "corpus": corpus, "corpus_seed": 0, "eval_seqs": 256, "threads": 1,
        "sizes": _sizes(sizes), "train": {**TRAIN, "warmup_steps": 10},
        "teacher": {"size": "t3", "tokens": 131_072, "seed": 0},
        "groups": [
            {"kind": "scratch", "sizes": ["t1", "t2", "t3"], "seeds": [0], "budgets": budgets},
            {"kind": "scratch", "sizes": ["t3"], "seeds": [0], "budgets": [131_072]},
            {"kind": "distill", "sizes": ["t1", "t2"], "teachers": ["oracle"],
             "access": [ACCESS[0], ACCESS[2]], "budgets": budgets},
            {"kind": "distill", "sizes": ["t1"], "teachers": ["model"],
             "access": ACCESS, "budgets": budgets},
            {"kind": "limited", "order": "last", "sizes": ["t1"], "teachers": ["model"],
             "access": [_arm(a, "last", {}) for a in (ACCESS[0], ACCESS[2])],
             "fractions": [0.1, 0.3], "budgets": [32_768, 65_536]},
            {"kind": "limited", "order": "interleaved", "sizes": ["t1"], "teachers": ["model"],
             "access": [_arm(ACCESS[0], "interleaved", {})], "fractions": [0.1],
             "budgets": [32_768, 65_536]},
        ],
        "student_seed": 1,
    }


def _full():
    """Return the full preset: the default design, larger and longer (for a GPU or cluster)."""
    cfg = _default()
    cfg["preset"] = "full"
    cfg["eval_seqs"] = 4096
    # s7's learning rate extrapolates the tuned ones (untested: no GPU was lent so far)
    cfg["sizes"]["s7"] = {"n_layer": 6, "d_model": 192, "n_head": 3, "lr": 0.0008,
                          "batch_seqs": 64}
    cfg["teacher"] = {"size": "s7", "tokens": 8 * M, "seed": 0}  # its largest scratch budget
    for g in cfg["groups"]:
        if g["kind"] == "scratch" and "s6" in g["sizes"]:
            g["sizes"] = g["sizes"] + ["s7"]
        g["budgets"] = g["budgets"] + [g["budgets"][-1] * 2, g["budgets"][-1] * 4]
        if g["kind"] == "limited":
            g["sizes"] = ["s1", "s2", "s3", "s4"]
            g["teachers"] = ["oracle", "model"] if g["order"] == "last" else ["model"]
    return cfg


def build_config(preset: str, corpus_path=None, corpus_sha256=None) -> dict:
    """Returns the config of a preset (a byte-level corpus replaces the synthetic language)."""
    builders = {"smoke": _smoke, "default": _default, "full": _full, "pilot": _pilot}
    if preset not in builders:
        raise InputError(f"--preset: unknown preset {preset!r} (valid: {choices_text(PRESET_NAMES)})")
    cfg = builders[preset]()
    if corpus_path is not None:
        cfg["corpus"] = {"kind": "bytes", "path": str(corpus_path), "sha256": corpus_sha256,
                         "context": cfg["corpus"]["context"]}
        for g in cfg["groups"]:  # no oracle for a user's text
            if "teachers" in g:
                g["teachers"] = [t for t in g["teachers"] if t != "oracle"]
        cfg["groups"] = [g for g in cfg["groups"] if g.get("teachers", ["none"])]
    return cfg


def _hash(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:12]


def _variant(access=None, teacher="none", fraction=0.0, order="none"):
    access = access or {"mode": "scratch"}
    v = {"mode": access["mode"], "teacher": teacher, "top_k": access.get("top_k"),
         "hard_label_weight": float(access.get("hard_label_weight", 0.0)),
         "teacher_token_fraction": float(fraction),
         "order": order if 0 < fraction < 1 else "none"}
    # issue 14's keys only where set, so that earlier runs keep their ids
    if "lr_scale" in access:
        v["lr_scale"] = float(access["lr_scale"])
    if "schedule" in access:
        v["schedule"] = access["schedule"]
    return v


def _corpus_identity(cfg):
    corpus = dict(cfg["corpus"])
    if corpus["kind"] == "bytes":  # a renamed file is the same corpus
        corpus.pop("path")
    return corpus


def run_id(cfg, size, seed, variant, tokens) -> str:
    """Returns the stable id of one run: a hash of everything that decides its result."""
    key = {"corpus": _corpus_identity(cfg), "corpus_seed": cfg["corpus_seed"],
           "eval_seqs": cfg["eval_seqs"], "threads": cfg["threads"], "train": cfg["train"],
           "size": cfg["sizes"][size], "seed": seed, "variant": variant, "tokens": tokens}
    if variant["teacher"] == "model":
        t = cfg["teacher"]
        key["teacher"] = {**t, "model": cfg["sizes"][t["size"]]}
    return _hash(key)


def _runs(cfg):
    """Yields (trunk key, size, seed, trunk variant, branch variant, tokens) for every run."""
    scratch = _variant()
    student_seed = cfg.get("student_seed", 0)
    for g in cfg["groups"]:
        for size in g["sizes"]:
            if g["kind"] == "scratch":
                for seed in g["seeds"]:
                    for d in g["budgets"]:
                        yield (size, seed, "own"), size, seed, scratch, scratch, d
                continue
            for seed in g.get("seeds", [student_seed]):  # replicate students: their own streams
                for teacher in g["teachers"]:
                    for access in g["access"]:
                        fractions = [1.0] if g["kind"] == "distill" else g["fractions"]
                        for f in fractions:
                            v = _variant(access, teacher, f, g.get("order", "none"))
                            if v["order"] == "last":  # branches off the own-data trunk
                                key, trunk = (size, seed, "own"), scratch
                            else:
                                key, trunk = (size, seed, json.dumps(v, sort_keys=True)), v
                            for d in g["budgets"]:
                                yield key, size, seed, trunk, v, d


def plan_jobs(cfg, sweep_dir, device, oracle_loss=None) -> list[dict]:
    """Returns every job of a sweep (trunks with their branches, teacher-label warm-ups)."""
    T = cfg["corpus"]["context"]
    base = {"corpus": cfg["corpus"], "corpus_seed": cfg["corpus_seed"],
            "eval_seqs": cfg["eval_seqs"], "threads": cfg["threads"], "device": device,
            "sweep_dir": str(sweep_dir) if sweep_dir else None, "oracle_loss": oracle_loss}
    trunks, label_needs = {}, {}
    teacher = cfg["teacher"]
    for key, size, seed, trunk_v, v, tokens in _runs(cfg):
        if key not in trunks:
            trunks[key] = {**base, "kind": "trunk", "size": size, "seed": seed,
                           "model": {k: cfg["sizes"][size][k]
                                     for k in ("n_layer", "d_model", "n_head")},
                           "train": {**cfg["train"], **{k: cfg["sizes"][size][k]
                                                         for k in ("lr", "batch_seqs")}},
                           "trunk_variant": trunk_v, "branches": [], "deps": set()}
        job = trunks[key]
        step_tokens = cfg["sizes"][size]["batch_seqs"] * T
        if tokens % step_tokens:
            raise InputError(f"preset {cfg['preset']!r}: budget {tokens} tokens is not a "
                             f"multiple of size {size}'s batch ({step_tokens} tokens)")
        rid = run_id(cfg, size, seed, v, tokens)
        if any(b["run_id"] == rid for b in job["branches"]):
            continue
        branch = {"run_id": rid, "tokens": tokens, "variant": v}
        if (size, seed, tokens, v["mode"]) == (teacher["size"], teacher["seed"],
                                              teacher["tokens"], "scratch"):
            branch["save_teacher"] = True
        job["branches"].append(branch)
        if v["teacher"] != "none":
            what = "samples" if v["mode"] == "text" else "logprobs"
            need = label_needs.setdefault((v["teacher"], what, seed), 0)
            label_needs[(v["teacher"], what, seed)] = max(need, math.ceil(tokens / T / CHUNK_SEQS))
            job["deps"].add(f"labels-{v['teacher']}-{what}-{seed}")
    leaks = sorted({size for _, size, seed, _, v, _ in _runs(cfg)
                    if v["teacher"] == "model" and seed == teacher["seed"]})
    if leaks:
        raise InputError(f"preset {cfg['preset']!r}: students {', '.join(leaks)} train on the "
                         f"teacher's own stream (seed {teacher['seed']}); set student_seed")
    jobs = []
    teacher_job = None
    for key, job in trunks.items():
        job["job_id"] = "trunk-" + _hash([job["size"], job["seed"], job["trunk_variant"],
                                          sorted(b["run_id"] for b in job["branches"])])
        if any(b.get("save_teacher") for b in job["branches"]):
            teacher_job = job["job_id"]
        jobs.append(job)
    for (t, what, seed), n_chunks in sorted(label_needs.items()):
        parts = 1 if t == "oracle" and what == "samples" else 2
        group = f"labels-{t}-{what}-{seed}"
        for p in range(parts):
            lo, hi = n_chunks * p // parts, n_chunks * (p + 1) // parts
            deps = {teacher_job} if t == "model" else set()
            jobs.append({**base, "kind": "labels", "job_id": f"{group}-{p}", "group": group,
                         "teacher": t, "what": what, "seed": seed, "chunks": [lo, hi],
                         "deps": deps})
    if any("labels-model" in d for j in jobs for d in j["deps"]) and teacher_job is None:
        raise InputError("preset: the model teacher's run is not part of the sweep")
    for job in jobs:  # dependency groups -> job ids
        ids = set()
        for d in job["deps"]:
            ids |= {j["job_id"] for j in jobs if j.get("group") == d or j["job_id"] == d}
        job["deps"] = sorted(ids)
    return jobs


def job_cost_flop(job, cfg) -> float:
    """Returns a rough FLOP estimate of a job (for the progress bar and scheduling)."""
    from simulator.experiments.model import ModelConfig, forward_flops_per_token
    V, T = _vocab(cfg), cfg["corpus"]["context"]
    if job["kind"] == "labels":
        tokens = (job["chunks"][1] - job["chunks"][0]) * CHUNK_SEQS * T
        if job["teacher"] == "oracle":
            return tokens * 2.0 * V * cfg["corpus"].get("n_skills", 1) * (job["what"] == "logprobs")
        t = cfg["sizes"][cfg["teacher"]["size"]]
        mc = ModelConfig(t["n_layer"], t["d_model"], t["n_head"], V, T)
        return tokens * forward_flops_per_token(mc) * (2 if job["what"] == "samples" else 1)
    mc = ModelConfig(**job["model"], vocab_size=V, context=T)
    per_token = 3 * forward_flops_per_token(mc)
    cool = cfg["train"]["cooldown_frac"]
    longest = max(b["tokens"] for b in job["branches"])
    def branch_frac(v):
        if v["order"] != "last":
            return cool
        if v.get("schedule") == "wsd":
            return cool + v["teacher_token_fraction"]
        return max(cool, v["teacher_token_fraction"])

    branch_tokens = sum(branch_frac(b["variant"]) * b["tokens"] for b in job["branches"])
    evals = len(job["branches"]) * cfg["eval_seqs"] * T / 3
    return per_token * ((1 - cool) * longest + branch_tokens + evals)


def _vocab(cfg):
    return cfg["corpus"].get("vocab_size", 256)


def with_skips(jobs, finished_ids):
    """Returns jobs with finished branches marked to skip, dropping trunks with none left."""
    out = []
    for job in jobs:
        if job["kind"] == "trunk":
            job = copy.deepcopy(job)
            job["skip"] = sorted(b["run_id"] for b in job["branches"]
                                 if b["run_id"] in finished_ids)
            if len(job["skip"]) == len(job["branches"]):
                continue
        out.append(job)
    return out
