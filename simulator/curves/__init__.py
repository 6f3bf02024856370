"""Scaling-law fits: the scratch law, distillation laws, multipliers, bootstrap, fit cards.

    python -m simulator fit --runs data/experiments/default --out data/fits/default.json
    python -m simulator fit-loss --csv my_runs.csv --fix-e 0.95 --json

Modules: forms (the shared formulas), robust (summed-Huber objective and batched solver),
scratch, distill_laws, token_limited (fitters), results_csv (reading results.csv), fit_runs and
distill_section (results.csv -> fit card), card (the FitCard model, load_card), cardmodel
(what both cards' models share), summary (intervals and held-out records); capability,
capability_fit, capability_card, capability_schema (the capability card: curve, fit,
writing, model and load_capability_card).
"""
