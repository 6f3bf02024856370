"""Worker processes that die with their parent: the process pools of ``report`` and sweeps.

A killed parent (SIGKILL, a closed terminal, an out-of-memory kill) must not leave its pool's
workers running for minutes. Each worker runs ``init_worker`` first:
  - on Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the worker the moment the
    parent's thread that started it exits (used only when that thread is the main thread);
  - everywhere, a daemon thread that polls the parent's pid and exits the worker when the
    parent is gone (within WATCHDOG_S seconds).
``process_pool`` wraps a ProcessPoolExecutor: SIGTERM in the parent is turned into an
interrupt, and an interrupt or error kills the workers instead of waiting for their tasks.

    with process_pool(2, "spawn") as pool:
        futures = [pool.submit(fn, x) for x in xs]
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

WATCHDOG_S = 0.5
_PR_SET_PDEATHSIG = 1


class Terminated(KeyboardInterrupt):
    """SIGTERM received: handled like Ctrl-C (workers killed, exit without a traceback)."""


def _set_death_signal() -> bool:
    """Asks Linux to SIGKILL this process when its parent thread exits; returns success."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(1)  # the parent is gone: stop now, whatever the task is doing
        time.sleep(WATCHDOG_S)


def init_worker(parent_pid: int, death_signal: bool = True) -> None:
    """Runs first in every worker: ties the worker's life to the parent's (see module doc)."""
    if death_signal:
        _set_death_signal()
    if os.getppid() != parent_pid:  # the parent died before the death signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watchdog",
                     daemon=True).start()


def make_pool(workers: int, start_method: str) -> ProcessPoolExecutor:
    """Returns a ProcessPoolExecutor whose workers die with this process."""
    death_signal = threading.current_thread() is threading.main_thread()
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(start_method),
                               initializer=init_worker, initargs=(os.getpid(), death_signal))


def kill_pool(pool: ProcessPoolExecutor) -> None:
    """Stops a pool now: cancels queued tasks and kills the workers (running tasks are lost)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(timeout=5)


def close_executor(executor, finished_cleanly: bool) -> None:
    """Shuts a sweep's executor down: a local pool waits for its workers only after a clean
    finish; after an error or an interrupt its workers are killed (running tasks are lost)."""
    if not isinstance(executor, ProcessPoolExecutor):
        executor.shutdown(wait=True)
    elif finished_cleanly:
        executor.shutdown(wait=True, cancel_futures=True)
    else:
        kill_pool(executor)


def _raise_terminated(signum, frame):
    raise Terminated()


@contextlib.contextmanager
def sigterm_interrupts():
    """Within the block, SIGTERM raises Terminated (a KeyboardInterrupt) in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextlib.contextmanager
def process_pool(workers: int, start_method: str):
    """Yields a pool (see make_pool); on any error or interrupt its workers are killed."""
    pool = make_pool(workers, start_method)
    with sigterm_interrupts():
        try:
            yield pool
        except BaseException:
            kill_pool(pool)
            raise
        pool.shutdown(wait=True)
