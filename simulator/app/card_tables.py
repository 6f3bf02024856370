"""A fit card as tables for the Evidence page: held-out errors per law, fitted parameters with
their bootstrap intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.curves.card import FitCard


def heldout_rows(card: FitCard) -> list[dict]:
    """Returns one row per fitted law of a fit card with its held-out relative errors.

    Columns: law, mode, teacher, relative_error_loss, relative_error_excess_loss, n_runs.
    Missing numbers are None (a law fitted with too few runs to hold any out).
    """
    def row(law, mode, teacher, fit, held):
        return {"law": law, "mode": mode, "teacher": teacher,
                "relative_error_loss": held.relative_error_loss if held else None,
                "relative_error_excess_loss": held.relative_error_excess_loss if held else None,
                "n_heldout": held.n_heldout if held else None, "n_runs": fit.n_runs}

    rows = [row("scratch law L(N, D)", "scratch", "none", card.scratch, card.scratch.heldout)]
    for mode, section in card.distill.items():
        for teacher, t in section.teachers.items():
            rows.append(row("teacher-floored law", mode, teacher, t, t.heldout))
        if section.multiplier is not None:
            rows.append(row("effective-data multiplier k", mode, "", section.multiplier,
                            section.multiplier.heldout))
    for mode, teachers in card.token_limited_modes().items():
        for teacher, t in teachers.items():
            rows.append(row("token-limited gain", mode, teacher, t, t.heldout))
    return rows


def param_rows(card: FitCard) -> list[dict]:
    """Returns one row per fitted parameter: law, mode, parameter, value, 2.5% and 97.5%."""
    rows = []

    def add(law_name, mode, law):
        for name, value in law.params.items():
            lo, hi = law.intervals[name][:2] if name in law.intervals else (None, None)
            rows.append({"law": law_name, "mode": mode, "parameter": name, "value": value,
                         "p2.5": lo, "p97.5": hi})

    add("scratch", "scratch", card.scratch)
    for mode, section in card.distill.items():
        if section.multiplier is not None:
            add("multiplier ln k", mode, section.multiplier)
        for teacher, t in section.teachers.items():
            add(f"teacher-floored ({teacher})", mode, t.law)
    return rows
