"""Serving compute: what a fleet of chips can deploy (decode, prefill, users, cost).

    python -m simulator serving --chip H20 --params 7e10 --precision fp8 --batch 1 --context 4096
    python -m simulator serving --validate

The roofline and its formulas: ``roofline.py``; its assumptions, each sourced:
``data/serving.toml``; its check against published measurements: ``validation.py`` and
``data/serving_benchmarks.toml``.
"""

from simulator.serving.defaults import (
    Architecture,
    ServingSettings,
    architecture_for,
    architecture_names,
    load_settings,
)
from simulator.serving.roofline import (
    Replica,
    ServingEstimate,
    UsersAtSpeed,
    estimate,
    max_batch_at_speed,
    min_chips,
    users_at_speed,
)

__all__ = [
    "Architecture", "Replica", "ServingEstimate", "ServingSettings", "UsersAtSpeed",
    "architecture_for", "architecture_names", "estimate", "load_settings",
    "max_batch_at_speed", "min_chips", "users_at_speed",
]
