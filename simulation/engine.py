"""Build the runtime network of a design and run it on a SimPy Environment.

SimPy provides the clock and the event heap; components schedule light callback events on
it (``Environment.schedule``) instead of spawning a generator process per request.
Arrivals, warm-up reset, time-series ticks, faults and the stop all are events too.
"""

from __future__ import annotations

import contextlib
import gc
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from heapq import heappush
from typing import Any

import simpy
from simpy.core import StopSimulation

from designs.schema import Component, Design
from freightlab.progress import Progress, check
from simulation.arrivals import arrival_times
from simulation.backlog import BacklogGuard, caps_for, fault_windows, growth_window_s
from simulation.components import (
    DROPPED,
    FAILED,
    OK,
    REJECTED,
    TIMED_OUT,
    Node,
    Request,
    Station,
)
from simulation.distributions import batch_for, key_sampler, py_stream, sampler, stream
from simulation.event_loop import run_until
from simulation.faults import FAULTS
from simulation.kinds import builder
from simulation.metrics import ClassRecorder, bucket_percentiles
from simulation.resilience import Autoscaler, Breaker
from simulation.resilient import ResilientStation

MAX_BUCKETS = 7200
SERIES_POINTS = 1_000_000  # time-series points kept over all components and classes


def max_buckets(components: int, classes: int) -> int:
    """Time-series buckets: MAX_BUCKETS for an ordinary design, fewer (wider) for one with
    a thousand components, so its series stay within ~SERIES_POINTS numbers."""
    return max(60, min(MAX_BUCKETS, SERIES_POINTS // max(1, 2 * components + 4 * classes)))


#: Engine events between looks at the progress (and its stop flag) in a very long run.
REPORT_EVERY_EVENTS = 50_000


def report_count(max_events: int | None) -> int:
    """How many progress reports a run makes: 100 (every 1%), or one per ~50,000 of the
    events it may use when that is more (about 3 per estimated event: runner.HARD_STOP_FACTOR),
    so that a cancel is seen within a fraction of a second however long the run."""
    if max_events is None:
        return 100
    return int(min(100_000, max(100, max_events // (3 * REPORT_EVERY_EVENTS))))


NORMAL = 1


# What a request that did not complete counts as, by its final status.
_COUNTERS: dict[int, Callable[[ClassRecorder], None]] = {
    REJECTED: lambda c: setattr(c, "rejected", c.rejected + 1),
    DROPPED: lambda c: setattr(c, "dropped", c.dropped + 1),
    TIMED_OUT: lambda c: setattr(c, "timed_out", c.timed_out + 1),
    FAILED: lambda c: setattr(c, "failed", c.failed + 1),
}


_gc_lock = threading.Lock()
_gc_runs = [0, False]  # engines running now, and whether the collector was on before them


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic collector while engines run: with 100,000 requests in flight it
    rescans them all again and again (a backlog run took three times as long). Reference
    counting still frees nearly everything; the few cycles wait for the collector to resume.
    Counted, so engines in several threads leave it as they found it."""
    with _gc_lock:
        if _gc_runs[0] == 0:
            _gc_runs[1] = gc.isenabled()
            gc.disable()
        _gc_runs[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_runs[0] -= 1
            if _gc_runs[0] == 0 and _gc_runs[1]:
                gc.enable()


class _Ev:
    """The least an event needs for ``Environment.step``: callbacks and _ok."""

    __slots__ = ("callbacks",)
    _ok = True

    def __init__(self, fn: Callable[[Any], None]) -> None:
        self.callbacks: list[Callable[[Any], None]] | None = [fn]


@dataclass
class Series:
    time_s: list[float] = field(default_factory=list)
    throughput: dict[str, list[float]] = field(default_factory=dict)
    offered: dict[str, list[float]] = field(default_factory=dict)
    queue_len: dict[str, list[float]] = field(default_factory=dict)
    utilization: dict[str, list[float]] = field(default_factory=dict)
    p50: dict[str, list[float | None]] = field(default_factory=dict)
    p99: dict[str, list[float | None]] = field(default_factory=dict)
    failed: dict[str, list[float]] = field(default_factory=dict)  # per class, per second
    replicas: dict[str, list[float]] = field(default_factory=dict)  # autoscaled components
    breaker_open: dict[str, list[float]] = field(default_factory=dict)  # share of the bucket
    backlog: list[int] = field(default_factory=list)
    oldest_wait_s: list[float] = field(default_factory=list)


class _Source:
    """Arrivals of one request class."""

    __slots__ = ("cls", "engine", "entry", "keys", "times")

    def __init__(
        self,
        engine: Engine,
        cls: ClassRecorder,
        entry: Node,
        times: Iterator[float],
        keys: Callable[[], int] | None,
    ) -> None:
        self.engine = engine
        self.cls = cls
        self.entry = entry
        self.times = times
        self.keys = keys

    def schedule_next(self) -> None:
        t = next(self.times, None)
        if t is not None:
            eng = self.engine
            now = eng.env._now
            heappush(eng.heap, (t if t > now else now, NORMAL, next(eng.eid), _Ev(self.fire)))

    def fire(self, _ev: Any) -> None:
        eng = self.engine
        now = eng.env._now
        eng.rid += 1
        measured = now >= eng.warmup
        req = Request(self.cls, self.keys() if self.keys else None, now, measured, eng.rid)
        if measured:
            self.cls.offered += 1
        self.cls.bucket_arrivals += 1
        eng.in_system += 1
        self.schedule_next()
        self.entry.enter(req, eng.finish)
        if eng.in_system > eng.hard_cap:  # the memory bound (simulation.backlog)
            eng.stop_reason = eng.guard.hard_cap_reason(now)
            raise StopSimulation(None)


class Engine:
    def __init__(
        self,
        design: Design,
        *,
        duration_s: float,
        warmup_s: float,
        seed: int,
        max_in_system: int | None = None,
        progress: Progress | None = None,
        max_events: int | None = None,
    ) -> None:
        self.design = design
        self.duration = duration_s
        self.warmup = warmup_s
        self.seed = seed
        self.guard = BacklogGuard(
            caps_for(design, max_in_system), fault_windows(design), growth_window_s(design)
        )
        self.hard_cap = self.guard.hard
        self.max_events = max_events
        self.progress = progress
        self.env = simpy.Environment()
        # SimPy's own event heap and id counter, pushed to directly (as Environment.schedule
        # does) by ``later`` and the arrival sources.
        self.heap: list[Any] = self.env._queue
        self.eid: Iterator[int] = self.env._eid
        self.nest = [0]  # zero-time nesting depth shared by every station (components.py)
        self.batch = batch_for(sum(c.replica_count() + 1 for c in design.components))
        self.rid = 0
        self.in_system = 0
        self.events = 0
        self._reports = 0
        self.report_s = duration_s / report_count(max_events)
        self.stop_reason = ""
        window = duration_s - warmup_s
        buckets = max_buckets(len(design.components), len(design.workload.classes))
        self.bucket_s = float(max(1, math.ceil(window / buckets)))
        self.classes: dict[str, ClassRecorder] = {}
        self.nodes: dict[str, Node] = {}
        self.breakers: list[Breaker] = []
        self.scalers: dict[str, Autoscaler] = {}
        self.series = Series()
        self._prev_scaler: dict[str, tuple[float, float]] = {}
        # Components that need the failing station (the plain one is faster).
        self._resilient = {
            c.name for c in design.components if c.fail_ratio or c.retry or c.circuit_breaker
        } | {f.component for f in design.faults if f.kind == "crash"}
        self._build()

    # ----------------------------------------------------------------- building
    def later(self, delay: float, fn: Callable[[Any], None]) -> None:
        """``env.schedule`` without its call: the hot path schedules an event per step."""
        heappush(self.heap, (self.env._now + delay, NORMAL, next(self.eid), _Ev(fn)))

    def clock(self) -> float:
        return self.env._now

    def station(self, comp: Component, index: int) -> Station:
        """Replica ``index`` of ``comp`` as a Station (its calls are wired afterwards)."""
        sample = None
        if comp.service_ms is not None:
            rng = stream(self.seed, "service", f"{comp.name}#{index}")
            sample = sampler(comp.service_ms, rng, batch=self.batch)
        resilient = comp.name in self._resilient
        st = (ResilientStation if resilient else Station)(
            f"{comp.name}[{index}]",
            self.clock,
            self.later,
            comp.servers(),
            sample,
            limit=comp.queue_limit,
            timeout_s=comp.timeout_ms / 1000.0 if comp.timeout_ms else None,
            nest=self.nest,
        )
        if isinstance(st, ResilientStation) and comp.fail_ratio:
            st.fail = comp.fail_ratio
            st.rand = py_stream(self.seed, "fail", f"{comp.name}#{index}").random
        return st

    def _build(self) -> None:
        d = self.design
        # First create every node, then wire them (wiring refers to other nodes).
        for comp in d.components:
            self.nodes[comp.name] = builder(comp.kind).make(self, comp)
        for comp in d.components:
            builder(comp.kind).wire(self, comp, self.nodes[comp.name])
        for i, rc in enumerate(d.workload.classes):
            rec = ClassRecorder(rc.name, i)
            self.classes[rc.name] = rec
            self.series.throughput[rc.name] = []
            self.series.offered[rc.name] = []
            self.series.p50[rc.name] = []
            self.series.p99[rc.name] = []
            self.series.failed[rc.name] = []
        for name in self.nodes:
            self.series.queue_len[name] = []
            self.series.utilization[name] = []
        for name in self.scalers:
            self.series.replicas[name] = []
        for br in self.breakers:
            self.series.breaker_open[br.name] = []

    # ------------------------------------------------------------------ running
    def finish(self, req: Request, status: int) -> None:
        """The response path of ``req`` ended (only a queue ends it before the work does)."""
        c = req.cls
        req.status = status
        if status == OK:
            c.bucket_done += 1
            if req.measured:
                c.completed += 1
                ms = (self.env._now - req.t0) * 1000.0
                c.latency.record(ms)
                c.bucket_lat.append(ms)
        else:
            c.bucket_failed += 1
            if req.measured:
                _COUNTERS[status](c)
        req.branches -= 1
        if req.branches == 0:
            self._done(req)

    def branch_done(self, req: Request, status: int) -> None:
        """Async work after a queue finished."""
        if status != OK:
            req.async_failed = True
        req.branches -= 1
        if req.branches == 0:
            self._done(req)

    def _done(self, req: Request) -> None:
        self.in_system -= 1
        if req.crossed and req.measured:
            c = req.cls
            c.e2e_seen = True
            if req.status == OK and not req.async_failed:
                c.e2e.record((self.env.now - req.t0) * 1000.0)
            elif req.status == OK:
                c.e2e_failed += 1

    def _reset(self, _ev: Any) -> None:
        now = self.env.now
        for scaler in self.scalers.values():
            scaler.reset(now)  # before the stations zero their busy areas
        for node in self.nodes.values():
            node.reset(now)
        for c in self.classes.values():
            c.bucket_done = 0
            c.bucket_failed = 0
            c.bucket_arrivals = 0
            c.bucket_lat = []
        self.later(self.bucket_s, self._tick)

    def _tick(self, _ev: Any) -> None:
        now = self.env.now
        self._record(now)
        reason = self.guard.on_tick(now, self.in_system)
        if reason is not None:
            self.stop_reason = reason
            raise StopSimulation(None)
        if now + self.bucket_s <= self.duration + 1e-9:
            self.later(self.bucket_s, self._tick)
        self._check_work(now)

    def _record(self, now: float) -> None:
        """Close the time-series bucket ending at ``now``."""
        s = self.series
        bs = self.bucket_s
        s.time_s.append(now)
        for name, c in self.classes.items():
            s.throughput[name].append(c.bucket_done / bs)
            s.offered[name].append(c.bucket_arrivals / bs)
            p50, p99 = bucket_percentiles(c.bucket_lat)
            s.p50[name].append(p50)
            s.p99[name].append(p99)
            s.failed[name].append(c.bucket_failed / bs)
            c.bucket_done = 0
            c.bucket_failed = 0
            c.bucket_arrivals = 0
            c.bucket_lat = []
        for name, node in self.nodes.items():
            sts = node.measured()
            qa = ba = 0.0
            servers = 0
            for st in sts:
                st.flush(now)
                qa += st.q_area
                ba += st.busy_area
                if not st.infinite:
                    servers += st.servers
            prev = getattr(node, "_prev_area", (0.0, 0.0))
            node._prev_area = (qa, ba)  # type: ignore[attr-defined]
            s.queue_len[name].append((qa - prev[0]) / bs)
            scaler = self.scalers.get(name)
            if scaler is not None:
                scaler.flush(now)
                prev_s = self._prev_scaler.get(name, (0.0, 0.0))
                self._prev_scaler[name] = (scaler.paid_area, scaler.capacity_area)
                s.replicas[name].append((scaler.paid_area - prev_s[0]) / bs)
                cap = scaler.capacity_area - prev_s[1]
                s.utilization[name].append(min(1.0, (ba - prev[1]) / cap) if cap > 0 else 0.0)
            else:
                s.utilization[name].append((ba - prev[1]) / (bs * servers) if servers else 0.0)
        for br in self.breakers:
            s.breaker_open[br.name].append(br.open_time(now - bs, now) / bs)
        s.backlog.append(self.in_system)
        s.oldest_wait_s.append(now - self.oldest_waiting(now))

    def oldest_waiting(self, now: float) -> float:
        """Arrival time of the oldest request waiting in any queue (``now`` if none)."""
        oldest = now
        for node in self.nodes.values():
            for st in node.measured():
                if st.q and st.q[0][0].t0 < oldest:
                    oldest = st.q[0][0].t0
        return oldest

    def _check_work(self, now: float) -> None:
        """Stop a run that has used far more events than its estimate (the estimate missed
        something): a result in seconds beats a run that goes on for an hour."""
        eid = getattr(self.env, "_eid", None)
        if self.max_events is None or eid is None:
            return
        used = int(next(eid))
        if used > self.max_events:
            self.stop_reason = (
                f"stopped at t={now:.1f} s after {used:,} events, several times the work "
                "estimated for the whole run"
            )
            raise StopSimulation(None)

    def _later_report(self, delay: float) -> None:
        """Progress ticks are not model events: ``events`` leaves them out, so a run counts
        the same with or without a Progress."""
        self._reports += 1
        self.later(delay, self._report)

    def _report(self, _ev: Any) -> None:
        """Progress (and cancellation) every 1% of simulated time, warm-up included, or more
        often in a run allowed very many events (``report_count``)."""
        now = self.env.now
        check(self.progress, now / self.duration, f"simulated {now:.0f} of {self.duration:.0f} s")
        step = self.report_s
        if now + step < self.duration:
            self._later_report(step)

    def _schedule_faults(self) -> None:
        for f in self.design.faults:
            node = self.nodes[f.component]
            sts = node.measured()
            if f.replica is not None:
                sts = [sts[f.replica]]
            action = FAULTS[f.kind](f, node, sts, self.clock)
            self.later(f.at_s, action.start)
            if f.duration_s is not None:
                self.later(f.end_s(), action.end)

    def run(self) -> float:
        """Run to the end (or an early stop); returns the simulated end time."""
        check(self.progress, 0.0, "starting")
        for rc in self.design.workload.classes:
            entry = self.nodes[rc.entry]
            times = arrival_times(rc.arrival, stream(self.seed, "arrival", rc.name))
            keys = key_sampler(rc.keys, stream(self.seed, "keys", rc.name)) if rc.keys else None
            _Source(self, self.classes[rc.name], entry, times, keys).schedule_next()
        if self.warmup > 0:
            self.later(self.warmup, self._reset)
        else:
            self.later(self.bucket_s, self._tick)
        self._schedule_faults()
        for scaler in self.scalers.values():
            scaler.start()
        if self.progress is not None:
            self._later_report(self.report_s)
        with _cyclic_gc_paused():
            run_until(self.env, self.duration)
        end = self.env.now
        stopped = bool(self.stop_reason)
        last = self.series.time_s[-1] if self.series.time_s else self.warmup
        if not stopped and end > self.warmup and end - last >= self.bucket_s - 1e-9:
            self._record(end)  # the tick at exactly `duration` sorts after the stop event
        for node in self.nodes.values():
            for st in node.stations:
                st.flush(end)
        for scaler in self.scalers.values():
            scaler.flush(end)
        eid = getattr(self.env, "_eid", None)  # SimPy's event counter, if it has one
        self.events = int(next(eid)) - self._reports if eid is not None else 0
        return end
