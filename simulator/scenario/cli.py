"""``python -m simulator run SCENARIO.toml [--set dotted.path=VALUE ...] [--fit FIT.json] [--json]``

    python -m simulator run scenarios/h20-requirement-2025-central.toml
    python -m simulator run scenarios/api-open-2026.toml --set actor.chips.0.count=5000 --json
    python -m simulator run scenarios/api-lockdown-2026.toml --set distillation.access='"topk"'
    python -m simulator run scenarios/deepseek-v3-reference.toml --fit data/fits/default.json

VALUE is a TOML literal: numbers as is, strings quoted ('"topk"'), booleans true/false.
"""

from __future__ import annotations

import json

from simulator.vocabulary import no_minus_zero


def register(subparsers) -> None:
    """Adds the ``run`` subcommand."""
    p = subparsers.add_parser(
        "run",
        help="evaluate a scenario: scratch vs distillation, effective compute, lag, cost",
        description=(
            "Evaluate a scenario file: the compute the rule leaves the restricted actor, the "
            "loss and effective compute it reaches by training from scratch or by distilling "
            "the frontier model through an API, its lag behind the frontier in years, the cost, "
            "Monte Carlo percentiles and a tornado of the levers that move the lag most."),
        epilog="Example: python -m simulator run scenarios/h20-requirement-2025-central.toml "
               "--set distillation.tokens=1e11 --json",
    )
    p.add_argument("scenario", metavar="SCENARIO.toml", help="scenario file (TOML)")
    p.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="dotted.path=VALUE",
                   help="override a field; VALUE is a TOML literal (quote strings); list "
                        "entries by index: actor.chips.0.count=5000 (repeatable)")
    p.add_argument("--fit", default=None, metavar="FIT.json",
                   help="fit card to use (default: the scenario's 'fit', normally "
                        "data/fits/default.json)")
    p.add_argument("--draws", type=int, default=None, metavar="N",
                   help="Monte Carlo draws (default: the scenario's uncertainty.draws)")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    """Evaluates the scenario and prints a table or JSON."""
    from simulator.errors import InputError
    from simulator.scenario import evaluate, load_scenario

    if args.draws is not None and not 0 <= args.draws <= 1_000_000:
        raise InputError(f"--draws {args.draws}: must be between 0 and 1000000")
    scenario = load_scenario(args.scenario, args.overrides)
    result = evaluate(scenario, args.fit, draws=args.draws)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, allow_nan=False))
    else:
        print(format_table(result))
    return 0


def _fmt(x, kind):
    if x is None:
        return "n/a"
    if kind == "flop":
        return f"{x:.2e}"
    if kind == "usd":
        return f"${x:,.0f}" if x < 1e9 else f"${x:.3g}"
    if kind == "years":
        return no_minus_zero(x)
    return f"{x:.4f}"


def format_table(result) -> str:
    """Returns the readable summary of a ScenarioResult (what ``run`` prints without --json)."""
    d = result.to_dict()
    s = d["scenario"]
    lines = [f"{s['name']}  ({s['year']}, rule {s['rule']}, access {s['access']}, "
             f"law {s['law']})", f"fit: {s['fit']}", ""]
    rows = (("compute_flop", "compute (FLOP)", "flop"),
            ("effective_compute_flop", "effective compute (FLOP)", "flop"),
            ("loss", "loss (nats/token)", "loss"), ("lag_years", "lag (years)", "years"),
            ("cost_usd", "cost (USD)", "usd"))
    pct = d.get("percentiles") or {}
    head = f"{'':26}{'scratch':>14}{'distill':>14}"
    if pct:
        head += f"   {'distill p5-p95':>22}"
    lines.append(head)
    for key, label, kind in rows:
        line = f"{label:26}" + "".join(
            f"{_fmt(d['results'][st][key], kind):>14}" for st in ("scratch", "distill"))
        if pct:
            q = pct["distill"][key]
            line += f"   {_fmt(q['p5'], kind):>10} - {_fmt(q['p95'], kind):<10}"
        lines.append(line)
    r = d["regime"]
    lines += ["", f"regime: {r['regime']} ({r.get('source') or 'n/a'}): {r['why']}"]
    if pct:
        lines.append(f"Monte Carlo: {pct['draws']} draws, seed {pct['seed']}; scratch lag "
                     f"p5-p95 {_fmt(pct['scratch']['lag_years']['p5'], 'years')} - "
                     f"{_fmt(pct['scratch']['lag_years']['p95'], 'years')} years")
    if d.get("tornado"):
        lines += ["", "levers that move the lag most (years, distill / scratch):"]
        for row in d["tornado"][:6]:
            lines.append(f"  {row['path']:52} {row['low']:.3g} .. {row['high']:.3g}   "
                         f"{row['distill']['swing_years']:.2f} / "
                         f"{row['scratch']['swing_years']:.2f}")
    if d.get("timeseries"):
        lines += ["", "year   frontier FLOP   scratch lag   distill lag"]
        for row in d["timeseries"]:
            lines.append(f"{row['year']:<6} {row['frontier_compute_flop']:>13.2e}   "
                         f"{_fmt(row['scratch']['lag_years'], 'years'):>11}   "
                         f"{_fmt(row['distill']['lag_years'], 'years'):>11}")
    if result.accounting is not None:
        from simulator.scenario.accounting import accounting_lines

        lines += ["", *accounting_lines(result.accounting)]
    if result.serving is not None:
        from simulator.scenario.serving import serving_lines

        lines += ["", *serving_lines(result.serving)]
    if result.capability is not None:
        from simulator.scenario.skill_text import capability_lines

        lines += ["", *capability_lines(result.capability)]
    if result.lag_decomposition is not None:
        from simulator.scenario.decomposition import decomposition_lines

        lines += ["", *decomposition_lines(result.lag_decomposition)]
    lines += ["", "assumptions:"] + [f"  - {a}" for a in d["assumptions"]]
    return "\n".join(lines)
