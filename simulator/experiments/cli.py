"""Commands: ``experiments run`` (a resumable sweep) and ``bench`` (training-loop efficiency)."""

import json


def register(subparsers):
    exp = subparsers.add_parser(
        "experiments", help="run the distillation / scaling experiments",
        description="Small real experiments: scratch training and distillation (full logits, "
                    "top-k, text) on a synthetic language with a known loss floor.")
    exp_sub = exp.add_subparsers(dest="experiments_command", metavar="SUBCOMMAND")
    run = exp_sub.add_parser(
        "run", help="run or resume a sweep",
        description="Run (or resume) a sweep; writes config.json, provenance.json and "
                    "results.csv into --out. Finished runs are skipped on a rerun.")
    run.add_argument("--preset", required=True,
                     help="smoke | default | full (loss sweeps); capability-smoke | capability "
                          "(capability transfer in the hops world, see "
                          "simulator.experiments.capability)")
    run.add_argument("--out", required=True, metavar="DIR", help="sweep directory")
    run.add_argument("--workers", type=int, default=None,
                     help="local worker processes (default: one per CPU core)")
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="a Dask scheduler, e.g. tcp://host:8786 (default: local processes)")
    run.add_argument("--device", default="auto", help="auto | cpu | cuda (default auto)")
    run.add_argument("--corpus", default=None, metavar="FILE",
                     help="a UTF-8 text file to model byte by byte instead of the synthetic "
                          "language (no oracle teacher)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=_run)
    exp.set_defaults(func=lambda args: (exp.print_help(), 2)[1])

    bench = subparsers.add_parser(
        "bench", help="measure training-loop FLOP/s vs matmul FLOP/s",
        description="Model FLOP/s of the training loop on the largest default model and the "
                    "machine's fp32 matmul FLOP/s, measured in one run.")
    bench.add_argument("--json", action="store_true", help="print JSON")
    bench.add_argument("--threads", type=int, default=1,
                       help="torch threads for both measurements (default 1: what each sweep "
                            "worker uses)")
    bench.set_defaults(func=_bench)


def _run(args) -> int:
    from simulator.experiments.capability_presets import PRESET_NAMES as CAPABILITY
    if args.preset in CAPABILITY:
        return _run_capability(args)
    from simulator.experiments.sweep import run_sweep
    summary = run_sweep(args.preset, args.out, workers=args.workers, scheduler=args.scheduler,
                        device=args.device, corpus=args.corpus, progress=not args.quiet)
    print(f"{summary['done']}/{summary['total']} runs in {summary['dir']} "
          f"({summary['wall_s']:.1f} s)")
    return 0


def _run_capability(args) -> int:
    from simulator.errors import InputError
    from simulator.experiments.capability_presets import build_config
    from simulator.experiments.capability_sweep import run_capability_sweep
    if args.corpus is not None:
        raise InputError(f"--corpus: the {args.preset} preset uses its own task world")
    if args.device == "cuda":
        raise InputError(f"--device cuda: the {args.preset} preset runs on the CPU only")
    summary = run_capability_sweep(build_config(args.preset), args.out, workers=args.workers,
                                   scheduler=args.scheduler, progress=not args.quiet)
    print(f"{summary['done']}/{summary['total']} runs in {summary['dir']} "
          f"({summary['wall_s']:.1f} s)")
    return 0


def _bench(args) -> int:
    from simulator.errors import InputError
    from simulator.experiments.bench import bench
    if args.threads < 1:
        raise InputError(f"--threads: must be at least 1 (got {args.threads})")
    result = bench(threads=args.threads)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"model   {result['model_flops_per_s'] / 1e9:8.1f} GFLOP/s  "
              f"(training loop, {result['model']}, {result['params']:,} params, "
              f"{result['tokens_per_s']:,.0f} tokens/s)")
        print(f"matmul  {result['matmul_flops_per_s'] / 1e9:8.1f} GFLOP/s  (fp32, "
              f"{result['threads']} thread{'s' if result['threads'] > 1 else ''})")
        print(f"ratio   {result['ratio']:8.2f}")
    return 0
