"""One warm pool of local worker processes, kept for the life of the process and shared by runs.

Starting a worker (a fresh interpreter importing numpy, SimPy, pydantic and the engine) costs
a good part of a second; a pool per call paid it on every replication set, sweep and SLO round.
Here the pool is created on first use and reused: later runs find their workers warm.

- **Start method**: ``forkserver`` where the platform has it, else ``spawn``; never ``fork``
  (the parent may run Qt and worker threads). The fork server preloads the engine's modules,
  so even a new worker starts warm.
- **Cancelling**: every run holds one slot of a shared byte array; its jobs poll their slot
  (``StopPoll``, every 0.2 s) and raise Cancelled once it is set. A stopped run cancels its
  jobs not yet started and waits for the running ones to stop, so its workers are free when
  ``Cancelled`` reaches the caller; the pool itself lives on.
- **A broken pool** (a worker killed, e.g. out of memory): the run fails with
  :class:`WorkerPoolBroken`, which says so, and the next run gets a new pool.
- **At exit** the pool is closed before the interpreter joins its threads: every run's slot
  is set (running jobs stop within ``STOP_POLL_S``), jobs not started are dropped, and a
  worker still alive after ``EXIT_GRACE_S`` is killed. It must come *before* the join:
  concurrent.futures' own exit hook joins each executor's manager thread, which waits for
  every job it holds, so a run still going at exit (a test that did not cancel, a window
  closed mid-run) would keep the process alive for as long as its jobs take. Earlier:
  :func:`shutdown_pool`.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from freightlab.progress import Progress, check
from simulation.executors import STOP_POLL_S, Job, StopPoll, run_job
from simulation.results import SimResult

#: Modules a worker needs for a job, imported once per worker (preloaded by the fork server).
WORKER_MODULES = ("simulation.executors", "simulation.runner", "designs.schema")
#: Runs that may share the pool at once (each holds one stop slot).
MAX_RUNS = 64
#: Seconds a stopped run waits for its running jobs to notice (they look every 0.2 s).
DRAIN_TIMEOUT_S = 30.0
#: Seconds the exiting process gives stopped workers to end before it kills them.
EXIT_GRACE_S = 5.0


class WorkerPoolBroken(RuntimeError):
    """A local worker process died mid-run (killed, or out of memory); the run is lost."""


def start_method() -> str:
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


_FLAGS: Any = None  # in a worker: the pool's stop slots, set by _init_worker


def _init_worker(flags: Any) -> None:
    global _FLAGS
    _FLAGS = flags
    import importlib

    for name in WORKER_MODULES:
        importlib.import_module(name)


def _run_in_worker(job: Job, slot: int) -> SimResult:
    flags = _FLAGS
    return run_job(job, StopPoll(lambda: bool(flags[slot])))


def _ready() -> bool:
    return _FLAGS is not None


class WarmPool:
    """The process pool and its stop slots; thread-safe, shared by every run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ctx = multiprocessing.get_context(start_method())
        if self._ctx.get_start_method() == "forkserver":
            self._ctx.set_forkserver_preload(list(WORKER_MODULES))
        self._flags: Any = None
        self._free: list[int] = list(range(MAX_RUNS))
        self._executor: ProcessPoolExecutor | None = None
        self._size = 0
        self._active = 0
        self._closed = False  # set at exit: no new executor after that
        self.created = 0  # pools made so far (a broken one is replaced): tests and benches read it

    @property
    def size(self) -> int:
        return self._size if self._executor is not None else 0

    def _executor_for(self, workers: int) -> ProcessPoolExecutor:
        """The live executor (under the lock); a bigger one replaces an idle smaller one."""
        if self._executor is not None and workers > self._size and self._active == 0:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._executor is None:
            if self._flags is None:
                self._flags = self._ctx.RawArray("b", MAX_RUNS)
            self._size = workers
            self._executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=self._ctx,
                initializer=_init_worker,
                initargs=(self._flags,),
            )
            self.created += 1
        return self._executor

    def acquire(self, workers: int) -> tuple[ProcessPoolExecutor, int]:
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is closed: the process is exiting")
            if not self._free:
                raise RuntimeError(f"more than {MAX_RUNS} runs share the worker pool at once")
            executor = self._executor_for(workers)
            slot = self._free.pop()
            self._flags[slot] = 0
            self._active += 1
            return executor, slot

    def release(self, slot: int, reuse: bool = True) -> None:
        """Give the slot back (not when jobs that ignored it may still be reading it)."""
        with self._lock:
            self._active -= 1
            if reuse:
                self._flags[slot] = 0
                self._free.append(slot)

    def stop(self, slot: int) -> None:
        self._flags[slot] = 1

    def discard(self, executor: ProcessPoolExecutor) -> None:
        """Drop a broken executor so the next run makes a new one."""
        with self._lock:
            if self._executor is executor:
                self._executor = None
        executor.shutdown(wait=False, cancel_futures=True)

    def start(self, workers: int) -> None:
        """Start ``workers`` processes now and wait until each has its modules imported."""
        executor, slot = self.acquire(workers)
        try:
            barrier = [executor.submit(_ready) for _ in range(workers)]
            wait(barrier)
        finally:
            self.release(slot)

    def worker_pids(self) -> list[int]:
        """Pids of the live worker processes (the executor keeps them in ``_processes``)."""
        with self._lock:
            executor = self._executor
        procs = getattr(executor, "_processes", None) or {}
        return sorted(p.pid for p in procs.values() if p.is_alive())

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def close(self, grace_s: float = EXIT_GRACE_S) -> None:
        """At exit: stop every run's jobs, drop the rest, end the workers (killed if stuck)."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
            if self._flags is not None:
                self._flags[:] = b"\x01" * MAX_RUNS
        if executor is None:
            return
        procs = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + grace_s
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
        for proc in procs:
            if proc.is_alive():  # a job that ignores its slot: the manager thread then sees
                proc.kill()  # a broken pool, fails its futures and ends
                proc.join(1.0)


_POOL: WarmPool | None = None
_POOL_LOCK = threading.Lock()


def warm_pool() -> WarmPool:
    """The process's pool, made on first use (making it starts no process yet)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = WarmPool()
            _before_thread_join(_POOL.close)
        return _POOL


