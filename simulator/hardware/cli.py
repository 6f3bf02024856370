"""``python -m simulator chips`` and ``python -m simulator accounting``.

    python -m simulator chips --rule 2022-10
    python -m simulator chips --rule 2023-10 --format csv
    python -m simulator chips --matrix                  # every chip under every rule
    python -m simulator chips --matrix --format json
    python -m simulator accounting --chip H100 --count 16384 --days 54 --mfu 0.4
    python -m simulator accounting --chip H100 --flop 3.8e25 --days 90 --mfu 0.4
    python -m simulator accounting --chip H800 --flop 3.41e24 --chip-hours 2.788e6 --precision fp8
"""

from __future__ import annotations

import csv
import io
import json
import math

from simulator.errors import InputError

FORMATS = ("table", "csv", "json")
_STATUS_SHORT = {
    "not_controlled": "not controlled",
    "denied": "denied",
    "licence_required": "licence needed",
    "nac_notification": "NAC notice",
    "case_by_case": "case-by-case",
    "domestic": "domestic",
}
_CSV_FIRST = ["chip", "tpp", "performance_density", "controlled", "status", "import_allowed",
              "case_by_case", "threshold", "reason", "rule"]


def register(subparsers) -> None:
    """Adds the ``chips`` and ``accounting`` subcommands."""
    from simulator.hardware.catalog import PRECISIONS
    from simulator.hardware.rules import default_rule_id, rule_ids

    rules = ", ".join(rule_ids())
    p = subparsers.add_parser(
        "chips",
        help="list the chip catalogue with TPP, performance density and export-control status",
        description=(
            "List every chip in data/chips.csv with its TPP and performance density (computed "
            "from the specs) and how an export-control rule treats it for the restricted "
            "country (China)."),
        epilog=("Statuses: not_controlled, nac_notification (License Exception NAC after prior "
                "notification to BIS), case_by_case (importable, reviewed case by case), "
                "licence_required, denied (presumption of denial), domestic (designed in China). "
                "'*' marks chips with estimated specs."),
    )
    p.add_argument("--matrix", action="store_true",
                   help="show every chip under every rule in one table (chip x rule statuses; "
                        "csv and json add the deciding test and the reason per cell)")
    p.add_argument("--rule", default=None, metavar="ID",
                   help=f"rule to classify under: {rules} (default: {default_rule_id()}, "
                        "the rule in force)")
    p.add_argument("--format", default="table", choices=FORMATS,
                   help="table (readable, fits 100 columns), csv (every column, one row per "
                        "chip) or json (a list of objects); default: table")
    p.set_defaults(func=run_chips)

    a = subparsers.add_parser(
        "accounting",
        help="fleet compute: chips x peak FLOP/s x MFU x time -> FLOP, chip-hours, cost (and back)",
        description=(
            "Fleet compute accounting. Forward: --count with --days (or --chip-hours) and --mfu "
            "gives FLOP, chip-hours, rental and capital cost. Inverse: --flop with --days and "
            "--mfu gives the chips needed; --flop with --count and --mfu gives the days needed; "
            "--flop with --chip-hours (no --mfu) gives the implied MFU."),
        epilog="Example: accounting --chip H800 --flop 3.41e24 --chip-hours 2.788e6 --precision fp8",
    )
    a.add_argument("--chip", required=True,
                   help="chip name, case-insensitive (see 'python -m simulator chips')")
    a.add_argument("--count", type=float, default=None,
                   help="number of chips (a whole number > 0); optional with --chip-hours")
    a.add_argument("--days", type=float, default=None, help="wall-clock training days (> 0)")
    a.add_argument("--chip-hours", type=float, default=None, dest="chip_hours",
                   help="total chip-hours (> 0), instead of --count and --days")
    a.add_argument("--mfu", type=float, default=None,
                   help="model FLOP utilisation in (0, 1], relative to the dense peak at "
                        "--precision (typical: 0.35-0.45 BF16 dense, ~0.2 FP8 MoE)")
    a.add_argument("--precision", default="bf16",
                   help=f"precision whose dense peak is used: {', '.join(PRECISIONS)} "
                        "(fp16 = bf16); default: bf16")
    a.add_argument("--flop", type=float, default=None,
                   help="a compute target in FLOP for the inverse calculations (> 0)")
    a.add_argument("--format", default="table", choices=("table", "json"),
                   help="table (aligned lines) or json; default: table")
    a.set_defaults(func=run_accounting)


