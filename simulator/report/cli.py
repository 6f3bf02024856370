"""``python -m simulator report SCENARIO.toml ... --out DIR`` (and ``--evidence``).

    python -m simulator report scenarios/*.toml --out reports/
    python -m simulator report scenarios/api-open-2026.toml --fit data/fits/default.json --out r/
    python -m simulator report --evidence --out reports/
"""

from __future__ import annotations


def register(subparsers) -> None:
    """Adds the ``report`` subcommand."""
    p = subparsers.add_parser(
        "report",
        help="write reports for scenarios: Markdown/HTML, charts (PNG/SVG/PDF), CSV, provenance",
        description=(
            "Validate every scenario first (nothing is written if one is invalid), evaluate "
            "each, then write DIR/index.html (all scenarios side by side) and one folder per "
            "scenario with report.md and report.html, results.json (what 'run --json' prints), "
            "CSV tables of every number shown, charts in PNG, SVG and PDF with provenance "
            "embedded, a citation and provenance.json. The measured evidence (fit card and "
            "runs) is drawn once and included in every report."),
        epilog="Example: python -m simulator report scenarios/*.toml --out reports/",
    )
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO.toml",
                   help="scenario files (TOML); none with --evidence")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder: new, empty, or a previous report (recognised by its "
                        ".compute-moat-report.json manifest), which is replaced as a whole; "
                        "a folder holding anything else is refused")
    p.add_argument("--fit", default=None, metavar="FIT.json",
                   help="fit card for every scenario (default: each scenario's 'fit', normally "
                        "data/fits/default.json)")
    p.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="dotted.path=VALUE",
                   help="override a field in every scenario (as in 'run'; repeatable)")
    p.add_argument("--evidence", action="store_true",
                   help="also (or, without scenarios, only) write the evidence charts of the fit "
                        "card: measured runs with fitted laws, M(C) and the headline chart")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes drawing charts (default: min(2, CPU count))")
    p.set_defaults(func=run)


def run(args) -> int:
    """Builds the reports; returns 0."""
    from simulator.errors import InputError
    from simulator.report.build import build_reports

    if args.workers is not None and not 1 <= args.workers <= 64:
        raise InputError(f"--workers {args.workers}: must be between 1 and 64")
    build_reports(args.scenarios, args.out, fit=args.fit, overrides=args.overrides,
                  evidence_only=args.evidence and not args.scenarios, workers=args.workers)
    return 0
