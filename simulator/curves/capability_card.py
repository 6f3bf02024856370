"""Writing the capability card: fit a capability sweep's results.csv, check the card against
its model (simulator.curves.capability_schema), write it atomically; its terminal summary.

    python -m simulator fit --runs data/experiments/capability --out data/fits/capability.json

    card = run_capability_fit("data/experiments/capability/results.csv", "capability.json",
                              n_bootstrap=200, random_state=0)      # a CapabilityCard
    print("\n".join(summary_lines(card)))
"""

import json

import numpy as np

from simulator.curves.capability_fit import finite_or_none, fit_capability
from simulator.curves.capability_schema import CapabilityCard, validate_capability_card
from simulator.errors import InputError


def is_capability_results(path) -> bool:
    """Whether a results.csv comes from a capability sweep (it has an ``arm`` column)."""
    try:
        with open(path, newline="") as f:
            header = f.readline().strip().split(",")
    except OSError:
        return False
    return "arm" in header and "n_teacher_samples" in header


def run_capability_fit(path, out, n_bootstrap, random_state) -> CapabilityCard:
    """Fits a capability results.csv, writes the card atomically and returns it."""
    import time

    import pandas as pd

    from simulator import atomic
    from simulator.provenance import package_versions, provenance, sha256_file
    t0 = time.perf_counter()
    try:
        df = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: unreadable CSV ({exc})") from None
    if n_bootstrap < 200:
        raise InputError(f"--bootstrap {n_bootstrap}: a capability card keeps at least 200 "
                         "resamples")
    sha = sha256_file(path)
    n_eval = _n_eval(path)
    baselines = _baselines(path)
    card = fit_capability(df, n_bootstrap=n_bootstrap, random_state=random_state,
                          results_sha256=sha, n_eval=n_eval)
    prov = provenance()
    prov["packages"] = package_versions(("numpy", "scipy", "pandas"))
    prov["results_path"] = str(path)
    prov["results_sha256"] = sha
    prov["fit_seconds"] = round(time.perf_counter() - t0, 1)
    card["provenance"] = prov
    if baselines:
        card["baselines"] = baselines
    card = validate_capability_card(finite_or_none(card), str(out))  # the file's contract
    atomic.write_text(out, card.to_json())
    return card


def _baselines(path):
    """Chance levels of the sweep's evaluation set (from its config.json): uniform guessing and
    always giving the most frequent answer of each hop count (what learning only the answers'
    distribution achieves)."""
    from pathlib import Path

    from simulator.experiments.hops import HopsWorld
    try:
        world = HopsWorld(**json.loads((Path(path).parent / "config.json").read_text())["world"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    out = {"uniform": 1.0 / world.E}
    rates = []
    for k, (e, rels) in world.eval_chains.items():
        counts = np.bincount(world.answer(e, rels), minlength=world.E)
        out[f"majority_{k}hop"] = float(counts.max() / counts.sum())
        rates.append(out[f"majority_{k}hop"])
    out["majority_per_hop_mean"] = float(np.mean(rates))
    return out


def _n_eval(path):
    """Evaluation questions per run, from the sweep's config.json (next to results.csv)."""
    from pathlib import Path
    cfg = Path(path).parent / "config.json"
    try:
        world = json.loads(cfg.read_text())["world"]
        return int(world["n_eval"]) * 2
    except (OSError, ValueError, KeyError):
        return 400


def summary_lines(card: CapabilityCard) -> list[str]:
    """Returns the card's headline figures, one line per channel, for the terminal."""
    lines = [f"teacher accuracy {card.teacher.accuracy:.3f}" if card.teacher
             else "no teacher row"]
    if card.baselines:
        lines.append(f"chance: uniform {card.baselines['uniform']:.3f}, most frequent answer "
                     f"per hop count {card.baselines['majority_per_hop_mean']:.3f}")
    big = card.largest_base
    for ch, entry in card.tiers.items():
        f = entry.bases.get(big)
        if f is None:
            continue
        c = card.ceg.channels.get(ch, {}).get("1024")
        h = card.heldout.leave_one_n_out[ch]
        sign = {"lower_bound": ">", "upper_bound": "<"}.get(c.kind, "=") if c else ""
        ceg = (f"CEG(1024) {sign} {c.ceg:.3g} [{c.interval[0]:.3g}, {c.interval[1]:.3g}]"
               if c else "")
        slope = entry.gate.a_inf_vs_recall.slope if entry.gate else None
        lines.append(f"{ch:<15} @ {big}: a_inf {f.a_inf:.3f} {_iv(f.intervals['a_inf'])}"
                     f"  n50 {f.n50:.3g} {_iv(f.intervals['n50'])}  {ceg}  "
                     f"held-out (one n out) {h.mean_abs_error or 0:.3f}"
                     + (f"  gate d a_inf / d recall {slope:.2f}" if slope is not None else ""))
    return lines


def _iv(iv):
    return f"[{iv[0]:.3g}, {iv[1]:.3g}]"
