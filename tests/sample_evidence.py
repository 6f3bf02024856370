"""Small synthetic inputs that follow the documented schemas (docs/interfaces.md).

Test fixtures. The numbers are invented
(near the calibration trial of DESIGN §3) and must never be cited.

    from sample_evidence import sample_card, sample_runs
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.curves.card import FitCard, validate_card
from simulator.curves.forms import scratch_loss, teacher_floored_loss

SCRATCH = {"E": 0.95, "A": 45.0, "alpha": 0.42, "B": 250.0, "beta": 0.38}
TEACHERS = {"model": 1.15}
DISTILL = {  # mode -> (top_k, B multiplier of the teacher-floored law, M(C) at small / large C)
    "logits": (None, 0.45, (3.2, 2.1)),
    "topk": (8, 0.6, (2.5, 1.8)),
    "text": (None, 0.85, (1.5, 1.2)),
}
SIZES = (5.0e3, 3.0e4, 1.08e5)
TOKENS = (2.0e5, 5.0e5, 1.0e6, 2.0e6, 4.0e6)


def _boot(params: dict, rel: float, n: int, rng) -> dict:
    return {k: list(v * np.exp(rel * rng.standard_normal(n))) for k, v in params.items()}


def _intervals(boot: dict) -> dict:
    return {k: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))]
            for k, v in boot.items()}


def sample_card(n_boot: int = 40, seed: int = 0) -> FitCard:
    """Returns a fit card (schema_version 1) with invented numbers."""
    rng = np.random.default_rng(seed)
    boot = _boot(SCRATCH, 0.03, n_boot, rng)
    boot["E"] = [SCRATCH["E"]] * n_boot
    card = {
        "schema_version": 1,
        "scratch": {
            "form": "E + A/N^alpha + B/D^beta", "params": dict(SCRATCH), "e_fixed": True,
            "intervals": {k: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))]
                          for k, v in boot.items()},
            "bootstrap": boot,
            "heldout": {"relative_error_loss": 0.021, "relative_error_excess_loss": 0.05},
            "n_runs": len(SIZES) * len(TOKENS),
        },
        "distill": {},
        "provenance": {"results_sha256": "0" * 64, "code_version": "sample", "packages": {},
                       "date": "2026-01-01T00:00:00+00:00"},
    }
    compute = np.logspace(12, 16, 17)
    fractions = np.round(np.linspace(0.0, 1.0, 21), 3)
    token_limited = {"definition": "G = D_eq / D", "modes": {}}
    for mode, (top_k, b_mult, (m_lo, m_hi)) in DISTILL.items():
        law = {"L_T": TEACHERS["model"], "A": SCRATCH["A"], "alpha": SCRATCH["alpha"],
               "B": SCRATCH["B"] * b_mult, "beta": SCRATCH["beta"]}
        lboot = _boot(law, 0.04, n_boot, rng)
        mboot = {"c0": [float(np.log(m_lo))] * n_boot, "c1": [-0.1] * n_boot,
                 "c2": [-0.5] * n_boot}
        median = np.geomspace(m_lo, m_hi, compute.size)
        gain = 1 + (median[0] - 1) * (1 - np.exp(-4 * fractions)) / (1 - np.exp(-4))
        token_limited["modes"][mode] = {"model": {
            "form": "ln G = g f^p", "params": {"g": float(np.log(gain[-1])), "p": 0.7},
            "bootstrap": {"g": [float(np.log(gain[-1]))] * n_boot, "p": [0.7] * n_boot},
            "intervals": {"g": [float(np.log(gain[-1]))] * 2, "p": [0.7, 0.7]},
            "heldout": {"relative_error_loss": 0.02},
            "gain": {"fraction": list(fractions), "point": list(gain), "median": list(gain),
                     "p05": list(1 + (gain - 1) * 0.7), "p95": list(1 + (gain - 1) * 1.3)},
            "domain": {"fraction": [0.05, 0.5]}, "n_runs": 12}}
        card["distill"][mode] = {
            "top_k": top_k,
            "multiplier": {
                "form": "ln k = c0 + c1 ln(D/N) + c2 r",
                "params": {"c0": float(np.log(m_lo)), "c1": -0.1, "c2": -0.5},
                "intervals": _intervals(mboot), "bootstrap": mboot,
                "domain": {"tokens_per_param": [2.0, 800.0], "gap_ratio": [0.0, 1.0]},
                "heldout": {"relative_error_loss": 0.03},
            },
            "teachers": {"model": {"teacher_loss": TEACHERS["model"],
                                   "law": {"params": law, "intervals": _intervals(lboot),
                                           "bootstrap": lboot},
                                   "heldout": {"relative_error_loss": 0.03},
                                   "n_runs": len(SIZES) * len(TOKENS)}},
            "compute_multiplier": {"compute_flop": list(compute), "median": list(median),
                                   "p05": list(1 + (median - 1) * 0.6),
                                   "p95": list(1 + (median - 1) * 1.5)},
        }
    card["token_limited"] = token_limited
    return validate_card(card, "sample card")


def sample_runs(seed: int = 0):
    """Returns a results.csv-shaped DataFrame with invented losses for every mode."""
    rng = np.random.default_rng(seed)
    rows = []
    for mode in ("scratch", *DISTILL):
        for n in SIZES:
            for d in TOKENS:
                if mode == "scratch":
                    loss = scratch_loss(SCRATCH, n, d)
                    teacher = "none"
                else:
                    law = dict(SCRATCH, L_T=TEACHERS["model"], B=SCRATCH["B"] * DISTILL[mode][1])
                    loss = teacher_floored_loss(law, n, d)
                    teacher = "model"
                loss *= np.exp(0.01 * rng.standard_normal())
                rows.append({"run_id": f"{mode}-{int(n)}-{int(d)}", "mode": mode,
                             "teacher": teacher, "params": n, "tokens": d,
                             "flops": 6.6 * n * d, "teacher_flops": 0.0 if teacher == "none"
                             else 2 * 5e5 * d, "loss": float(loss),
                             "oracle_loss": SCRATCH["E"], "seed": 0,
                             "top_k": DISTILL.get(mode, (None,))[0]})
    return pd.DataFrame(rows)
