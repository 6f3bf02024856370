"""Serving throughput from first principles: a roofline per replica of a model on a chip.

    from simulator.serving import estimate
    e = estimate("H20", params=7e10, precision="fp8", batch=1, context=4096)
    e.decode_tokens_per_s, e.bound, e.chips_per_replica, e.cost_usd_per_mtok

A replica is one copy of the model over t chips (tensor parallelism, t a power of two when the
settings say so). For a batch of B sequences with ``context`` cached tokens each, one decode
step takes

    memory  = (W_read + B * K * context) / (t * BW * u_bw)
    compute = B * (2 * N_active / P + A * context / P_att) / (t * u_c)
    comm    = 2 * L * 2 (t - 1) / t * B * d * a / (X * u_x)           (tensor parallel, t > 1)
    step    = max(memory, compute) + comm,        decode tokens/s = B / step

with W_read the weight bytes read per step (all of them for a dense model; for a mixture of
experts with N_active of N parameters per token, N * (1 - (1 - N_active/N)^B) * bytes, i.e.
experts drawn uniformly), K the KV-cache bytes per token, A the attention FLOP per new token
per cached token, P the chip's dense peak FLOP/s at the precision, BW its memory bandwidth, X
its interconnect, P_att its peak at the attention precision (BF16 by default: attention
products stay in 16 bits when the weights are FP8), d the model width, L the layers, a the
bytes per activation, and u_* the
attainable fractions (data/serving.toml). ``bound`` says which of memory and compute is the
larger term. Prefill of B prompts of ``context`` tokens is the same sum over B*context tokens,
with attention over context/2 cached tokens on average (causal) and each weight read once.

Memory capacity decides t: the smallest t whose usable memory (t * memory * f) holds the
weights plus the batch's KV cache. Communication is not overlapped with computation, and the
roofline ignores kernel launch and all-reduce latency, scheduling and load imbalance: it is an
upper bound on throughput; data/serving_benchmarks.toml measures how far above reality it is.
With ``parallelism="expert"`` (DeepSeek-style expert parallelism with data-parallel attention)
the communication is taken as hidden behind computation, as DeepSeek reports for its system.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from simulator.errors import InputError
from simulator.hardware import get_chip
from simulator.serving.defaults import (
    Architecture,
    ServingSettings,
    architecture_for,
    load_settings,
    weight_bytes_per_param,
)

PARALLELISMS = ("tensor", "expert")
_COMPUTE_FALLBACK = ("bf16", "fp32")


@dataclass(frozen=True)
class StepTime:
    """Seconds one forward pass of a replica takes, by term."""

    memory_s: float
    compute_s: float
    comm_s: float

    @property
    def total_s(self) -> float:
        return max(self.memory_s, self.compute_s) + self.comm_s

    @property
    def bound(self) -> str:
        return "memory" if self.memory_s >= self.compute_s else "compute"


def _positive(name, value, integer=False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number > 0; got {value!r}") from None
    if not math.isfinite(x) or x <= 0 or (integer and x != int(x)):
        kind = "a whole number" if integer else "a finite number"
        raise InputError(f"{name} must be {kind} > 0; got {value!r}")
    return x


def compute_peak(chip, precision: str) -> tuple[float, str]:
    """Returns (dense peak FLOP/s, precision it is quoted at): the chip's figure at
    ``precision``, else at BF16 (weight-only quantisation computes in 16 bits), else FP32."""
    for p in (str(precision).lower(), *_COMPUTE_FALLBACK):
        key = "bf16" if p == "fp16" else p
        value = chip.tflops.get(key, math.nan)
        if not math.isnan(value):
            return value * 1e12, key
    raise InputError(f"chip {chip.name} has no published FLOP/s figure for {precision}")


@dataclass(frozen=True)
class Replica:
    """One copy of a model on ``chips`` chips: the numbers every step formula needs."""

    chip: object
    arch: Architecture
    precision: str
    chips: int
    settings: ServingSettings
    parallelism: str = "tensor"

    @property
    def weight_bytes(self) -> float:
        return self.arch.params * weight_bytes_per_param(self.precision)

    @property
    def kv_bytes_per_token(self) -> float:
        return self.arch.kv_elements_per_token * self.settings.kv_bytes_per_element

    @property
    def usable_bytes(self) -> float:
        return self.chips * self.chip.memory_gb * 1e9 * self.settings.memory_usable_fraction

    @property
    def peak_flops(self) -> float:
        return compute_peak(self.chip, self.precision)[0]

    def max_batch(self, context: float) -> int:
        """Returns how many sequences of ``context`` tokens fit beside the weights."""
        free = self.usable_bytes - self.weight_bytes
        if free <= 0:
            return 0
        return int(free // (self.kv_bytes_per_token * max(context, 1.0)))

    def _weights_read(self, tokens: float) -> float:
        arch = self.arch
        if not arch.moe:
            return self.weight_bytes
        share = arch.active_params / arch.params
        return self.weight_bytes * (1.0 - (1.0 - share) ** tokens)

    def _comm_s(self, tokens: float) -> float:
        t = self.chips
        if t <= 1 or self.parallelism == "expert":
            return 0.0
        link = self.chip.interconnect_gbps
        if math.isnan(link):  # not published: the term cannot be counted (flagged in notes)
            return 0.0
        volume = 2.0 * self.arch.layers * 2.0 * (t - 1) / t * tokens * self.arch.d_model
        return volume * self.settings.activation_bytes / (
            link * 1e9 * self.settings.interconnect_utilisation)

    def decode_step(self, batch: float, context: float) -> StepTime:
        """Returns the time of one decode step for ``batch`` sequences at ``context``."""
        s = self.settings
        bandwidth = self.chips * self.chip.memory_bandwidth_gbps * 1e9 * s.bandwidth_utilisation
        memory = (self._weights_read(batch) + batch * self.kv_bytes_per_token * context)
        compute_s = batch * self._seconds_per_token(context)
        return StepTime(memory / bandwidth, compute_s, self._comm_s(batch))

    def prefill(self, batch: float, prompt_tokens: float) -> StepTime:
        """Returns the time to prefill ``batch`` prompts of ``prompt_tokens`` tokens."""
        s = self.settings
        tokens = batch * prompt_tokens
        bandwidth = self.chips * self.chip.memory_bandwidth_gbps * 1e9 * s.bandwidth_utilisation
        memory = self._weights_read(tokens) + tokens * self.kv_bytes_per_token
        compute_s = tokens * self._seconds_per_token(prompt_tokens / 2.0)
        return StepTime(memory / bandwidth, compute_s, self._comm_s(tokens))

    def _seconds_per_token(self, attended: float) -> float:
        """Returns the replica's compute seconds for one token attending ``attended`` cached
        tokens: weight matmuls at the model's precision, attention at the attention one."""
        u = self.chips * self.settings.compute_utilisation
        attention_peak = compute_peak(self.chip, self.settings.attention_precision)[0]
        return (2.0 * self.arch.active_params / (self.peak_flops * u)
                + self.arch.attention_flop_per_context_token * attended / (attention_peak * u))


