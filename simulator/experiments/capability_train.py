"""Training, sampling and measuring models in the hops world (see simulator.experiments.hops).

    from simulator.experiments.capability_train import train, generate, measure
    tokens = train(model, steps=500, lr=1e-3, batch=lambda s: [(x, w, None)])
    metrics = measure(model, world)       # accuracy, accuracy_no_trace, recall, own_loss

A training step takes a list of parts (x, w, soft): tokens (B, T), loss weights (B, T - 1) and,
for distillation from log-probs, target distributions (B, T - 1, V) or None (cross-entropy on the
next token). Each part's loss is its weighted mean, and the parts are summed: with a teacher part
and an own-data replay part, each gets half the gradient whatever its length. The learning rate
warms up linearly, stays constant and anneals as 1 - sqrt over the last 20% (as
simulator.experiments.train does for pre-training).

FLOPs: training 6 N per trained (non-padding) token, generation and scoring 2 N per token, N the
model's parameters with embeddings (count_params).
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

from simulator.experiments.hops import ANS, EOS, PAD, TARGET_HOPS, pad_batch
from simulator.experiments.model import GPT, ModelConfig, count_params
from simulator.experiments.train import make_optimizer, set_lr

COOLDOWN_FRAC = 0.2


def build_model(size: dict, world, seed: int) -> GPT:
    torch.manual_seed(seed)
    cfg = ModelConfig(n_layer=size["n_layer"], d_model=size["d_model"], n_head=size["n_head"],
                      vocab_size=world.vocab_size, context=world.context)
    return GPT(cfg)


def params(model) -> int:
    return count_params(model.cfg)


def part_loss(model, x, w, soft):
    return parts_loss(model, [(x, w, soft)])


def parts_loss(model, parts):
    """Returns the sum over parts of each part's weighted mean loss, in one forward pass (the
    parts are right-padded to a common length and stacked)."""
    T = max(x.shape[1] for x, _, _ in parts)
    xs, ws, rows = [], [], []
    for x, w, _ in parts:
        xs.append(F.pad(x, (0, T - x.shape[1]), value=PAD))
        ws.append(F.pad(w, (0, T - x.shape[1])))
        rows.append(x.shape[0])
    x, w = torch.cat(xs), torch.cat(ws)
    logp = torch.log_softmax(model(x[:, :-1]), dim=-1)
    per = -logp.gather(2, x[:, 1:, None])[..., 0]
    total, lo = 0.0, 0
    for (px, pw, soft), n in zip(parts, rows):
        part = per[lo:lo + n]
        if soft is not None:
            tgt = F.pad(soft, (0, 0, 0, T - px.shape[1]))
            part = -(tgt * logp[lo:lo + n]).sum(-1)
        pw = w[lo:lo + n]
        total = total + (part * pw).sum() / pw.sum().clamp_min(1.0)
        lo += n
    return total


def train(model, steps, lr, batch, warmup=20, weight_decay=0.0) -> int:
    """Trains for ``steps`` optimiser steps on ``batch(step) -> [(x, w, soft), ...]``; returns
    the number of trained (non-padding) tokens."""
    if steps <= 0:
        return 0
    hp = {"lr": lr, "weight_decay": weight_decay, "beta1": 0.9, "beta2": 0.95}
    opt = make_optimizer(model, hp, torch.device("cpu"))
    cooldown = max(1, round(COOLDOWN_FRAC * steps))
    warmup = max(1, min(warmup, steps // 5))
    tokens = 0
    model.train()
    for s in range(steps):
        scale = min(1.0, (s + 1) / warmup)
        if s >= steps - cooldown:
            scale *= 1.0 - math.sqrt((s - (steps - cooldown) + 1) / cooldown)
        set_lr(opt, lr * scale)
        parts = batch(s)
        loss = parts_loss(model, parts)
        tokens += sum(int((x != PAD).sum()) for x, _, _ in parts)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    model.eval()
    return tokens


@torch.no_grad()
def generate(model, prompt, max_new, temperature=0.0, generator=None, keep_probs=False):
    """Returns (tokens (B, P + G), probs (B, G, V) or None): continuations of equal-length
    prompts, greedy (temperature 0) or sampled; padding after EOS. ``probs`` are the model's
    temperature-1 next-token distributions at each generated position."""
    model.eval()
    B, P = prompt.shape
    caches = [[] for _ in model.blocks]
    out, probs = [prompt[:, i] for i in range(P)], []
    done = torch.zeros(B, dtype=torch.bool)
    x_tok = prompt[:, 0]
    for t in range(P + max_new - 1):
        x = model.tok(x_tok)[:, None] + model.pos.weight[t]
        for block, cache in zip(model.blocks, caches):
            x = block.step(x, cache)
        if t + 1 < P:
            x_tok = prompt[:, t + 1]
            continue
        logits = model.ln_f(x[:, 0]) @ model.tok.weight.t()
        if keep_probs:
            probs.append(torch.softmax(logits, -1))
        if temperature == 0:
            nxt = logits.argmax(-1)
        else:
            nxt = torch.multinomial(torch.softmax(logits / temperature, -1), 1,
                                    generator=generator)[:, 0]
        nxt = torch.where(done, torch.full_like(nxt, PAD), nxt)
        done |= nxt == EOS
        out.append(nxt)
        x_tok = nxt
        if bool(done.all()):
            break
    tokens = torch.stack(out, dim=1)
    return tokens, (torch.stack(probs, dim=1) if keep_probs else None)


def parse_answer(completion):
    """Returns the token after the first ANS of each completion row (-1 where there is none)."""
    c = np.asarray(completion)
    if c.shape[1] < 2:
        return np.full(len(c), -1)
    is_ans = c[:, :-1] == ANS
    has = is_ans.any(1)
    idx = is_ans.argmax(1)
    ans = c[np.arange(len(c)), idx + 1]
    return np.where(has, ans, -1)


def max_new(k):
    return 5 * k + 2


def sample_chains(model, world, e, rels, temperature, generator, batch=512, keep_probs=False):
    """Returns (prompts + completions as a list of arrays, probs list, answers) for k-hop
    chains, generated in batches."""
    k = rels.shape[1]
    prompts = torch.from_numpy(world.prompt(e, rels))
    seqs, probs, answers = [], [], []
    for i in range(0, len(prompts), batch):
        tok, pr = generate(model, prompts[i:i + batch], max_new(k), temperature, generator,
                           keep_probs)
        answers.append(parse_answer(tok[:, k + 3:].numpy()))
        seqs += [row[row != PAD].numpy() if (row == EOS).any() else row.numpy() for row in tok]
        if keep_probs:
            probs += list(pr.half())
    return seqs, probs, np.concatenate(answers) if answers else np.zeros(0, int)


def seq_tokens(seqs) -> int:
    return int(sum(len(s) for s in seqs))


@torch.no_grad()
def measure(model, world, chains=None) -> dict:
    """Returns the metrics of a model: accuracy on the evaluation chains (or ``chains``, e.g. the
    validation chains of a pilot) with a trace allowed (greedy), with the answer forced at once,
    per hop count; 1-hop fact recall; own-data loss."""
    model.eval()
    chains = world.eval_chains if chains is None else chains
    out = {}
    correct, forced = [], []
    for k in TARGET_HOPS:
        e, rels = chains[k]
        truth = world.ent(world.answer(e, rels))
        _, _, ans = sample_chains(model, world, e, rels, 0.0, None)
        prompt = torch.from_numpy(world.prompt(e, rels))
        x = torch.cat([prompt, torch.full((len(prompt), 1), ANS)], dim=1)
        direct = model(x)[:, -1].argmax(-1).numpy()
        out[f"accuracy_{k}hop"] = float(np.mean(ans == truth))
        out[f"accuracy_no_trace_{k}hop"] = float(np.mean(direct == truth))
        correct.append(ans == truth)
        forced.append(direct == truth)
    out["accuracy"] = float(np.mean(np.concatenate(correct)))
    out["accuracy_no_trace"] = float(np.mean(np.concatenate(forced)))
    out["recall"] = float(np.mean(recall_mask(model, world)))
    x, w = world.own_eval_set()
    out["own_loss"] = float(part_loss(model, x, w, None))
    return out


@torch.no_grad()
def recall_mask(model, world, e=None, r=None):
    """Returns whether the model's greedy completion of BOS e r = is the fact's answer (every
    fact by default)."""
    if e is None:
        e, r = np.divmod(np.arange(world.E * world.R), world.R)
    x = torch.from_numpy(world.fact_seqs(e, r)[:, :4])
    pred = model(x)[:, -1].argmax(-1).numpy()
    return pred == world.ent(world.table[r, e])


def rows_batch(seqs, starts, soft=None, vocab=None):
    """Returns (x, w, soft) for teacher or own rows; ``soft`` is a list of (G, V) distributions
    for the generated positions (placed after each row's prompt)."""
    x, w = pad_batch(seqs, starts)
    if soft is None:
        return x, w, None
    target = torch.zeros(x.shape[0], x.shape[1] - 1, vocab)
    for i, (p, st) in enumerate(zip(soft, starts)):
        g = min(p.shape[0], x.shape[1] - st)
        target[i, st - 1:st - 1 + g] = p[:g].float()
    # positions without a distribution (none here) fall back to the hard label
    return x, w, target


def own_part(world, B, rng):
    x, w = world.own_batch(B, rng)
    return x, w, None

