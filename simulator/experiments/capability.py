"""Capability-transfer jobs: the teacher, the base students and the post-training arms.

    from simulator.experiments.capability import run_job
    rows = run_job(job)            # job: a dict built by simulator.experiments.capability_presets

Arms (``arm`` in results.csv):
- ``teacher``: trained on own data plus traces of 1-4 hop training chains; then, once per seed,
  it answers a pool of 3- and 4-hop prompts (sampled at temperature 1, batched), keeping its
  next-token distributions: the API's responses, from which every tier is cut.
- ``base``: a student pre-trained on its own data only (facts, 1-2 hop direct answers).
- ``distill``: a base post-trained on the first n pool responses, as the tier exposes them:
  ``answer`` (question + final answer; the chain of thought stays hidden), ``trace`` (the
  sampled trace), ``verified_trace`` (traces whose answer is right), ``trace_topk`` (the trace
  with the top-k distribution at each generated token), ``trace_logits`` (the full distribution).
- ``grader``: the student samples its own answers to n pool prompts, the teacher accepts or
  rejects each (it compares with its own greedy answer), the student trains on the accepted ones
  (in rounds): the reward-model channel.
- ``self_pretrain``: the base trained further on own data.
- ``self_improve``: STaR-style, no teacher: a handful of hand-written seed traces, then rounds of
  sampling its own traces and keeping those its own checker accepts (each step ``x r = y`` must
  agree with its own fact recall, and the chain must be well formed).

Post-training follows one rule for every arm (``post`` in the preset): optimiser steps =
clip(epochs x kept samples / teacher rows per batch, min_steps, max_steps), each batch half
bought (or self-made) samples, half fresh own data (replay); the learning rate is the arm's
(tier's), the same at every size.
"""

import copy
import io
import time
from pathlib import Path

import numpy as np
import torch

from simulator import atomic
from simulator.experiments import capability_train as ct
from simulator.experiments.hops import ANS, EOS, EQ, N_SPECIAL, SEP, TARGET_HOPS, HopsWorld

ARMS = ("teacher", "base", "distill", "grader", "self_pretrain", "self_improve")
TIERS = ("answer", "trace", "verified_trace", "trace_topk", "trace_logits")
POOL_STREAM, OWN_STREAM, SELF_STREAM = 7, 8, 9


def run_job(job: dict) -> list[dict]:
    """Runs one job; writes each finished run to ``runs/<run_id>.json``; returns the rows."""
    torch.set_num_threads(job["threads"])
    world = HopsWorld(**job["world"])
    if job["kind"] == "teacher":
        rows = [_teacher(job, world)]
    elif job["kind"] == "base":
        rows = [_base(job, world)]
    else:
        rows = _post(job, world)
    return rows


def _save_model(path, model):
    buf = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, buf)
    atomic.write_bytes(path, buf.getvalue())


def _load_model(path, size, world):
    model = ct.build_model(size, world, 0)
    model.load_state_dict(torch.load(path, weights_only=True))
    return model.eval()


def _write_row(job, row):
    row = {**row, "job_id": job["job_id"]}
    if job.get("sweep_dir"):
        atomic.write_json(Path(job["sweep_dir"]) / "runs" / f"{row['run_id']}.json", row)
    return row


def _row(run_id, arm, model, metrics, wall, **kw):
    row = {"run_id": run_id, "arm": arm, "tier": "", "student_params": ct.params(model),
           "n_teacher_samples": 0, "n_train_samples": 0, "post_steps": 0, "teacher_tokens": 0,
           "teacher_flop": 0.0, "generation_flop": 0.0, "level": 0, "wall_s": round(wall, 3)}
    row.update(kw)
    row.update(metrics)
    return row


def own_steps(tokens, batch, world):
    """Optimiser steps that spend a token budget on own data (expected tokens per sequence)."""
    per_seq = float(np.dot(world.own_mix, [6, 7, 8]))
    return max(1, round(tokens / (batch * per_seq)))


def _pretrain(model, world, tokens, lr, batch, seed, stream):
    rng = np.random.default_rng([world.seed, stream, seed])
    steps = own_steps(tokens, batch, world)
    return ct.train(model, steps, lr, lambda s: [ct.own_part(world, batch, rng)])


# ---------------------------------------------------------------------------------------------
# Teacher and bases

