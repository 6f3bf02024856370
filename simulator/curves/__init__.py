"""Scaling-law fits: the scratch law, distillation laws, multipliers, bootstrap, fit cards.

    python -m simulator fit --runs data/experiments/default --out data/fits/default.json
    python -m simulator fit-loss --csv my_runs.csv --fix-e 0.95 --json

Modules: forms (the shared formulas), robust (summed-Huber objective and batched solver),
scratch, distill, token_limited (fitters), fit_runs (results.csv -> fit card), card (schema
validation, load_card), summary (intervals and held-out records), synthetic (test data).
"""
