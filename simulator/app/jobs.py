"""Background jobs of the Evidence page (a smoke sweep, a fit) and how far they have got.

No Streamlit import: the page calls these functions and tests call them directly. A job is a
child process writing its output to a log next to its folder, so the page never blocks on it;
a sweep's progress comes from the progress file it writes (simulator.experiments.progress).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


# The fit card the app looks for next to a results.csv (the first that exists).
CARD_NAMES = ("fit.json", "fit_card.json", "card.json", "default.json")


def find_card(folder) -> Path | None:
    """Returns the fit card next to a sweep's results, or None."""
    for name in CARD_NAMES:
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    return None


def smoke_sweep_argv(out) -> list:
    """Returns the command that runs the smoke sweep into ``out``."""
    import sys

    return [sys.executable, "-m", "simulator", "experiments", "run", "--preset", "smoke",
            "--out", str(out)]


def fit_argv(folder) -> list:
    """Returns the command that fits the runs in ``folder`` into folder/fit.json."""
    import sys

    return [sys.executable, "-m", "simulator", "fit", "--runs", str(folder), "--out",
            str(Path(folder) / "fit.json")]


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


def sweep_progress(out_dir) -> dict:
    """Returns how far the sweep writing ``out_dir`` has got: {done, total, failed, current,
    state, fraction} from its progress file, or {done: 0, total: None, fraction: 0.0,
    state: "starting"} before it has written one (``total`` None: not known yet)."""
    from simulator.experiments.progress import read_progress

    record = read_progress(out_dir)
    if record is None:
        return {"done": 0, "total": None, "failed": 0, "current": [], "state": "starting",
                "fraction": 0.0}
    return record


def sweep_text(progress: dict, elapsed_s: float, what: str = "Smoke sweep") -> str:
    """Returns the progress bar's line, e.g. 'Smoke sweep: 6 of 41 runs · 35 s'."""
    if progress["total"] is None:
        return f"{what}: starting · {elapsed_s:.0f} s"
    failed = f" ({progress['failed']} failed)" if progress.get("failed") else ""
    return (f"{what}: {progress['done']} of {progress['total']} runs{failed} · "
            f"{elapsed_s:.0f} s")
