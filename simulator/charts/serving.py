"""The serving chart: decode and prefill tokens/s per chip for a frontier-size and a
distilled-size model, with each chip's status under the export-control rules.

    from simulator.charts.serving import serving_chart
    fig = serving_chart()                       # chips, models and rules from data/serving.toml
    fig = serving_chart(rows=chip_comparison(...), rule_ids=("2023-10", "2025-04"))

The numbers come from ``simulator.serving.compare.chip_comparison``; this module only draws.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.charts.style import PALETTE, Footer, Stamp, bottom_legend, new_figure, style_context

DEFAULT_RULES = ("2023-10", "2025-04", "2025-08", "2026-01")
STATUS_WORDS = {"not_controlled": "allowed", "nac_notification": "NAC notice", "denied": "denied",
                "licence_required": "licence",
                "case_by_case": "case-by-case", "domestic": "domestic"}
ROLE_STYLE = {"frontier": (PALETTE["frontier"], "Frontier-size model"),
              "distilled": (PALETTE["distill"], "Distilled model")}


def validation_sentence() -> str:
    """Returns how far the roofline sits from published measurements, from the validation."""
    from simulator.serving.validation import validate

    checks = validate()
    offline = [c.ratio for c in checks if c.kind == "offline"]
    decode = [c.ratio for c in checks if c.kind == "decode_at_speed"]
    text = (f"Against {len(offline)} published TensorRT-LLM benchmarks the roofline gives "
            f"{min(offline):.2f}-{max(offline):.2f}x the measured throughput")
    if decode:
        text += f", and {max(decode):.1f}x DeepSeek's production decode per H800 node"
    return text + " (data/serving_benchmarks.toml)."


def _chip_label(row, rule_ids) -> str:
    words = [f"{r}: {STATUS_WORDS.get(row['statuses'].get(r), '?')}" for r in rule_ids]
    lines = [" · ".join(words[i:i + 2]) for i in range(0, len(words), 2)]  # two rules a line
    return "\n".join([row["chip"], *lines])


def serving_chart(rows=None, *, rule_ids=DEFAULT_RULES, stamp: Stamp | None = None):
    """Returns a Figure: two panels (decode, prefill) of tokens/s per chip, one bar per model."""
    from matplotlib.patches import Patch

    from simulator.serving.compare import chart_defaults, chip_comparison
    from simulator.serving.defaults import load_settings

    spec = chart_defaults()
    settings = load_settings()
    rows = rows if rows is not None else chip_comparison(rule_ids=rule_ids)
    chips = list(dict.fromkeys(r["chip"] for r in rows))
    by_key = {(r["chip"], r["role"]): r for r in rows}
    models = {r["role"]: r["model"] for r in rows}
    notes = sorted({n for r in rows for n in r.get("notes", [])})
    footer_note = (
        f"Roofline upper bounds with the sourced defaults of data/serving.toml ({spec['precision']} "
        f"weights; decode while each user gets {settings.user_tokens_per_s:g} tokens/s at "
        f"{settings.context_tokens:,.0f} tokens of context; prefill of one such prompt; tensor "
        f"parallelism over each chip's interconnect). {validation_sentence()} "
        + " ".join(f"{n}." for n in notes))
    with style_context():
        fig = new_figure(
            "serving_per_chip",
            "Serving throughput per chip: what each rule lets a fleet deploy",
            f"Tokens per second per chip for a frontier-size model ({models.get('frontier')}) and "
            f"a distilled model ({models.get('distilled')}); under each chip, its export status "
            "for China under each rule.",
            Footer(source=("data/chips.csv (vendor datasheets, Epoch AI), data/rules.toml (BIS "
                           "rules), data/serving.toml (assumptions, each sourced); model "
                           "choice: " + spec.get("source", "")),
                   note=footer_note, stamp=stamp or Stamp()),
            width_in=7.5, axes_height_in=(0.45 + 0.12 * math.ceil(len(rule_ids) / 2))
            * len(chips) + 0.6, legend_rows=1)
        axes = fig.subplots(1, 2, sharey=True)
        y = np.arange(len(chips))
        height = 0.38
        for ax, key, title in ((axes[0], "decode_tokens_per_s_per_chip", "Decode (output)"),
                               (axes[1], "prefill_tokens_per_s_per_chip", "Prefill (input)")):
            for i, role in enumerate(("frontier", "distilled")):
                colour = ROLE_STYLE[role][0]
                values = [by_key.get((c, role), {}).get(key, math.nan) for c in chips]
                offset = (i - 0.5) * height
                ax.barh(y + offset, [v if math.isfinite(v) else 0 for v in values], height,
                        color=colour, alpha=0.9 if role == "frontier" else 1.0)
                for yy, v in zip(y + offset, values):
                    text = f"{v:,.0f}" if math.isfinite(v) else "does not fit"
                    ax.annotate(text, (v if math.isfinite(v) else 0, yy), xytext=(3, 0),
                                textcoords="offset points", va="center", fontsize=6.5,
                                color="#333333")
            ax.set_xscale("log")
            ax.set_title(title, fontsize=9, loc="left")
            ax.set_xlabel("tokens/s per chip (log scale)")
            ax.grid(True, axis="x", which="major", color="#E6E6E6")
            finite = [r[key] for r in rows if math.isfinite(r.get(key, math.nan))]
            if finite:
                ax.set_xlim(min(finite) / 2, max(finite) * 4)
        axes[0].set_yticks(y, [_chip_label(by_key[(c, "frontier")], rule_ids) for c in chips],
                           fontsize=7)
        axes[0].invert_yaxis()
        bottom_legend(fig, [Patch(color=ROLE_STYLE[r][0], label=f"{ROLE_STYLE[r][1]}: "
                                  f"{models.get(r)}") for r in ("frontier", "distilled")],
                      ncols=2)
    return fig
