"""What every evidence chart shares: its footer, and which runs the fitted laws describe.

Used by simulator.charts.evidence (the measured runs and their laws) and
simulator.charts.gains (what distillation gains: M(C) and G(f)).
"""

from __future__ import annotations

from simulator.charts.style import Footer, Stamp
from simulator.vocabulary import transfer_sentence


def evidence_footer(stamp: Stamp | None, n_runs: int | None, extra_note: str = "",
                    total_runs: int | None = None) -> Footer:
    """Returns a chart's footer; ``total_runs``: the runs in the results file, when the chart
    uses only some of them (so its count matches the count a reader sees elsewhere)."""
    stamp = stamp or Stamp()
    runs = f"{n_runs} training runs" if n_runs else "training runs"
    if n_runs and total_runs and total_runs != n_runs:
        runs = f"{n_runs} of {total_runs} training runs"
    source = (f"Compute Moat experiments: {runs} of small GPT-style transformers on a synthetic "
              "language with a known entropy floor; fits from the fit card"
              + (f" {stamp.fit_sha256[:8]}" if stamp.fit_sha256 else "") + ".")
    note = ("Loss is held-out cross-entropy (nats/token). Bands: 5th-95th percentile over "
            "bootstrap refits. These are small-scale measurements. " + transfer_sentence(fit="card")
            + " " + extra_note).strip()
    return Footer(source=source, note=note, stamp=stamp)


def full_runs(runs):
    """Returns the runs the scratch and distillation laws were fitted to.

    Token-limited runs (0 < teacher_token_fraction < 1) belong to the headline chart's gain
    fit, not to these laws, as in simulator.curves.fit_runs.
    """
    if runs is None or "teacher_token_fraction" not in runs:
        return runs
    f = runs["teacher_token_fraction"]
    scratch = (runs["mode"] == "scratch") & (f.isna() | (f == 0))
    distill = (runs["mode"] != "scratch") & (f.isna() | (f == 1))
    return runs[scratch | distill]


