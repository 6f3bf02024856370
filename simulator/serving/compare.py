"""Serving throughput per chip for a frontier-size and a distilled-size model, with each
chip's export status: the numbers behind the serving chart and the Chips & rules page.

    from simulator.serving.compare import chip_comparison
    rows = chip_comparison(rule_ids=["2023-10", "2025-04"])

Per chip and model: decode tokens/s per chip while every user gets the settings' speed (20
tokens/s at 4,989 tokens of context by default; the replica size that serves most users per
chip), and prefill tokens/s per chip for one prompt of that context on the smallest replica
that holds the model (tensor parallelism over the chip's interconnect).
"""

from __future__ import annotations

import copy
import functools
import math

from simulator.errors import InputError
from simulator.hardware import classify, get_chip
from simulator.serving.defaults import SERVING_TOML, _document, architecture_for, load_settings
from simulator.serving.roofline import estimate


def chart_defaults(path=None) -> dict:
    """Returns data/serving.toml's [chart] table: frontier, distilled, precision, chips, source."""
    return dict(_document(str(path or SERVING_TOML))["chart"])


def chip_comparison(chips=None, *, frontier=None, distilled=None, precision=None,
                    rule_ids=(), settings=None) -> list[dict]:
    """Returns one row per (chip, model): decode and prefill tokens/s per chip, chips per
    replica, cost per million output tokens, notes, and the chip's status under each rule."""
    spec = chart_defaults()
    rows = _comparison(tuple(chips or spec["chips"]), frontier or spec["frontier"],
                       distilled or spec["distilled"], precision or spec["precision"],
                       tuple(rule_ids), settings or load_settings())
    return copy.deepcopy(rows)  # callers may change their copy; the cache keeps its own


@functools.lru_cache(maxsize=16)
def _comparison(chips, frontier, distilled, precision, rule_ids, settings) -> list[dict]:
    models = {"frontier": architecture_for(name=frontier),
              "distilled": architecture_for(name=distilled)}
    rows = []
    for name in chips:
        chip = get_chip(name)
        statuses = {rule: classify(chip, rule).status for rule in rule_ids}
        for role, arch in models.items():
            row = {"chip": chip.name, "role": role, "model": arch.name,
                   "params": arch.params, "active_params": arch.active_params,
                   "statuses": statuses}
            try:
                e = estimate(chip, architecture=arch, precision=precision, batch=1,
                             context=settings.context_tokens, settings=settings)
            except InputError as exc:  # fits nowhere: shown as a gap, with the reason
                row.update(decode_tokens_per_s_per_chip=math.nan,
                           prefill_tokens_per_s_per_chip=math.nan, chips_per_replica=None,
                           users_per_chip=math.nan, cost_usd_per_mtok=None,
                           notes=[str(exc)])
            else:
                if e.users is None:
                    row.update(decode_tokens_per_s_per_chip=math.nan,
                               prefill_tokens_per_s_per_chip=e.prefill_tokens_per_s_per_chip,
                               chips_per_replica=e.chips_per_replica, users_per_chip=math.nan,
                               cost_usd_per_mtok=None, notes=list(e.notes))
                    rows.append(row)
                    continue
                row.update(decode_tokens_per_s_per_chip=e.users.tokens_per_s_per_chip,
                           prefill_tokens_per_s_per_chip=e.prefill_tokens_per_s_per_chip,
                           chips_per_replica=e.chips_per_replica,
                           decode_chips_per_replica=e.users.chips_per_replica,
                           users_per_chip=e.users.users_per_chip,
                           cost_usd_per_mtok=_users_cost(chip, e), notes=list(e.notes))
            rows.append(row)
    return rows


def _users_cost(chip, e):
    tokens = e.users.tokens_per_s_per_chip
    if math.isnan(chip.rental_usd_per_hour) or tokens <= 0:
        return None
    return chip.rental_usd_per_hour / (tokens * 3600.0) * 1e6


def comparison_table(rows, rule_ids=()) -> tuple[list, list]:
    """Returns (headers, rows) of chip_comparison's rows for a CSV or a report table."""
    headers = ["chip", "role", "model", "params", "active_params",
               "decode_tokens_per_s_per_chip", "prefill_tokens_per_s_per_chip",
               "chips_per_replica", "users_per_chip", "cost_usd_per_mtok"] + [
        f"status_{r}" for r in rule_ids]
    out = []
    for row in rows:
        out.append([row.get(h) for h in headers[: 10]]
                   + [row["statuses"].get(r) for r in rule_ids])
    return headers, out
