"""Measures beside the US chip rules: the 2024 HBM control and China's own import measures.

Data: ``data/hbm_controls.toml`` (ECCN 3A090.c, 89 FR 96790) and
``data/china_import_measures.toml`` (reported customs blocks, purchase guidance and procurement
bans). A scenario can ask, for a chip and a rule or date:

    >>> from simulator.hardware.measures import hbm_constrained, china_measures_for
    >>> hbm_constrained("Ascend 910C", "2026-01")     # domestic chip on imported HBM
    True
    >>> [m.id for m in china_measures_for("H200", "2026-06-01")]
    ['state-funded-datacentres-2025', 'h200-customs-block-2026']
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from simulator.datafile import read_toml
from simulator.errors import InputError
from simulator.hardware.catalog import get_chip
from simulator.hardware.rules import get_rule, restricted_country
from simulator.paths import DATA_DIR

HBM_TOML = DATA_DIR / "hbm_controls.toml"
CHINA_MEASURES_TOML = DATA_DIR / "china_import_measures.toml"
KINDS = ("customs_block", "purchase_guidance", "procurement_ban")
EFFECTS = ("block", "discourage")


def _read(path) -> dict:
    return read_toml(path, "file")


@functools.lru_cache(maxsize=2)
def load_hbm_controls(path=None) -> dict:
    """Returns data/hbm_controls.toml (threshold, License Exception HBM, rationale, sources)."""
    doc = _read(path or HBM_TOML)
    for key in ("rule", "eccn", "effective", "source", "threshold"):
        if key not in doc:
            raise InputError(f"{path or HBM_TOML}: missing {key}")
    return doc


def hbm_constrained(chip, rule) -> bool:
    """Returns whether ``chip`` is a domestic (restricted-country) design using HBM while
    ``rule`` controls HBM exports: its output is then bounded by stockpiled or domestic HBM."""
    chip, rule = get_chip(chip), get_rule(rule)
    return (chip.designer_country == restricted_country() and chip.uses_hbm
            and bool(rule.extra.get("hbm_export_controls", False)))


@dataclass(frozen=True)
class ChinaMeasure:
    """One reported Chinese measure against imports of US AI chips."""

    id: str
    announced: dt.date
    kind: str
    chips: tuple
    scope: str
    effect: str
    official: bool
    confidence: str
    sources: tuple
    notes: str = ""
    ended: dt.date | None = None

    def covers(self, chip_name: str) -> bool:
        """Returns whether the measure names the chip (or every foreign chip)."""
        return "*" in self.chips or chip_name in self.chips

    def in_force(self, on: dt.date) -> bool:
        """Returns whether the measure was in force on a date."""
        return self.announced <= on and (self.ended is None or on < self.ended)


def _date(value, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{where}: not an ISO date: {value!r}") from None


@functools.lru_cache(maxsize=2)
def load_china_measures(path=None) -> tuple:
    """Returns the measures of data/china_import_measures.toml, in file order."""
    path = path or CHINA_MEASURES_TOML
    out = []
    for i, raw in enumerate(_read(path).get("measures", [])):
        where = f"{path}: measures.{i}"
        try:
            m = ChinaMeasure(
                id=str(raw["id"]), announced=_date(raw["announced"], f"{where}.announced"),
                kind=str(raw["kind"]), chips=tuple(str(c) for c in raw["chips"]),
                scope=str(raw["scope"]), effect=str(raw["effect"]),
                official=bool(raw["official"]), confidence=str(raw["confidence"]),
                sources=tuple(str(s) for s in raw["sources"]), notes=str(raw.get("notes", "")),
                ended=_date(raw["ended"], f"{where}.ended") if raw.get("ended") else None)
        except KeyError as exc:
            raise InputError(f"{where}: missing {exc.args[0]}") from None
        if m.kind not in KINDS:
            raise InputError(f"{where}.kind: {m.kind!r}; valid: {', '.join(KINDS)}")
        if m.effect not in EFFECTS:
            raise InputError(f"{where}.effect: {m.effect!r}; valid: {', '.join(EFFECTS)}")
        if not any("http" in s for s in m.sources):
            raise InputError(f"{where}.sources: no URL")
        for name in m.chips:
            if name != "*":
                get_chip(name)  # InputError naming the valid chips
        out.append(m)
    return tuple(out)


def china_measures_for(chip, on) -> list:
    """Returns the Chinese measures in force on date ``on`` (ISO text or date) that name
    ``chip`` or every foreign chip; domestic chips are never covered."""
    chip = get_chip(chip)
    if chip.designer_country == restricted_country():
        return []
    day = _date(on, "date")
    return [m for m in load_china_measures() if m.covers(chip.name) and m.in_force(day)]
