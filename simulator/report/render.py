"""Chart-rendering tasks for the report: each builds one figure and writes PNG, SVG and PDF.

Tasks are plain tuples so that a process pool can run them: (kind, base_path, payload).
A task returns (base_path, {format: sha256}, ChartInfo, extra) where extra carries data the
report needs back (the capability curves).
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=8)
def chips_under(rule_id: str):
    """Returns (the chip table classified under the rule, the rule), cached per rule."""
    from simulator.hardware import classify_all, get_rule

    return classify_all(rule_id), get_rule(rule_id)


def _figure(kind: str, payload: dict):
    """Returns (Figure, extra data) for one task."""
    from simulator.charts import evidence, gains, scenario as sc
    from simulator.charts.chips import chip_map

    stamp = payload.get("stamp")
    if kind == "capability":
        from simulator.scenario import load_scenario
        from simulator.scenario.sweeps import capability_curves

        curves = payload.get("curves")
        if curves is None:
            s = load_scenario(payload["path"], payload.get("overrides", ()))
            curves = capability_curves(s, payload.get("fit"), draws=payload["draws"])
        return sc.capability_chart(curves, payload["result"], stamp=stamp), curves
    if kind in sc.RESULT_CHARTS:
        return sc.RESULT_CHARTS[kind](payload["result"], stamp=stamp), None
    if kind == "chip_map":
        chips, rule = chips_under(payload["rule"])
        return chip_map(chips, rule, stamp=stamp, highlight=payload.get("fleet", ())), None
    if kind == "serving":
        from simulator.charts.serving import serving_chart

        return serving_chart(stamp=stamp), None
    if kind == "skill":
        from simulator.charts.skill import skill_chart

        return skill_chart(payload["result"], stamp=stamp), None
    if kind == "waterfall":
        from simulator.charts.waterfall import waterfall_chart

        return waterfall_chart(payload["result"], stamp=stamp), None
    if kind == "comparison":
        return sc.comparison_chart(payload["results"], stamp=stamp), None
    runs, card = payload.get("runs"), payload["card"]
    makers = {
        "evidence_loss_vs_compute": lambda: evidence.loss_vs_compute(runs, card, stamp=stamp),
        "evidence_loss_vs_tokens": lambda: evidence.loss_vs_tokens(runs, card, stamp=stamp),
        "evidence_compute_multiplier": lambda: gains.compute_multiplier_chart(
            card, stamp=stamp, runs=runs),
        "headline_token_limited": lambda: gains.token_limited_chart(card, stamp=stamp),
    }
    if kind not in makers:
        raise ValueError(f"unknown chart task {kind!r}")
    return makers[kind](), None


def render_task(task):
    """Returns (base_path, {format: sha256}, ChartInfo, extra) after writing one chart."""
    from simulator.charts.save import save_figure
    from simulator.charts.style import chart_info

    kind, base, payload = task
    fig, extra = _figure(kind, payload)
    written = save_figure(fig, base)
    return base, {fmt: w["sha256"] for fmt, w in written.items()}, chart_info(fig), extra
