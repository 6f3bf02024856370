"""The roofline against published serving measurements (data/serving_benchmarks.toml).

    python -m simulator serving --validate

Each measurement is predicted with the sourced defaults of data/serving.toml, nothing fitted:
- ``offline`` (all requests queued; TensorRT-LLM's throughput benchmark): the replica holds as
  many sequences of input + output tokens as its memory allows; they are prefilled, then
  decoded for ``output_tokens`` steps at the mean context input + output/2. Output tokens/s =
  batch * output / (prefill time + output * step time).
- ``decode_at_speed`` (an online service): the most users whose step still gives each
  ``user_tokens_per_s``, at ``context_tokens`` of KV cache each.
- ``prefill``: one prompt of ``context_tokens`` per chip, prefilled at once.
The prediction is scaled to the published unit (``per_chips`` chips). ratio = ours/published.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass

from simulator.errors import InputError
from simulator.hardware import get_chip
from simulator.paths import DATA_DIR
from simulator.serving.defaults import architecture_for, load_settings
from simulator.serving.roofline import Replica, max_batch_at_speed

BENCHMARKS_TOML = DATA_DIR / "serving_benchmarks.toml"
KINDS = ("offline", "decode_at_speed", "prefill")


@dataclass(frozen=True)
class Check:
    """One published measurement next to the roofline's prediction."""

    id: str
    kind: str
    chip: str
    architecture: str
    chips: int
    published_tokens_per_s: float
    predicted_tokens_per_s: float
    ratio_min: float
    ratio_max: float
    bound: str
    source: str

    @property
    def ratio(self) -> float:
        """Returns ours / published (> 1: the roofline is optimistic)."""
        return self.predicted_tokens_per_s / self.published_tokens_per_s

    @property
    def within(self) -> bool:
        return self.ratio_min <= self.ratio <= self.ratio_max


@functools.lru_cache(maxsize=2)
def load_measurements(path=None) -> tuple:
    """Returns the measurements (dicts) of data/serving_benchmarks.toml."""
    path = path or BENCHMARKS_TOML
    with open(path, "rb") as f:
        rows = tomllib.load(f)["measurement"]
    for row in rows:
        if row["kind"] not in KINDS:
            raise InputError(f"{path}: measurement {row['id']}: kind must be one of "
                             f"{', '.join(KINDS)}")
    return tuple(rows)


def predict(row: dict, settings=None) -> tuple[float, str]:
    """Returns (predicted tokens/s for the published unit, bound of the decisive phase)."""
    settings = settings or load_settings()
    chip = get_chip(row["chip"])
    arch = architecture_for(name=row["architecture"])
    t = int(row["chips_per_replica"])
    replica = Replica(chip, arch, row["precision"], t, settings, row.get("parallelism", "tensor"))
    scale = row["per_chips"] / t
    if row["kind"] == "offline":
        isl, osl = row["input_tokens"], row["output_tokens"]
        batch = replica.max_batch(isl + osl)
        if batch < 1:
            raise InputError(f"measurement {row['id']}: the model does not fit on {t} chips")
        step = replica.decode_step(batch, isl + osl / 2)
        prefill = replica.prefill(batch, isl)
        seconds = prefill.total_s + osl * step.total_s
        bound = step.bound if osl * step.total_s >= prefill.total_s else prefill.bound
        return batch * osl / seconds * scale, bound
    if row["kind"] == "decode_at_speed":
        context = row["context_tokens"]
        users = max_batch_at_speed(replica, context, row["user_tokens_per_s"])
        step = replica.decode_step(max(users, 1), context)
        return users / step.total_s * scale, step.bound
    prompt = row["context_tokens"]
    prefill = replica.prefill(t, prompt)
    return t * prompt / prefill.total_s * scale, prefill.bound


def validate(settings=None, path=None) -> list[Check]:
    """Returns one Check per published measurement."""
    checks = []
    for row in load_measurements(path):
        predicted, bound = predict(row, settings)
        checks.append(Check(
            id=row["id"], kind=row["kind"], chip=get_chip(row["chip"]).name,
            architecture=row["architecture"], chips=int(row["per_chips"]),
            published_tokens_per_s=float(row["published_tokens_per_s"]),
            predicted_tokens_per_s=predicted, ratio_min=float(row["ratio_min"]),
            ratio_max=float(row["ratio_max"]), bound=bound, source=row["source"]))
    return checks
