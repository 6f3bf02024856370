"""``python -m simulator fit`` and ``python -m simulator fit-loss``.

    python -m simulator fit --runs data/experiments/default --out data/fits/default.json
    python -m simulator fit-loss --csv tests/data/chinchilla_fig4_epoch.csv --drop-highest-loss 5
    python -m simulator fit-loss --csv runs.csv --fix-e 0.95 --json
"""

import json
import sys
import time
from pathlib import Path

from simulator.curves.settings import MIN_STEPS
from simulator.errors import InputError

EXIT_BAD_FIT = 1  # the fit ran but did not converge: results are printed, flagged, exit 1


def register(subparsers) -> None:
    """Adds the ``fit`` and ``fit-loss`` subcommands."""
    p = subparsers.add_parser(
        "fit", help="fit scaling laws to a sweep's results.csv and write a fit card (JSON)",
        description=(
            "Fit the scratch law (E fixed at the oracle loss), the teacher-floored "
            "distillation law per access mode and teacher, the effective-data multiplier k, "
            "the compute multiplier M(C) and the token-limited gain G(f), each with a "
            "bootstrap over runs and a held-out check (largest compute level refitted out), "
            "and write them as a fit card. A capability sweep (results.csv with an 'arm' column) "
            "gets the capability card instead: accuracy vs teacher samples per base and access "
            "tier, the self-reliant curve, CEG, the knowledge gate and held-out checks "
            "(simulator.curves.capability_card)."))
    p.add_argument("--runs", required=True, metavar="DIR",
                   help="a sweep directory holding results.csv (or the CSV itself)")
    p.add_argument("--out", required=True, metavar="FIT.json", help="where to write the card")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                   help="bootstrap resamples per law (default 1000)")
    p.add_argument("--random-state", type=int, default=0, metavar="SEED",
                   help="seed of the bootstrap and the random starts (default 0)")
    p.add_argument("--min-steps", type=int, default=MIN_STEPS, metavar="N",
                   help="fit the scratch law to cells of at least N optimiser steps; shorter "
                        "ones are early training, listed in the card with their residuals "
                        f"(default {MIN_STEPS}; 0 fits every cell)")
    p.set_defaults(func=run_fit)

    q = subparsers.add_parser(
        "fit-loss", help="fit L = E + A/N^alpha + B/D^beta to your own (params, tokens, loss)",
        description=(
            "Fit the Chinchilla law to a CSV with columns params, tokens, loss (lines starting "
            "with '#' are comments): summed Huber loss (delta 1e-3) on log loss, L-BFGS from "
            "a variable-projection grid of starts, bootstrap intervals over points (above "
            "5,000 points: from the asymptotic sandwich covariance, 'interval_method'), and a "
            "held-out check (largest compute level). Memory stays bounded (10^6 rows fit in "
            "well under 1 GB). Exit 1 if the fit did not converge."))
    q.add_argument("--csv", required=True, metavar="FILE", help="CSV with params, tokens, loss")
    q.add_argument("--fix-e", type=float, default=None, metavar="VALUE",
                   help="fix the irreducible loss E (nats/token) instead of fitting it")
    q.add_argument("--drop-highest-loss", type=int, default=0, metavar="K",
                   help="drop the K highest-loss points first (Epoch's Chinchilla refit drops 5)")
    q.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                   help="bootstrap resamples for 95%% intervals (0: none; default 1000)")
    q.add_argument("--random-state", type=int, default=0, metavar="SEED")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(func=run_fit_loss)


def _read_points(path, drop):
    import numpy as np
    import pandas as pd

    from simulator.curves.results_csv import read_csv_with, show_value

    df = read_csv_with(path, ("params", "tokens", "loss"))
    if df.empty:
        raise InputError(f"{path}: no data rows, only a header (expected one row per run: "
                         "params, tokens, loss)")
    for col in ("params", "tokens", "loss"):
        values = pd.to_numeric(df[col], errors="coerce")
        bad = ~np.isfinite(values) | (values <= 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"{path}: column '{col}' must be a positive number "
                             f"(row {row + 1}: {show_value(df[col].iloc[row])})")
        df[col] = values.astype(float)
    if drop < 0 or drop >= len(df):
        raise InputError(f"--drop-highest-loss {drop}: must be in 0..{len(df) - 1} "
                         f"({path} has {len(df)} rows)")
    if drop:
        df = df.sort_values("loss", kind="stable").iloc[:-drop]
    return df


