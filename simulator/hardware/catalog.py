"""The chip catalogue: ``data/chips.csv`` plus the BIS metrics computed from its specs.

TPP (total processing performance) = 2 x MacTOPS x bit length of the operation (88 FR 73458,
Technical Note to 3A090), which for datasheet figures is dense TOPS x bit length, maximised over
precisions: FP4 counts at 4 bits, so a part whose FP4 rate is more than twice its FP8 rate
(B300) is rated by FP4. Performance density = TPP / applicable die area, the area of all logic
dies made on a non-planar (FinFET or GAA) node (same note). Both are computed here, never typed
into the data.

    >>> from simulator.hardware import get_chip
    >>> get_chip("h100").tpp
    15832.0
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass, field

from simulator.errors import InputError, choices_text
from simulator.paths import DATA_DIR

CHIPS_CSV = DATA_DIR / "chips.csv"

# precision -> (column in chips.csv, bit length counted by TPP or None if not counted).
# TF32 is left out of TPP: its bit length is ambiguous (19 stored bits on 32-bit operands), and
# on every listed chip TF32 x 32 is at most the 16-bit figure x 16 anyway.
PRECISION_COLUMNS = {
    "fp32": ("fp32_tflops", 32),
    "tf32": ("tf32_tflops", None),
    "bf16": ("bf16_fp16_tflops", 16),
    "fp8": ("fp8_tflops", 8),
    "int8": ("int8_tops", 8),
    "fp4": ("fp4_tflops", 4),
}
PRECISIONS = tuple(PRECISION_COLUMNS)
PRECISION_ALIASES = {"fp16": "bf16"}  # one 16-bit column: BF16, or FP16 where a chip has no BF16

_BOOL_COLUMNS = ("datacenter", "us_market", "price_estimate", "rental_estimate", "spec_estimate")
_REQUIRED_COLUMNS = (
    "chip", "aliases", "vendor", "year", "datacenter", "designer_country", "us_market",
    *(col for col, _ in PRECISION_COLUMNS.values()),
    "memory_gb", "memory_type", "memory_bandwidth_gbps", "interconnect_gbps", "die_area_mm2",
    "price_usd", "price_estimate", "rental_usd_per_hour", "rental_estimate",
    "spec_estimate", "estimate_notes", "sources", "price_source", "rental_source",
)


def _normalise(name: str) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def _float_or_nan(value) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def compute_tpp(row) -> float:
    """Returns TPP = max over precisions of dense TOPS x bit length (NaN if no figure)."""
    candidates = [
        _float_or_nan(row.get(col)) * bits
        for col, bits in PRECISION_COLUMNS.values()
        if bits is not None
    ]
    candidates = [c for c in candidates if not math.isnan(c)]
    return max(candidates) if candidates else math.nan


def compute_performance_density(tpp: float, die_area_mm2: float) -> float:
    """Returns TPP per mm2 of die area (NaN when the area is not published)."""
    if math.isnan(tpp) or math.isnan(die_area_mm2) or die_area_mm2 <= 0:
        return math.nan
    return tpp / die_area_mm2


@functools.lru_cache(maxsize=4)
def _records(path: str) -> tuple:
    """Returns chips.csv's rows as dicts of text (booleans parsed), read with the csv module so
    that ``run`` and ``accounting`` start without pandas; checks the columns and booleans."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            rows = [dict(row) for row in reader]
            columns = reader.fieldnames or []
    except FileNotFoundError as exc:
        raise InputError(f"{path}: chip catalogue not found") from exc
    missing = [c for c in _REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError(f"{path}: missing columns {choices_text(missing)}")
    for col in _BOOL_COLUMNS:
        bad = [row["chip"] for row in rows
               if row[col].strip().lower() not in ("true", "false")]
        if bad:
            raise InputError(f"{path}: column {col} must be true or false (rows {choices_text(bad)})")
        for row in rows:
            row[col] = row[col].strip().lower() == "true"
    return tuple(rows)


# Cells pandas.read_csv reads as missing (its default na_values); kept so that the typed rows
# below and the DataFrame built from them stay what pandas made of the file.
_NA_TEXT = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
                      "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a",
                      "nan", "null"})
_TEXT_COLUMNS = ("aliases", "memory_type", "estimate_notes", "sources", "price_source",
                 "rental_source")  # missing text reads as ""


def _is_int(text: str) -> bool:
    digits = text[1:] if text[:1] in "+-" else text
    return digits.isascii() and digits.isdigit()


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return "_" not in text


def _column_type(cells: list) -> type:
    """Returns int, float or str: what pandas.read_csv infers for a column's cells."""
    present = [c for c in cells if c not in _NA_TEXT]
    if present and len(present) == len(cells) and all(_is_int(c) for c in present):
        return int
    if all(_is_float(c) for c in present):
        return float
    return str


@functools.lru_cache(maxsize=4)
def _typed_rows(path: str) -> tuple:
    """Returns chips.csv's rows with typed cells (bool, int, float with NaN for a missing
    number, text with "" or None) and the computed tpp and performance_density."""
    rows = _records(path)
    columns = list(rows[0]) if rows else list(_REQUIRED_COLUMNS)
    kinds = {col: bool if col in _BOOL_COLUMNS else str if col in _TEXT_COLUMNS
             else _column_type([row[col] for row in rows]) for col in columns}
    typed = []
    for row in rows:
        out = {}
        for col, kind in kinds.items():
            cell = row[col]
            if kind is bool:
                out[col] = cell
            elif cell in _NA_TEXT:
                out[col] = "" if col in _TEXT_COLUMNS else None if kind is str else math.nan
            else:
                out[col] = kind(cell)
        out["tpp"] = compute_tpp(out)
        out["performance_density"] = compute_performance_density(
            out["tpp"], float(out["die_area_mm2"]))
        typed.append(out)
    return tuple(typed)


