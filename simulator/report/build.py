"""Batch reports: validate every scenario, evaluate it, draw its charts, write its folder.

    python -m simulator report scenarios/*.toml --out reports/
    python -m simulator report --evidence --out reports/        # the measured evidence only

Layout of DIR:
    index.html, comparison.{png,svg,pdf}, comparison.csv   all scenarios side by side
    evidence/                                              evidence charts and tables
    <scenario>/report.md, report.html, results.json (= run --json), scenario.toml,
               provenance.json, citation.bib, charts/*.{png,svg,pdf}, tables/*.csv

Nothing is written until every scenario has loaded and evaluated. DIR must be new, empty or
a previous report (recognised by its manifest, .compute-moat-report.json): a report never
removes what it did not write. The whole report is built in a staging folder beside DIR and
swapped in at the end (simulator.report.install), so a failure or a kill leaves DIR as it was.
Dates honour SOURCE_DATE_EPOCH, so two runs of the same command give the same bytes.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import time
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from pathlib import Path

from simulator.curves.card import FitCard, load_card
from simulator.errors import InputError
from simulator.paths import DEFAULT_EXPERIMENTS, DEFAULT_FIT
from simulator.provenance import code_version, machine, now_utc, package_versions, sha256_file
from simulator.report import content, install
from simulator.report.inputs import CURVE_DRAWS, data_inputs

SCENARIO_CHARTS = ("capability", "lag", "tornado", "cost")
EVIDENCE_CHARTS = ("headline_token_limited", "evidence_loss_vs_compute",
                   "evidence_loss_vs_tokens", "evidence_compute_multiplier")


@dataclass
class Evidence:
    """A fit card (and the runs it was fitted to, when found) shown as evidence charts."""

    card_path: Path
    card_sha256: str
    card: FitCard
    runs_path: Path | None = None
    runs_sha256: str | None = None
    runs: object = None
    folder: str = "evidence"
    charts: dict = field(default_factory=dict)   # slug -> (hashes, ChartInfo)


@dataclass
class Job:
    """One scenario to report on: its inputs, what the model computed, and its charts."""

    path: Path
    slug: str
    scenario: object
    sha256: str
    result: object       # the typed ScenarioResult
    card_path: Path | None
    evidence: Evidence | None = None
    chip_map: str = ""   # base path of its (shared) chip map in the staging folder
    serving_chart: str = ""  # base path of the (shared) serving chart in the staging folder
    curves: dict | None = None
    charts: dict = field(default_factory=dict)   # slug -> (hashes, ChartInfo)

    @functools.cached_property
    def data(self) -> dict:
        """The result as ``run --json`` prints it (results.json; what the charts draw)."""
        return self.result.to_dict()


def _progress(message: str) -> None:
    print(f"report: {message}", file=sys.stderr, flush=True)


def _slug(path: Path) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in path.stem)


def prepare(paths, fit=None, overrides=()) -> list[Job]:
    """Returns one evaluated Job per scenario; raises InputError naming the first bad file."""
    from simulator.scenario import evaluate, load_scenario
    from simulator.scenario.result import fit_path

    jobs, seen = [], {}
    for raw in paths:
        path = Path(raw)
        scenario = load_scenario(path, overrides)  # InputError names the file and field
        slug = _slug(path)
        if slug in seen:
            raise InputError(f"{path}: same report folder name '{slug}' as {seen[slug]}; "
                             "rename one file")
        seen[slug] = path
        result = evaluate(scenario, fit)
        jobs.append(Job(path=path, slug=slug, scenario=scenario, sha256=sha256_file(path),
                        result=result, card_path=fit_path(scenario, fit)))
    return jobs


def load_evidence(card_path: Path, folder: str = "evidence") -> Evidence:
    """Returns the Evidence of a fit card, with its runs when results.csv matches its hash."""
    card = load_card(card_path)
    ev = Evidence(card_path=Path(card_path), card_sha256=sha256_file(card_path), card=card,
                  folder=folder)
    want = card.provenance.results_sha256
    runs_path = DEFAULT_EXPERIMENTS / "results.csv"
    if runs_path.is_file() and want and sha256_file(runs_path) == want:
        import pandas as pd

        ev.runs_path, ev.runs_sha256 = runs_path, want
        ev.runs = pd.read_csv(runs_path)
    return ev


def _stamp(job: Job | None, evidence: Evidence | None, version: str):
    from simulator.charts.style import Stamp

    fit_sha = evidence.card_sha256 if evidence else None
    if job is None:
        inputs = {"results": evidence.runs_sha256} if evidence and evidence.runs_sha256 else {}
        return Stamp(code_version=version, fit_sha256=fit_sha, inputs_sha256=inputs)
    return Stamp(code_version=version, scenario_id=job.slug, scenario_sha256=job.sha256,
                 fit_sha256=fit_sha)


def chart_tasks(jobs, evidences, staging: Path, version: str, fit=None, overrides=()):
    """Returns the rendering tasks: evidence once per fit card, then each scenario's charts."""
    from simulator.charts.style import Stamp

    tasks = []
    for ev in evidences:
        stamp = _stamp(None, ev, version)
        payload = {"card": ev.card, "runs": ev.runs, "stamp": stamp}
        for kind in EVIDENCE_CHARTS:
            if kind.startswith("evidence_loss") and ev.runs is None:
                continue
            tasks.append((kind, str(staging / ev.folder / kind), payload))
    chip_maps = {}
    data_stamp = Stamp(code_version=version, inputs_sha256={
        Path(k).name: v for k, v in data_inputs().items() if Path(k).name in ("chips.csv",
                                                                              "rules.toml")})
    for job in jobs:
        stamp = _stamp(job, job.evidence, version)
        charts = staging / job.slug / "charts"
        for kind in SCENARIO_CHARTS:
            payload = {"result": job.result, "stamp": stamp}   # typed: the charts read it
            if kind == "capability":
                payload.update(path=str(job.path), overrides=tuple(overrides), fit=fit,
                               draws=CURVE_DRAWS)
            tasks.append((kind, str(charts / kind), payload))
        if job.result.capability is not None:  # the skill axis (simulator.charts.skill)
            tasks.append(("skill", str(charts / "skill"), {"result": job.data,
                                                           "stamp": stamp}))
        if job.result.lag_decomposition is not None:  # where the lag goes (charts.waterfall)
            tasks.append(("waterfall", str(charts / "waterfall"), {"result": job.result,
                                                                   "stamp": stamp}))
        rule = job.result.scenario.rule
        fleet = tuple(sorted({f.chip for f in job.result.fleet}))
        if (rule, fleet) not in chip_maps:
            base = staging / "chip-maps" / f"chip_map-{rule}-{len(chip_maps) + 1}"
            chip_maps[(rule, fleet)] = base
            tasks.append(("chip_map", str(base), {"rule": rule, "fleet": fleet,
                                                  "stamp": data_stamp}))
        job.chip_map = str(chip_maps[(rule, fleet)])
    if jobs:  # serving throughput per chip: the same for every scenario, drawn once
        serving = staging / "chip-maps" / "serving_per_chip"
        serving_stamp = Stamp(code_version=version, inputs_sha256={
            Path(k).name: v for k, v in data_inputs().items()
            if Path(k).name in ("chips.csv", "rules.toml", "serving.toml",
                                "serving_benchmarks.toml")})
        tasks.append(("serving", str(serving), {"stamp": serving_stamp}))
        for job in jobs:
            job.serving_chart = str(serving)
    if jobs:
        tasks.append(("comparison", str(staging / "comparison"),
                      {"results": [j.result for j in jobs],
                       "stamp": _stamp(None, None, version)}))
    return tasks