def run_fit_loss(args) -> int:
    """Fits the scratch law to a user's CSV and prints the parameters."""
    import numpy as np

    from simulator.curves.summary import heldout_mask
    from simulator.curves.scratch import ScratchLawFitter

    if args.fix_e is not None and not args.fix_e > 0:
        raise InputError(f"--fix-e {args.fix_e}: must be positive")
    if args.bootstrap < 0:
        raise InputError(f"--bootstrap {args.bootstrap}: must be >= 0")
    df = _read_points(args.csv, args.drop_highest_loss)
    if args.fix_e is not None and args.fix_e >= df["loss"].min():
        raise InputError(f"--fix-e {args.fix_e}: must be below the lowest loss in {args.csv} "
                         f"({df['loss'].min():.6g})")
    n, d, loss = (df[c].to_numpy() for c in ("params", "tokens", "loss"))
    t0 = time.perf_counter()
    try:
        fitter = ScratchLawFitter(fix_e=args.fix_e, random_state=args.random_state).fit(
            n, d, loss)
    except InputError as exc:
        raise InputError(f"{args.csv}: {exc}") from None
    fit_s = time.perf_counter() - t0
    log_resid = np.log(fitter.predict(n, d)) - np.log(loss)
    out = dict(fitter.params_)
    out.update({"e_fixed": args.fix_e is not None, "n_points": int(len(df)),
                "n_dropped": int(args.drop_highest_loss), "objective": fitter.objective_,
                "converged": fitter.converged_, "gradient_norm": fitter.grad_norm_,
                "at_bound": fitter.at_bound_, "rmse_log_loss": float(np.sqrt(np.mean(
                    log_resid ** 2))), "fit_seconds": round(fit_s, 3),
                "n_opt_exponent": fitter.params_["beta"] / (fitter.params_["alpha"]
                                                            + fitter.params_["beta"])})
    mask = heldout_mask(6 * n * d)
    n_free = 4 if args.fix_e is not None else 5
    if 0 < mask.sum() and (~mask).sum() >= n_free + 2:
        held = ScratchLawFitter(fix_e=args.fix_e, random_state=args.random_state).fit(
            n[~mask], d[~mask], loss[~mask])
        pred = held.predict(n[mask], d[mask])
        e = fitter.params_["E"]
        out["heldout"] = {
            "scheme": "largest compute level (within 0.1 decade of max 6ND) held out",
            "n_heldout": int(mask.sum()),
            "relative_error_loss": float(np.mean(np.abs(pred - loss[mask]) / loss[mask])),
            "relative_error_excess_loss": float(np.mean(
                np.abs(pred - loss[mask]) / (loss[mask] - e)))}
    if args.bootstrap:
        boot = fitter.bootstrap(n, d, loss, args.bootstrap, random_state=args.random_state)
        out["intervals"] = {k: [float(np.percentile(boot[k], 2.5)),
                                float(np.percentile(boot[k], 97.5))]
                            for k in ("E", "A", "B", "alpha", "beta") if k != "E"
                            or args.fix_e is None}
        out["n_bootstrap"] = int(args.bootstrap)
        out["interval_method"] = getattr(fitter, "interval_method_", "bootstrap")
        out["bootstrap_converged_fraction"] = float(np.mean(boot["converged"]))
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        _print_fit_loss(out, args.csv)
    if not fitter.converged_:
        print(f"warning: the fit did not converge (gradient norm {fitter.grad_norm_:.3g}"
              + (f", at bound: {', '.join(fitter.at_bound_)}" if fitter.at_bound_ else "")
              + "); do not trust these values", file=sys.stderr)
        return EXIT_BAD_FIT
    return 0


def _print_fit_loss(out, path):
    iv = out.get("intervals", {})
    print(f"{path}: {out['n_points']} points ({out['n_dropped']} highest losses dropped), "
          f"fitted in {out['fit_seconds']:.2f} s")
    print("L(N, D) = E + A/N^alpha + B/D^beta" + ("   (E fixed)" if out["e_fixed"] else ""))
    for k in ("E", "A", "B", "alpha", "beta"):
        band = f"   95% [{iv[k][0]:.4g}, {iv[k][1]:.4g}]" if k in iv else ""
        print(f"  {k:<6} {out[k]:>12.5g}{band}")
    print(f"  objective (summed Huber) {out['objective']:.6g}, converged {out['converged']}, "
          f"rmse(log L) {out['rmse_log_loss']:.4f}")
    if "heldout" in out:
        h = out["heldout"]
        print(f"  held-out ({h['n_heldout']} points at the largest compute): relative error "
              f"{h['relative_error_loss']:.2%} in L, {h['relative_error_excess_loss']:.2%} "
              "in L - E")


