"""The house vocabulary: one place for the words, units, colours and number formats that the
charts, the report, the CLI and the app show, and for the transfer-assumption sentence.

Example:
    >>> from simulator.vocabulary import usd, no_minus_zero
    >>> usd(2.5e9), no_minus_zero(-0.001)
    ('$2.5B', '0.00')
"""

from __future__ import annotations

ACCESS_MODES = ("logits", "topk", "text")
STRATEGY_LABELS = {"scratch": "Train from scratch", "distill": "Distil through the API"}
ACCESS_LABELS = {"logits": "full logits", "topk": "top-k log-probs", "text": "text only"}
MODE_LABELS = {
    "scratch": "Train from scratch",
    "logits": "Distil: full logits",
    "topk": "Distil: top-k log-probs",
    "text": "Distil: text only",
    "distill": "Distil through the API",
}
MODES = ("scratch", "logits", "topk", "text")
CHANNEL_LABELS = {"import": "Legal import", "smuggled": "Smuggled", "domestic": "Domestic",
                  "cloud": "Rented cloud"}

# Okabe & Ito (2008) colours with fixed meanings, so the same thing has the same colour in
# every chart and in the app. Meaning is never carried by hue alone: lines also differ in style
# and marker, and lines are labelled directly where there is room.
PALETTE = {
    "scratch": "#0072B2",        # blue
    "logits": "#E69F00",         # orange
    "topk": "#009E73",           # bluish green
    "text": "#D55E00",           # vermillion
    "distill": "#CC79A7",        # reddish purple (distillation, mode unspecified)
    "frontier": "#000000",       # black: the frontier actor
    "reference": "#777777",      # grey: thresholds, parity lines
    "allowed": "#009E73",
    "case_by_case": "#E69F00",
    "controlled": "#D55E00",
    "not_datacenter": "#56B4E9",
    "increase": "#D55E00",       # tornado: lever moves lag up
    "decrease": "#0072B2",       # tornado: lever moves lag down
}
LINESTYLES = {"scratch": "-", "logits": "--", "topk": "-.", "text": ":", "distill": "--",
              "frontier": "-"}
MARKERS = {"scratch": "o", "logits": "s", "topk": "^", "text": "D", "distill": "v"}

STATUS_LABELS = {
    "not_controlled": "Not controlled",
    "nac_notification": "NAC notification",
    "case_by_case": "Case-by-case review",
    "licence_required": "Licence required",
    "denied": "Denied (presumption)",
    "domestic": "Domestic design",
}
STATUS_COLOURS = {
    "not_controlled": "#009E73",
    "nac_notification": "#F0E442",
    "case_by_case": "#E69F00",
    "licence_required": "#CC79A7",
    "denied": "#D55E00",
    "domestic": "#0072B2",   # blue, as the chip map always drew it (not_datacenter is sky blue)
}

# --------------------------------------------------------------------------- transfer

def transfer_sentence(law: str | None = None, fit: str | None = None) -> str:
    """Returns the transfer assumption (DESIGN §5): the one sentence that the report, every
    chart footer and the app state.

    ``law``: the published law the absolute losses come from ("id" or "id: title"; None: not
    named). ``fit``: where the distillation behaviour comes from, as the scenario labels it (a
    fit card's path, or a label naming the literature priors; None: either).
    """
    law_text = f"the published law '{law}'" if law else "a published large-scale scaling law"
    card = "our small-scale experiments (fit card)"
    priors = "literature priors (data/distillation_priors.toml)"
    source = (f"{card} or, where no fit is used, {priors}" if fit is None
              else priors if "prior" in fit.lower() else card)
    return (f"Transfer assumption: absolute losses at frontier scale follow {law_text}; only "
            "dimensionless quantities (distillation's effective-data multiplier vs tokens per "
            "parameter and teacher-student gap, the token-limited gain per access mode) come "
            f"from {source}, and that transfer is an assumption, not a measurement.")


# Where no scenario names the law and the fit (the evidence charts, the app's captions).
TRANSFER_NOTE = transfer_sentence()


# --------------------------------------------------------------------------- numbers

def no_minus_zero(x: float, digits: int = 2) -> str:
    """Returns x with ``digits`` decimals, never "-0.00" (a value that rounds to zero)."""
    return f"{round(float(x), digits) + 0.0:.{digits}f}"


def usd(x: float, *, tex: bool = False) -> str:
    """Returns a dollar amount in short form: $1.23B, $450M, $12k, $900.

    ``tex``: escape the dollar sign for matplotlib (a bare pair would switch to math text).
    """
    x = float(x)
    sign = "\\$" if tex else "$"
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{sign}{x / scale:.3g}{suffix}"
    return f"{sign}{x:.0f}"


def sci(x: float, digits: int = 2) -> str:
    """Returns x in short scientific notation: 3.5e26 (no '+')."""
    return f"{x:.{digits}g}".replace("e+", "e")
