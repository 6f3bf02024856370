"""The Explorer's skill axis and API-provider policy levers: what the page shows, computed here
(app_pages/skill_view.py only lays it out). Every number comes from the result's
``capability`` block (simulator.scenario.skill, api_policy, skill_tornado).

    from simulator.app.skill_axis import policy_rows, tornado_spec, skill_chart_png
"""

from __future__ import annotations

from simulator.scenario.api_policy import POLICY_LEVERS, with_changes

# The API-provider levers the Explorer's policy section draws beyond the distillation ones it
# already has (access = log-probs, top-k, rate limit, detection): the [capability] switches.
EXTRA_POLICY_PATHS = ("capability.hide_chain_of_thought", "capability.refuse_grading")


def inapplicable(scenario, values: dict) -> dict:
    """Returns {lever path: why it cannot change this scenario's numbers} for the [capability]
    policy switches, with ``values`` (the Explorer's lever values) applied."""
    if getattr(scenario, "capability", None) is None:
        return {}
    changes = {p: values[p] for p in ("capability.tier", "distillation.access") if p in values}
    s = with_changes(scenario, changes) if changes else scenario
    return {p.path: why for p in POLICY_LEVERS
            if p.path in EXTRA_POLICY_PATHS and (why := p.why_not(s))}


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def _yr(x, kind: str = "point") -> str:
    return "–" if x is None else ("≤ " if kind == "upper_bound" else "") + f"{x:.2f}"


def policy_rows(block: dict) -> list[dict]:
    """Returns one row per API-provider policy (the scenario first) with both axes: the
    general-capability (loss) lag and the skill tier, accuracy and skill lag."""
    d = block["distilled"]
    rows = [{"API policy": "As in the scenario", "Loss lag (yr)": _yr(
                (block.get("loss_lag_years") or {}).get("distill")),
             "Skill tier used": d["tier"], "Teacher samples": f"{d['samples']:.3g}",
             "Skill accuracy": _pct(d["accuracy"]),
             "Skill lag (yr)": _yr(d["lag_years"], d["lag_kind"]), "Note": ""}]
    for p in block.get("api_policies") or []:
        measured = p.get("skill_measured", True)
        rows.append({
            "API policy": p["policy"],
            "Loss lag (yr)": _yr(p.get("loss_lag_years")) if p.get("loss_measured", True)
            else "not measured",
            "Skill tier used": p["tier"] if measured else "not measured",
            "Teacher samples": f"{p['samples']:.3g}",
            "Skill accuracy": _pct(p["accuracy"]) if measured else "not measured",
            "Skill lag (yr)": _yr(p["lag_years"], p["lag_kind"]) if measured
            else "not measured",
            "Note": "; ".join(n for n in (
                p.get("inapplicable") and f"no effect here: {p['inapplicable']}",
                p.get("skill_note"), p.get("loss_note")) if n)})
    return rows


def _ends(row) -> str:
    if row["kind"] == "policy":
        return "API open → policy in force"
    return f"{row['low']:.3g} – {row['high']:.3g}"


def tornado_spec(block: dict, axis: str = "skill", label_of=None) -> dict | None:
    """Returns a Vega-Lite tornado of the distilled lag on ``axis`` ("skill" or "loss") from the
    block's skill-axis tornado rows (policies included); None when it has none. Rows the axis
    cannot show (not measured, or no effect in this scenario) are left out and listed by
    ``unshown_rows``."""
    data, order = [], []
    for row in block.get("tornado") or []:
        side = row.get(axis)
        if not side or row.get("inapplicable") or side.get("swing_years") is None:
            continue
        name = label_of(row["path"]) if label_of and row["kind"] == "lever" else row["label"]
        label = f"{name} ({_ends(row)})"
        order.append(label)
        for end in ("low", "high"):
            data.append({"lever": label, "end": "API open / lever low" if end == "low"
                         else "policy in force / lever high",
                         "lag": side[f"lag_years_at_{end}"], "base": side["lag_years_base"]})
    if not data:
        return None
    order = sorted(order, key=lambda lb: -max(abs(d["lag"] - d["base"]) for d in data
                                              if d["lever"] == lb))
    title = "Skill lag, distilled (years)" if axis == "skill" else \
        "General-capability (loss) lag, distilled (years)"
    bars = {"mark": {"type": "bar", "height": 14, "opacity": 0.85}, "encoding": {
        "y": {"field": "lever", "type": "nominal", "sort": order, "title": None,
              "axis": {"labelLimit": 380}},
        "x": {"field": "lag", "type": "quantitative", "title": title, "scale": {"zero": False}},
        "x2": {"field": "base"},
        "color": {"field": "end", "type": "nominal", "title": None, "legend": {"orient": "bottom"},
                  "scale": {"domain": ["API open / lever low", "policy in force / lever high"],
                            "range": ["#56B4E9", "#D55E00"]}},
        "tooltip": [{"field": "lever"}, {"field": "end"},
                    {"field": "lag", "type": "quantitative", "format": ".2f"},
                    {"field": "base", "type": "quantitative", "format": ".2f"}]}}
    rule = {"mark": {"type": "rule", "color": "#222", "strokeDash": [3, 2]},
            "encoding": {"x": {"aggregate": "min", "field": "base", "type": "quantitative"}}}
    return {"data": {"values": data}, "layer": [bars, rule], "height": {"step": 34}}


def unshown_rows(block: dict, axis: str = "skill") -> list[str]:
    """Returns "label: why" for the tornado rows the ``axis`` chart leaves out."""
    out = []
    for row in block.get("tornado") or []:
        if row.get("inapplicable"):
            out.append(f"{row['label']}: {row['inapplicable']}")
        elif not row.get(axis):
            out.append(f"{row['label']}: {row.get('skill_note') or 'not computed'}")
    return out


def skill_chart_png(result: dict) -> bytes:
    """Returns the skill chart ("What an API must hide", simulator.charts.skill) as PNG bytes:
    the report's figure, drawn from the same result dict."""
    from simulator.charts.save import figure_bytes
    from simulator.charts.skill import skill_chart

    return figure_bytes(skill_chart(result), "png")