def _degrees(settings: ServingSettings):
    t = 1
    while t <= settings.max_chips_per_replica:
        yield t
        t = t * 2 if settings.tp_power_of_two else t + 1


def min_chips(chip, arch, precision, settings, batch=1, context=1.0) -> int:
    """Returns the fewest chips per replica whose usable memory holds the weights and the KV
    cache of ``batch`` sequences of ``context`` tokens; InputError if none up to the limit."""
    for t in _degrees(settings):
        if Replica(chip, arch, precision, t, settings).max_batch(context) >= batch:
            return t
    need = (arch.params * weight_bytes_per_param(precision)
            + batch * arch.kv_elements_per_token * settings.kv_bytes_per_element * context)
    raise InputError(
        f"the model does not fit on up to {settings.max_chips_per_replica} {chip.name} chips "
        f"({need / 1e9:,.0f} GB for weights and KV cache; {chip.memory_gb:g} GB per chip, "
        f"{settings.memory_usable_fraction:g} usable)")


def max_batch_at_speed(replica: Replica, context: float, tokens_per_s_per_user: float) -> int:
    """Returns the largest batch that fits in memory and still gives each sequence at least
    ``tokens_per_s_per_user`` (0 if even one sequence is too slow)."""
    limit = replica.max_batch(context)
    step_limit = 1.0 / tokens_per_s_per_user
    if limit < 1 or replica.decode_step(1, context).total_s > step_limit:
        return 0
    lo, hi = 1, limit  # step time grows with batch: bisect on the largest fast-enough batch
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if replica.decode_step(mid, context).total_s <= step_limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


