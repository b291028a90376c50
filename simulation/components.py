"""Runtime components, driven by SimPy event callbacks (no generator per request).

Each component exposes ``enter(req, k)``: do this component's work, including its ``then``
hand-offs, and call ``k(req, status)`` when done. Continuation-passing keeps a request's
state in a couple of closures instead of a SimPy process, which is what makes the engine
several times faster than one process per customer.

Statistics on components are reset at the end of the warm-up (the classic method); time
integrals (busy workers, queue length) are flushed whenever either changes.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from typing import Any

from simulation.caches import Policy

OK, REJECTED, DROPPED, TIMED_OUT, FAILED = 0, 1, 2, 3, 4

Cont = Callable[["Request", int], None]
Later = Callable[[float, Callable[[Any], None]], None]
Clock = Callable[[], float]
_INF = 1 << 62
MAX_NEST = 60  # nested zero-time steps before the next one is deferred to an event


class Request:
    __slots__ = (
        "async_failed",
        "branches",
        "cls",
        "crossed",
        "key",
        "measured",
        "rid",
        "status",
        "t0",
    )

    def __init__(self, cls: Any, key: int | None, t0: float, measured: bool, rid: int) -> None:
        self.cls = cls
        self.key = key
        self.t0 = t0
        self.measured = measured
        self.rid = rid
        self.branches = 1  # the response path plus one per message published to a queue
        self.crossed = False
        self.async_failed = False
        self.status = OK


class Station:
    """One replica: ``servers`` workers behind a FCFS queue (None servers = pure delay).

    After its service time a worker makes the synchronous ``calls`` in order, holding the
    worker, then releases it. ``limit`` caps the waiting line (arrivals beyond it are
    dropped). ``timeout_s`` is checked when a worker picks the request up (a request that
    already waited too long is discarded, as servers do with expired deadlines) and when
    the work finishes (the caller has given up: timed out, downstream work skipped).
    """

    __slots__ = (
        "arrivals",
        "busy",
        "busy_area",
        "calls",
        "clock",
        "down",
        "dropped",
        "failed",
        "hold_sum",
        "infinite",
        "later",
        "limit",
        "name",
        "nest",
        "q",
        "q_area",
        "refusing",
        "retries",
        "sample",
        "served",
        "servers",
        "service_sum",
        "short_circuited",
        "slow",
        "started",
        "t_last",
        "timed_out",
        "timeout",
        "wait_sum",
    )

    def __init__(
        self,
        name: str,
        clock: Clock,
        later: Later,
        servers: int | None,
        sample: Callable[[], float] | None,
        limit: int | None = None,
        timeout_s: float | None = None,
        calls: list[Node] | None = None,
        nest: list[int] | None = None,
    ) -> None:
        self.name = name
        # Zero-time work calls straight on into the next component; past MAX_NEST nested
        # calls (shared by the engine's stations) the next step becomes an event instead,
        # so a 1,000-step chain of pure delays or calls never overflows the stack.
        self.nest = nest if nest is not None else [0]
        self.clock = clock
        self.later = later
        self.infinite = servers is None
        self.servers = _INF if servers is None else servers
        self.sample = sample
        self.limit = limit
        self.timeout = timeout_s
        self.calls: list[Node] = list(calls or [])
        self.busy = 0
        self.q: deque[tuple[Request, Cont, float]] = deque()
        self.down = False
        self.slow = 1.0
        self.t_last = 0.0
        self.refusing = False
        self.reset(0.0)

    def reset(self, now: float) -> None:
        self.flush(now)
        self.busy_area = 0.0
        self.q_area = 0.0
        self.arrivals = 0
        self.started = 0
        self.served = 0
        self.dropped = 0
        self.timed_out = 0
        self.failed = 0
        self.retries = 0
        self.short_circuited = 0
        self.wait_sum = 0.0
        self.service_sum = 0.0
        self.hold_sum = 0.0

    def flush(self, now: float) -> None:
        dt = now - self.t_last
        if dt > 0.0:
            self.busy_area += self.busy * dt
            self.q_area += len(self.q) * dt
            self.t_last = now

    def load(self) -> int:
        return self.busy + len(self.q)

    def arrive(self, req: Request, k: Cont) -> None:
        now = self.clock()
        dt = now - self.t_last  # self.flush(now), inlined: the hottest line of the engine
        if dt > 0.0:
            self.busy_area += self.busy * dt
            self.q_area += len(self.q) * dt
            self.t_last = now
        self.arrivals += 1
        if self.busy < self.servers and not self.down:
            self._start(req, k, now, now)
        elif self.refusing:  # crashed: connections are refused
            self.failed += 1
            k(req, FAILED)
        elif self.limit is not None and len(self.q) >= self.limit:
            self.dropped += 1
            k(req, DROPPED)
        else:
            self.q.append((req, k, now))

    def _start(self, req: Request, k: Cont, t_arr: float, now: float) -> None:
        self.busy += 1
        self.started += 1
        self.wait_sum += now - t_arr
        sample = self.sample
        if sample is None:
            nest = self.nest
            if nest[0] >= MAX_NEST:
                self.later(0.0, lambda _ev: self._served(req, k, t_arr, now))
                return
            nest[0] += 1
            self._served(req, k, t_arr, now)
            nest[0] -= 1
            return
        d = sample() * self.slow
        self.service_sum += d
        self.later(d, lambda _ev: self._served(req, k, t_arr, now))

    def _served(self, req: Request, k: Cont, t_arr: float, t_start: float) -> None:
        if self.calls:
            self._call(0, req, k, t_arr, t_start)
        else:
            self._finish(req, k, t_arr, t_start, OK)

    def _call(self, i: int, req: Request, k: Cont, t_arr: float, t_start: float) -> None:
        def back(r: Request, status: int) -> None:
            if status != OK:
                self._finish(r, k, t_arr, t_start, status)
            elif i + 1 < len(self.calls):
                self._call(i + 1, r, k, t_arr, t_start)
            else:
                self._finish(r, k, t_arr, t_start, OK)

        self.calls[i].enter(req, back)

    def _finish(self, req: Request, k: Cont, t_arr: float, t_start: float, status: int) -> None:
        now = self.clock()
        dt = now - self.t_last  # self.flush(now), inlined
        if dt > 0.0:
            self.busy_area += self.busy * dt
            self.q_area += len(self.q) * dt
            self.t_last = now
        self.busy -= 1
        self.served += 1
        self.hold_sum += now - t_start
        if status != OK:
            self.failed += 1
        elif self.timeout is not None and now - t_arr > self.timeout:
            status = TIMED_OUT
            self.timed_out += 1
        if self.q:
            self.pump(now)
        nest = self.nest
        if nest[0] >= MAX_NEST:
            self.later(0.0, lambda _ev: k(req, status))
            return
        nest[0] += 1
        k(req, status)
        nest[0] -= 1

    def pump(self, now: float) -> None:
        """Start queued work while workers are free (after a release or an outage ends)."""
        q = self.q
        while q and self.busy < self.servers and not self.down:
            req, k, t_arr = q.popleft()
            if self.timeout is not None and now - t_arr > self.timeout:
                self.timed_out += 1
                k(req, TIMED_OUT)
                continue
            self._start(req, k, t_arr, now)


class Node:
    """A component as requests see it."""

    name: str = ""
    kind: str = ""
    stations: list[Station]

    def enter(self, req: Request, k: Cont) -> None:
        raise NotImplementedError

    def reset(self, now: float) -> None:
        for st in self.stations:
            st.reset(now)

    # What the results describe (simulation.runner sums these).
    def measured(self) -> list[Station]:
        """The stations whose work, queues and replicas the statistics describe."""
        return self.stations

    def arrivals(self) -> int:
        """Visits to the component (every retry and redelivery counts)."""
        return sum(st.arrivals for st in self.measured())

    def own_service(self) -> tuple[float, int]:
        """Service time drawn (s) and how many draws, for the mean service time."""
        sts = self.measured()
        return sum(st.service_sum for st in sts), sum(st.started for st in sts)

    def extra_stats(self, fields: dict[str, Any]) -> dict[str, Any]:
        """ComponentStats fields only this kind has (or that it counts its own way)."""
        return {}


def _chain(then: Node | None, k: Cont) -> Cont:
    """Continuation that hands a successful request on to ``then`` (worker already free)."""
    if then is None:
        return k

    def go(req: Request, status: int) -> None:
        if status == OK:
            then.enter(req, k)
        else:
            k(req, status)

    return go


class ServiceNode(Node):
    """service / database / notifier: replicas of a Station; direct entry is round robin.

    Replicas 0..active-1 take new work (an autoscaler changes ``active``; ``listeners``,
    such as a load balancer in front, hear of each change)."""

    def __init__(self, name: str, kind: str, stations: list[Station], active: int = 0) -> None:
        self.name = name
        self.kind = kind
        self.stations = stations
        self.active = active or len(stations)
        self.then: Node | None = None
        self.rr = -1
        self.listeners: list[Callable[[], None]] = []

    def enter(self, req: Request, k: Cont) -> None:
        n = self.active
        self.rr = (self.rr + 1) % n if n > 1 else 0
        self.enter_replica(self.rr, req, k)

    def resized(self) -> None:
        for listener in self.listeners:
            listener()

    def enter_replica(self, i: int, req: Request, k: Cont) -> None:
        self.stations[i].arrive(req, _chain(self.then, k))


class NotifierNode(ServiceNode):
    """Sends ``fanout`` notifications in parallel; done when the last one is."""

    def __init__(self, name: str, stations: list[Station], fanout: int) -> None:
        super().__init__(name, "notifier", stations)
        self.fanout = fanout

    def enter_replica(self, i: int, req: Request, k: Cont) -> None:
        after = _chain(self.then, k)
        if self.fanout == 1:
            self.stations[i].arrive(req, after)
            return
        state = [self.fanout, OK]

        def joined(r: Request, status: int) -> None:
            state[0] -= 1
            if status != OK:
                state[1] = status
            if state[0] == 0:
                after(r, state[1])

        n = self.active
        for j in range(self.fanout):
            self.stations[(i + j) % n].arrive(req, joined)


class ReplicaProxy(Node):
    """Always enters one given replica (a broker partition's consumer)."""

    def __init__(self, target: ServiceNode, index: int) -> None:
        self.name = f"{target.name}[{index}]"
        self.target = target
        self.index = index
        self.stations = []

    def enter(self, req: Request, k: Cont) -> None:
        self.target.enter_replica(self.index % self.target.active, req, k)


class GatewayNode(Node):
    """Token bucket (rate_limit_rps, burst) then an overhead station, then forward."""

    def __init__(
        self, name: str, station: Station, clock: Clock, rate: float | None, burst: int | None
    ) -> None:
        self.name = name
        self.kind = "gateway"
        self.stations = [station]
        self.clock = clock
        self.rate = rate
        self.burst = float(burst if burst is not None else max(1.0, rate or 1.0))
        self.tokens = self.burst
        self.t_fill = 0.0
        self.then: Node | None = None
        self.rejected = 0

    def reset(self, now: float) -> None:
        super().reset(now)
        self.rejected = 0

    def extra_stats(self, fields: dict[str, Any]) -> dict[str, Any]:
        return {"rejected": self.rejected}

    def enter(self, req: Request, k: Cont) -> None:
        if self.rate is not None:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.t_fill) * self.rate)
            self.t_fill = now
            if self.tokens < 1.0:
                self.rejected += 1
                k(req, REJECTED)
                return
            self.tokens -= 1.0
        self.stations[0].arrive(req, _chain(self.then, k))


