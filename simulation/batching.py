"""``kind = "matcher"`` at run time: a bulk-service station per replica.

Requests gather into the replica's open batch. The batch closes ``batch_window_ms`` after
its first request arrived, or when it reaches ``batch_max``, whichever comes first (with no
window it closes only when full; a window of 0 closes it at once). Closed batches wait FCFS
for one of the replica's ``workers``; a worker solves a batch of b in a time drawn from the
calibration table (median(b) x exp(sigma(b) Z), see designs.calibration) and every request
of the batch completes together, then goes on to ``then``.

Statistics keep the engine's per-request meaning: ``wait`` runs from a request's arrival to
its batch's solve start (gathering plus batch queue), ``q`` holds every waiting request, and
a solve of d seconds for b requests books d worker-seconds (``service_sum``/``hold_sum``), so
the operational laws (utilisation = arrival rate x demand / workers, capacity = workers /
demand) hold with demand = worker time per request = mean solve / mean batch size.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from designs.calibration import Calibration
from simulation.components import OK, Clock, Cont, Later, Request, ServiceNode, Station


class BatchStation(Station):
    """One matcher replica: an open batch, a FIFO of closed batches, ``servers`` solvers."""

    __slots__ = (
        "batch_max",
        "batch_sum",
        "batches",
        "cal",
        "closed",
        "gauss",
        "open_n",
        "seq",
        "solve_sum",
        "window",
    )

    def __init__(
        self,
        name: str,
        clock: Clock,
        later: Later,
        servers: int,
        calibration: Calibration,
        window_s: float | None,
        batch_max: int | None,
        rnd: random.Random,
    ) -> None:
        super().__init__(name, clock, later, servers, None)
        self.cal = calibration
        self.window = window_s
        self.batch_max = batch_max
        self.gauss = rnd.gauss
        self.closed: deque[int] = deque()  # sizes of closed batches, in q order
        self.open_n = 0  # the last open_n entries of q are the open batch
        self.seq = 0  # which open batch a window timer belongs to

    def reset(self, now: float) -> None:
        super().reset(now)
        self.batches = 0
        self.batch_sum = 0
        self.solve_sum = 0.0

    def arrive(self, req: Request, k: Cont) -> None:
        now = self.clock()
        self.flush(now)
        self.arrivals += 1
        self.q.append((req, k, now))
        self.open_n += 1
        if self.batch_max is not None and self.open_n >= self.batch_max:
            self._close(now)
        elif self.open_n == 1 and self.window is not None:
            if self.window <= 0.0:
                self._close(now)
            else:
                seq = self.seq
                self.later(self.window, lambda _ev: self._window_ends(seq))

    def _window_ends(self, seq: int) -> None:
        if seq == self.seq and self.open_n:
            self._close(self.clock())

    def _close(self, now: float) -> None:
        self.closed.append(self.open_n)
        self.open_n = 0
        self.seq += 1
        self.pump(now)

    def pump(self, now: float) -> None:
        """Start closed batches while solvers are free (after a solve or an outage ends)."""
        self.flush(now)
        while self.closed and self.busy < self.servers and not self.down:
            b = self.closed.popleft()
            batch = [self.q.popleft() for _ in range(b)]
            self.busy += 1
            self.started += b
            for _req, _k, t_arr in batch:
                self.wait_sum += now - t_arr
            d = self.solve_s(b)
            self.batches += 1
            self.batch_sum += b
            self.solve_sum += d
            self.service_sum += d
            self.hold_sum += d
            self.later(d, self._when_solved(batch))

    def solve_s(self, b: int) -> float:
        """Seconds to solve a batch of b: the calibration's median, its spread, any slowdown."""
        sigma = self.cal.sigma(b)
        factor = math.exp(sigma * self.gauss(0.0, 1.0)) if sigma > 0.0 else 1.0
        return self.cal.median_ms(b) / 1000.0 * factor * self.slow

    def _when_solved(self, batch: list[tuple[Request, Cont, float]]) -> Callable[[Any], None]:
        return lambda _ev: self._solved(batch)

    def _solved(self, batch: list[tuple[Request, Cont, float]]) -> None:
        now = self.clock()
        self.flush(now)
        self.busy -= 1
        self.served += len(batch)
        self.pump(now)
        for req, k, _t in batch:
            k(req, OK)


class MatcherNode(ServiceNode):
    """Replicas of a BatchStation; reached directly (round robin), by a balancer or a broker."""

    def __init__(self, name: str, stations: list[BatchStation]) -> None:
        super().__init__(name, "matcher", list(stations))
        self.batch_stations = stations


@dataclass(frozen=True)
class BatchStats:
    batches: int
    mean_batch_size: float
    mean_solve_ms: float
    per_worker_rps: float  # requests solved per second of solver time: b / T(b)


def batch_stats(node: Any) -> BatchStats | None:
    """A matcher's batching figures since the warm-up; None for every other node."""
    if not isinstance(node, MatcherNode):
        return None
    sts = node.batch_stations
    batches = sum(st.batches for st in sts)
    size = sum(st.batch_sum for st in sts)
    solve = sum(st.solve_sum for st in sts)
    return BatchStats(
        batches=batches,
        mean_batch_size=size / batches if batches else 0.0,
        mean_solve_ms=1000.0 * solve / batches if batches else 0.0,
        per_worker_rps=size / solve if solve > 0 else 0.0,
    )