def run_fit(args) -> int:
    """Fits a sweep's results.csv and writes the fit card."""
    from simulator import atomic
    from simulator.curves.card import validate_card
    from simulator.curves.fit_runs import fit_runs
    from simulator.curves.results_csv import read_results
    from simulator.provenance import package_versions, provenance, sha256_file

    runs = Path(args.runs)
    path = runs / "results.csv" if runs.is_dir() else runs
    if Path(args.out).is_dir():
        raise InputError(f"--out {args.out}: is a folder; give the fit card's file name "
                         f"(e.g. {Path(args.out) / 'fit.json'})")
    if not path.exists():
        raise InputError(f"{path}: no such file (--runs takes a sweep directory with "
                         "results.csv)")
    if args.bootstrap < 10:
        raise InputError(f"--bootstrap {args.bootstrap}: must be at least 10")
    if args.min_steps < 0:
        raise InputError(f"--min-steps {args.min_steps}: must be 0 or more")
    from simulator.curves.capability_card import is_capability_results
    if is_capability_results(path):
        from simulator.curves.capability_card import run_capability_fit, summary_lines
        card = run_capability_fit(path, args.out, args.bootstrap, args.random_state)
        print(f"wrote {args.out} (capability card, {card.settings.n_bootstrap} bootstrap "
              f"resamples, {card.provenance.fit_seconds} s)")
        for line in summary_lines(card):
            print(line)
        for w in card.warnings:
            print(f"warning: {w}", file=sys.stderr)
        return 0
    t0 = time.perf_counter()
    df = read_results(path)
    card = fit_runs(df, n_bootstrap=args.bootstrap, random_state=args.random_state,
                    results_sha256=sha256_file(path), label=str(path),
                    min_steps=args.min_steps)
    prov = provenance(inputs={"results": path})
    prov["packages"] = package_versions(("numpy", "scipy", "pandas"))
    prov["results_sha256"] = prov["inputs"]["results"]["sha256"]
    prov["results_path"] = prov["inputs"].pop("results")["path"]
    prov.pop("inputs")
    prov["fit_seconds"] = round(time.perf_counter() - t0, 1)
    card = validate_card({**card.to_dict(), "provenance": prov}, str(args.out))
    atomic.write_text(args.out, card.to_json())
    _print_card(card, args.out)
    return 0


def _fmt_iv(iv):
    return f"[{iv[0]:.4g}, {iv[1]:.4g}]"


def _print_card(card, out):
    s = card.scratch
    p, iv, h = s.params, s.intervals, s.heldout
    print(f"wrote {out} ({s.n_runs} scratch runs, {card.settings.n_bootstrap} "
          f"bootstrap resamples, {card.provenance.fit_seconds} s)")
    fixed = " (fixed)" if s.e_fixed else ""
    print(f"scratch  E={p['E']:.4g}{fixed}  A={p['A']:.4g}  B={p['B']:.4g}  "
          f"alpha={p['alpha']:.4f} {_fmt_iv(iv['alpha'])}  beta={p['beta']:.4f} "
          f"{_fmt_iv(iv['beta'])}  converged={s.converged}")
    if h.relative_error_loss is not None:
        print(f"  held-out: {h.relative_error_loss:.2%} in L, "
              f"{h.relative_error_excess_loss:.2%} in L-E ({h.n_heldout} runs at the "
              f"largest compute); largest size held out: "
              f"{h.value('size_relative_error_loss', float('nan')):.2%}; largest token budget "
              f"held out: {h.value('tokens_relative_error_loss', float('nan')):.2%}")
    if s.excluded_cells:
        worst = max(abs(c.signed_relative_error_loss) for c in s.excluded_cells)
        print(f"  fitted to {s.n_cells} cells of >= {s.min_steps} optimiser steps; "
              f"{len(s.excluded_cells)} shorter cells left out (law off by up to "
              f"{worst:.1%} there); every cell fitted, held-out: "
              f"{h.value('all_cells_relative_error_loss', float('nan')):.2%}")
    for mode, entry in card.distill.items():
        for teacher, t in entry.teachers.items():
            lp, err = t.law.params, t.heldout.relative_error_loss
            cm = t.compute_multiplier
            mid = len(cm.compute_flop) // 2
            print(f"{mode:<7}/{teacher:<6} L_T={lp['L_T']:.4g} ({t.law.floor})  "
                  f"alpha'={lp['alpha']:.3f} beta'={lp['beta']:.3f}  held-out "
                  + (f"{err:.2%}" if err is not None else "n/a")
                  + f"  M(C={cm.compute_flop[mid]:.2g})={cm.median[mid]:.3g} "
                  f"[{cm.p05[mid]:.3g}, {cm.p95[mid]:.3g}]")
        if entry.multiplier is not None:
            m = entry.multiplier
            err = m.heldout.relative_error_loss
            print(f"{mode:<7} ln k = {m.params['c0']:.3f} + {m.params['c1']:.3f} ln(D/N)"
                  f" + {m.params['c2']:.3f} r   held-out "
                  + (f"{err:.2%}" if err is not None else "n/a"))
    for mode, teachers in card.token_limited_modes().items():
        for teacher, t in teachers.items():
            g = t.gain
            i10 = min(range(len(g.fraction)), key=lambda i: abs(g.fraction[i] - 0.1))
            err = t.heldout.relative_error_loss
            print(f"token-limited {mode}/{teacher}: {t.form} {t.params}  "
                  f"G(0.1)={g.median[i10]:.3g} [{g.p05[i10]:.3g}, {g.p95[i10]:.3g}]"
                  "  held-out " + (f"{err:.2%}" if err is not None else "n/a"))
    for w in card.warnings:
        print(f"warning: {w}", file=sys.stderr)