class LoadBalancerNode(Node):
    """An overhead station, then a replica of ``targets`` chosen by the strategy."""

    def __init__(self, name: str, station: Station) -> None:
        self.name = name
        self.kind = "load_balancer"
        self.stations = [station]
        self.replicas: list[tuple[ServiceNode, int]] = []
        self.strategy: Any = None

    def load(self, i: int) -> int:
        node, j = self.replicas[i]
        return node.stations[j].load()

    def enter(self, req: Request, k: Cont) -> None:
        def dispatch(r: Request, status: int) -> None:
            i = self.strategy.pick(r.key, r.rid)
            node, j = self.replicas[i]
            node.enter_replica(j, r, k)

        self.stations[0].arrive(req, dispatch)


class CacheNode(Node):
    """Lookup station; a miss calls ``on_miss`` (the key is cached at once, see caches)."""

    def __init__(
        self,
        name: str,
        station: Station,
        clock: Clock,
        policy: Policy | None,
        hit_ratio: float | None,
        rnd: random.Random,
    ) -> None:
        self.name = name
        self.kind = "cache"
        self.stations = [station]
        self.clock = clock
        self.policy = policy
        self.hit_ratio = hit_ratio
        self.random = rnd.random
        self.on_miss: Node | None = None
        self.lookups = 0
        self.hits = 0

    def flush_entries(self) -> None:
        """A cache_flush fault: every entry is forgotten at once."""
        if self.policy is not None:
            self.policy.clear()

    def reset(self, now: float) -> None:
        super().reset(now)
        self.lookups = 0
        self.hits = 0

    def extra_stats(self, fields: dict[str, Any]) -> dict[str, Any]:
        return {"hit_ratio": self.hits / self.lookups if self.lookups else 0.0}

    def enter(self, req: Request, k: Cont) -> None:
        if self.hit_ratio is not None:
            hit = self.random() < self.hit_ratio
        elif req.key is not None and self.policy is not None:
            hit = self.policy.lookup(req.key, self.clock())
        else:
            hit = False
        self.lookups += 1
        if hit:
            self.hits += 1
            self.stations[0].arrive(req, k)
        elif self.on_miss is None:
            self.stations[0].arrive(req, k)
        else:
            miss = self.on_miss

            def fetch(r: Request, status: int) -> None:
                if status == OK:
                    miss.enter(r, k)
                else:
                    k(r, status)

            self.stations[0].arrive(req, fetch)


