"""The throughput benchmark: model FLOP/s of the training loop vs the machine's matmul FLOP/s.

    python -m simulator bench            # a short table
    python -m simulator bench --json     # {"model_flops_per_s", "matmul_flops_per_s", "ratio", ...}

Both are measured in the same process with the same thread count (by default one thread: a
sweep runs one single-threaded run per core, so per-core efficiency is what it gets). The
training loop is the sweep's own (simulator.experiments.train.train_steps: data generation,
forward, backward, AdamW) on the largest default model at its default batch; its FLOP/s counts
the model's training FLOPs (3 x forward, attention and LM head included). The matmul figure is
square fp32 matmuls (1024^3).
"""

import statistics
import time

import torch

from simulator.experiments import presets
from simulator.experiments.model import GPT, ModelConfig
from simulator.experiments.train import Streams, Variant, make_corpus, make_optimizer, train_steps


def _matmul_window(a, b, seconds):
    n, reps, t = a.shape[0], 0, time.perf_counter()
    while True:
        a @ b
        reps += 1
        dt = time.perf_counter() - t
        if dt >= seconds:
            return reps * 2 * n ** 3 / dt


class _TrainingLoop:
    """The sweep's training loop on one default size, runnable in timed windows."""

    def __init__(self, size=None):
        cfg = presets.build_config("default")
        self.size = size or max(cfg["sizes"], key=lambda s: cfg["sizes"][s]["d_model"])
        spec = cfg["sizes"][self.size]
        corpus = make_corpus(cfg["corpus"])
        torch.manual_seed(0)
        self.model = GPT(ModelConfig(spec["n_layer"], spec["d_model"], spec["n_head"],
                                     corpus.vocab_size, corpus.context))
        self.device = torch.device("cpu")
        self.hp = {**cfg["train"], "lr": spec["lr"], "batch_seqs": spec["batch_seqs"]}
        self.opt = make_optimizer(self.model, self.hp, self.device)
        self.streams = Streams({"seed": 0, "corpus_seed": 0, "eval_seqs": 0}, corpus,
                               self.device)
        self.tokens_per_step = spec["batch_seqs"] * corpus.context
        self.step = 0

    def run(self, steps):
        lr = self.hp["lr"]
        train_steps(self.model, self.opt, self.streams, Variant(), self.hp,
                    range(self.step, self.step + steps), 0, lambda s: lr, self.device)
        self.step += steps

    def window(self, seconds):
        """Returns tokens/s over at least ``seconds`` of whole optimiser steps."""
        t, steps = time.perf_counter(), 0
        while time.perf_counter() - t < seconds:
            self.run(1)
            steps += 1
        return steps * self.tokens_per_step / (time.perf_counter() - t)


def bench(threads=1, rounds=8, seconds=0.6) -> dict:
    """Returns both throughputs and their ratio, measured in one run with ``threads`` threads.

    The two are measured in alternating windows (matmul, training, matmul, ...) so that load
    from other processes hits both alike; each figure is the best window (the machine's
    capability), and the medians are reported alongside.
    """
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        loop = _TrainingLoop()
        a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
        loop.run(5)  # warm-up
        _matmul_window(a, b, 0.2)
        mm, tok = [], []
        for _ in range(rounds):
            mm.append(_matmul_window(a, b, seconds / 2))
            tok.append(loop.window(seconds))
    finally:
        torch.set_num_threads(old)
    per_token = loop.model.train_flops_per_token()
    model_flops = max(tok) * per_token
    matmul = max(mm)
    return {"model_flops_per_s": model_flops, "matmul_flops_per_s": matmul,
            "ratio": model_flops / matmul, "threads": threads, "model": loop.size,
            "params": loop.model.params, "tokens_per_s": max(tok),
            "train_flops_per_token": per_token,
            "median_model_flops_per_s": statistics.median(tok) * per_token,
            "median_matmul_flops_per_s": statistics.median(mm)}
