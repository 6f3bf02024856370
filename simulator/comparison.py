"""Scenarios side by side: each one's lag against the no-controls baseline, and when that holds.

The no-controls baseline is a shipped scenario whose rule is 'none' (the counterfactual every
other scenario is measured against). A lag difference between scenarios of different years mixes
the controls' effect with the frontier's growth in between, so the caveat says so.

Example:
    >>> a = {"scenario": {"year": 2026}, "results": {"scratch": {"lag_years": 2.0},
    ...                                              "distill": {"lag_years": 1.5}}}
    >>> b = {"scenario": {"year": 2025}, "results": {"scratch": {"lag_years": 0.5},
    ...                                              "distill": {"lag_years": 0.5}}}
    >>> lag_vs_baseline(a, b)
    {'scratch': 1.5, 'distill': 1.0}
"""

from __future__ import annotations

from typing import Mapping

STRATEGIES = ("scratch", "distill")


def baseline_preset(presets: Mapping[str, Mapping]) -> str | None:
    """Returns the id of the shipped no-controls baseline (a preset whose rule is 'none')."""
    pool = [p for p, info in presets.items() if info.get("rule") == "none"]
    return sorted(pool, key=lambda p: (presets[p].get("variant") != "central", p))[0] \
        if pool else None


def lag_vs_baseline(result: Mapping, baseline: Mapping) -> dict:
    """Returns {strategy: lag - baseline lag} in years (positive: the controls add lag)."""
    out = {}
    for strategy in STRATEGIES:
        lag = result["results"][strategy]["lag_years"]
        base = baseline["results"][strategy]["lag_years"]
        out[strategy] = None if lag is None or base is None else lag - base
    return out


def year_caveat(results: Mapping[str, Mapping], baseline: Mapping | None) -> str | None:
    """Returns a warning when the compared scenarios (or the baseline) differ in year."""
    years = {label: r["scenario"]["year"] for label, r in results.items()}
    base_year = baseline["scenario"]["year"] if baseline else None
    distinct = sorted(set(years.values()) | ({base_year} if base_year else set()))
    if len(distinct) < 2:
        return None
    return (f"These scenarios are set in different years ({', '.join(map(str, distinct))}): "
            "the frontier they trail differs (it grows every year), so a difference in lag "
            "mixes the rules' effect with the years between them"
            + (f"; the no-controls baseline is a {base_year} scenario" if base_year else "")
            + ".")