# ---------------------------------------------------------------- chips

def _fmt(x, spec: str) -> str:
    """Returns x formatted with spec, or a '-' of the same width when it is missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        width = int("".join(ch for ch in spec.split(".")[0] if ch.isdigit()) or 1)
        return "-".rjust(width)
    return format(x, spec)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def chips_table(rows, rule) -> str:
    """Returns the chip table under ``rule`` (rows as from classified_rows) as text at most 100
    columns wide."""
    head = f"{'chip':<12} {'TPP':>6} {'PD':>5} {'mem BW':>6} {'link':>5}  " \
           f"{'status':<14}  decided by"
    units = f"{'':<12} {'':>6} {'':>5} {'GB/s':>6} {'GB/s':>5}"
    width = 100
    room = width - len(head) + len("decided by")
    lines = [_clip(f"Rule {rule.id}: {rule.title}", width), head, units.rstrip()]
    for r in rows:
        name = r["chip"] + ("*" if r["spec_estimate"] else "")
        lines.append(
            f"{_clip(name, 12):<12} {_fmt(r['tpp'], '6.0f')} {_fmt(r['performance_density'], '5.2f')} "
            f"{_fmt(r['memory_bandwidth_gbps'], '6.0f')} "
            f"{_fmt(r['interconnect_gbps'], '5.0f')}  "
            f"{_STATUS_SHORT.get(r['status'], r['status']):<14}  "
            f"{_clip(r['threshold'] or '-', room)}")
    lines.append("TPP = dense TOPS x bit length (max over precisions); PD = TPP / die area (mm2).")
    lines.append("'*' = estimated specs. Full reasons and sources: --format csv or json.")
    return "\n".join(lines)


def _csv_cell(value) -> str:
    """Returns a cell as pandas' to_csv(float_format="%.6g") wrote it: "" for a missing one."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _print_csv(rows: list, columns=None) -> None:
    """Prints rows (dicts) as CSV with a header: ``columns``, default the first row's keys."""
    columns = list(columns or rows[0])
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_csv_cell(row[c]) for c in columns] for row in rows)
    print(buf.getvalue(), end="")


def _json_cell(value):
    return None if isinstance(value, float) and math.isnan(value) else value


def _print_matrix(fmt: str) -> int:
    from simulator.hardware.matrix import matrix_table, status_matrix

    matrix = status_matrix()
    if fmt == "csv":
        _print_csv(matrix.wide_rows())
    elif fmt == "json":
        print(json.dumps({"rules": list(matrix.rules), "chips": matrix.records()}, indent=2,
                         allow_nan=False))
    else:
        print(matrix_table(matrix))
    return 0


def run_chips(args) -> int:
    """Prints the chip catalogue classified under --rule, or the chip x rule matrix."""
    from simulator.hardware import classified_rows, default_rule_id, get_rule

    if getattr(args, "matrix", False):
        if args.rule is not None:
            raise InputError("--matrix shows every rule; drop --rule (or drop --matrix)")
        return _print_matrix(args.format)

    rule = get_rule(args.rule if args.rule is not None else default_rule_id())
    rows = classified_rows(rule)
    columns = _CSV_FIRST + [c for c in rows[0] if c not in _CSV_FIRST]
    if args.format == "csv":
        _print_csv(rows, columns)
    elif args.format == "json":
        print(json.dumps([{c: _json_cell(row[c]) for c in columns} for row in rows], indent=2,
                         allow_nan=False))
    else:
        print(chips_table(rows, rule))
    return 0


# ---------------------------------------------------------------- accounting

