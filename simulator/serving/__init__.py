"""Serving compute: what a fleet of chips can deploy (decode, prefill, users, cost).

    python -m simulator serving --chip H20 --params 7e10 --precision fp8 --batch 1 --context 4096
    python -m simulator serving --validate

The roofline and its formulas: ``roofline.py``; its assumptions, each sourced:
``data/serving.toml``; its check against published measurements: ``validation.py`` and
``data/serving_benchmarks.toml``.
"""

from simulator.lazy import lazy_exports

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

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
