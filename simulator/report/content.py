"""What a report folder says: Markdown/HTML report, CSV tables, citation, provenance.

Everything here formats numbers the model, the fit card or the chart functions produced; a
number that would need computing belongs in simulator.scenario or simulator.curves instead.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

from simulator import __version__, atomic
from simulator.paths import REPO_ROOT
from simulator.provenance import sha256_bytes
from simulator.report import tables
from simulator.report.document import to_html, to_markdown
from simulator.report.inputs import CURVE_DRAWS, data_inputs
from simulator.report.render import chips_under
from simulator.scenario.contract import STRATEGIES, ScenarioResult
from simulator.scenario.serving import serving_summary, serving_table
from simulator.vocabulary import no_minus_zero

FORMATS = ("png", "svg", "pdf")
METRIC_WORDS = {
    "compute_flop": ("Training compute", "FLOP", "flop"),
    "effective_compute_flop": ("Effective compute", "FLOP", "flop"),
    "loss": ("Loss", "nats/token", "loss"),
    "lag_years": ("Lag behind the frontier", "years", "years"),
    "cost_usd": ("Cost", "USD", "usd"),
}


def fmt(value, kind: str) -> str:
    """Returns a number as the report prints it (tests use this to compare with run --json);
    "n/a" for None or a non-finite value (what run --json writes as null)."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if kind == "flop":
        return f"{value:.3e}"
    if kind == "usd":
        return f"{value:,.0f}"
    if kind == "years":
        return no_minus_zero(value)
    if kind == "loss":
        return f"{value:.4f}"
    return f"{value:.4g}"


# ----------------------------------------------------------------------------- citations

def citation(title: str, version: str, scenario: str | None, sha256: str | None,
             date: str, chart: str | None = None) -> tuple[str, str]:
    """Returns (plain text, BibTeX) citing the tool version, the scenario and the chart."""
    year = date[:4]
    what = f'chart "{chart}", ' if chart else ""
    scen = (f'scenario "{scenario}" (SHA-256 {sha256[:12]}), ' if scenario else "")
    plain = (f"Compute Moat contributors ({year}). {title}. {what}{scen}"
             f"Compute Moat simulator version {version}. Generated {date[:10]}.")
    key = "".join(ch for ch in f"computemoat{year}{(scenario or 'evidence')}{chart or ''}"
                  if ch.isalnum())[:60]
    note = f"{what}{scen}generated {date[:10]}".replace('"', "''")
    bib = (f"@software{{{key},\n"
           f"  author  = {{{{Compute Moat contributors}}}},\n"
           f"  title   = {{{{{title}}}}},\n"
           f"  year    = {{{year}}},\n"
           f"  version = {{{version}}},\n"
           f"  note    = {{{note}}}\n}}\n")
    return plain, bib


# ----------------------------------------------------------------------------- helpers

def _write_table(folder: Path, name: str, table) -> str:
    headers, rows = table
    atomic.write_text(folder / "tables" / f"{name}.csv", tables.csv_text(headers, rows))
    return f"tables/{name}.csv"


def _figure_block(slug: str, info, href_dir: str, table_href: str | None, cite: str,
                  bib_href: str | None = None):
    caption = [info.title, info.subtitle] + info.footer.lines()[:-1] + [f"Cite: {cite}"]
    links = [(fmt_.upper(), f"{href_dir}/{slug}.{fmt_}") for fmt_ in FORMATS]
    if table_href:
        links.append(("data (CSV)", table_href))
    if bib_href:
        links.append(("BibTeX", bib_href))
    return ("figure", f"{href_dir}/{slug}.png", info.title, caption, links)


def _chart_citation(folder: Path, href_dir: str, slug: str, info, env: dict,
                    scenario: str | None, sha256: str | None) -> tuple[str, str]:
    """Returns (plain citation, href of its BibTeX file) for one chart, writing the file."""
    plain, bib = citation(info.title, env["code_version"], scenario, sha256, env["date"],
                          chart=slug)
    atomic.write_text(folder / href_dir / f"{slug}.bib", bib)
    return plain, f"{href_dir}/{slug}.bib"


