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
        lines.append("  API-provider policies (skill axis):")
        lines += [f"    {r[0]:52}{r[1]:>16}{r[2]:>10}{r[3]:>8}{r[4]:>9}{r[5]:>9}" for r in rows]
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
        [("h3", "What each API-provider policy does to the skill"),
         ("table", *policy_table(block))] if block.get("api_policies") else [])


def policy_table(block: dict) -> tuple[list, list]:
    """Returns (headers, rows): the skill outcome under each API-provider policy."""
    headers = ["API policy", "Tier used", "Samples", "Skill accuracy", "CEG", "Skill lag (yr)"]
    d = block["distilled"]
    rows = [["As in the scenario", d["tier"], f"{block['samples']:.3g}", percent_text(d["accuracy"]),
             ("> " if d["ceg_kind"] == "lower_bound" else "") + f"{d['ceg']:.3g}",
             ("<= " if d["lag_kind"] == "upper_bound" else "") + f"{d['lag_years']:.2f}"]]
    for p in block.get("api_policies") or []:
        rows.append([p["policy"], p["tier"], f"{p['samples']:.3g}", percent_text(p["accuracy"]),
                     ("> " if p["ceg_kind"] == "lower_bound" else "") + f"{p['ceg']:.3g}",
                     ("<= " if p["lag_kind"] == "upper_bound" else "") + f"{p['lag_years']:.2f}"])
    return headers, rows


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
