"""The chip x rule matrix: every chip's status under every rule, and the test that decided it.

    >>> from simulator.hardware.matrix import status_matrix
    >>> m = status_matrix()
    >>> m.cell("H20", "2026-01").threshold
    'H20 licences (2025-08): named chip, 15% revenue share'

``python -m simulator chips --matrix`` prints it (table, csv or json); the app reads the same
object. The classification logic is ``simulator.hardware.rules.classify``; this module only
arranges its results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.hardware.catalog import chip_names, get_chip
from simulator.hardware.rules import Classification, classify, get_rule, rule_ids

# Short labels for a matrix cell (the table is meant to fit 100 columns).
SHORT = {
    "not_controlled": "open",
    "nac_notification": "NAC",
    "case_by_case": "case",
    "licence_required": "licence",
    "denied": "DENIED",
    "domestic": "domestic",
}


@dataclass(frozen=True)
class StatusMatrix:
    """Classifications of ``chips`` (rows) under ``rules`` (columns)."""

    chips: tuple
    rules: tuple
    cells: dict  # (chip, rule) -> Classification

    def cell(self, chip: str, rule: str) -> Classification:
        """Returns the classification of one chip under one rule (canonical names or aliases)."""
        return self.cells[(get_chip(chip).name, get_rule(rule).id)]

    def row(self, chip: str) -> dict:
        """Returns {rule id: status} for one chip."""
        return {r: self.cell(chip, r).status for r in self.rules}

    def changes(self, chip: str) -> list:
        """Returns [(rule id, status)] at each rule where the chip's status differs from the
        previous rule's (the first rule always counts)."""
        out, last = [], None
        for r in self.rules:
            status = self.cell(chip, r).status
            if status != last:
                out.append((r, status))
            last = status
        return out

    def records(self) -> list:
        """Returns one dict per chip: name, TPP, PD, US market, and per rule the status, the
        deciding test, the reason and the revenue share (None for unknown numbers)."""
        out = []
        for name in self.chips:
            chip = get_chip(name)
            rec = {"chip": name, "vendor": chip.vendor, "datacenter": chip.datacenter,
                   "us_market": chip.us_market, "spec_estimate": chip.spec_estimate,
                   "tpp": _num(chip.tpp), "performance_density": _num(chip.performance_density),
                   "memory_bandwidth_gbps": _num(chip.memory_bandwidth_gbps), "rules": {}}
            for r in self.rules:
                c = self.cells[(name, r)]
                rec["rules"][r] = {"status": c.status, "decided_by": c.threshold,
                                   "reason": c.reason, "import_allowed": c.import_allowed,
                                   "case_by_case": c.case_by_case,
                                   "revenue_share": c.revenue_share}
            out.append(rec)
        return out

    def wide_rows(self) -> list:
        """Returns one flat dict per chip: chip, tpp, performance_density, us_market, then
        ``<rule>`` (status) and ``<rule> decided_by`` for each rule (for CSV)."""
        rows = []
        for rec in self.records():
            row = {k: rec[k] for k in ("chip", "vendor", "datacenter", "us_market",
                                       "spec_estimate", "tpp", "performance_density",
                                       "memory_bandwidth_gbps")}
            for r, cell in rec["rules"].items():
                row[r] = cell["status"]
            for r, cell in rec["rules"].items():
                row[f"{r} decided_by"] = cell["decided_by"]
            rows.append(row)
        return rows


def _num(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def status_matrix(chips=None, rules=None) -> StatusMatrix:
    """Returns the matrix of ``chips`` (default: the whole catalogue) under ``rules`` (default:
    every rule in data/rules.toml, in file order)."""
    chips = tuple(get_chip(c).name for c in (chips if chips is not None else chip_names()))
    rules = tuple(get_rule(r).id for r in (rules if rules is not None else rule_ids()))
    cells = {(c, r): classify(c, r) for c in chips for r in rules}
    return StatusMatrix(chips, rules, cells)


def matrix_table(matrix: StatusMatrix) -> str:
    """Returns the matrix as aligned text (chips down, rules across, short status labels)."""
    width = max(8, *(len(r) for r in matrix.rules))
    head = f"{'chip':<13} {'TPP':>6} {'PD':>5}  " + " ".join(f"{r:<{width}}" for r in matrix.rules)
    lines = ["Export-control status of each chip under each rule (restricted country: China)",
             head.rstrip()]
    for rec in matrix.records():
        name = rec["chip"] + ("*" if rec["spec_estimate"] else "")
        tpp = "-" if rec["tpp"] is None else f"{rec['tpp']:.0f}"
        pd_ = "-" if rec["performance_density"] is None else f"{rec['performance_density']:.2f}"
        cells = " ".join(f"{SHORT[c['status']]:<{width}}" for c in rec["rules"].values())
        lines.append(f"{name[:13]:<13} {tpp:>6} {pd_:>5}  {cells}".rstrip())
    lines += [
        "open = not controlled; NAC = License Exception NAC after notice to BIS;",
        "case = licence reviewed case by case (importable); licence = licence required",
        "(modelled as blocked); DENIED = presumption of denial; domestic = designed in China.",
        "'*' = estimated specs. Deciding tests and reasons: --format csv or json.",
    ]
    return "\n".join(lines)
