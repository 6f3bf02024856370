"""The sweeps' progress file: execute_jobs (both sweeps' scheduler) writes progress.json as jobs
finish, and says how the sweep ended; the app reads it (tests/test_app_state.py)."""

import json

import pytest

from simulator.experiments.progress import PROGRESS_FILE, read_progress, write_progress
from simulator.experiments.sweep import execute_jobs


def two_rows(job):
    """A job of two runs (module level: the worker process imports it)."""
    return [{"run_id": f"{job['job_id']}-{i}"} for i in range(2)]


def fails_on_b(job):
    if job["job_id"] == "b":
        raise ValueError("job b broke")
    return [{"run_id": job["job_id"]}]


def _run(tmp_path, run_job):
    jobs = [{"job_id": "a", "deps": []}, {"job_id": "b", "deps": ["a"]}]
    results = {}
    execute_jobs(jobs, run_job, cost={"a": 1.0, "b": 3.0}, results=results, save=lambda: None,
                 workers=1, scheduler=None, progress=False, desc="test", unit="FLOP",
                 total_runs=4, priority=lambda j: j["job_id"], folder=tmp_path)
    return results


def test_a_finished_sweep_leaves_a_finished_progress_file(tmp_path):
    results = _run(tmp_path, two_rows)
    record = json.loads((tmp_path / PROGRESS_FILE).read_text())
    assert len(results) == 4
    assert (record["done"], record["total"], record["failed"]) == (4, 4, 0)
    assert record["state"] == "finished" and record["current"] == []
    assert record["work_done"] == pytest.approx(4.0) and record["work_total"] == pytest.approx(4.0)
    assert read_progress(tmp_path)["fraction"] == pytest.approx(1.0)


def test_a_failed_job_ends_the_sweep_as_failed_and_keeps_the_finished_runs(tmp_path):
    with pytest.raises(ValueError, match="job b broke"):
        _run(tmp_path, fails_on_b)
    record = read_progress(tmp_path)
    assert record["state"] == "failed" and record["failed"] == 1
    assert (record["done"], record["total"]) == (1, 4)
    assert record["fraction"] == pytest.approx(0.25)   # job a: 1 of 4 units of work


def test_a_progress_record_with_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="state"):
        write_progress("/nonexistent", done=0, total=1, state="sleeping")
