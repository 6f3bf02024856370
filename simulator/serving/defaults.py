"""The serving model's assumptions and model architectures, from ``data/serving.toml``.

    from simulator.serving.defaults import load_settings, architecture_for
    settings = load_settings()                       # sourced defaults
    settings = load_settings({"compute_utilisation": 0.5})   # a scenario's override
    arch = architecture_for(7e10)                    # a 70B dense model, Llama-3-shaped
    arch = architecture_for(name="deepseek-v3")      # a named architecture
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

from simulator.datafile import read_toml
from simulator.errors import InputError, choices_text
from simulator.paths import DATA_DIR

SERVING_TOML = DATA_DIR / "serving.toml"

# Bytes per weight at each precision (physical facts, not assumptions).
BYTES_PER_WEIGHT = {"fp32": 4.0, "tf32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0}


@dataclass(frozen=True)
class ServingSettings:
    """Every assumption of the roofline; defaults and their sources in data/serving.toml."""

    memory_usable_fraction: float
    bandwidth_utilisation: float
    compute_utilisation: float
    interconnect_utilisation: float
    kv_bytes_per_element: float
    activation_bytes: float
    tp_power_of_two: bool
    max_chips_per_replica: int
    user_tokens_per_s: float
    context_tokens: float
    attention_precision: str = "bf16"

    def replace(self, **changes) -> "ServingSettings":
        """Returns a copy with some fields changed (validated)."""
        return _validated(dataclasses.replace(self, **changes))


_FRACTIONS = ("memory_usable_fraction", "bandwidth_utilisation", "compute_utilisation",
              "interconnect_utilisation")
_POSITIVE = ("kv_bytes_per_element", "activation_bytes", "max_chips_per_replica",
             "user_tokens_per_s", "context_tokens")
SETTING_NAMES = tuple(f.name for f in dataclasses.fields(ServingSettings))


def _validated(settings: ServingSettings) -> ServingSettings:
    if settings.attention_precision not in BYTES_PER_WEIGHT:
        raise InputError(f"serving setting attention_precision: must be one of "
                         f"{choices_text(BYTES_PER_WEIGHT)}, got {settings.attention_precision!r}")
    for name in _FRACTIONS:
        value = getattr(settings, name)
        if not (isinstance(value, (int, float)) and 0 < value <= 1):
            raise InputError(f"serving setting {name}: must be in (0, 1], got {value!r}")
    for name in _POSITIVE:
        value = getattr(settings, name)
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise InputError(f"serving setting {name}: must be a number > 0, got {value!r}")
    return settings


@dataclass(frozen=True)
class Architecture:
    """A model's shape: what the roofline needs beyond the parameter count."""

    name: str
    params: float  # all parameters (what memory holds)
    active_params: float  # parameters used per token (= params for a dense model)
    layers: float
    d_model: float
    kv_elements_per_token: float  # cached elements per token, all layers
    attention_flop_per_context_token: float  # attention FLOP per new token per cached token
    source: str = ""

    @property
    def moe(self) -> bool:
        """True when only part of the weights work on each token."""
        return self.active_params < self.params


@functools.lru_cache(maxsize=4)
def _document(path: str) -> dict:
    return read_toml(path, "serving data")


def setting_sources(path=None) -> dict:
    """Returns {setting name: its source text} from the data file."""
    doc = _document(str(path or SERVING_TOML))["defaults"]
    return {name: doc.get(f"{name}_source", "") for name in SETTING_NAMES}


def load_settings(overrides=None, path=None) -> ServingSettings:
    """Returns the sourced defaults with ``overrides`` ({name: value}) applied and checked."""
    doc = _document(str(path or SERVING_TOML))["defaults"]
    values = {name: doc[name] for name in SETTING_NAMES}
    for name, value in (overrides or {}).items():
        if name not in values:
            raise InputError(
                f"unknown serving setting {name!r}; valid: {choices_text(SETTING_NAMES)}")
        values[name] = value
    values["max_chips_per_replica"] = int(values["max_chips_per_replica"])
    return _validated(ServingSettings(**values))


