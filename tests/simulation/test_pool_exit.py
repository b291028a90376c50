"""A process that used the warm pool exits promptly, whatever was running in it at exit.

concurrent.futures joins each executor's manager thread at exit, and that thread waits for
every job it holds: without the pool's own exit hook (run before that join) a run still going
at exit kept the process, its fork server and its resource tracker alive for hours."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, threading
from designs.loader import load_design
from freightlab.progress import Cancelled, Progress
from simulation.executors import Job, run_jobs
from simulation.pool import warm_pool


def endless(count):
    data = load_design("designs/catalog/monolith.toml").model_dump()
    data["workload"]["max_events"] = 10**12
    return [Job(data, seed, duration_s=1e9) for seed in range(count)]


if __name__ == "__main__":
    pool = warm_pool()
    pool.start(2)
    print("workers", *pool.worker_pids(), flush=True)
    progress = Progress()
    threading.Timer(0.3, progress.cancel).start()
    try:
        run_jobs(endless(3), processes=2, progress=progress)
    except Cancelled:
        print("cancelled", flush=True)
    # a run still going when the main thread ends: {daemon} thread, never cancelled
    started = threading.Event()
    def going():
        started.set()
        run_jobs(endless(4), processes=2)
    threading.Thread(target=going, daemon={daemon}).start()
    started.wait()
    threading.Event().wait(0.5)
    print("main ends", flush=True)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _exits_promptly(daemon: bool) -> None:
    begin = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT.replace("{daemon}", str(daemon))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,  # the bug: this never ended (the jobs simulate 10^9 s)
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    took = time.monotonic() - begin
    lines = out.stdout.splitlines()
    assert "cancelled" in lines and "main ends" in lines, out.stderr
    assert took < 60, f"exit took {took:.1f} s"
    workers = [int(p) for p in lines[0].split()[1:]]
    assert len(workers) == 2
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers), "a worker outlived its parent"


def test_a_process_with_a_run_going_in_a_daemon_thread_exits_promptly() -> None:
    _exits_promptly(daemon=True)


def test_a_process_with_a_run_going_in_an_ordinary_thread_exits_promptly() -> None:
    _exits_promptly(daemon=False)
