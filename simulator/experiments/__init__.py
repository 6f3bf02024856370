"""Experiments: a synthetic language with an exact loss floor, tiny GPTs, scratch and
distillation runs (full logits, top-k, text), resumable sweeps and a throughput benchmark.

Modules: language (corpora and the oracle), model (the GPT and its counts), train (jobs:
trunks with cooldown branches), presets (smoke/default/full), sweep (executor, resume, results),
bench, cli.
"""
