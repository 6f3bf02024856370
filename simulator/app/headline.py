"""The explorer's headline in words: the lag of each path with its 90% interval, why
distillation gains what it does, and the numbers of each path's card.

No Streamlit import; ``result`` is the typed ScenarioResult.
"""

from __future__ import annotations

import math

from simulator.app import guide
from simulator.app.display import regime_sentence
from simulator.app.vega import fmt_e, fmt_flop, fmt_usd
from simulator.vocabulary import ACCESS_LABELS, STRATEGY_LABELS, no_minus_zero


def finite(x):
    """Returns ``x`` when it is a finite number, else None (shown as '–')."""
    return x if x is not None and math.isfinite(x) else None


def years(x) -> str:
    """Returns years with one decimal ('–' for none), never '-0.0'."""
    return "–" if x is None else no_minus_zero(x, 1)


def band_text(result, strategy: str, quantity: str, fmt) -> str:
    """Returns '90% interval a – b' of a quantity, or 'no Monte Carlo'."""
    pct = result.percentiles
    if pct is None:
        return "no Monte Carlo"
    b = getattr(getattr(pct, strategy), quantity)
    return f"90% interval {fmt(finite(b.p5))} – {fmt(finite(b.p95))}"


def access_words(result) -> str:
    """Returns what the API exposes in this scenario, in words ('top-k log-probs')."""
    access = result.scenario.access
    return ACCESS_LABELS.get(access, access)


def lag_paragraph(result) -> str | None:
    """Returns the headline paragraph: the lag from scratch and distilling, each with its 90%
    interval, and how much closer distilling gets (or why it gains nothing); None when a lag
    is not a finite number."""
    res = result.results
    lag_s, lag_d = finite(res.scratch.lag_years), finite(res.distill.lag_years)
    if lag_s is None or lag_d is None:
        return None
    closer = lag_s - lag_d
    return (f"Training from scratch, the restricted actor is "
            f"**{guide.lag_phrase(lag_s)}** ({band_text(result, 'scratch', 'lag_years', years)}). "
            f"Distilling the frontier model through its API ({access_words(result)}), it is "
            f"**{guide.lag_phrase(lag_d)}** ({band_text(result, 'distill', 'lag_years', years)}): "
            + (f"**{closer:.2f} years closer**." if closer > 0.005 else
               "no gain over scratch. " + regime_sentence(result.regime))
            + (f" {guide.NEGATIVE_LAG_NOTE}" if min(lag_s, lag_d) < -0.05 else ""))


def strategy_card(result, strategy: str) -> dict:
    """Returns what one path's card shows: title, lag / effective FLOP / cost with their help
    text, the lag's difference from scratch (distillation only) and a one-line caption."""
    r = getattr(result.results, strategy)
    lag, lag_s = finite(r.lag_years), finite(result.results.scratch.lag_years)
    title = STRATEGY_LABELS[strategy] + (f" ({access_words(result)})"
                                         if strategy == "distill" else "")
    delta = None
    if strategy == "distill" and lag is not None and lag_s is not None:
        diff = lag - lag_s
        # "+0.00" with a red arrow would suggest a change where there is none
        delta = f"{diff:+.2f} vs scratch" if abs(diff) >= 0.005 else None
    draws = result.percentiles.draws if result.percentiles is not None else None
    return {
        "title": title, "lag": years(lag), "delta": delta,
        "lag_help": "How many years ago the frontier trained with this strategy's effective "
                    "compute; negative: the actor would be ahead. "
                    + band_text(result, strategy, "lag_years", years),
        "effective": fmt_e(finite(r.effective_compute_flop)),
        "effective_help": "The from-scratch training compute that reaches the same loss. "
                          + band_text(result, strategy, "effective_compute_flop", fmt_flop),
        "cost": fmt_usd(finite(r.cost_usd)),
        "cost_help": "Fleet cost (rental or capital, per the scenario) plus API spend. "
                     + band_text(result, strategy, "cost_usd", fmt_usd),
        "caption": f"Lag {band_text(result, strategy, 'lag_years', years)} yr · effective "
                   f"compute {band_text(result, strategy, 'effective_compute_flop', fmt_flop)}"
                   + (f" · {draws:,} Monte Carlo draws" if draws else ""),
    }


def subtitle(result, changed: int) -> str:
    """Returns the line under the scenario's title: variant, year, rule, access, moved levers,
    fit."""
    from simulator.app.display import choice_label

    info = result.scenario
    return (f"{(info.variant or '').capitalize()} · {info.year} · "
            f"{choice_label('rule', info.rule)} · distillation access: {access_words(result)} · "
            f"{changed} lever(s) moved from the scenario file · fit: {info.fit}")
