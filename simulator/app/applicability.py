"""Which levers apply to a scenario as it stands, and where top-k is an extrapolation.

The explorer hides a control that cannot change the numbers and says why.
"""

from __future__ import annotations

from typing import Any, Mapping


def inapplicable_levers(scenario, values: Mapping[str, Any]) -> dict:
    """Returns {lever path: why it has no effect} for the scenario with ``values`` applied
    (the explorer hides these controls and says why).

    Top-k only matters for top-k access; the case-by-case approval share only when an imported
    chip is under case-by-case review under the rule; smuggling levers only with smuggled
    chips; remote-access controls only with rented cloud chips; the API campaign only when
    distillation is on.
    """
    from simulator.hardware import classify

    rule = values.get("rule", scenario.rule)
    chips = scenario.actor.chips
    channels = {entry.channel for entry in chips}
    out = {}
    if values.get("distillation.access", scenario.distillation.access) != "topk":
        out["distillation.top_k"] = "applies only when the API exposes top-k log-probs"
    try:
        reviewed = any(entry.channel == "import" and classify(entry.chip, rule).case_by_case
                       for entry in chips)
    except Exception:  # noqa: BLE001 - an unknown rule or chip: show the lever
        reviewed = True
    if not reviewed:
        out["actor.case_by_case_approval_fraction"] = (
            "applies only to imported chips under case-by-case review; none under this rule")
    if "smuggled" not in channels:
        out["actor.smuggling_interdiction_fraction"] = "the fleet has no smuggled chips"
        out["actor.smuggled_price_multiplier"] = "the fleet has no smuggled chips"
    if "cloud" not in channels:
        out["actor.remote_access_controls"] = "the fleet rents no cloud chips"
    if not values.get("distillation.enabled", scenario.distillation.enabled):
        for name in ("access", "top_k", "tokens", "accounts", "rate_limit_tokens_per_minute",
                     "detection_probability_per_account_month"):
            out.setdefault(f"distillation.{name}", "distillation is off in this scenario")
    return out


def measured_top_k(card) -> list[int]:
    """Returns the k values at which a fit card (a FitCard, or None) measured top-k
    distillation (sorted)."""
    if card is None:
        return []
    return sorted({entry.top_k for mode, entry in card.distill.items()
                   if mode.startswith("topk") and entry.top_k})


def top_k_note(k: int, measured: list[int]) -> str | None:
    """Returns a warning when k lies outside the measured top-k values (an extrapolation)."""
    if not measured or min(measured) <= k <= max(measured):
        return None
    where = f"k = {measured[0]}" if len(measured) == 1 else \
        f"k = {min(measured)}–{max(measured)}"
    return (f"Extrapolation: top-k distillation was measured at {where} only (fit card); "
            f"k = {k} reuses that measurement.")
