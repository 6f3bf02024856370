"""What the skill chart ("What an API must hide", simulator.charts.skill) draws: per access tier,
skill accuracy and CEG over a grid of teacher samples, with bands, the card's measured range and
the literature anchors as points. The report and the app draw the same series.

    from simulator.scenario.skill_series import skill_series
    s = skill_series(result["capability"])
"""

from __future__ import annotations

import numpy as np

from simulator.scenario.skill_section import TIERS, CapabilitySection
from simulator.scenario.skill_transfer import anchors, load_shapes, sample_draws, transfer

ANCHOR_LABELS = {"limo": "LIMO", "s1": "s1-32B"}


def skill_series(block: dict, draws: int = 400, seed: int = 0, points: int = 41) -> dict:
    """Returns, per tier, the median and 90% band of skill accuracy and CEG over a grid of
    teacher samples (1 to 1e8), with the card's measured range in samples (same n/n50) and the
    anchors as points."""
    shapes, anc = load_shapes(), anchors()
    section = CapabilitySection(tier=block["tier"], anchors=block["anchors"])
    grid = np.geomspace(1.0, 1e8, points)
    compute = block["scratch"]["skill_equivalent_compute_flop"]
    d = sample_draws(shapes, draws, seed)
    central = sample_draws(shapes, 1, None)
    out = {t: {k: [] for k in ("p05", "median", "p95", "ceg_p05", "ceg_median", "ceg_p95",
                               "lower")} for t in TIERS}
    ranges = {}
    for n in grid:
        res = transfer(shapes, anc, section, float(n), compute, d)
        cen = transfer(shapes, anc, section, float(n), compute, central)
        for t in TIERS:
            m, c = res["tiers"][t], cen["tiers"][t]
            lo, hi = np.percentile(m["accuracy"], [5, 95])
            out[t]["p05"].append(float(lo))
            out[t]["p95"].append(float(hi))
            out[t]["median"].append(float(c["accuracy"][0]))
            clo, chi = np.percentile(m["ceg"], [5, 95])
            out[t]["ceg_p05"].append(float(clo))
            out[t]["ceg_p95"].append(float(chi))
            out[t]["ceg_median"].append(float(c["ceg"][0]))
            out[t]["lower"].append(bool(c["lower"][0]))
            s = shapes["tiers"][t]
            n50_real = float(c["n50"][0])
            ranges[t] = (float(s["ceg_n"][0]) * n50_real / s["n50"],
                         float(s["ceg_n"][-1]) * n50_real / s["n50"])
    pts = {"r1_distill": (anc["saturation_samples"], anc["saturation_central"],
                          "R1-Distill-Qwen-32B")}
    for (n, a), name in zip(anc["few_sample_points"], ("limo", "s1")):
        if name in block["anchors"]:
            pts[name] = (n, a, ANCHOR_LABELS[name])
    return {"samples": grid.tolist(), "tiers": {t: {k: np.asarray(v) for k, v in e.items()}
                                                for t, e in out.items()},
            "measured_range": ranges, "anchors": pts,
            "self_reliant": float(anc["self_reliant_level"]),
            "scenario_samples": block["samples"], "tier": block["effective_tier"]}