def _accounting(args) -> tuple[str, dict]:
    from simulator.hardware import (chips_for_compute, days_for_compute, fleet_compute,
                                    implied_mfu)

    given = {k for k in ("count", "days", "chip_hours", "mfu", "flop")
             if getattr(args, k) is not None}
    usage = ("use --count with --days (or --chip-hours) and --mfu; or --flop with --days and "
             "--mfu; or --flop with --count and --mfu; or --flop with --chip-hours")
    if args.flop is None:
        if args.mfu is None:
            raise InputError(f"--mfu is required to compute FLOP; {usage}")
        fleet = fleet_compute(args.chip, args.count, days=args.days, chip_hours=args.chip_hours,
                              mfu=args.mfu, precision=args.precision)
        return "forward", fleet.to_dict()
    if given == {"flop", "days", "mfu"}:
        fleet = chips_for_compute(args.chip, args.flop, days=args.days, mfu=args.mfu,
                                  precision=args.precision)
        return "chips_needed", {**fleet.to_dict(), "flop_target": args.flop}
    if given == {"flop", "count", "mfu"}:
        fleet = days_for_compute(args.chip, args.flop, count=args.count, mfu=args.mfu,
                                 precision=args.precision)
        return "days_needed", {**fleet.to_dict(), "flop_target": args.flop}
    if given in ({"flop", "chip_hours"}, {"flop", "chip_hours", "count"}):
        mfu = implied_mfu(args.chip, args.flop, args.chip_hours, precision=args.precision)
        if mfu > 1:
            raise InputError(f"--flop {args.flop:g} needs more than --chip-hours "
                             f"{args.chip_hours:g} at 100% of the {args.precision} peak")
        fleet = fleet_compute(args.chip, args.count, chip_hours=args.chip_hours, mfu=mfu,
                              precision=args.precision)
        return "implied_mfu", {**fleet.to_dict(), "flop_target": args.flop}
    raise InputError(f"this combination of flags is not a calculation; {usage}")


_LINES = (
    ("chip", "chip", "{}"),
    ("precision", "precision", "{}"),
    ("peak_flops_per_chip", "peak per chip (FLOP/s)", "{:.4g}"),
    ("mfu", "MFU", "{:.3f}"),
    ("count", "chips", "{:,}"),
    ("days", "days", "{:,.1f}"),
    ("chip_hours", "chip-hours", "{:,.0f}"),
    ("flop", "FLOP", "{:.3e}"),
    ("flop_target", "FLOP target", "{:.3e}"),
    ("rental_usd_per_hour", "rental (USD/chip-hour)", "{:.2f}"),
    ("rental_cost_usd", "rental cost (USD)", "{:,.0f}"),
    ("price_usd", "price (USD/chip)", "{:,.0f}"),
    ("capital_cost_usd", "capital cost (USD)", "{:,.0f}"),
)
_COST_KEYS = ("rental_usd_per_hour", "rental_cost_usd", "price_usd", "capital_cost_usd")
_TITLES = {"forward": "Fleet compute", "chips_needed": "Chips needed for a FLOP target",
           "days_needed": "Days needed for a FLOP target",
           "implied_mfu": "MFU implied by a FLOP total and chip-hours"}


def run_accounting(args) -> int:
    """Prints a fleet's FLOP, chip-hours and cost, or the inverse."""
    mode, result = _accounting(args)
    if args.format == "json":
        print(json.dumps({"mode": mode, **result}, indent=2, allow_nan=False))
        return 0
    lines = [_TITLES[mode]]
    for key, label, spec in _LINES:
        value = result.get(key)
        if value is None:
            if key in _COST_KEYS and not (key == "capital_cost_usd" and result["count"] is None):
                lines.append(f"  {label:<24} n/a (no figure in data/chips.csv)")
            continue
        flag = ""
        if key in ("rental_usd_per_hour", "rental_cost_usd") and result["rental_estimate"]:
            flag = "  (estimate)"
        if key in ("price_usd", "capital_cost_usd") and result["price_estimate"]:
            flag = "  (estimate)"
        lines.append(f"  {label:<24} {spec.format(value)}{flag}")
    print("\n".join(lines))
    return 0
