"""Worker processes die with their parent: SIGKILL the parent of a sweep or a report and no
worker is left running; a clean rerun of the sweep then completes without loss."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.workers import init_worker, process_pool

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "h200-case-by-case-2026-central.toml"


def _children(pid: int) -> list[int]:
    """Returns the pids whose parent is pid (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_for(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return None


def _kill_parent_and_check_workers(proc, min_workers: int) -> None:
    workers = _wait_for(lambda: [p for p in _children(proc.pid)
                                 if "resource_tracker" not in _cmdline(p)]
                        if len(_children(proc.pid)) >= min_workers else None, 240)
    assert workers, "the workers never started"
    os.kill(proc.pid, signal.SIGKILL)  # the parent only, as an OOM killer would
    proc.wait()
    try:
        gone = _wait_for(lambda: not any(_alive(p) for p in workers), 5)
        assert gone, f"workers still running 5 s after their parent died: {workers}"
    finally:
        for p in workers:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def test_report_workers_die_with_a_killed_parent(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "simulator", "report", str(SCENARIO), "--set",
                             "uncertainty.draws=64", "--out", str(tmp_path / "out"),
                             "--workers", "2"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _kill_parent_and_check_workers(proc, 2)


def test_sweep_workers_die_with_a_killed_parent_and_a_rerun_completes(tmp_path):
    from simulator.experiments.sweep import read_results, run_sweep
    from test_experiments import tiny_config

    out = tmp_path / "sweep"
    script = ("import sys, json; from simulator.experiments.sweep import run_sweep; "
              "run_sweep(None, sys.argv[1], workers=2, device='cpu', progress=False, "
              "config=json.loads(sys.argv[2]))")
    proc = subprocess.Popen([sys.executable, "-c", script, str(out), json.dumps(tiny_config())],
                            cwd=ROOT)
    _kill_parent_and_check_workers(proc, 2)
    partial = read_results(out)
    summary = run_sweep(None, out, workers=2, device="cpu", progress=False, config=tiny_config())
    assert summary["done"] == summary["total"] > len(partial)
    assert set(partial) <= set(read_results(out))


def _sleep(seconds):
    time.sleep(seconds)
    return os.getpid()


def test_an_interrupt_kills_the_pool_instead_of_waiting_for_its_tasks():
    t0 = time.time()
    with pytest.raises(KeyboardInterrupt):
        with process_pool(2, "fork") as pool:
            futures = [pool.submit(_sleep, 60) for _ in range(2)]
            time.sleep(1.0)
            pids = list(pool._processes)
            raise KeyboardInterrupt
    assert time.time() - t0 < 20
    assert all(not _alive(p) for p in pids)
    assert all(f.cancelled() or f.done() for f in futures)


def test_a_worker_whose_parent_is_already_gone_exits_at_once():
    code = ("import os, sys; from simulator.workers import init_worker; "
            "init_worker(os.getppid() + 1_000_000, death_signal=False); print('survived')")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1 and "survived" not in done.stdout
    assert callable(init_worker)