def _teacher(job, world):
    t0 = time.perf_counter()
    spec = job["teacher"]
    model = ct.build_model(spec["size"], world, spec["seed"])
    rng = np.random.default_rng([world.seed, 5, spec["seed"]])

    def batch(s):
        xt, wt = world.trace_batch(spec["trace_rows"], rng)
        return [ct.own_part(world, spec["own_rows"], rng), (xt, wt, None)]

    tokens = ct.train(model, spec["steps"], spec["lr"], batch)
    metrics = ct.measure(model, world)
    folder = Path(job["sweep_dir"]) / "teacher"
    for seed in job["pool_seeds"]:
        pool = make_pool(model, world, job["pool_size"], seed)
        buf = io.BytesIO()
        torch.save(pool, buf)
        atomic.write_bytes(folder / f"pool-s{seed}.pt", buf.getvalue())
    _save_model(folder / "model.pt", model)  # last: its presence means the pools are there
    n = ct.params(model)
    return _write_row(job, _row(job["run_id"], "teacher", model, metrics,
                                time.perf_counter() - t0, base="teacher", size="teacher",
                                pretrain_tokens=tokens, student_flop=6.0 * n * tokens,
                                seed=spec["seed"], lr=spec["lr"], post_steps=spec["steps"]))


def make_pool(model, world, size, seed):
    """Returns the teacher's responses to ``size`` training prompts (3 and 4 hops alternating):
    sampled sequences, their prompt lengths, next-token distributions (fp16), the sampled final
    answers, the teacher's greedy answers (what it grades with) and the true answers."""
    rng = np.random.default_rng([world.seed, POOL_STREAM, seed])
    gen = torch.Generator().manual_seed(int(rng.integers(2 ** 31)))
    out = {k: [None] * size for k in ("seq", "probs")}
    ans, greedy, truth, start = (np.zeros(size, np.int64) for _ in range(4))
    for j, k in enumerate(TARGET_HOPS):
        idx = np.arange(j, size, len(TARGET_HOPS))
        e, rels = world.train_chains(k, len(idx), rng)
        seqs, probs, a = ct.sample_chains(model, world, e, rels, 1.0, gen, keep_probs=True)
        _, _, g = ct.sample_chains(model, world, e, rels, 0.0, None)
        for i, s, p in zip(idx, seqs, probs):
            out["seq"][i], out["probs"][i] = torch.from_numpy(s), p[:len(s) - (k + 3)]
        ans[idx], greedy[idx], start[idx] = a, g, k + 3
        truth[idx] = world.ent(world.answer(e, rels))
    return {"seq": out["seq"], "probs": out["probs"], "answer": torch.from_numpy(ans),
            "greedy": torch.from_numpy(greedy), "truth": torch.from_numpy(truth),
            "start": torch.from_numpy(start)}


def _base(job, world):
    t0 = time.perf_counter()
    size = job["size"]
    model = ct.build_model(size, world, job["seed"])
    tokens = _pretrain(model, world, job["tokens"], size["lr"], job["batch"], job["seed"], 3)
    _save_model(Path(job["sweep_dir"]) / "bases" / f"{job['base']}.pt", model)
    metrics = ct.measure(model, world)
    n = ct.params(model)
    return _write_row(job, _row(job["run_id"], "base", model, metrics, time.perf_counter() - t0,
                                base=job["base"], size=job["size_name"], pretrain_tokens=tokens,
                                student_flop=6.0 * n * tokens, seed=job["seed"],
                                lr=size["lr"]))


# ---------------------------------------------------------------------------------------------
# Post-training

def _post(job, world):
    sweep = Path(job["sweep_dir"])
    base = _load_model(sweep / "bases" / f"{job['base']}.pt", job["size"], world)
    base_row = job["base_row"]
    pool = None
    if job["arm"] in ("distill", "grader"):
        pool = torch.load(sweep / "teacher" / f"pool-s{job['seed']}.pt", weights_only=True)
    rows = []
    skip = set(job.get("skip", ()))
    for run in job["runs"]:
        if run["run_id"] in skip:
            continue
        t0 = time.perf_counter()
        model = copy.deepcopy(base)
        rng = np.random.default_rng([world.seed, OWN_STREAM, job["seed"], run["level"]])
        gen = torch.Generator().manual_seed(int(rng.integers(2 ** 31)))
        arm_fn = {"distill": _distill, "grader": _grader, "self_pretrain": _self_pretrain,
                  "self_improve": _self_improve}[job["arm"]]
        extra = arm_fn(model, world, job, run["level"], pool, rng, gen)
        chains = world.valid_chains if job.get("measure_on") == "valid" else None
        metrics = ct.measure(model, world, chains)
        n = ct.params(model)
        extra["student_flop"] = float(base_row["student_flop"]) + 6.0 * n * extra.pop("tokens")
        extra["teacher_flop"] = 2.0 * job["teacher_params"] * extra.get("teacher_tokens", 0)
        rows.append(_write_row(job, _row(
            run["run_id"], job["arm"], model, metrics, time.perf_counter() - t0,
            tier=job.get("tier", ""), base=job["base"], size=job["size_name"],
            pretrain_tokens=int(base_row["pretrain_tokens"]), seed=job["seed"],
            level=run["level"], lr=job["lr"], **extra)))
    return rows


