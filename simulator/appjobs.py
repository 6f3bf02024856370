"""The Evidence page's support: fit-card tables and background jobs (a smoke sweep, a fit).

No Streamlit import: the page calls these functions and tests call them directly. A job is a
child process writing its output to a log in its folder, so the page never blocks on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping


def heldout_rows(card: Mapping) -> list[dict]:
    """Returns one row per fitted law of a fit card with its held-out relative errors.

    Columns: law, mode, teacher, relative_error_loss, relative_error_excess_loss, n_runs.
    Missing numbers are None: a card that skipped validation shows it instead of hiding it.
    """
    def row(law, mode, teacher, section):
        held = (section or {}).get("heldout") or {}
        return {"law": law, "mode": mode, "teacher": teacher,
                "relative_error_loss": held.get("relative_error_loss"),
                "relative_error_excess_loss": held.get("relative_error_excess_loss"),
                "n_heldout": held.get("n_heldout"), "n_runs": (section or {}).get("n_runs")}

    rows = [row("scratch law L(N, D)", "scratch", "none", card.get("scratch"))]
    for mode, section in (card.get("distill") or {}).items():
        for teacher, t in (section.get("teachers") or {}).items():
            rows.append(row("teacher-floored law", mode, teacher, t))
        if section.get("multiplier"):
            rows.append(row("effective-data multiplier k", mode, "", section["multiplier"]))
    for mode, teachers in ((card.get("token_limited") or {}).get("modes") or {}).items():
        for teacher, t in teachers.items():
            rows.append(row("token-limited gain", mode, teacher, t))
    return rows


def param_rows(card: Mapping) -> list[dict]:
    """Returns one row per fitted parameter: law, mode, parameter, value, 2.5% and 97.5%."""
    rows = []

    def add(law, mode, section):
        intervals = (section or {}).get("intervals") or {}
        for name, value in ((section or {}).get("params") or {}).items():
            lo, hi = (intervals.get(name) or (None, None))[:2]
            rows.append({"law": law, "mode": mode, "parameter": name, "value": value,
                         "p2.5": lo, "p97.5": hi})

    add("scratch", "scratch", card.get("scratch"))
    for mode, section in (card.get("distill") or {}).items():
        add("multiplier ln k", mode, section.get("multiplier"))
        for teacher, t in (section.get("teachers") or {}).items():
            add(f"teacher-floored ({teacher})", mode, t.get("law"))
    return rows


@dataclass
class Job:
    """A command the app runs in the background (a sweep, a fit): its process and log."""

    argv: list
    out_dir: str
    log_path: str
    process: Any = None
    started_s: float = 0.0


def start_job(argv: list, out_dir, log_name: str = "app_job.log") -> Job:
    """Returns a started Job: ``argv`` runs in its own process, output to a log in out_dir."""
    import os
    import subprocess
    import time
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    log_path = out.parent / f"{out.name}.{log_name}"
    log = open(log_path, "wb")  # noqa: SIM115 - the child process writes to it
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    return Job(argv=list(argv), out_dir=str(out), log_path=str(log_path), process=process,
               started_s=time.time())


def job_state(job: Job) -> dict:
    """Returns {running, returncode, elapsed_s, log_tail} of a job (never blocks)."""
    import time

    returncode = job.process.poll() if job.process is not None else None
    try:
        with open(job.log_path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 4000))
            tail = f.read().decode("utf-8", "replace")
    except OSError:
        tail = ""
    return {"running": job.process is not None and returncode is None,
            "returncode": returncode, "elapsed_s": time.time() - job.started_s,
            "log_tail": tail}


def sweep_progress(out_dir, log_tail: str = "") -> dict:
    """Returns how far a sweep being written has got: {rows, done, total[, percent]}.

    ``rows`` counts results.csv rows (finished runs). ``done``/``total`` come from the last
    'k/N' progress line in the sweep's log when there is one (its own unit of work), else from
    ``rows`` and a run count in config.json (n_runs, total_runs, or a list of runs), else None.
    """
    import json as _json
    import re
    from pathlib import Path

    out = Path(out_dir)
    rows = 0
    results = out / "results.csv"
    if results.is_file():
        with open(results, "rb") as f:
            rows = max(0, sum(1 for line in f if line.strip() and not line.startswith(b"#")) - 1)
    # The sweep's progress bar ends its lines with "runs k/N"; any "k/N" will do otherwise.
    found = (re.findall(r"runs\s+(\d+)\s*/\s*(\d+)", log_tail or "")
             or re.findall(r"(\d+)\s*/\s*(\d+)", log_tail or ""))
    percent = re.findall(r"(\d+)%\|", log_tail or "")
    if found:
        k, n = found[-1]
        out = {"rows": rows, "done": int(k), "total": int(n)}
        if percent:
            out["percent"] = int(percent[-1])     # of the sweep's FLOP: smoother than runs
        return out
    total = None
    try:
        config = _json.loads((out / "config.json").read_text())
        for key in ("n_runs", "total_runs", "runs_total"):
            if isinstance(config.get(key), int):
                total = config[key]
                break
        else:
            for key in ("runs", "run_ids"):
                if isinstance(config.get(key), list):
                    total = len(config[key])
                    break
    except (OSError, ValueError, AttributeError):
        pass
    return {"rows": rows, "done": rows, "total": total}
