"""Run simulation jobs on an existing Dask distributed cluster (``--scheduler tcp://HOST:PORT``).

Dask is optional (``pip install freightlab[cluster]``). The workers need Freightlab installed
too, the same version as here: a job is the design as plain data plus its seed, and each
worker runs :func:`simulation.executors.run_job` on it, exactly as a local process would, so
the numbers are the same. Each job is its own task, keyed ``freightlab-<run>-<index>``;
results come back as tasks end. On cancel, a Dask ``Event`` named for the run tells running
tasks to stop (they look every 0.2 s), the futures are cancelled, and the call waits until no
worker is still executing one of this run's tasks.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from freightlab.errors import InputError
from freightlab.progress import Progress, check
from simulation.executors import Job, StopPoll, run_job
from simulation.results import SimResult

ADDRESS = re.compile(r"^(tcp|tls)://[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")
CONNECT_TIMEOUT_S = 10.0
DRAIN_TIMEOUT_S = 30.0
_RUNNING_STATES = frozenset({"executing", "long-running", "cancelled", "resumed"})


def check_address(address: str) -> str:
    """``tcp://HOST:PORT`` (or ``tls://``), else an InputError naming the option."""
    if not ADDRESS.match(address):
        raise InputError(f"--scheduler: expected tcp://HOST:PORT, got {address!r}")
    return address


def connect(address: str) -> Any:
    """A Client of the scheduler at ``address``; InputError if Dask is missing or unreachable."""
    check_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise InputError(
            "--scheduler needs Dask distributed: pip install 'freightlab[cluster]'"
        ) from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise InputError(
            f"--scheduler: cannot reach a Dask scheduler at {address} ({exc})"
        ) from None


def _run_on_worker(job: Job, stop_name: str) -> SimResult:
    from distributed import Event

    stop = Event(stop_name)
    return run_job(job, StopPoll(stop.is_set))


def _running(prefix: str, dask_worker: Any) -> list[str]:
    """On a worker: keys of this run's tasks that are still executing there."""
    return [
        str(key)
        for key, ts in dask_worker.state.tasks.items()
        if str(key).startswith(prefix) and ts.state in _RUNNING_STATES
    ]


def running_tasks(client: Any, prefix: str) -> list[str]:
    """This run's tasks still executing anywhere on the cluster."""
    per_worker = client.run(_running, prefix)
    return sorted(k for keys in per_worker.values() for k in keys)


def iter_on_cluster(
    jobs: Sequence[Job], address: str, progress: Progress | None = None
) -> Iterator[tuple[int, SimResult]]:
    """(job index, result) as each task ends; on cancel, stops every task of the run first."""
    from distributed import Event, as_completed

    client = connect(address)
    run = uuid.uuid4().hex[:12]
    prefix = f"freightlab-{run}-"
    stop_name = f"freightlab-stop-{run}"
    stop = Event(stop_name, client=client)
    futures: list[Any] = []
    finished = False
    try:
        futures = [
            client.submit(_run_on_worker, job, stop_name, key=f"{prefix}{i}", pure=False)
            for i, job in enumerate(jobs)
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        ended = 0
        pending = as_completed(futures, loop=client.loop)
        while not pending.is_empty():
            batch = pending.next_batch(block=False)
            if not batch:
                check(progress, ended / len(jobs), f"{ended} of {len(jobs)} runs done")
                time.sleep(0.05)
                continue
            for fut in batch:
                yield index[fut.key], _result(fut)
                ended += 1
        finished = True
    finally:
        try:
            if not finished:
                stop.set()
                client.cancel(futures, force=True)
                _drain(client, prefix)
            stop.clear()  # a cleared event with no waiters is deleted on the scheduler
        finally:
            client.close()


def _result(fut: Any) -> SimResult:
    try:
        result = fut.result()
    except ModuleNotFoundError as exc:
        raise InputError(
            f"--scheduler: the cluster's workers cannot import {exc.name!r}; "
            "install Freightlab there (the same version as here)"
        ) from None
    if not isinstance(result, SimResult):
        raise TypeError(f"a cluster task returned {type(result).__name__}, not a SimResult")
    return result


def _drain(client: Any, prefix: str, timeout_s: float = DRAIN_TIMEOUT_S) -> None:
    """Wait until no worker executes one of this run's tasks (they poll the stop event)."""
    deadline = time.monotonic() + timeout_s
    while running_tasks(client, prefix):
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"cluster tasks {prefix}* still running {timeout_s:.0f} s after cancel"
            )
        time.sleep(0.05)