def _before_thread_join(hook: Callable[[], None]) -> None:
    """Call ``hook`` at exit before threads are joined (so before concurrent.futures' hook,
    which was registered when it was imported, earlier: these run last-registered first)."""
    register = getattr(threading, "_register_atexit", None)  # CPython's, used by the stdlib
    try:
        if register is not None:
            register(hook)
            return
    except RuntimeError:  # already exiting: too late for that list
        pass
    atexit.register(hook)


def shutdown_pool() -> None:
    """Stop the worker processes now (the next run starts new ones)."""
    with _POOL_LOCK:
        pool = _POOL
    if pool is not None:
        pool.shutdown()


def iter_pool(
    jobs: Sequence[Job], processes: int, progress: Progress | None
) -> Iterator[tuple[int, SimResult]]:
    """(job index, result) as jobs end, at most ``processes`` running at once."""
    pool = warm_pool()
    executor, slot = pool.acquire(processes)
    futures: dict[Future[SimResult], int] = {}
    queue = list(enumerate(jobs))[::-1]  # popped from the end: job order
    clean = True
    try:
        while queue or futures:
            while queue and len(futures) < processes:
                i, job = queue.pop()
                futures[_submit(pool, executor, job, slot)] = i
            done, _ = wait(futures, timeout=STOP_POLL_S, return_when=FIRST_COMPLETED)
            for fut in done:
                yield futures.pop(fut), _result(pool, executor, fut)
            ended = len(jobs) - len(queue) - len(futures)
            check(progress, ended / len(jobs), f"{ended} of {len(jobs)} runs done")
    finally:
        if futures or queue:  # stopped early: cancelled, an error, or the caller closed us
            pool.stop(slot)
            clean = _drain(pool, executor, futures)
        pool.release(slot, reuse=clean)


def _submit(pool: WarmPool, executor: ProcessPoolExecutor, job: Job, slot: int) -> Future[Any]:
    try:
        return executor.submit(_run_in_worker, job, slot)
    except BrokenProcessPool:
        pool.discard(executor)
        raise _broken() from None


def _result(pool: WarmPool, executor: ProcessPoolExecutor, fut: Future[SimResult]) -> SimResult:
    try:
        return fut.result()
    except BrokenProcessPool:
        pool.discard(executor)
        raise _broken() from None


def _broken() -> WorkerPoolBroken:
    return WorkerPoolBroken(
        "a simulation worker process ended unexpectedly (killed, or out of memory), "
        "so this run is lost; the worker pool has been restarted: run it again"
    )


def _drain(pool: WarmPool, executor: ProcessPoolExecutor, futures: dict[Future[Any], int]) -> bool:
    """Cancel jobs not started, wait for running ones to see their stop slot and end."""
    running = [f for f in futures if not f.cancel()]
    _, stuck = wait(running, timeout=DRAIN_TIMEOUT_S)
    if stuck:  # workers that do not stop: give up this executor (the next run makes one)
        pool.discard(executor)
    return not stuck