def _architecture_from_entry(entry: dict) -> Architecture:
    layers, heads = float(entry["layers"]), float(entry["heads"])
    if entry["attention"] == "gqa":
        head_dim = float(entry["head_dim"])
        kv = 2.0 * layers * float(entry["kv_heads"]) * head_dim
        attention = 2.0 * layers * heads * 2.0 * head_dim  # QK^T and AV, 2 FLOP per MAC
    elif entry["attention"] == "mla":
        latent = float(entry["kv_lora_rank"]) + float(entry["rope_dim"])
        kv = layers * latent
        attention = 2.0 * layers * heads * (latent + float(entry["kv_lora_rank"]))
    else:
        raise InputError(f"{SERVING_TOML}: architecture {entry.get('name')}: attention must be "
                         f"gqa or mla, got {entry['attention']!r}")
    return Architecture(
        name=entry["name"], params=float(entry["params"]),
        active_params=float(entry["active_params"]), layers=layers,
        d_model=float(entry["d_model"]), kv_elements_per_token=kv,
        attention_flop_per_context_token=attention, source=entry.get("source", ""))


@functools.lru_cache(maxsize=4)
def _architectures(path: str) -> dict:
    return {e["name"]: _architecture_from_entry(e)
            for e in _document(path).get("architecture", [])}


def architecture_names(path=None) -> list[str]:
    """Returns the named architectures in data/serving.toml."""
    return list(_architectures(str(path or SERVING_TOML)))


def _interpolated(params: float, active: float, path: str) -> Architecture:
    doc = _document(path)["generic"]
    refs = [_architectures(path)[name] for name in doc["reference"]]
    x = np.log([r.active_params for r in refs])

    def shape(attr):  # log-log interpolation, linear extrapolation at both ends
        y = np.log([getattr(r, attr) for r in refs])
        lx = math.log(active)
        if lx <= x[0]:
            slope = (y[1] - y[0]) / (x[1] - x[0])
            return float(math.exp(y[0] + slope * (lx - x[0])))
        if lx >= x[-1]:
            slope = (y[-1] - y[-2]) / (x[-1] - x[-2])
            return float(math.exp(y[-1] + slope * (lx - x[-1])))
        return float(math.exp(np.interp(lx, x, y)))

    kind = "MoE" if active < params else "dense"
    return Architecture(
        name=f"generic {kind} {params:.3g} params"
             + (f" ({active:.3g} active)" if active < params else ""),
        params=params, active_params=active, layers=shape("layers"), d_model=shape("d_model"),
        kv_elements_per_token=shape("kv_elements_per_token"),
        attention_flop_per_context_token=shape("attention_flop_per_context_token"),
        source=doc.get("source", ""))


def architecture_for(params=None, active_params=None, *, name=None, path=None) -> Architecture:
    """Returns a named architecture, or a generic one of ``params`` (``active_params``) shaped
    like the reference family in data/serving.toml."""
    path = str(path or SERVING_TOML)
    if name:
        archs = _architectures(path)
        if name not in archs:
            raise InputError(f"unknown architecture {name!r}; valid: {choices_text(archs)}")
        return archs[name]
    for label, value in (("params", params), ("active params", active_params)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise InputError(f"{label} must be a number > 0, got {value!r}")
    if params is None:
        raise InputError("give a parameter count or an architecture name")
    active = params if active_params is None else active_params
    if active > params:
        raise InputError(f"active params ({active:.3g}) exceed total params ({params:.3g})")
    return _interpolated(float(params), float(active), path)


def weight_bytes_per_param(precision: str) -> float:
    """Returns the bytes each weight takes at ``precision``."""
    key = str(precision).lower()
    if key not in BYTES_PER_WEIGHT:
        raise InputError(
            f"unknown precision {precision!r}; valid: {choices_text(BYTES_PER_WEIGHT)}")
    return BYTES_PER_WEIGHT[key]
