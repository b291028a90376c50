"""The warm local worker pool: reused across runs, stops a cancelled run's jobs, survives a
killed worker with a clear error, and gives the numbers one process gives."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import pytest

from designs.loader import load_design
from freightlab.progress import Cancelled, Progress
from simulation.executors import Job, run_jobs
from simulation.pool import WorkerPoolBroken, shutdown_pool, start_method, warm_pool
from simulation.replications import replicate
from simulation.sweeps import sweep

ROOT = Path(__file__).resolve().parents[2]
MONOLITH = ROOT / "designs" / "catalog" / "monolith.toml"


def _endless_jobs(count: int) -> list[Job]:
    """Jobs that would run for hours (10^9 simulated s): they end only when stopped."""
    data = load_design(MONOLITH).model_dump()
    data["workload"]["max_events"] = 10**12
    return [Job(data, seed, duration_s=1e9) for seed in range(count)]


def _short(seed: int = 1) -> Job:
    return Job(load_design(MONOLITH).model_dump(), seed, duration_s=60.0)


def test_the_pool_never_forks_a_threaded_parent() -> None:
    assert start_method() in ("forkserver", "spawn")


def test_runs_reuse_the_same_warm_workers_and_give_single_process_numbers() -> None:
    design = load_design(MONOLITH)
    pool = warm_pool()
    first = replicate(design, 4, duration_s=300, processes=2)
    created, pids = pool.created, pool.worker_pids()
    again = sweep(design, [1.0, 2.0, 2.5], duration_s=300, processes=2)
    second = replicate(design, 4, duration_s=300, processes=2)
    assert pool.created == created and pool.worker_pids() == pids  # no new processes
    assert 1 <= len(pids) <= 2
    inline = replicate(design, 4, duration_s=300, processes=1)
    assert first.to_json() == second.to_json() == inline.to_json()
    assert [p.rate_rps for p in again.points] == [1.0, 2.0, 2.5]


def test_a_cancelled_run_stops_its_running_jobs_and_frees_the_workers() -> None:
    pool = warm_pool()
    pool.start(2)  # workers up and warm, so the cancel lands on running jobs
    progress = Progress()
    threading.Timer(0.5, progress.cancel).start()
    with pytest.raises(Cancelled):
        run_jobs(_endless_jobs(4), processes=2, progress=progress)
    # Both workers are free again: were either still running its endless job, two short jobs
    # would never both finish (the test's timeout would fail it).
    results = run_jobs([_short(1), _short(2)], processes=2)
    assert [r.seed for r in results] == [1, 2]


def test_a_killed_worker_fails_the_run_with_a_clear_message_and_the_pool_recovers() -> None:
    pool = warm_pool()
    pool.start(2)
    created = pool.created
    victim = pool.worker_pids()[0]
    threading.Timer(0.3, os.kill, (victim, signal.SIGKILL)).start()
    with pytest.raises(WorkerPoolBroken, match="worker process ended unexpectedly"):
        run_jobs(_endless_jobs(2), processes=2)
    again = run_jobs([_short(3), _short(4)], processes=2)
    assert pool.created == created + 1 and victim not in pool.worker_pids()
    assert json.dumps(again[0].to_json()) == json.dumps(run_jobs([_short(3)])[0].to_json())


def test_shutting_the_pool_down_ends_its_workers_and_the_next_run_starts_new_ones() -> None:
    pool = warm_pool()
    pool.start(2)
    assert pool.worker_pids()
    shutdown_pool()
    assert pool.worker_pids() == [] and pool.size == 0
    assert run_jobs([_short(5), _short(6)], processes=2)[1].seed == 6


def test_an_exercise_scored_in_the_pool_equals_one_scored_in_this_process() -> None:
    from designs.exercise import catalog_exercises, load_exercise
    from simulation.scorecard import score_design

    path = next(p for p in catalog_exercises() if p.stem == "monday_peak")
    exercise = load_exercise(path)
    design = exercise.starter_design()
    pooled = score_design(design, exercise, processes=2)
    inline = score_design(design, exercise, processes=1)
    assert pooled.to_json() == inline.to_json()


def test_a_sliced_exercise_scored_in_the_pool_equals_one_scored_in_this_process() -> None:
    """The 1M-requests exercise simulates one cell of the design and scales it up: the
    cells run in the pool, the scaling here, the same scorecard."""
    from designs.exercise import catalog_exercises, load_exercise
    from simulation.scorecard import score_design

    path = next(p for p in catalog_exercises() if p.stem == "api_1m_per_minute")
    exercise = load_exercise(path)
    design = exercise.reference_design()
    pooled = score_design(design, exercise, processes=2, replications=2)
    inline = score_design(design, exercise, processes=1, replications=2)
    assert pooled.notes and pooled.to_json() == inline.to_json()
