"""Runtime halves of ``retry``, ``circuit_breaker`` and ``autoscale`` (designs.resilience).

Jitter schemes are a table of small classes. A ``Breaker`` is the classic three-state
machine, one per caller-callee pair. An ``Autoscaler`` resizes a ServiceNode's serving
replicas on a timer, HPA-style: desired = ceil(serving x utilisation / target).
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from designs.resilience import Autoscale, CircuitBreaker, Retry

if TYPE_CHECKING:
    from simulation.components import ServiceNode

CLOSED, OPEN, HALF_OPEN = 0, 1, 2


class NoJitter:
    def wait(self, base: float, rnd: Callable[[], float]) -> float:
        return base


class FullJitter:
    """Uniform in [0, base]: spreads retries out the most (AWS 'full jitter')."""

    def wait(self, base: float, rnd: Callable[[], float]) -> float:
        return base * rnd()


class EqualJitter:
    """Half the backoff for sure plus a uniform share of the other half."""

    def wait(self, base: float, rnd: Callable[[], float]) -> float:
        return base / 2.0 + base / 2.0 * rnd()


JITTERS: dict[str, Callable[[], NoJitter | FullJitter | EqualJitter]] = {
    "none": NoJitter,
    "full": FullJitter,
    "equal": EqualJitter,
}


class RetryPolicy:
    """When to try a failed call again: ``attempts`` in all, waits in seconds."""

    __slots__ = ("attempts", "jitter", "random", "spec", "timeout_s")

    def __init__(self, spec: Retry, rnd: random.Random) -> None:
        self.spec = spec
        self.attempts = spec.attempts
        self.timeout_s = spec.timeout_ms / 1000.0 if spec.timeout_ms is not None else None
        self.jitter = JITTERS[spec.jitter]()
        self.random = rnd.random

    def wait_s(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1 = the second attempt)."""
        return self.jitter.wait(self.spec.delay_ms(retry), self.random) / 1000.0


class Breaker:
    """Closed -> open when the failure ratio over the last ``window_s`` reaches the threshold
    (with at least ``min_calls`` calls); open -> half-open after ``open_s``; half-open lets
    ``half_open_probes`` calls through: all succeed -> closed, any fails -> open again.
    ``spans`` records every open interval (start, end) for the charts."""

    __slots__ = (
        "failures",
        "name",
        "opened_at",
        "outcomes",
        "probes_left",
        "probes_ok",
        "spans",
        "spec",
        "state",
        "trips",
    )

    def __init__(self, name: str, spec: CircuitBreaker) -> None:
        self.name = name
        self.spec = spec
        self.state = CLOSED
        self.outcomes: deque[tuple[float, bool]] = deque()
        self.failures = 0
        self.opened_at = 0.0
        self.probes_left = 0
        self.probes_ok = 0
        self.trips = 0
        self.spans: list[list[float]] = []

    def allow(self, now: float) -> bool:
        """May a call go through now? (A half-open probe is counted when allowed.)"""
        if self.state == CLOSED:
            return True
        if self.state == OPEN:
            if now - self.opened_at < self.spec.open_s:
                return False
            self.state = HALF_OPEN
            self.spans[-1][1] = now
            self.probes_left = self.spec.half_open_probes
            self.probes_ok = 0
        if self.probes_left > 0:
            self.probes_left -= 1
            return True
        return False

    def record(self, now: float, ok: bool) -> None:
        if self.state == HALF_OPEN:
            if not ok:
                self._open(now)
                return
            self.probes_ok += 1
            if self.probes_ok >= self.spec.half_open_probes:
                self.state = CLOSED
                self.outcomes.clear()
                self.failures = 0
            return
        if self.state == OPEN:
            return  # a call started before the breaker opened
        out = self.outcomes
        out.append((now, ok))
        if not ok:
            self.failures += 1
        horizon = now - self.spec.window_s
        while out and out[0][0] < horizon:
            _t, was_ok = out.popleft()
            if not was_ok:
                self.failures -= 1
        n = len(out)
        if n >= self.spec.min_calls and self.failures >= self.spec.failure_ratio * n:
            self._open(now)

    def _open(self, now: float) -> None:
        self.state = OPEN
        self.opened_at = now
        self.trips += 1
        self.spans.append([now, math.inf])
        self.outcomes.clear()
        self.failures = 0

    def open_time(self, start: float, end: float) -> float:
        """Seconds the breaker was open (not half-open) within [start, end]."""
        total = 0.0
        for a, b in reversed(self.spans):
            if b <= start:
                break
            total += max(0.0, min(b, end) - max(a, start))
        return total


class Autoscaler:
    """Sets a node's serving replicas every ``interval_s``. Replicas 0..active-1 serve;
    replicas being warmed up come next; paid = serving + warming. Replicas taken out of
    service stop getting new work and finish what they hold."""

    def __init__(
        self,
        spec: Autoscale,
        node: ServiceNode,
        servers: int,
        clock: Callable[[], float],
        later: Callable[[float, Callable[[object], None]], None],
    ) -> None:
        self.spec = spec
        self.node = node
        self.servers = servers
        self.clock = clock
        self.later = later
        self.paid = node.active
        self.t_last = 0.0
        self.paid_area = 0.0
        self.capacity_area = 0.0  # serving workers x time (utilisation's denominator)
        self.prev_busy = 0.0
        self.events: list[tuple[float, int]] = []  # (time, paid) after each change

    @property
    def serving(self) -> int:
        return self.node.active

    def flush(self, now: float) -> None:
        dt = now - self.t_last
        if dt > 0:
            self.paid_area += self.paid * dt
            self.capacity_area += self.serving * self.servers * dt
            self.t_last = now

    def reset(self, now: float) -> None:
        """The warm-up ended: called before the stations' own reset zeroes their busy
        areas, so the busy time of the interval under way is carried over."""
        self.flush(now)
        self.paid_area = 0.0
        self.capacity_area = 0.0
        self.prev_busy -= self._busy(now)

    def start(self) -> None:
        self.later(self.spec.interval_s, self._tick)

    def _busy(self, now: float) -> float:
        total = 0.0
        for st in self.node.stations:
            st.flush(now)
            total += st.busy_area
        return total

    def _tick(self, _ev: object) -> None:
        now = self.clock()
        busy = self._busy(now)
        used, self.prev_busy = busy - self.prev_busy, busy
        cap = self.serving * self.servers * self.spec.interval_s
        util = used / cap if cap > 0 else 1.0
        desired = math.ceil(self.serving * util / self.spec.target_utilization - 1e-9)
        desired = max(self.spec.min, min(self.spec.max, desired))
        if abs(util / self.spec.target_utilization - 1.0) > 0.1 or desired < self.spec.min:
            self._resize(now, desired)
        self.later(self.spec.interval_s, self._tick)

    def _resize(self, now: float, desired: int) -> None:
        if desired > self.paid:
            self.flush(now)
            n = desired - self.paid
            self.paid = desired
            self.events.append((now, self.paid))
            for _ in range(n):
                self.later(self.spec.warmup_s, self._ready)
        elif desired < self.serving and self.paid == self.serving:
            self.flush(now)
            self.paid = desired
            self.node.active = desired
            self.node.resized()
            self.events.append((now, self.paid))

    def _ready(self, _ev: object) -> None:
        now = self.clock()
        self.flush(now)
        node = self.node
        node.active += 1
        node.resized()
        for st in node.stations[: node.active]:
            st.pump(now)
