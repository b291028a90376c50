"""A Station that can fail: failure ratios, retries with backoff and per-attempt timeouts,
circuit breakers, and crashes. The engine uses it only for components whose design asks for
one of these, so the plain ``Station`` hot path pays nothing for them.

With probability ``fail`` a visit fails after its service time (its calls are skipped).
``retry`` repeats a failed call while holding the worker; ``breakers`` (one per call, shared
by the replicas of a component) fail calls at once while open. A crash bumps ``epoch``: work
started before it is lost and its caller is told FAILED when that work would have finished;
until the restart new work is refused.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from simulation.components import (
    FAILED,
    MAX_NEST,
    OK,
    TIMED_OUT,
    Clock,
    Cont,
    Later,
    Request,
    Station,
)
from simulation.resilience import Breaker, RetryPolicy


class ResilientStation(Station):
    __slots__ = ("breakers", "epoch", "fail", "rand", "retry")

    def __init__(
        self,
        name: str,
        clock: Clock,
        later: Later,
        servers: int | None,
        sample: Callable[[], float] | None,
        limit: int | None = None,
        timeout_s: float | None = None,
        nest: list[int] | None = None,
    ) -> None:
        super().__init__(name, clock, later, servers, sample, limit, timeout_s, nest=nest)
        self.fail = 0.0
        self.rand: Callable[[], float] = random.Random(0).random
        self.retry: RetryPolicy | None = None
        self.breakers: list[Breaker] | None = None
        self.epoch = 0

    def _start(self, req: Request, k: Cont, t_arr: float, now: float) -> None:
        self.busy += 1
        self.started += 1
        self.wait_sum += now - t_arr
        sample = self.sample
        e = self.epoch
        if sample is None:  # zero-time work: nested, up to MAX_NEST deep (see Station)
            nest = self.nest
            if nest[0] >= MAX_NEST:
                self.later(0.0, lambda _ev: self._r_served(req, k, t_arr, now, e))
                return
            nest[0] += 1
            self._r_served(req, k, t_arr, now, e)
            nest[0] -= 1
            return
        d = sample() * self.slow
        self.service_sum += d
        self.later(d, lambda _ev: self._r_served(req, k, t_arr, now, e))

    def _r_served(self, req: Request, k: Cont, t_arr: float, t_start: float, e: int) -> None:
        if e != self.epoch:  # crashed meanwhile: the work is lost
            k(req, FAILED)
        elif self.fail and self.rand() < self.fail:
            self._r_finish(req, k, t_arr, t_start, FAILED, e)
        elif self.calls:
            self._r_call(0, req, k, t_arr, t_start, e, 1)
        else:
            self._r_finish(req, k, t_arr, t_start, OK, e)

    def _r_call(
        self, i: int, req: Request, k: Cont, t_arr: float, t_start: float, e: int, attempt: int
    ) -> None:
        if e != self.epoch:
            k(req, FAILED)
            return
        br = self.breakers[i] if self.breakers is not None else None
        if br is not None and not br.allow(self.clock()):
            self.short_circuited += 1
            self._r_outcome(i, req, k, t_arr, t_start, e, attempt, FAILED)
            return
        retry = self.retry
        if retry is not None and retry.timeout_s is not None:
            self._r_timed_call(i, req, k, t_arr, t_start, e, attempt, br, retry.timeout_s)
            return

        def back(r: Request, status: int) -> None:
            if br is not None:
                br.record(self.clock(), status == OK)
            self._r_outcome(i, r, k, t_arr, t_start, e, attempt, status)

        self.calls[i].enter(req, back)

    def _r_timed_call(
        self,
        i: int,
        req: Request,
        k: Cont,
        t_arr: float,
        t_start: float,
        e: int,
        attempt: int,
        br: Breaker | None,
        timeout_s: float,
    ) -> None:
        """A call the caller stops waiting for after ``timeout_s`` (the attempt fails; the
        callee is not told and finishes the work, as a real server would)."""
        pending = [True]

        def settle(status: int) -> None:
            if pending[0]:
                pending[0] = False
                if br is not None:
                    br.record(self.clock(), status == OK)
                self._r_outcome(i, req, k, t_arr, t_start, e, attempt, status)

        self.later(timeout_s, lambda _ev: settle(TIMED_OUT))
        self.calls[i].enter(req, lambda _r, status: settle(status))

    def _r_outcome(
        self,
        i: int,
        req: Request,
        k: Cont,
        t_arr: float,
        t_start: float,
        e: int,
        attempt: int,
        status: int,
    ) -> None:
        """Call ``i`` ended with ``status``: retry it, make the next call, or finish."""
        if e != self.epoch:
            k(req, FAILED)
        elif status != OK:
            retry = self.retry
            if retry is None:
                self._r_finish(req, k, t_arr, t_start, status, e)
            elif attempt < retry.attempts:
                self.retries += 1
                self.later(
                    retry.wait_s(attempt),
                    lambda _ev: self._r_call(i, req, k, t_arr, t_start, e, attempt + 1),
                )
            else:  # retries spent: the request fails (DESIGN.md: ends as failed)
                self._r_finish(req, k, t_arr, t_start, FAILED, e)
        elif i + 1 < len(self.calls):
            self._r_call(i + 1, req, k, t_arr, t_start, e, 1)
        else:
            self._r_finish(req, k, t_arr, t_start, OK, e)

    def _r_finish(
        self, req: Request, k: Cont, t_arr: float, t_start: float, status: int, e: int
    ) -> None:
        """Work started before a crash is lost (FAILED); otherwise the plain station's end."""
        if e != self.epoch:
            k(req, FAILED)
            return
        self._finish(req, k, t_arr, t_start, status)

    def crash(self, now: float) -> None:
        """Lose everything in flight and queued here; callers see FAILED (queued work at
        once, started work when it would have finished). Until ``restart`` it refuses new work
        (callers see FAILED at once)."""
        self.flush(now)
        self.epoch += 1
        self.failed += self.busy + len(self.q)
        self.busy = 0
        self.down = True
        self.refusing = True
        lost = list(self.q)
        self.q.clear()
        for req, k, _t in lost:
            k(req, FAILED)

    def restart(self, now: float) -> None:
        self.flush(now)
        self.down = False
        self.refusing = False
        self.pump(now)
