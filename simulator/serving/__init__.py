"""Serving compute: what a fleet of chips can deploy (decode, prefill, users, cost).

    python -m simulator serving --chip H20 --params 7e10 --precision fp8 --batch 1 --context 4096
    python -m simulator serving --validate

The roofline and its formulas: ``roofline.py``; its assumptions, each sourced:
``data/serving.toml``; its check against published measurements: ``validation.py`` and
``data/serving_benchmarks.toml``.
"""

import importlib

_EXPORTS = {
    "Architecture": "simulator.serving.defaults",
    "ServingSettings": "simulator.serving.defaults",
    "architecture_for": "simulator.serving.defaults",
    "architecture_names": "simulator.serving.defaults",
    "load_settings": "simulator.serving.defaults",
    "Replica": "simulator.serving.roofline",
    "ServingEstimate": "simulator.serving.roofline",
    "UsersAtSpeed": "simulator.serving.roofline",
    "estimate": "simulator.serving.roofline",
    "max_batch_at_speed": "simulator.serving.roofline",
    "min_chips": "simulator.serving.roofline",
    "users_at_speed": "simulator.serving.roofline",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    """Imports a re-exported name's module on first use (PEP 562), so that importing this
    package (``python -m simulator --help`` registers its CLI) loads no numpy or pydantic."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