@dataclass(frozen=True)
class UsersAtSpeed:
    """How many users a replica serves at a given speed each, on its best replica size."""

    tokens_per_s_per_user: float
    context_tokens: float
    chips_per_replica: int
    users_per_replica: int
    users_per_chip: float
    tokens_per_s_per_chip: float


def users_at_speed(chip, arch, precision, settings, *, tokens_per_s_per_user=None,
                   context=None, parallelism="tensor", chips_per_replica=None) -> UsersAtSpeed:
    """Returns the replica size (from the smallest that fits up to 8x it) serving the most
    users per chip at ``tokens_per_s_per_user`` each (settings' defaults when None)."""
    speed = tokens_per_s_per_user or settings.user_tokens_per_s
    context = context or settings.context_tokens
    first = chips_per_replica or min_chips(chip, arch, precision, settings, 1, context)
    sizes = [first] if chips_per_replica else [t for t in _degrees(settings) if first <= t <= 8 * first]
    best = None
    for t in sizes:
        replica = Replica(chip, arch, precision, t, settings, parallelism)
        users = max_batch_at_speed(replica, context, speed)
        tokens = users / replica.decode_step(users, context).total_s if users else 0.0
        candidate = UsersAtSpeed(speed, context, t, users, users / t, tokens / t)
        if best is None or candidate.users_per_chip > best.users_per_chip:
            best = candidate
    return best


@dataclass(frozen=True)
class ServingEstimate:
    """What one replica (and a fleet of them) of a model delivers on a chip."""

    chip: str
    architecture: str
    params: float
    active_params: float
    precision: str
    compute_precision: str
    batch: int
    context: float
    parallelism: str
    chips_per_replica: int
    weights_gb: float
    kv_cache_gb: float
    memory_per_replica_gb: float
    decode_tokens_per_s: float          # aggregate over the batch, per replica
    decode_tokens_per_s_per_user: float
    decode_tokens_per_s_per_chip: float
    decode_step_s: float
    bound: str                          # decode: "memory" or "compute"
    prefill_tokens_per_s: float         # aggregate over the batch, per replica
    prefill_tokens_per_s_per_chip: float
    prefill_bound: str
    comm_share_of_decode_step: float
    cost_usd_per_mtok: float | None     # decode, at the chip's rental price
    prefill_cost_usd_per_mtok: float | None
    rental_usd_per_chip_hour: float | None
    users: UsersAtSpeed | None          # None when the users' context fits on no replica
    count: int | None = None
    replicas: int | None = None
    fleet_decode_tokens_per_s: float | None = None
    fleet_prefill_tokens_per_s: float | None = None
    fleet_users: int | None = None
    fleet_tokens_per_day: float | None = None
    notes: tuple = field(default=())

    def to_dict(self) -> dict:
        """Returns a JSON-safe dict (NaN becomes None)."""
        def clean(v):
            if isinstance(v, float) and not math.isfinite(v):
                return None
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return [clean(x) for x in v]
            return v
        return clean(asdict(self))


def _cost_per_mtok(chips: int, rental: float, tokens_per_s: float):
    if math.isnan(rental) or tokens_per_s <= 0:
        return None
    return chips * rental / (tokens_per_s * 3600.0) * 1e6


