"""Where simulation jobs run: in this process, in local worker processes, or on a Dask cluster.

Every job runs the same way wherever it runs (:func:`run_job`: the design as plain data, a
seed, a duration, a rate, and a Progress that only asks "stop?"), so the same seeds give the
same numbers on one process, on N local processes and on a cluster. Results stream back as
each job ends (:func:`iter_results`), which drives progress; cancelling stops the jobs that
are running (they poll a stop flag: a slot of a shared array in the warm local pool of
simulation/pool.py, a Dask ``Event`` on a cluster) and drops the ones not started, before
the Cancelled error reaches the caller.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from freightlab.progress import Cancelled, Progress, check
from simulation.results import SimResult

#: Seconds between a running job's looks at its stop flag (a cluster look is a round trip).
STOP_POLL_S = 0.2


@dataclass(frozen=True)
class Job:
    design: dict[str, Any]  # Design.model_dump(): plain data crosses the process boundary
    seed: int
    duration_s: float | None = None
    rate_rps: float | None = None


class StopPoll:
    """A progress report that raises Cancelled once ``should_stop()`` says so (rate-limited)."""

    def __init__(self, should_stop: Callable[[], bool] | None, every_s: float = STOP_POLL_S):
        self.should_stop = should_stop
        self.every_s = every_s
        self.next_look = 0.0

    def __call__(self, _fraction: float, _message: str) -> None:
        if self.should_stop is None:
            return
        now = time.monotonic()
        if now < self.next_look:
            return
        self.next_look = now + self.every_s
        if self.should_stop():
            raise Cancelled()


def run_job(job: Job, report: Callable[[float, str], None] | None = None) -> SimResult:
    """One simulation. It always runs with a Progress, so every place gives equal results."""
    from designs.schema import Design
    from simulation.runner import simulate

    return simulate(
        Design.model_validate(job.design),
        duration_s=job.duration_s,
        seed=job.seed,
        rate_rps=job.rate_rps,
        progress=Progress(report or StopPoll(None)),
    )


def available_cpus() -> int:
    """CPUs this process may use (the default number of local worker processes)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def iter_results(
    jobs: Sequence[Job],
    *,
    processes: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Generator[tuple[int, SimResult], None, None]:
    """(job index, result) as each job ends; raises Cancelled after stopping the rest.

    Close the generator (``contextlib.closing``) when stopping early: that stops the rest.
    """
    if scheduler:
        from simulation.cluster import iter_on_cluster

        yield from iter_on_cluster(jobs, scheduler, progress)
    elif processes <= 1 or len(jobs) <= 1:
        yield from _iter_inline(jobs, progress)
    else:
        yield from _iter_pool(jobs, processes, progress)


def run_jobs(
    jobs: Sequence[Job],
    processes: int = 1,
    progress: Progress | None = None,
    *,
    scheduler: str | None = None,
    on_result: Callable[[int, SimResult], None] | None = None,
) -> list[SimResult]:
    """Run every job; results in job order. ``on_result`` hears each one as it ends."""
    results: list[SimResult | None] = [None] * len(jobs)
    stream = iter_results(jobs, processes=processes, scheduler=scheduler, progress=progress)
    with closing(stream):  # a cancel here stops the workers now, not when the trace is freed
        for done, (i, result) in enumerate(stream, start=1):
            results[i] = result
            if on_result is not None:
                on_result(i, result)
            check(progress, done / len(jobs), f"{done} of {len(jobs)} runs done")
    return [r for r in results if r is not None]


def _iter_inline(jobs: Sequence[Job], progress: Progress | None) -> Iterator[tuple[int, SimResult]]:
    n = len(jobs)
    for i, job in enumerate(jobs):

        def report(f: float, msg: str, i: int = i) -> None:
            check(progress, (i + f) / n, f"run {i + 1} of {n}: {msg}")

        yield i, run_job(job, report)


def _iter_pool(
    jobs: Sequence[Job], processes: int, progress: Progress | None
) -> Iterator[tuple[int, SimResult]]:
    """Local worker processes: the process's warm pool (simulation/pool.py)."""
    from simulation.pool import iter_pool

    return iter_pool(jobs, processes, progress)
