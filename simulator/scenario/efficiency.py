"""The evidence behind the algorithmic-efficiency lever (actor.algorithmic_efficiency_multiplier):
pairs of models at similar benchmark scores and the compute each needed
(data/algorithmic_efficiency.toml, every figure with its source).

    from simulator.scenario.efficiency import evidence
    ev = evidence()
    ev["range"]["low"], ev["range"]["high"]        # the lever's sourced range (anchored)
    [(p["label"], p["same_date"]) for p in ev["pairs"]]

A pair's raw multiplier is the reference model's training compute over the actor model's; the
same-date multiplier divides out the frontier's own algorithmic progress over the time between
the two releases: raw / progress ** years. The lever's range is the span of the same-date
multipliers (checked by the tests against the figures).
"""

from __future__ import annotations

import datetime as dt
import functools
import math

from simulator.datafile import read_toml
from simulator.paths import DATA_DIR

EFFICIENCY_TOML = DATA_DIR / "algorithmic_efficiency.toml"


def pair_multipliers(data: dict) -> list[dict]:
    """Returns one dict per benchmark pair: label, actor, reference, scores, years between the
    releases, raw multiplier (reference compute / actor compute) and same-date multiplier."""
    models = data["models"]
    progress = float(data["adjustment"]["algorithmic_progress_per_year"])
    out = []
    for p in data["pairs"]:
        a, r = models[p["actor"]], models[p["reference"]]
        raw = float(r["compute_flop"]) / float(a["compute_flop"])
        years = (dt.date.fromisoformat(a["release_date"])
                 - dt.date.fromisoformat(r["release_date"])).days / 365.25
        out.append({"label": f"{p['actor']} vs {p['reference']}", "actor": p["actor"],
                    "reference": p["reference"], "benchmark": p["benchmark"],
                    "actor_score": float(p["actor_score"]),
                    "reference_score": float(p["reference_score"]),
                    "years_between": years, "raw": raw,
                    "same_date": raw / math.pow(progress, years),
                    "source": p["source"], "note": p.get("note", "")})
    return out


@functools.lru_cache(maxsize=1)
def evidence() -> dict:
    """Returns {"range": {low, high, central, provenance, note}, "ranges": {name: {...}},
    "pairs": [pair_multipliers rows], "source": file name} from the data file."""
    data = read_toml(EFFICIENCY_TOML, "algorithmic-efficiency file")
    return {"range": dict(data["range"]), "ranges": {k: dict(v) for k, v in
                                                     data.get("ranges", {}).items()},
            "pairs": pair_multipliers(data), "source": f"data/{EFFICIENCY_TOML.name}"}


def range_text() -> str:
    """Returns the sourced range in words, for notes and chart footers."""
    ev = evidence()
    lo, hi = ev["range"]["low"], ev["range"]["high"]
    pairs = {p["label"]: p for p in ev["pairs"]}
    low = min(pairs.values(), key=lambda p: p["same_date"])["label"]
    high = max(pairs.values(), key=lambda p: p["same_date"])["label"]
    return (f"{lo:.2g}× ({low}) to {hi:.2g}× ({high}): same-date training-compute ratios of "
            f"models at similar MMLU scores ({ev['source']})")
