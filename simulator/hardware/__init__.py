"""Hardware: the chip catalogue, export-control rules and fleet compute accounting.

    python -m simulator chips --rule 2023-10
    python -m simulator chips --matrix
    python -m simulator accounting --chip H800 --chip-hours 2.788e6 --flop 3.41e24 --precision fp8
"""

from simulator.hardware.catalog import (
    PRECISIONS,
    Chip,
    chip_names,
    compute_performance_density,
    compute_tpp,
    get_chip,
    load_chips,
)
from simulator.hardware.fleet import (
    FleetCompute,
    chips_for_compute,
    days_for_compute,
    fleet_compute,
    implied_mfu,
)
from simulator.hardware.rules import (
    STATUSES,
    Classification,
    Rule,
    classify,
    default_rule_id,
    get_rule,
    rule_ids,
)

__all__ = [
    "PRECISIONS", "STATUSES", "Chip", "Classification", "FleetCompute", "Rule",
    "chip_names", "chips_for_compute", "classify", "classify_all", "compute_performance_density",
    "compute_tpp", "days_for_compute", "default_rule_id", "fleet_compute", "get_chip",
    "get_rule", "implied_mfu", "load_chips", "rule_ids",
]


def classify_all(rule=None):
    """Returns load_chips() with the classification under ``rule`` (default: today's) added."""
    rule = get_rule(rule if rule is not None else default_rule_id())
    chips = load_chips()
    rows = [classify(name, rule).to_dict() for name in chips["chip"]]
    for key in ("rule", "status", "controlled", "import_allowed", "case_by_case",
                "threshold", "reason", "revenue_share"):
        chips[key] = [r[key] for r in rows]
    return chips