def post_steps(n_rows, post):
    if n_rows <= 0:
        return 0
    steps = int(np.ceil(post["epochs"] * n_rows / post["teacher_rows"]))
    return int(min(max(steps, post["min_steps"]), post["max_steps"]))


def _fit_rows(model, world, job, seqs, starts, soft, rng, steps):
    """Post-trains on rows (epochs in shuffled order), half of each batch own-data replay."""
    post = job["post"]
    B = post["teacher_rows"]
    order = np.concatenate([rng.permutation(len(seqs))
                            for _ in range(steps * B // max(1, len(seqs)) + 1)])

    def batch(s):
        idx = order[s * B:(s + 1) * B]
        part = ct.rows_batch([seqs[i] for i in idx], [starts[i] for i in idx],
                             None if soft is None else [soft[i] for i in idx], world.vocab_size)
        return [part, ct.own_part(world, post["own_rows"], rng)]

    return ct.train(model, steps, job["lr"], batch)


def tier_rows(pool, n, tier, top_k, vocab, n_entities=None):
    """Returns (seqs, starts, soft or None) of the first n pool responses as a tier shows them
    (``answer``: only responses whose final answer is an entity, if ``n_entities`` is given)."""
    seqs = [s.numpy() for s in pool["seq"][:n]]
    starts = pool["start"][:n].tolist()
    ans, truth = pool["answer"][:n].numpy(), pool["truth"][:n].numpy()
    keep = list(range(n))
    soft = None
    if tier == "answer":  # question + final answer; a response without an answer is useless
        top = N_SPECIAL + (n_entities if n_entities is not None else vocab)
        keep = [i for i in keep if N_SPECIAL <= ans[i] < top]
        seqs = [np.concatenate([s[:st], [ANS, a, EOS]]) for s, st, a in zip(seqs, starts, ans)]
    elif tier == "verified_trace":
        keep = [i for i in keep if ans[i] == truth[i]]
    elif tier == "trace_topk":
        soft = [_topk(p.float(), top_k) for p in pool["probs"][:n]]
    elif tier == "trace_logits":
        soft = [p.float() for p in pool["probs"][:n]]
    pick = (lambda xs: [xs[i] for i in keep])
    return pick(seqs), pick(starts), (None if soft is None else pick(soft))


def _topk(p, k):
    vals, idx = p.topk(k, dim=-1)
    out = torch.zeros_like(p)
    return out.scatter_(-1, idx, vals / vals.sum(-1, keepdim=True))


def _distill(model, world, job, n, pool, rng, gen):
    post = job["post"]
    seqs, starts, soft = tier_rows(pool, n, job["tier"], post["top_k"], world.vocab_size,
                                   world.E)
    steps = post_steps(len(seqs), post)
    tokens = _fit_rows(model, world, job, seqs, starts, soft, rng, steps) if steps else 0
    teacher_tokens = ct.seq_tokens(pool["seq"][:n])  # hidden or not, the teacher wrote them all
    return {"tokens": tokens, "n_teacher_samples": n, "n_train_samples": len(seqs),
            "post_steps": steps, "teacher_tokens": teacher_tokens}


def _rounds(n, rounds):
    r = max(1, min(rounds, n // 16))
    return [n * i // r for i in range(r + 1)]


def _grader(model, world, job, n, pool, rng, gen):
    post = job["post"]
    bounds = _rounds(n, post["rounds"])
    kept_seqs, kept_starts = [], []
    tokens = gen_tokens = teacher_tokens = steps_total = 0
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        new = 0
        for k in TARGET_HOPS:
            idx = [i for i in range(lo, hi) if int(pool["start"][i]) == k + 3]
            if not idx:
                continue
            prompts = torch.stack([pool["seq"][i][:k + 3] for i in idx]).numpy()
            e, rels = prompts[:, 1] - world.ent(0), prompts[:, 2:k + 2] - world.rel(0)
            seqs, _, ans = ct.sample_chains(model, world, e, rels, 1.0, gen)
            gen_tokens += ct.seq_tokens(seqs)
            teacher_tokens += ct.seq_tokens(seqs)      # the grader reads every attempt
            ok = ans == pool["greedy"][idx].numpy()
            kept_seqs += [s for s, o in zip(seqs, ok) if o]
            kept_starts += [k + 3] * int(ok.sum())
            new += int(ok.sum())
        steps = post_steps(new, post) // max(1, len(bounds) - 1) if new else 0
        if steps:
            tokens += _fit_rows(model, world, job, kept_seqs, kept_starts, None, rng, steps)
            steps_total += steps
    return {"tokens": tokens, "n_teacher_samples": n, "n_train_samples": len(kept_seqs),
            "post_steps": steps_total, "teacher_tokens": teacher_tokens,
            "generation_flop": 2.0 * ct.params(model) * gen_tokens}


def _self_pretrain(model, world, job, extra_tokens, pool, rng, gen):
    size = job["size"]
    tokens = _pretrain(model, world, extra_tokens, size["lr"], job["own_batch"], job["seed"],
                       11 + extra_tokens % 9973)
    return {"tokens": tokens, "post_steps": own_steps(extra_tokens, job["own_batch"], world)}


def self_check(model, world, e, rels, seqs):
    """Returns (accepted, checked fact count): the student's own check of its traces: the chain is
    well formed (starts at e, uses r1..rk in order, each step starts where the last ended, the
    answer is the last entity) and every step ``x r = y`` agrees with its own greedy recall."""
    k = rels.shape[1]
    ok = np.zeros(len(seqs), bool)
    xs, rs, ys, owner = [], [], [], []
    for i, s in enumerate(seqs):
        c = s[k + 3:]
        if len(c) != 5 * k + 2 or c[-1] != EOS or c[-3] != ANS:
            continue
        steps = c[:5 * k].reshape(k, 5)
        if (steps[:-1, 4] != SEP).any() or (steps[:, 2] != EQ).any():
            continue
        x, r, y = steps[:, 0], steps[:, 1], steps[:, 3]
        if x[0] != world.ent(e[i]) or (r != world.rel(rels[i])).any() \
                or (x[1:] != y[:-1]).any() or c[-2] != y[-1] or not world.is_entity_token(y).all():
            continue
        ok[i] = True
        xs += list(x - world.ent(0))
        rs += list(r - world.rel(0))
        ys += list(y)
        owner += [i] * k
    if xs:
        x = torch.from_numpy(world.fact_seqs(np.array(xs), np.array(rs))[:, :4])
        with torch.no_grad():
            agree = model(x)[:, -1].argmax(-1).numpy() == np.array(ys)
        for i, a in zip(owner, agree):
            ok[i] &= bool(a)
    return ok, len(xs)


def _self_improve(model, world, job, attempts, pool, rng, gen):
    post = job["post"]
    seed_rng = np.random.default_rng([world.seed, SELF_STREAM, job["seed"]])
    seqs, starts = [], []
    for j, k in enumerate(TARGET_HOPS):  # the hand-written seed traces
        e, rels = world.train_chains(k, post["seed_traces"] // len(TARGET_HOPS), seed_rng)
        seqs += list(world.trace_seqs(e, rels))
        starts += [k + 3] * len(e)
    tokens = _fit_rows(model, world, job, seqs, starts, None, rng, post["min_steps"])
    steps_total, gen_tokens = post["min_steps"], 0
    bounds = _rounds(attempts, post["rounds"])
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        new = 0
        for k in TARGET_HOPS:
            e, rels = world.train_chains(k, (hi - lo) // len(TARGET_HOPS), rng)
            out, _, _ = ct.sample_chains(model, world, e, rels, 1.0, gen)
            ok, checked = self_check(model, world, e, rels, out)
            gen_tokens += ct.seq_tokens(out) + 4 * checked
            seqs += [s for s, o in zip(out, ok) if o]
            starts += [k + 3] * int(ok.sum())
            new += int(ok.sum())
        steps = post_steps(new, post) // max(1, len(bounds) - 1) if new else 0
        if steps:
            tokens += _fit_rows(model, world, job, seqs, starts, None, rng, steps)
            steps_total += steps
    return {"tokens": tokens, "n_train_samples": len(seqs), "post_steps": steps_total,
            "generation_flop": 2.0 * ct.params(model) * gen_tokens}
