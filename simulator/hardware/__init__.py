"""Hardware: the chip catalogue, export-control rules and fleet compute accounting.

    python -m simulator chips --rule 2023-10
    python -m simulator chips --matrix
    python -m simulator accounting --chip H800 --chip-hours 2.788e6 --flop 3.41e24 --precision fp8
"""

from simulator.lazy import lazy_exports

_EXPORTS = {
    "PRECISIONS": "simulator.hardware.catalog",
    "Chip": "simulator.hardware.catalog",
    "chip_names": "simulator.hardware.catalog",
    "compute_performance_density": "simulator.hardware.catalog",
    "catalog_rows": "simulator.hardware.catalog",
    "compute_tpp": "simulator.hardware.catalog",
    "get_chip": "simulator.hardware.catalog",
    "load_chips": "simulator.hardware.catalog",
    "FleetCompute": "simulator.hardware.fleet",
    "chips_for_compute": "simulator.hardware.fleet",
    "days_for_compute": "simulator.hardware.fleet",
    "fleet_compute": "simulator.hardware.fleet",
    "implied_mfu": "simulator.hardware.fleet",
    "STATUSES": "simulator.hardware.rules",
    "Classification": "simulator.hardware.rules",
    "Rule": "simulator.hardware.rules",
    "classify": "simulator.hardware.rules",
    "classified_rows": "simulator.hardware.rules",
    "classify_all": "simulator.hardware.rules",
    "default_rule_id": "simulator.hardware.rules",
    "get_rule": "simulator.hardware.rules",
    "rule_ids": "simulator.hardware.rules",
}
__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
