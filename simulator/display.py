"""Rows for the app's tables with every number formatted for people (no 3.2659199999999996e+25,
no 0E0, no raw status ids): the app shows these, downloads keep the raw numbers.

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


def fleet_rows(fleet: list[dict]) -> list[dict]:
    """Returns the result's fleet rows as a table: chip, channel, counts, FLOP, status, why."""
    return [{"Chip": r["chip"], "Channel": CHANNEL_LABELS.get(r["channel"], r["channel"]),
             "Chips": count_text(r["count"]), "Counted": count_text(r["usable"]),
             "FLOP": flop_text(r["flop"]),
             "Status under the rule": STATUS_LABELS.get(r["status"], r["status"]),
             "Precision": r.get("precision") or "–", "Why": r.get("reason") or ""}
            for r in fleet]


def distillation_rows(d: dict) -> list[dict]:
    """Returns the distillation channel's numbers as (quantity, value) rows."""
    if not d:
        return []
    rows = [("What the API exposes", ACCESS_LABELS.get(d.get("access"), d.get("access"))),
            ("Teacher tokens obtained", flop_text(d.get("tokens_obtained"))),
            ("API spend", usd_text(d.get("api_cost_usd"))),
            ("Accounts still active (mean share over the campaign)",
             f"{100 * float(d['account_survival']):.0f}%"
             if d.get("account_survival") is not None else "–"),
            ("Teacher loss (nats/token)", f"{float(d['teacher_loss']):.3f}"
             if d.get("teacher_loss") is not None else "–"),
            ("Student parameters", flop_text(d.get("student_params"))),
            ("Student training tokens", flop_text(d.get("student_tokens")))]
    for mode, loss in (d.get("loss_by_access_mode") or {}).items():
        rows.append((f"Student loss with {ACCESS_LABELS.get(mode, mode)} (nats/token)",
                     f"{float(loss):.3f}"))
    return [{"Quantity": q, "Value": v} for q, v in rows]


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


def regime_sentence(regime: dict) -> str:
    """Returns why distillation gains what it does, as one sentence for the headline."""
    why = str(regime.get("why") or "").strip()
    if not why:
        return ""
    why = why.replace("e+", "e")
    return f"Why: {why[:1].lower() + why[1:]}" + ("" if why.endswith(".") else ".")