def catalog_rows(path=None) -> list[dict]:
    """Returns one dict per chip from data/chips.csv (typed cells, computed tpp and
    performance_density): load_chips()'s rows, read without pandas."""
    return [dict(row) for row in _typed_rows(str(path or CHIPS_CSV))]


def load_chips(path=None) -> "pandas.DataFrame":
    """Returns one row per chip from data/chips.csv, with computed tpp and performance_density."""
    import pandas as pd  # here, not at the top: only the tables need it, not `run` or `chips`

    return pd.DataFrame(catalog_rows(path))


@dataclass(frozen=True)
class Chip:
    """One accelerator. Bandwidths are GB/s (gigabytes); FLOP/s figures are dense."""

    name: str
    vendor: str
    year: int
    datacenter: bool
    designer_country: str
    us_market: bool  # sold commercially in the US (False: a China-only part such as the H20)
    tflops: dict = field(repr=False, hash=False)  # precision -> dense TFLOP/s (TOP/s for int8); NaN if unknown
    memory_gb: float
    memory_type: str  # e.g. HBM3e, GDDR7 (the 2024-12 HBM rule concerns HBM)
    memory_bandwidth_gbps: float
    interconnect_gbps: float
    die_area_mm2: float
    tpp: float
    performance_density: float
    price_usd: float
    price_estimate: bool
    rental_usd_per_hour: float
    rental_estimate: bool
    spec_estimate: bool
    aliases: tuple = ()
    estimate_notes: str = ""
    sources: str = ""

    @property
    def uses_hbm(self) -> bool:
        """Returns whether the chip's memory is HBM (the 2024-12 rule's 3A090.c item)."""
        return self.memory_type.upper().startswith("HBM")

    def precisions(self) -> list[str]:
        """Returns the precisions this chip has a published dense figure for."""
        return [p for p in PRECISIONS if not math.isnan(self.tflops.get(p, math.nan))]

    def peak_flops(self, precision: str = "bf16") -> float:
        """Returns the dense peak FLOP/s (OP/s for int8) at a precision."""
        key = PRECISION_ALIASES.get(str(precision).lower(), str(precision).lower())
        if key not in PRECISION_COLUMNS:
            raise InputError(
                f"unknown precision {precision!r}; valid: {choices_text(PRECISIONS)}")
        value = self.tflops.get(key, math.nan)
        if math.isnan(value):
            raise InputError(
                f"chip {self.name} has no published {key} figure; "
                f"valid for it: {choices_text(self.precisions())}")
        return value * 1e12


def _chip_from_row(row) -> Chip:
    return Chip(
        name=row["chip"],
        vendor=row["vendor"],
        year=int(row["year"]),
        datacenter=bool(row["datacenter"]),
        designer_country=row["designer_country"],
        us_market=bool(row["us_market"]),
        tflops={p: _float_or_nan(row[col]) for p, (col, _) in PRECISION_COLUMNS.items()},
        memory_gb=_float_or_nan(row["memory_gb"]),
        memory_type=row["memory_type"],
        memory_bandwidth_gbps=_float_or_nan(row["memory_bandwidth_gbps"]),
        interconnect_gbps=_float_or_nan(row["interconnect_gbps"]),
        die_area_mm2=_float_or_nan(row["die_area_mm2"]),
        tpp=float(row["tpp"]),
        performance_density=float(row["performance_density"]),
        price_usd=_float_or_nan(row["price_usd"]),
        price_estimate=bool(row["price_estimate"]),
        rental_usd_per_hour=_float_or_nan(row["rental_usd_per_hour"]),
        rental_estimate=bool(row["rental_estimate"]),
        spec_estimate=bool(row["spec_estimate"]),
        aliases=tuple(a.strip() for a in row["aliases"].split(";") if a.strip()),
        estimate_notes=row["estimate_notes"],
        sources=row["sources"],
    )


@functools.lru_cache(maxsize=4)
def _index(path: str) -> dict:
    chips = {}
    for row in _records(path):
        tpp = compute_tpp(row)
        row = dict(row, tpp=tpp, performance_density=compute_performance_density(
            tpp, _float_or_nan(row["die_area_mm2"])))
        chip = _chip_from_row(row)
        for key in (chip.name, *chip.aliases):
            chips.setdefault(_normalise(key), chip)
    return chips


def chip_names(path=None) -> list[str]:
    """Returns the canonical chip names in catalogue order."""
    return [row["chip"] for row in _records(str(path or CHIPS_CSV))]


def get_chip(name, path=None) -> Chip:
    """Returns the chip named ``name`` (case-insensitive; aliases such as 'H100 SXM5' work)."""
    if isinstance(name, Chip):
        return name
    chip = _index(str(path or CHIPS_CSV)).get(_normalise(name))
    if chip is None:
        raise InputError(f"unknown chip {name!r}; valid: {choices_text(chip_names(path))}")
    return chip
