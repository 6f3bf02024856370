"""Text for people in the app: table rows and numbers formatted for reading (no
3.2659199999999996e+25, no 0E0, no raw status ids): the app shows these, downloads keep the raw
numbers.

Example:
    >>> flop_text(3.2659199999999996e+25), flop_text(0.0), count_text(50000.0)
    ('3.27e25', '0', '50,000')
"""

from __future__ import annotations

import math

from simulator.vocabulary import ACCESS_LABELS, CHANNEL_LABELS, STATUS_LABELS, usd


def flop_text(x) -> str:
    """Returns a FLOP count in short scientific notation with 3 significant figures ('0' for 0)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    x = float(x)
    return "0" if x == 0 else f"{x:.3g}".replace("e+", "e")


def count_text(x) -> str:
    """Returns a count with thousands separators, rounded to a whole number."""
    return "–" if x is None else f"{float(x):,.0f}"


def usd_text(x) -> str:
    """Returns dollars with a k / M / B / T suffix ('–' for none)."""
    return "–" if x is None else usd(x)


def fleet_rows(fleet: list) -> list[dict]:
    """Returns the result's fleet (its FleetEntry list) as a table: chip, channel, counts,
    FLOP, status, why."""
    return [{"Chip": r.chip, "Channel": CHANNEL_LABELS.get(r.channel, r.channel),
             "Chips": count_text(r.count), "Counted": count_text(r.usable),
             "FLOP": flop_text(r.flop),
             "Status under the rule": STATUS_LABELS.get(r.status, r.status),
             "Precision": r.precision or "–", "Why": r.reason or ""}
            for r in fleet]


def distillation_rows(d) -> list[dict]:
    """Returns the result's distillation channel (its Distillation block) as (quantity, value)
    rows."""
    if d is None:
        return []
    rows = [("What the API exposes", ACCESS_LABELS.get(d.access, d.access)),
            ("Teacher tokens obtained", flop_text(d.tokens_obtained)),
            ("API spend", usd_text(_finite(d.api_cost_usd))),
            ("Accounts still active (mean share over the campaign)",
             f"{100 * d.account_survival:.0f}%" if _finite(d.account_survival) is not None
             else "–"),
            ("Teacher loss (nats/token)", f"{d.teacher_loss:.3f}"
             if _finite(d.teacher_loss) is not None else "–"),
            ("Student parameters", flop_text(d.student_params)),
            ("Student training tokens", flop_text(d.student_tokens))]
    losses = d.loss_by_access_mode
    for mode in type(losses).model_fields:
        rows.append((f"Student loss with {ACCESS_LABELS.get(mode, mode)} (nats/token)",
                     f"{float(getattr(losses, mode)):.3f}"))
    return [{"Quantity": q, "Value": v} for q, v in rows]


def _finite(x):
    return x if x is not None and math.isfinite(x) else None


def choice_label(path: str, value) -> str:
    """Returns a lever choice as people name it: a rule by its label ("Oct 2023 rule (3A090
    revised)"), an access tier by its words ("top-k log-probs"), a channel by its name."""
    if path == "rule":
        from simulator.hardware import get_rule

        try:
            return get_rule(value).name
        except Exception:  # noqa: BLE001 - an alias or unknown id is shown as it is
            return str(value)
    if path.endswith("access"):
        return ACCESS_LABELS.get(value, str(value))
    if path.endswith("channel"):
        return CHANNEL_LABELS.get(value, str(value))
    return str(value)


def chip_count_label(chip: str, channel: str) -> str:
    """Returns the name of a fleet entry's count lever, e.g. 'H20 chips (legal import)'."""
    return f"{chip} chips ({CHANNEL_LABELS.get(channel, channel).lower()})"


def regime_sentence(regime) -> str:
    """Returns why distillation gains what it does (the result's Regime), as one sentence for
    the headline."""
    why = str(regime.why or "").strip()
    if not why:
        return ""
    why = why.replace("e+", "e")
    return f"Why: {why[:1].lower() + why[1:]}" + ("" if why.endswith(".") else ".")


def fmt_count(x) -> str:
    """Returns a count with a k / M / B / T suffix, e.g. '131k', '4.2M'."""
    x = float(x)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= limit:
            return f"{x / limit:.3g}{suffix}"
    return f"{x:.3g}"


def fmt_sig(x, digits: int = 3) -> str:
    """Returns a number with ``digits`` significant figures and thousands separators."""
    if x is None:
        return "–"
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)
    if x != x:
        return "–"
    if abs(x) >= 1e6:
        return f"{x:.{digits - 1}e}".replace("e+0", "e").replace("e+", "e")
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"
