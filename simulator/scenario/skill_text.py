"""The skill axis as words and tables: one sentence, ``run``'s lines, the report's blocks and the
API-policy table (the numbers come from simulator.scenario.skill.capability_block).

    from simulator.scenario.skill_text import capability_lines, capability_report_blocks
"""

from __future__ import annotations

from simulator.scenario.skill import percent_text



def capability_summary(block: dict) -> str:
    """Returns one sentence on the skill axis: scratch vs distilled, the bound, the regime."""
    d, s = block["distilled"], block["scratch"]
    bound = "at most " if d["lag_kind"] == "upper_bound" else ""
    gain = (f"CEG {'> ' if d['ceg_kind'] == 'lower_bound' else ''}{d['ceg']:.3g}x"
            if d["beats_self_reliant"] else "no gain over the actor's own post-training")
    return (f"Skill ({block['skill']}): scratch {percent_text(s['accuracy'])}, lag "
            f"{s['lag_years']:.2f} years; distilled via {d['tier']} with "
            f"{block['samples']:.3g} samples {percent_text(d['accuracy'])}, {gain}, lag {bound}"
            f"{d['lag_years']:.2f} years ({block['regime']}: {block['regime_why']}).")


def capability_lines(block: dict) -> list[str]:
    """Returns the capability block as text lines for ``run``'s table."""
    lines = ["capability (skill axis):", f"  {capability_summary(block)}",
             f"  {'tier':16}{'accuracy':>10}{'p5-p95':>16}{'CEG':>10}{'lag (yr)':>10}"
             f"{'p5-p95':>14}  regime"]
    for t, e in block["tiers"].items():
        ai = e.get("accuracy_interval") or [None, None]
        li = e.get("lag_years_interval") or [None, None]
        ceg = ("> " if e["ceg_kind"] == "lower_bound" else "") + f"{e['ceg']:.3g}"
        lag = ("<= " if e["lag_kind"] == "upper_bound" else "") + f"{e['lag_years']:.2f}"
        lines.append(f"  {t:16}{percent_text(e['accuracy']):>10}"
                     f"{(percent_text(ai[0]) + '-' + percent_text(ai[1])) if ai[0] is not None else '':>16}"
                     f"{ceg:>10}{lag:>10}"
                     f"{(f'{li[0]:.2f}-{li[1]:.2f}') if li[0] is not None else '':>14}"
                     f"  {e['regime']}")
    tl = block["timeline"]
    lines.append(f"  timeline: teacher released {tl['teacher_release']}, campaign ends "
                 f"{tl['campaign_end']}, student ready {tl['student_ready']} "
                 f"(+{tl['delay_years']:.2f} years)")
    lines += [f"  note: {n}" for n in block["notes"]]
    if block.get("api_policies"):
        headers, rows = policy_table(block)
        lines.append("  API-provider policies (both axes):")
        lines += [f"    {r[0]:52}{r[1]:>16}{r[2]:>10}{r[3]:>16}{r[4]:>9}{r[5]:>16}{r[6]:>14}"
                  for r in [headers] + rows]
        lines += [f"    note: {n}" for n in policy_notes(block)]
    return lines


def capability_table(block: dict) -> tuple[list, list]:
    """Returns (headers, rows): scratch and each tier's skill accuracy, CEG, skill lag."""
    headers = ["Route", "Skill accuracy (p5-p95)", "CEG", "Skill lag, years (p5-p95)",
               "Regime"]
    rows = [["Scratch (own post-training)", percent_text(block["scratch"]["accuracy"]), "1",
             f"{block['scratch']['lag_years']:.2f}", ""]]
    for t, e in block["tiers"].items():
        ai = e.get("accuracy_interval")
        li = e.get("lag_years_interval")
        rows.append([
            f"Distilled, {t}" + (" (this scenario)" if t == block["effective_tier"] else ""),
            percent_text(e["accuracy"]) + (f" ({percent_text(ai[0])}-{percent_text(ai[1])})" if ai else ""),
            ("> " if e["ceg_kind"] == "lower_bound" else "") + f"{e['ceg']:.3g}",
            ("<= " if e["lag_kind"] == "upper_bound" else "") + f"{e['lag_years']:.2f}"
            + (f" ({li[0]:.2f}-{li[1]:.2f})" if li else ""), e["regime"]])
    return headers, rows


def capability_report_blocks(block: dict) -> list:
    """Returns the report's blocks for the capability block (heading, sentence, table,
    provenance and notes)."""
    headers, rows = capability_table(block)
    tl = block["timeline"]
    return [("h2", "Skill capability: accuracy on one skill, with time"),
            ("p", capability_summary(block)), ("table", headers, rows),
            ("p", f"Timeline: teacher released {tl['teacher_release']}, campaign ends "
                  f"{tl['campaign_end']}, distilled student ready {tl['student_ready']} "
                  f"(+{tl['delay_years']:.2f} years; its lag then is the skill lag plus "
                  "this delay)."),
            ("ul", [f"{k}: {v}" for k, v in block["provenance"].items()]
             + list(block.get("notes") or []))] + (
        [("h3", "What each API-provider policy does, on both axes"),
         ("table", *policy_table(block))] if block.get("api_policies") else []) + (
        [("ul", policy_notes(block))] if policy_notes(block) else []) + (
        [("h3", "Which levers move the skill lag most (API policies included)"),
         ("table", *tornado_table(block))] if block.get("tornado") else [])


