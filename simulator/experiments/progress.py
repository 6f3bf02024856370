"""A sweep's progress file: ``progress.json`` in the sweep folder, rewritten (atomically) as
each job is submitted or finishes, so another process (the app) can show how far it has got.

    {"done": 6, "total": 41, "failed": 0, "current": ["trunk-s0-m"], "updated": 1764600000.0,
     "state": "running", "work_done": 3.5e9, "work_total": 2.96e10, "unit": "FLOP"}

done / total      finished runs (rows of results.csv) out of the runs the sweep plans
failed           jobs that raised (the sweep then stops: state "failed")
current          the job ids in flight
updated          when this was written (seconds since the epoch)
state            running | finished | failed | stopped (Ctrl-C, SIGTERM)
work_done/_total the jobs' estimated cost in ``unit`` (FLOP, steps): a smoother measure than
                 runs, since runs finish in bursts when a trunk's branches end together
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

from simulator import atomic

PROGRESS_FILE = "progress.json"
STATES = ("running", "finished", "failed", "stopped")


def write_progress(folder, *, done: int, total: int, failed: int = 0, current=(),
                   state: str = "running", work_done: float | None = None,
                   work_total: float | None = None, unit: str = "") -> Path:
    """Returns the path of the progress file after writing it atomically into ``folder``."""
    if state not in STATES:
        raise ValueError(f"state: {state!r} is not one of {', '.join(STATES)}")
    record = {"done": int(done), "total": int(total), "failed": int(failed),
              "current": sorted(str(c) for c in current), "updated": time.time(),
              "state": state}
    if work_total:
        record.update(work_done=float(work_done or 0.0), work_total=float(work_total),
                      unit=unit)
    return atomic.write_json(Path(folder) / PROGRESS_FILE, record)


def read_progress(folder) -> dict | None:
    """Returns the progress record of the sweep in ``folder``, or None when there is none yet
    or it is not a progress record (a reader never fails on a sweep being written)."""
    try:
        record = json.loads((Path(folder) / PROGRESS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    try:
        done, total = int(record["done"]), int(record["total"])
    except (KeyError, TypeError, ValueError):
        return None
    out = {"done": done, "total": total, "failed": int(record.get("failed") or 0),
           "current": list(record.get("current") or []),
           "updated": float(record.get("updated") or 0.0),
           "state": record.get("state") if record.get("state") in STATES else "running"}
    work_done, work_total = record.get("work_done"), record.get("work_total")
    if isinstance(work_total, (int, float)) and work_total > 0 and math.isfinite(work_total):
        out["fraction"] = min(max(float(work_done or 0.0) / float(work_total), 0.0), 1.0)
    elif total > 0:
        out["fraction"] = min(done / total, 1.0)
    else:
        out["fraction"] = 0.0
    return out