class QueueNode(Node):
    """A broker. Publishing (the front station) ends the response; each partition then
    delivers its messages one at a time to its consumer replica (partition i -> replica
    i mod R), holding the partition until the consumer's handling (with its hand-offs) is
    done. ``capacity`` caps messages held; more are dropped.

    A delivery that fails is redelivered (at the back of its partition) until it has been
    delivered ``max_deliveries`` times; then it is published to ``dead_letter`` if there is
    one (the message's async work counts as failed either way)."""

    def __init__(
        self,
        name: str,
        front: Station,
        partitions: list[Station],
        capacity: int | None,
        branch_done: Cont,
    ) -> None:
        self.name = name
        self.kind = "queue"
        self.front = front
        self.partitions = partitions
        self.stations = [front, *partitions]
        self.capacity = capacity
        self.branch_done = branch_done
        self.held = 0
        self.published = 0
        self.dropped = 0
        self.rr = -1
        self.max_deliveries = 1
        self.dead_letter: Node | None = None
        self.deliveries: dict[int, tuple[int, int]] = {}  # rid -> (deliveries, partition)
        self.redelivered = 0
        self.dead_lettered = 0

    def reset(self, now: float) -> None:
        super().reset(now)
        self.published = 0
        self.dropped = 0
        self.redelivered = 0
        self.dead_lettered = 0

    def measured(self) -> list[Station]:
        return self.partitions  # one "replica" per partition

    def arrivals(self) -> int:
        return self.front.arrivals  # messages published (redeliveries are not visits here)

    def own_service(self) -> tuple[float, int]:
        return self.front.service_sum, self.front.started  # publishing is the broker's work

    def extra_stats(self, fields: dict[str, Any]) -> dict[str, Any]:
        return {
            "dropped": fields["dropped"] + self.dropped,
            "mean_lag": fields["mean_queue_len"],
            "redelivered": self.redelivered,
            "dead_lettered": self.dead_lettered,
        }

    def enter(self, req: Request, k: Cont) -> None:
        self.front.arrive(req, lambda r, _s: self._publish(r, k))

    def _publish(self, req: Request, k: Cont) -> None:
        if self.capacity is not None and self.held >= self.capacity:
            self.dropped += 1
            k(req, DROPPED)
            return
        self.held += 1
        self.published += 1
        req.branches += 1
        req.crossed = True
        n = len(self.partitions)
        if req.key is not None:
            p = (req.key * 2654435761) % n
        else:
            self.rr = (self.rr + 1) % n
            p = self.rr
        if self.max_deliveries > 1:
            self.deliveries[req.rid] = (1, p)
        self.partitions[p].arrive(req, self._delivered)
        k(req, OK)

    def _delivered(self, req: Request, status: int) -> None:
        if self.max_deliveries > 1:
            n, p = self.deliveries.pop(req.rid, (1, 0))
            if status != OK and n < self.max_deliveries:
                self.redelivered += 1
                self.deliveries[req.rid] = (n + 1, p)
                self.partitions[p].arrive(req, self._delivered)
                return
        if status != OK and self.dead_letter is not None:
            self.dead_lettered += 1
            self.dead_letter.enter(req, self._dead_lettered)
            return
        self.held -= 1
        self.branch_done(req, status)

    def _dead_lettered(self, req: Request, status: int) -> None:
        self.held -= 1
        self.branch_done(req, FAILED)