def run_tasks(tasks, workers: int, progress=_progress) -> dict:
    """Returns {base_path: (hashes, ChartInfo, extra)} after running every task."""
    from simulator.report.render import render_task

    done, out = 0, {}
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            base, hashes, info, extra = render_task(task)
            out[base] = (hashes, info, extra)
            done += 1
            progress(f"chart {done}/{len(tasks)}: {Path(base).parent.name}/{Path(base).name}")
        return out
    import simulator.charts.chips  # noqa: F401  (imported once here, inherited by the workers)
    import simulator.charts.evidence  # noqa: F401
    import simulator.charts.save  # noqa: F401
    import simulator.charts.scenario  # noqa: F401
    from simulator.charts.fonts import chart_family

    chart_family()  # make the chart font once, before the workers start
    from simulator.workers import process_pool

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    with process_pool(workers, method) as pool:  # workers die with this process
        futures = [pool.submit(render_task, t) for t in tasks]
        for fut in as_completed(futures):
            base, hashes, info, extra = fut.result()
            out[base] = (hashes, info, extra)
            done += 1
            progress(f"chart {done}/{len(tasks)}: {Path(base).parent.name}/{Path(base).name}")
    return out


def build_reports(paths, out_dir, *, fit=None, overrides=(), evidence_only=False,
                  workers: int | None = None, progress=_progress) -> dict:
    """Returns {"out": DIR, "scenarios": [...], "seconds": ...} after writing the reports."""

    t0 = time.perf_counter()
    if not paths and not evidence_only:
        raise InputError("report: give at least one SCENARIO.toml, or --evidence")
    install.check_out_dir(out_dir)  # before any work: never replace what we did not write
    jobs = prepare(paths, fit, overrides)
    progress(f"validated and evaluated {len(jobs)} scenario(s)")
    evidences = {}
    card_paths = [j.card_path for j in jobs] or [Path(fit) if fit else DEFAULT_FIT]
    for cp in card_paths:
        if cp is not None and Path(cp).is_file() and str(cp) not in evidences:
            folder = "evidence" if not evidences else f"evidence-{len(evidences) + 1}"
            evidences[str(cp)] = load_evidence(cp, folder)
    if evidence_only and not evidences:
        raise InputError(f"{fit or DEFAULT_FIT}: no fit card to draw the evidence from")
    for job in jobs:
        job.evidence = evidences.get(str(job.card_path)) if job.card_path else None

    out_dir = Path(out_dir)
    staging = install.begin(out_dir)  # InputError if DIR is not ours to replace
    try:
        version = code_version()
        tasks = chart_tasks(jobs, evidences.values(), staging, version, fit, overrides)
        workers = workers or min(2, os.cpu_count() or 1)
        rendered = run_tasks(tasks, workers, progress)
        _collect(jobs, evidences.values(), rendered, staging)
        env = {"code_version": version, "packages": package_versions(), "machine": machine(),
               "date": now_utc(), "command": ["python", "-m", "simulator", *sys.argv[1:]]}
        for ev in evidences.values():
            content.write_evidence(staging / ev.folder, ev, env)
        for job in jobs:
            content.write_scenario(staging / job.slug, job, env)
            progress(f"wrote {job.slug}/")
        if jobs:
            content.write_index(staging, jobs, rendered[str(staging / "comparison")], env)
        shutil.rmtree(staging / "chip-maps", ignore_errors=True)  # copied into each scenario
        install.write_manifest(staging, [j.slug for j in jobs])
        install.install(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    seconds = time.perf_counter() - t0
    progress(f"done in {seconds:.1f} s: {out_dir / 'index.html' if jobs else out_dir}")
    return {"out": out_dir, "scenarios": [j.slug for j in jobs], "seconds": seconds}


def _collect(jobs, evidences, rendered, staging: Path) -> None:
    """Files each rendered chart's hashes and words under its job or evidence."""
    for ev in evidences:
        for kind in EVIDENCE_CHARTS:
            hit = rendered.get(str(staging / ev.folder / kind))
            if hit:
                ev.charts[kind] = hit[:2]
    for job in jobs:
        for kind in SCENARIO_CHARTS:
            hashes, info, extra = rendered[str(staging / job.slug / "charts" / kind)]
            job.charts[kind] = (hashes, info)
            if kind == "capability":
                job.curves = extra
        skill = rendered.get(str(staging / job.slug / "charts" / "skill"))
        if skill:
            job.charts["skill"] = skill[:2]
        waterfall = rendered.get(str(staging / job.slug / "charts" / "waterfall"))
        if waterfall:
            job.charts["waterfall"] = waterfall[:2]
        job.charts["chip_map"] = rendered[job.chip_map][:2]
        if job.serving_chart:
            job.charts["serving"] = rendered[job.serving_chart][:2]

