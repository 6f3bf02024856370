"""A fit card as tables for the Evidence page: held-out errors per law, fitted parameters with
their bootstrap intervals."""

from __future__ import annotations

from typing import Mapping


def heldout_rows(card: Mapping) -> list[dict]:
    """Returns one row per fitted law of a fit card with its held-out relative errors.

    Columns: law, mode, teacher, relative_error_loss, relative_error_excess_loss, n_runs.
    Missing numbers are None: a card that skipped validation shows it instead of hiding it.
    """
    def row(law, mode, teacher, section):
        held = (section or {}).get("heldout") or {}
        return {"law": law, "mode": mode, "teacher": teacher,
                "relative_error_loss": held.get("relative_error_loss"),
                "relative_error_excess_loss": held.get("relative_error_excess_loss"),
                "n_heldout": held.get("n_heldout"), "n_runs": (section or {}).get("n_runs")}

    rows = [row("scratch law L(N, D)", "scratch", "none", card.get("scratch"))]
    for mode, section in (card.get("distill") or {}).items():
        for teacher, t in (section.get("teachers") or {}).items():
            rows.append(row("teacher-floored law", mode, teacher, t))
        if section.get("multiplier"):
            rows.append(row("effective-data multiplier k", mode, "", section["multiplier"]))
    for mode, teachers in ((card.get("token_limited") or {}).get("modes") or {}).items():
        for teacher, t in teachers.items():
            rows.append(row("token-limited gain", mode, teacher, t))
    return rows


def param_rows(card: Mapping) -> list[dict]:
    """Returns one row per fitted parameter: law, mode, parameter, value, 2.5% and 97.5%."""
    rows = []

    def add(law, mode, section):
        intervals = (section or {}).get("intervals") or {}
        for name, value in ((section or {}).get("params") or {}).items():
            lo, hi = (intervals.get(name) or (None, None))[:2]
            rows.append({"law": law, "mode": mode, "parameter": name, "value": value,
                         "p2.5": lo, "p97.5": hi})

    add("scratch", "scratch", card.get("scratch"))
    for mode, section in (card.get("distill") or {}).items():
        add("multiplier ln k", mode, section.get("multiplier"))
        for teacher, t in (section.get("teachers") or {}).items():
            add(f"teacher-floored ({teacher})", mode, t.get("law"))
    return rows
