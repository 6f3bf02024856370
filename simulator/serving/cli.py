"""``python -m simulator serving``: decode and prefill throughput of a model on a chip.

    python -m simulator serving --chip H20 --params 7e10 --precision fp8 --batch 1 --context 4096
    python -m simulator serving --chip H800 --params 6.71e11 --active-params 3.7e10 \\
        --precision fp8 --batch 64 --context 4989 --count 2048 --json
    python -m simulator serving --chip H100 --architecture deepseek-v3 --precision fp8
    python -m simulator serving --validate          # the roofline vs published measurements
"""

from __future__ import annotations

import json
import math

from simulator.errors import InputError


def register(subparsers) -> None:
    """Adds the ``serving`` subcommand."""
    p = subparsers.add_parser(
        "serving",
        help="serving roofline: decode/prefill tokens/s, chips per replica, cost per Mtok, users",
        description=(
            "Serving throughput of a model on a chip from first principles: prefill is "
            "compute-bound (2N FLOP per token over peak x utilisation), decode is bound by "
            "memory bandwidth (weights plus KV cache read per step) or by compute at large "
            "batch; memory capacity decides the chips per replica (tensor parallelism over "
            "the chip's interconnect). Assumptions: data/serving.toml (each sourced); "
            "chip specs and rental prices: data/chips.csv."),
        epilog=("Throughputs are per replica and aggregate over the batch; per chip and per "
                "fleet figures are in --json. The roofline is an upper bound: see --validate."),
    )
    p.add_argument("--chip", help="chip name, case-insensitive (see 'python -m simulator chips')")
    p.add_argument("--params", type=float, default=None,
                   help="total parameters, e.g. 7e10 (shape interpolated from the Llama 3 family)")
    p.add_argument("--active-params", type=float, default=None, dest="active_params",
                   help="parameters active per token for a mixture of experts (default: all)")
    p.add_argument("--architecture", default=None,
                   help="a named architecture instead of --params (e.g. deepseek-v3, "
                        "llama-3.1-70b; list in data/serving.toml)")
    p.add_argument("--precision", default="bf16",
                   help="weight and compute precision: fp32, tf32, bf16, fp16, fp8, int8 "
                        "(default bf16)")
    p.add_argument("--batch", type=float, default=1, help="sequences decoded together (default 1)")
    p.add_argument("--context", type=float, default=4096,
                   help="tokens of context per sequence: KV cache read per decode step and "
                        "prompt length for prefill (default 4096)")
    p.add_argument("--count", type=float, default=None,
                   help="chips in the fleet: adds fleet tokens/s, users and tokens per day")
    p.add_argument("--chips-per-replica", type=float, default=None, dest="chips_per_replica",
                   help="force a replica size (default: the fewest chips that hold the model)")
    p.add_argument("--parallelism", default="tensor", choices=("tensor", "expert"),
                   help="tensor: all-reduces over the interconnect are counted; expert: "
                        "DeepSeek-style expert parallelism, communication hidden (default tensor)")
    p.add_argument("--user-tokens-per-s", type=float, default=None, dest="user_tokens_per_s",
                   help="output speed each user gets when users are counted (default: "
                        "data/serving.toml, 20 tokens/s)")
    p.add_argument("--validate", action="store_true",
                   help="print the roofline against published measurements and exit")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=run_serving)


def _finite(name, value):
    if value is not None and not math.isfinite(value):
        raise InputError(f"--{name} must be a finite number; got {value!r}")


def run_serving(args) -> int:
    """Prints one estimate (or the validation table); returns the exit code."""
    if args.validate:
        return _print_validation(args.json)
    if not args.chip:
        raise InputError("--chip is required (or --validate)")
    if args.params is None and not args.architecture:
        raise InputError("give --params (or --architecture)")
    for name in ("params", "active_params", "batch", "context", "count", "chips_per_replica",
                 "user_tokens_per_s"):
        _finite(name.replace("_", "-"), getattr(args, name))
    if args.user_tokens_per_s is not None and args.user_tokens_per_s <= 0:
        raise InputError(f"--user-tokens-per-s must be > 0; got {args.user_tokens_per_s!r}")
    from simulator.serving.roofline import estimate

    e = estimate(args.chip, args.params, active_params=args.active_params,
                 architecture=args.architecture, precision=args.precision, batch=args.batch,
                 context=args.context, count=args.count,
                 chips_per_replica=args.chips_per_replica, parallelism=args.parallelism,
                 tokens_per_s_per_user=args.user_tokens_per_s)
    if args.json:
        print(json.dumps(e.to_dict(), indent=2))
        return 0
    print(format_estimate(e))
    return 0


def _money(value) -> str:
    return "n/a (no rental price)" if value is None else f"{value:,.3f} USD"


def format_estimate(e) -> str:
    """Returns a readable summary of a ServingEstimate."""
    lines = [
        f"{e.architecture} on {e.chip} ({e.precision}; compute at {e.compute_precision} peak), "
        f"batch {e.batch}, context {e.context:,.0f}",
        f"  chips per replica      {e.chips_per_replica}  (weights {e.weights_gb:,.1f} GB + KV "
        f"{e.kv_cache_gb:,.1f} GB in {e.memory_per_replica_gb:,.0f} GB)",
        f"  decode                 {e.decode_tokens_per_s:,.1f} tokens/s per replica "
        f"({e.decode_tokens_per_s_per_user:,.1f} per sequence), {e.bound}-bound",
        f"  prefill                {e.prefill_tokens_per_s:,.0f} tokens/s per replica, "
        f"{e.prefill_bound}-bound",
        f"  cost per Mtok          decode {_money(e.cost_usd_per_mtok)}, prefill "
        f"{_money(e.prefill_cost_usd_per_mtok)}",
    ]
    if e.users is not None:
        lines.append(f"  users at {e.users.tokens_per_s_per_user:g} tokens/s   "
                     f"{e.users.users_per_chip:,.1f} per chip (replicas of "
                     f"{e.users.chips_per_replica}, context {e.users.context_tokens:,.0f})")
    if e.count is not None:
        users = ("" if e.users is None else f", {e.fleet_users:,} users at "
                 f"{e.users.tokens_per_s_per_user:g} tokens/s")
        lines.append(f"  fleet of {e.count:,}      {e.replicas:,} replicas: "
                     f"{e.fleet_decode_tokens_per_s:,.0f} decode tokens/s at batch {e.batch}"
                     + users)
    lines += [f"  note: {n}" for n in e.notes]
    return "\n".join(lines)


def _print_validation(as_json: bool) -> int:
    from simulator.serving.validation import validate

    checks = validate()
    if as_json:
        print(json.dumps([{
            "id": c.id, "kind": c.kind, "chip": c.chip, "architecture": c.architecture,
            "chips": c.chips, "published_tokens_per_s": c.published_tokens_per_s,
            "predicted_tokens_per_s": c.predicted_tokens_per_s, "ratio": c.ratio,
            "band": [c.ratio_min, c.ratio_max], "within": c.within, "bound": c.bound,
            "source": c.source} for c in checks], indent=2))
        return 0
    print(f"{'measurement':42} {'published':>10} {'roofline':>10} {'ratio':>6}  band        bound")
    for c in checks:
        print(f"{c.id:42} {c.published_tokens_per_s:>10,.0f} {c.predicted_tokens_per_s:>10,.0f} "
              f"{c.ratio:>6.2f}  [{c.ratio_min:g}, {c.ratio_max:g}]{'' if c.within else ' OUT'}"
              f"  {c.bound}")
    print("tokens/s of the published unit (system or node); ratio = roofline / published")
    return 0
