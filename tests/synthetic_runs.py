"""Synthetic sweep results drawn from known laws: for testing and demonstrating the fitters.

Example:
    >>> df = synthetic_results(seed=0, noise=0.005)
    >>> df.to_csv("/tmp/synth/results.csv", index=False)   # then: python -m simulator fit ...
"""

import numpy as np
import pandas as pd

from simulator.curves import forms

TRUE_SCRATCH = {"E": 0.95, "A": 30.0, "B": 200.0, "alpha": 0.45, "beta": 0.40}
TRUE_DISTILL = {  # teacher-floored laws per mode (L_T is filled in per teacher)
    "logits": {"A": 30.0, "B": 60.0, "alpha": 0.45, "beta": 0.40},
    "topk": {"A": 30.0, "B": 90.0, "alpha": 0.45, "beta": 0.40},
    "text": {"A": 30.0, "B": 150.0, "alpha": 0.45, "beta": 0.40},
}
TRUE_GAIN = {"logits": {"g": 1.2, "p": 0.6}, "text": {"g": -0.4, "p": 0.8}}  # text: harm
SIZES = (6e3, 1.5e4, 4e4, 1e5, 2.5e5)
TOKENS = (1.25e5, 2.5e5, 5e5, 1e6, 2e6)
FRACTIONS = (0.05, 0.1, 0.25, 0.5)


def synthetic_results(seed=0, noise=0.005, sizes=SIZES, tokens=TOKENS, teacher_loss=None,
                      token_limited=True):
    """Returns a results.csv-shaped DataFrame drawn from TRUE_* with lognormal noise."""
    rng = np.random.default_rng(seed)
    e = TRUE_SCRATCH["E"]
    t_loss = teacher_loss if teacher_loss is not None else float(
        forms.scratch_loss(TRUE_SCRATCH, sizes[-1], tokens[-1] * 2))
    rows = []

    def add(mode, teacher, n, d, mean_loss, **extra):
        row = {"run_id": f"r{len(rows):04d}", "mode": mode, "teacher": teacher, "params": int(n),
               "tokens": int(d), "flops": 6.0 * n * d, "teacher_flops": 0.0 if teacher != "model"
               else 2.0 * sizes[-1] * d, "loss": float(mean_loss * np.exp(rng.normal(0, noise))),
               "oracle_loss": e, "seed": extra.pop("seed", 0), "size": f"s{sizes.index(n)}",
               "top_k": 8 if mode == "topk" else None, "hard_label_weight": 0.0,
               "teacher_loss": {"none": None, "oracle": e, "model": t_loss}[teacher],
               "teacher_token_fraction": extra.pop("fraction", None),
               "order": extra.pop("order", None), "wall_s": 1.0, "device": "cpu"}
        rows.append(row)

    for n in sizes:
        for d in tokens:
            seeds = (0, 1, 2) if n in sizes[:2] else (0,)
            for s in seeds:
                add("scratch", "none", n, d, forms.scratch_loss(TRUE_SCRATCH, n, d), seed=s)
    for mode, law in TRUE_DISTILL.items():
        for teacher, floor in (("oracle", e), ("model", t_loss)):
            params = dict(law, L_T=floor)
            for n in sizes[:4]:
                for d in tokens:
                    add(mode, teacher, n, d, forms.teacher_floored_loss(params, n, d))
    if token_limited:
        for mode, gain in TRUE_GAIN.items():
            for n in sizes[:3]:
                for d in tokens[1::2]:
                    for f in FRACTIONS:
                        g = np.exp(forms.token_limited_log_gain(gain, f))
                        add(mode, "model", n, d, forms.scratch_loss(TRUE_SCRATCH, n, g * d),
                            fraction=f, order="last")
    return pd.DataFrame(rows)