def _rel(path) -> str | None:
    """Returns a path relative to the repository when it lies inside it (else absolute)."""
    if path is None:
        return None
    p = Path(path).resolve()
    try:
        return p.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return p.as_posix()


def _outputs(folder: Path) -> dict:
    """Returns {relative path: sha256} of every file under folder (provenance.json excluded)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != "provenance.json":
            out[path.relative_to(folder).as_posix()] = sha256_bytes(path.read_bytes())
    return out


# ----------------------------------------------------------------------------- scenario

def headline_rows(result: ScenarioResult) -> list[list[str]]:
    """Returns the headline table: one row per metric, scratch and distill side by side."""
    pct = result.percentiles
    rows = []
    for metric, (label, unit, kind) in METRIC_WORDS.items():
        row = [f"{label} ({unit})"]
        for strategy in STRATEGIES:
            row.append(fmt(getattr(getattr(result.results, strategy), metric), kind))
            q = getattr(getattr(pct, strategy), metric) if pct else None
            row.append(f"{fmt(q.p5, kind)} – {fmt(q.p95, kind)}" if q else "n/a")
        rows.append(row)
    return rows


def scenario_blocks(job, env: dict, tables_written: dict, evidence_charts: dict,
                    folder: Path) -> list:
    """Returns the report of one scenario as document blocks (writes each chart's BibTeX)."""
    r, s = job.result, job.result.scenario
    version, date = env["code_version"], env["date"]
    plain, bib = citation(f"Compute Moat report: {s.name}", version, job.slug, job.sha256,
                          date)
    blocks = [
        ("h1", s.name),
        ("p", f"Year {s.year} · rule {s.rule} · API access: {s.access} · frontier "
              f"law: {s.law} · distillation behaviour: {s.fit}."),
        ("p", " ".join((s.description or "").split())),
        ("h2", "Headline numbers"),
        ("table", ["Quantity", "Train from scratch", "90% range", "Distil through the API",
                   "90% range"], headline_rows(job.result)),
        ("p", f"Regime of the distillation channel: {r.regime.regime} — {r.regime.why}."),
        ("p", "The same numbers, at full precision: [results.json](results.json) (what "
              "`python -m simulator run scenario.toml --json` prints) and "
              f"[{tables_written['results']}]({tables_written['results']})."),
        ("h2", "Charts"),
    ]
    for slug in ("capability", "lag", "waterfall", "tornado", "cost", "skill", "chip_map",
                 "serving"):
        if slug not in job.charts:
            continue
        hashes, info = job.charts[slug]
        cite, bib_href = _chart_citation(folder, "charts", slug, info, env, job.slug,
                                         job.sha256)
        blocks.append(_figure_block(slug, info, "charts", tables_written.get(slug), cite,
                                    bib_href))
    if evidence_charts:
        blocks.append(("h2", "The measured evidence behind the distillation numbers"))
        for slug, (hashes, info) in evidence_charts.items():
            cite, bib_href = _chart_citation(folder, "charts", slug, info, env, None, None)
            blocks.append(_figure_block(slug, info, "charts", tables_written.get(slug), cite,
                                        bib_href))
    blocks += _detail_blocks(job.result)
    serving = job.result.serving
    if serving is not None:
        headers, rows = serving_table(serving)
        blocks += [("h2", "Serving: what the fleet can deploy"),
                   ("p", serving_summary(serving)), ("table", headers, rows),
                   ("ul", [*serving.assumptions, *serving.notes])]
    if job.result.capability is not None:
        from simulator.scenario.skill_text import capability_report_blocks

        blocks += capability_report_blocks(job.result.capability)
    if job.result.lag_decomposition is not None:
        from simulator.scenario.decomposition import decomposition_report_blocks

        blocks += decomposition_report_blocks(job.result.lag_decomposition)
    blocks += [
        ("h2", "Assumptions"), ("ul", list(r.assumptions)),
        ("h2", "How to cite"), ("p", plain), ("pre", bib),
        ("h2", "Reproduce"),
        ("pre", "python -m simulator run scenario.toml --json\n"
                f"python -m simulator report {job.path.as_posix()} --out DIR"),
        ("p", f"Code version {version}; scenario file SHA-256 {job.sha256}; see "
              "[provenance.json](provenance.json) for the fit card, data files, package "
              f"versions and seeds. Generated {date}."),
    ]
    return blocks


def _detail_blocks(r: ScenarioResult) -> list:
    blocks = []
    if r.tornado:
        from simulator.charts.scenario import lever_label

        fleet = [f.chip for f in r.fleet]
        rows = [[lever_label(row.path, fleet, row.label), f"`{row.path}`",
                 f"{row.low:.4g}", f"{row.high:.4g}",
                 fmt(row.distill.lag_years_at_low, "years"),
                 fmt(row.distill.lag_years_at_high, "years"),
                 fmt(row.swing_years, "years")] for row in r.tornado]
        blocks += [("h2", "Levers (tornado)"),
                   ("table", ["Lever", "Scenario field", "Low", "High", "Lag at low (yr)",
                              "Lag at high (yr)", "Swing (yr)"], rows)]
    if r.fleet:
        rows = [[f.chip, f.channel, f"{f.count:,.0f}", f"{f.usable:,.0f}",
                 fmt(f.flop, "flop"), f.status] for f in r.fleet]
        blocks += [("h2", "Fleet"), ("table", ["Chip", "Channel", "Chips", "Usable",
                                               "FLOP", "Status under the rule"], rows)]
    d = r.distillation
    blocks += [("h2", "Distillation channel"), ("table", ["Quantity", "Value"], [
        ["Access mode", d.access],
        ["Teacher tokens obtained", fmt(d.tokens_obtained, "flop")],
        ["API spend (USD)", fmt(d.api_cost_usd, "usd")],
        ["Teacher loss (nats/token)", fmt(d.teacher_loss, "loss")],
        ["Student parameters", fmt(d.student_params, "flop")],
        ["Student tokens", fmt(d.student_tokens, "flop")],
    ] + [[f"Loss with {m} access (nats/token)", fmt(v, "loss")]
         for m, v in d.loss_by_access_mode.model_dump().items()])]
    return blocks


def write_scenario(folder: Path, job, env: dict) -> None:
    """Writes one scenario's folder (charts are already there)."""
    r = job.result
    fleet = [f.chip for f in r.fleet]
    chips, _ = chips_under(r.scenario.rule)
    written = {
        "results": _write_table(folder, "results", tables.results_table(r)),
        "capability": _write_table(folder, "capability", tables.capability_table(job.curves)),
        "lag": _write_table(folder, "lag", _lag_table(r)),
        "tornado": _write_table(folder, "tornado", tables.tornado_table(r)),
        "cost": _write_table(folder, "cost", tables.cost_table(r)),
        "chip_map": _write_table(folder, "chip_map", tables.chips_table(chips, fleet)),
    }
    _write_table(folder, "fleet", tables.fleet_table(r))
    if r.lag_decomposition is not None:
        from simulator.scenario.decomposition import decomposition_csv_rows

        written["waterfall"] = _write_table(folder, "lag_decomposition",
                                            decomposition_csv_rows(r.lag_decomposition))
    shared = Path(job.chip_map)
    for f in FORMATS:
        shutil.copyfile(shared.with_name(f"{shared.name}.{f}"), folder / "charts" / f"chip_map.{f}")
    if job.serving_chart:
        from simulator.charts.serving import DEFAULT_RULES
        from simulator.serving.compare import chip_comparison, comparison_table

        written["serving"] = _write_table(folder, "serving", comparison_table(
            chip_comparison(rule_ids=DEFAULT_RULES), DEFAULT_RULES))
        shared = Path(job.serving_chart)
        for f in FORMATS:
            shutil.copyfile(shared.with_name(f"{shared.name}.{f}"),
                            folder / "charts" / f"serving.{f}")
    evidence_charts = {}
    ev = job.evidence
    if ev is not None:
        evidence_charts = dict(ev.charts)
        src = folder.parent / ev.folder
        for slug in ev.charts:
            for f in FORMATS:
                shutil.copyfile(src / f"{slug}.{f}", folder / "charts" / f"{slug}.{f}")
        for name, href in _evidence_tables(folder, ev).items():
            written[name] = href
    blocks = scenario_blocks(job, env, written, evidence_charts, folder)
    atomic.write_text(folder / "report.md", to_markdown(blocks))
    atomic.write_text(folder / "report.html", to_html(blocks, r.scenario.name))
    atomic.write_text(folder / "results.json",
                      json.dumps(job.data, indent=2, allow_nan=False) + "\n")
    atomic.write_bytes(folder / "scenario.toml", job.path.read_bytes())
    plain, bib = citation(f"Compute Moat report: {r.scenario.name}", env["code_version"],
                          job.slug, job.sha256, env["date"])
    atomic.write_text(folder / "citation.bib", bib)
    atomic.write_json(folder / "provenance.json", _provenance(folder, job, env))


def _lag_table(r: ScenarioResult):
    headers, rows = tables.results_table(r)
    lag = [row for row in rows if row[1] == "lag_years"]
    series_headers, series = tables.timeseries_table(r)
    if series:
        lag += [[f"year {row[0]}", "lag_years", row[series_headers.index(f"{st}_lag_years")]]
                + [None] * 5 for row in series for st in ("scratch", "distill")]
    return headers, lag


def _evidence_tables(folder: Path, ev) -> dict:
    written = {
        "headline_token_limited": _write_table(folder, "headline_token_limited",
                                               tables.token_limited_table(ev.card)),
        "evidence_compute_multiplier": _write_table(folder, "evidence_compute_multiplier",
                                                    tables.compute_multiplier_table(ev.card)),
    }
    fits = _write_table(folder, "evidence_fits", tables.fits_table(ev.card))
    if ev.runs is not None:
        runs = _write_table(folder, "evidence_runs", tables.runs_table(ev.runs))
        written["evidence_loss_vs_compute"] = runs
        written["evidence_loss_vs_tokens"] = runs
    else:
        written["evidence_loss_vs_compute"] = fits
    return written


def _provenance(folder: Path, job, env: dict) -> dict:
    ev = job.evidence
    pct = job.result.percentiles
    seed = pct.seed if pct else None
    return {
        "tool": "compute-moat", "tool_version": __version__,
        "code_version": env["code_version"], "packages": env["packages"],
        "machine": env["machine"], "date": env["date"], "command": env["command"],
        "scenario": {"path": job.path.as_posix(), "sha256": job.sha256,
                     "name": job.result.scenario.name},
        "fit_card": ({"path": _rel(ev.card_path), "sha256": ev.card_sha256} if ev else
                     {"path": None, "sha256": None, "label": job.result.scenario.fit}),
        "experiments": ({"path": _rel(ev.runs_path), "sha256": ev.runs_sha256}
                        if ev and ev.runs_path else None),
        "data": data_inputs(),
        "seeds": {"monte_carlo_seed": seed, "monte_carlo_draws": pct.draws if pct else None,
                  "capability_curves": {"seed": seed, "draws_per_point": CURVE_DRAWS}},
        "outputs": _outputs(folder),
    }


# ----------------------------------------------------------------------------- evidence

def write_evidence(folder: Path, ev, env: dict) -> None:
    """Writes the evidence folder: its charts (already there), tables, a short report."""
    written = _evidence_tables(folder, ev)
    blocks = [("h1", "The measured evidence"),
              ("p", f"Fit card {_rel(ev.card_path)} (SHA-256 {ev.card_sha256}); runs "
                    + (f"{_rel(ev.runs_path)} (SHA-256 {ev.runs_sha256})."
                       if ev.runs_path else "not found next to the card (fits only)."))]
    for slug, (hashes, info) in ev.charts.items():
        cite, bib_href = _chart_citation(folder, ".", slug, info, env, None, None)
        blocks.append(_figure_block(slug, info, ".", written.get(slug), cite, bib_href))
    plain, bib = citation("Compute Moat: measured distillation evidence", env["code_version"],
                          None, None, env["date"])
    blocks += [("h2", "How to cite"), ("p", plain), ("pre", bib)]
    atomic.write_text(folder / "report.md", to_markdown(blocks))
    atomic.write_text(folder / "report.html", to_html(blocks, "Compute Moat: evidence"))
    atomic.write_json(folder / "provenance.json", {
        "tool": "compute-moat", "code_version": env["code_version"],
        "packages": env["packages"], "machine": env["machine"], "date": env["date"],
        "command": env["command"], "data": data_inputs(),
        "fit_card": {"path": _rel(ev.card_path), "sha256": ev.card_sha256},
        "experiments": ({"path": _rel(ev.runs_path), "sha256": ev.runs_sha256}
                        if ev.runs_path else None),
        "outputs": _outputs(folder)})


# ----------------------------------------------------------------------------- index

def write_index(staging: Path, jobs, comparison, env: dict) -> None:
    """Writes index.html (all scenarios side by side) and comparison.csv."""
    rows, csv_rows = [], []
    for job in jobs:
        r, s = job.result, job.result.scenario
        cells = [f"[{s.name}]({job.slug}/report.html)", str(s.year), s.rule, s.access]
        for strategy in STRATEGIES:
            q = getattr(r.percentiles, strategy).lag_years if r.percentiles else None
            value = fmt(getattr(r.results, strategy).lag_years, "years")
            cells.append(value + (f" ({fmt(q.p5, 'years')} – {fmt(q.p95, 'years')})"
                                  if q else ""))
        cells += [fmt(r.results.distill.effective_compute_flop, "flop"),
                  fmt(r.results.distill.cost_usd, "usd")]
        rows.append(cells)
        csv_rows.append([job.slug, s.name, s.year, s.rule, s.access]
                        + [tables._v(getattr(getattr(r.results, st), m)) for st in STRATEGIES
                           for m in tables.HEADLINE])
    headers = ["slug", "name", "year", "rule", "access"] + [
        f"{st}_{m}" for st in ("scratch", "distill") for m in tables.HEADLINE]
    atomic.write_text(staging / "comparison.csv", tables.csv_text(headers, csv_rows))
    hashes, info, _ = comparison
    plain, bib = citation("Compute Moat: scenario comparison", env["code_version"], None, None,
                          env["date"])
    cite, bib_href = _chart_citation(staging, ".", "comparison", info, env, None, None)
    blocks = [
        ("h1", "Compute Moat: scenario reports"),
        ("p", f"{len(jobs)} scenarios, generated {env['date']} by Compute Moat "
              f"{env['code_version']}. Each scenario's folder holds its report, charts (PNG, "
              "SVG, PDF), CSV tables and provenance."),
        ("table", ["Scenario", "Year", "Rule", "API access", "Lag from scratch (yr, 90%)",
                   "Lag distilling (yr, 90%)", "Effective compute distilling (FLOP)",
                   "Cost distilling (USD)"], rows),
        _figure_block("comparison", info, ".", "comparison.csv", cite, bib_href),
        ("h2", "How to cite"), ("p", plain), ("pre", bib),
    ]
    atomic.write_text(staging / "index.html", to_html(blocks, "Compute Moat: scenario reports"))