def estimate(chip, params=None, *, active_params=None, architecture=None, precision="bf16",
             batch=1, context=4096, count=None, chips_per_replica=None, settings=None,
             parallelism="tensor", tokens_per_s_per_user=None) -> ServingEstimate:
    """Returns decode and prefill throughput, bound, replica size, cost and users served for a
    model (``params``/``active_params`` or a named ``architecture``) on ``chip``."""
    chip = get_chip(chip)
    settings = settings or load_settings()
    if parallelism not in PARALLELISMS:
        raise InputError(f"unknown parallelism {parallelism!r}; valid: tensor, expert")
    arch = architecture if isinstance(architecture, Architecture) else architecture_for(
        params, active_params, name=architecture)
    batch = int(_positive("batch", batch, integer=True))
    context = _positive("context", context)
    weight_bytes_per_param(precision)
    fits = min_chips(chip, arch, precision, settings, batch, context)
    t = fits
    if chips_per_replica is not None:
        t = int(_positive("chips per replica", chips_per_replica, integer=True))
        if t < fits:
            raise InputError(f"{t} {chip.name} chips per replica cannot hold the model and its "
                             f"KV cache; it needs at least {fits}")
    replica = Replica(chip, arch, precision, t, settings, parallelism)
    step, pre = replica.decode_step(batch, context), replica.prefill(batch, context)
    decode = batch / step.total_s
    prefill = batch * context / pre.total_s
    notes = []
    peak_precision = compute_peak(chip, precision)[1]
    if peak_precision != str(precision).lower().replace("fp16", "bf16"):
        notes.append(f"{chip.name} has no {precision} FLOP/s figure: computing at its "
                     f"{peak_precision} peak with {precision} weights")
    if t > 1 and parallelism == "tensor" and math.isnan(chip.interconnect_gbps):
        notes.append(f"{chip.name}'s interconnect is not published: tensor-parallel "
                     "communication is not counted (optimistic)")
    try:
        users = users_at_speed(chip, arch, precision, settings, parallelism=parallelism,
                               tokens_per_s_per_user=tokens_per_s_per_user, context=context,
                               chips_per_replica=chips_per_replica)
    except InputError as exc:
        users = None
        notes.append(f"users not counted: {exc}")
    rental = chip.rental_usd_per_hour
    out = dict(
        chip=chip.name, architecture=arch.name, params=arch.params,
        active_params=arch.active_params, precision=str(precision).lower(),
        compute_precision=peak_precision, batch=batch, context=context,
        parallelism=parallelism, chips_per_replica=t,
        weights_gb=replica.weight_bytes / 1e9,
        kv_cache_gb=batch * replica.kv_bytes_per_token * context / 1e9,
        memory_per_replica_gb=t * chip.memory_gb,
        decode_tokens_per_s=decode, decode_tokens_per_s_per_user=1.0 / step.total_s,
        decode_tokens_per_s_per_chip=decode / t, decode_step_s=step.total_s, bound=step.bound,
        prefill_tokens_per_s=prefill, prefill_tokens_per_s_per_chip=prefill / t,
        prefill_bound=pre.bound, comm_share_of_decode_step=step.comm_s / step.total_s,
        cost_usd_per_mtok=_cost_per_mtok(t, rental, decode),
        prefill_cost_usd_per_mtok=_cost_per_mtok(t, rental, prefill),
        rental_usd_per_chip_hour=None if math.isnan(rental) else rental,
        users=users, notes=tuple(notes))
    if count is not None:
        count = int(_positive("count", count, integer=True))
        replicas = count // t
        out.update(count=count, replicas=replicas,
                   fleet_decode_tokens_per_s=replicas * decode,
                   fleet_prefill_tokens_per_s=replicas * prefill,
                   fleet_users=None if users is None else
                   (count // users.chips_per_replica) * users.users_per_replica,
                   fleet_tokens_per_day=replicas * decode * 86400.0)
    return ServingEstimate(**out)