def tornado_table(block: dict) -> tuple[list, list]:
    """Returns (headers, rows): the skill-axis tornado, largest skill swing first, with the
    distilled loss lag at the same settings."""
    headers = ["Lever", "Low / high", "Skill lag at low / high (yr)",
               "Loss lag at low / high (yr)"]
    rows = []
    for r in block.get("tornado") or []:
        ends = "API open / in force" if r["kind"] == "policy" else \
            f"{r['low']:.3g} / {r['high']:.3g}"
        rows.append([r["label"], ends, _pair(r, "skill"), _pair(r, "loss")])
    return headers, rows


def _pair(row: dict, axis: str) -> str:
    side = row.get(axis)
    if row.get("inapplicable"):
        return "no effect here"
    if not side:
        return "not measured"
    return f"{_years(side['lag_years_at_low'])} / {_years(side['lag_years_at_high'])}"


def policy_table(block: dict) -> tuple[list, list]:
    """Returns (headers, rows): the outcome under each API-provider policy on both axes (skill
    cells read "not measured" where the capability card cannot show the policy)."""
    headers = ["API policy", "Tier used", "Samples", "Skill accuracy", "CEG", "Skill lag (yr)",
               "Loss lag (yr)"]
    d = block["distilled"]
    loss = (block.get("loss_lag_years") or {}).get("distill")
    rows = [["As in the scenario", *_skill_cells(d, block["samples"]), _years(loss)]]
    for p in block.get("api_policies") or []:
        cells = _skill_cells(p, p["samples"]) if p.get("skill_measured", True) else \
            ["not measured"] * 5
        loss_cell = _years(p.get("loss_lag_years")) if p.get("loss_measured", True) else \
            "not measured"
        rows.append([p["policy"], *cells, loss_cell])
    return headers, rows


def policy_notes(block: dict) -> list[str]:
    """Returns one line per policy whose row needs a word: no effect here, or not measured."""
    out = []
    for p in block.get("api_policies") or []:
        words = [w for w in (p.get("inapplicable") and f"no effect here: {p['inapplicable']}",
                             p.get("skill_note"), p.get("loss_note")) if w]
        if words:
            out.append(f"{p['policy']}: " + "; ".join(words))
    return out


def _skill_cells(e: dict, samples: float) -> list[str]:
    return [e["tier"], f"{samples:.3g}", percent_text(e["accuracy"]),
            ("> " if e["ceg_kind"] == "lower_bound" else "") + f"{e['ceg']:.3g}",
            ("<= " if e["lag_kind"] == "upper_bound" else "") + f"{e['lag_years']:.2f}"]


def _years(x) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def two_axis_sentence(block: dict, loss_lag_scratch: float, loss_lag_distill: float,
                      loss_why: str = "") -> str:
    """Returns one sentence giving both axes (the app's Explorer headline): the lag on general
    capability (loss) and on the skill, scratch vs distilled; where distillation gains nothing
    on an axis, the sentence says why (``loss_why``: the loss regime's sentence)."""
    d, s = block["distilled"], block["scratch"]
    loss_gain = loss_lag_scratch - loss_lag_distill > 0.005
    loss = (f"on general capability (loss) distillation moves the lag from "
            f"{loss_lag_scratch:.2f} to {loss_lag_distill:.2f} years" if loss_gain else
            f"on general capability (loss) distillation gains nothing (lag "
            f"{loss_lag_scratch:.2f} years{': ' + loss_why.rstrip('.') if loss_why else ''})")
    if d["beats_self_reliant"]:
        bound = "at most " if d["lag_kind"] == "upper_bound" else ""
        skill = (f"on {block['skill']} it moves the skill lag from {s['lag_years']:.2f} to "
                 f"{bound}{d['lag_years']:.2f} years ({percent_text(s['accuracy'])} -> "
                 f"{percent_text(d['accuracy'])} via {d['tier']}"
                 + (", CEG a lower bound" if d["ceg_kind"] == "lower_bound" else "") + ")")
    else:
        skill = (f"on {block['skill']} it gains nothing either (skill lag "
                 f"{s['lag_years']:.2f} years: {block['regime_why']})" if not loss_gain else
                 f"on {block['skill']} it gains nothing (skill lag {s['lag_years']:.2f} "
                 f"years: {block['regime_why']})")
    text = f"Both axes: {loss}; {skill}."
    return text[0].upper() + text[1:]
