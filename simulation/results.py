"""What a simulation run returns: plain dataclasses, picklable (replications run in worker
processes) and convertible to the JSON contract of DESIGN.md with ``to_json``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class LatencyStats:
    """Milliseconds. Percentiles come from a log-bucketed histogram (<= 1% relative error)."""

    count: int = 0
    mean: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    max: float = 0.0

    def to_json(self) -> dict[str, float]:
        return {
            "mean": self.mean,
            "p50": self.p50,
            "p95": self.p95,
            "p99": self.p99,
            "max": self.max,
            "count": self.count,
        }


@dataclass(frozen=True)
class ClassStats:
    """Per request class.
    offered = completed + rejected + dropped + timed_out + failed + in_flight.

    rejected: refused by a gateway's rate limit; dropped: refused by a full queue somewhere on
    the path; timed_out: a component's timeout_ms expired; failed: a visit failed
    (fail_ratio, a crash, an open circuit breaker) and no retry saved it. Only requests that
    arrived after the warm-up count. success_ratio = completed / offered.
    """

    offered: int
    completed: int
    rejected: int
    dropped: int
    timed_out: int
    in_flight: int
    throughput_rps: float
    offered_rps: float
    latency_ms: LatencyStats
    e2e_latency_ms: LatencyStats | None = None  # only for classes that cross a queue
    e2e_failed: int = 0  # async work after a queue that failed (or was dead-lettered)
    failed: int = 0

    @property
    def success_ratio(self) -> float:
        return self.completed / self.offered if self.offered else 1.0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "offered": self.offered,
            "completed": self.completed,
            "rejected": self.rejected,
            "dropped": self.dropped,
            "timed_out": self.timed_out,
            "failed": self.failed,
            "success_ratio": self.success_ratio,
            "in_flight": self.in_flight,
            "throughput_rps": self.throughput_rps,
            "offered_rps": self.offered_rps,
            "latency_ms": self.latency_ms.to_json(),
        }
        if self.e2e_latency_ms is not None:
            out["e2e_latency_ms"] = self.e2e_latency_ms.to_json()
            out["e2e_failed"] = self.e2e_failed
        return out


@dataclass(frozen=True)
class ComponentStats:
    """Per component, summed over its replicas, measured after the warm-up.

    utilization: time-averaged busy workers / total workers, in [0, 1] (a worker blocked on a
    synchronous call counts as busy). 0 for pure delays (workers is None there).
    mean_wait_ms: mean time queued before a worker starts, per request that started.
    mean_queue_len: time-averaged number waiting (not in service), summed over replicas.
    arrivals: every visit, retries included; visits: arrivals per request offered.
    mean_service_ms: mean service time drawn (excluding synchronous calls);
    mean_hold_ms: mean time a worker is held (service + synchronous calls).
    failed: visits that failed here (own fail_ratio, a crash, or a call that failed after
    its retries); retries: calls repeated; short_circuited: calls an open breaker failed.
    replicas_mean: time-averaged replicas paid for (warming ones included under autoscale);
    cost_per_hour: replicas_mean x the price of one replica (the kind's default unless set).
    Under autoscale ``utilization`` is over the serving workers and ``workers`` is the max.
    """

    kind: str
    replicas: int
    workers: int | None  # total servers over all replicas; None = pure delay
    arrivals: int
    served: int
    dropped: int
    timed_out: int
    utilization: float
    mean_wait_ms: float
    mean_queue_len: float
    mean_in_system: float
    visits: float
    mean_service_ms: float
    mean_hold_ms: float
    arrival_rate_rps: float
    hit_ratio: float | None = None  # caches
    rejected: int = 0  # gateways
    mean_lag: float | None = None  # queues: messages held by the broker
    replica_served: list[int] = field(default_factory=list)
    replica_utilization: list[float] = field(default_factory=list)
    failed: int = 0
    retries: int = 0
    short_circuited: int = 0
    replicas_mean: float = 1.0
    cost_per_hour: float = 0.0
    autoscaled: bool = False
    redelivered: int | None = None  # queues
    dead_lettered: int | None = None  # queues
    # matchers (bulk service): batches solved, their mean size and solve time, and requests
    # solved per second of solver time (mean batch / mean solve: throughput per busy worker)
    batches: int | None = None
    mean_batch_size: float | None = None
    mean_solve_ms: float | None = None
    per_worker_rps: float | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in (
            "hit_ratio",
            "mean_lag",
            "redelivered",
            "dead_lettered",
            "batches",
            "mean_batch_size",
            "mean_solve_ms",
            "per_worker_rps",
        ):
            if out[key] is None:
                out.pop(key)
        return out


@dataclass(frozen=True)
class Window:
    """A stretch of simulated time when the design is disturbed on purpose (a fault) or by
    its arrivals (a burst)."""

    start_s: float
    end_s: float
    label: str  # "outage of matcher replica 0", "4x slowdown of routes_db", "burst"
    kind: str = "burst"  # a fault kind ("outage", "slowdown", ...) or "burst"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DegradedSpan:
    """Where a run that is stable in steady state broke its own expectations: its worst
    latency (p99 of a bucket, or the age of the oldest waiting request) above
    ``LATENCY_FACTOR`` x its normal level, or failures well above normal."""

    start_s: float
    end_s: float
    causes: list[str]  # labels of the windows it overlaps
    worst_latency_ms: float
    normal_latency_ms: float
    worst_failed_share: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Overload:
    """What an unstable run can say instead of steady-state latencies."""

    offered_rps: float
    capacity_rps: float | None  # the bottleneck bound, when the bottleneck has workers
    in_flight: int  # requests in flight when the run ended
    growth_rps: float  # how fast the backlog grew over the measured window
    oldest_wait_s: float  # the oldest request still waiting had waited this long

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Timeseries:
    """Measurement window in buckets of ``bucket_s`` seconds (1 s unless the run is so long
    that more than MAX_BUCKETS would be needed). time_s is each bucket's end time."""

    bucket_s: float
    time_s: list[float]
    throughput_rps: dict[str, list[float]]  # per class, completions per second
    offered_rps: dict[str, list[float]]  # per class, arrivals per second
    queue_len: dict[str, list[float]]  # per component, time-averaged waiting in the bucket
    utilization: dict[str, list[float]]  # per component
    latency_p50_ms: dict[str, list[float | None]]  # per class; None for an empty bucket
    latency_p99_ms: dict[str, list[float | None]]
    # per class: requests that ended without completing (failed, dropped, timed out, rejected)
    failed_rps: dict[str, list[float]] = field(default_factory=dict)
    replicas: dict[str, list[float]] = field(default_factory=dict)  # autoscaled, mean/bucket
    breaker_open: dict[str, list[float]] = field(default_factory=dict)  # "a->b": share open
    backlog: list[int] = field(default_factory=list)  # requests in flight at the bucket's end
    oldest_wait_s: list[float] = field(default_factory=list)  # oldest waiting request's age

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BreakerStats:
    """A circuit breaker (caller->callee): how often it opened and when it was open (seconds
    from the start; an interval still open at the end ends at the run's end)."""

    trips: int
    open_s: float
    open_spans: list[tuple[float, float]]

    def to_json(self) -> dict[str, Any]:
        return {
            "trips": self.trips,
            "open_s": self.open_s,
            "open_spans": [list(s) for s in self.open_spans],
        }


@dataclass(frozen=True)
class SimResult:
    design: str
    verdict: str  # "stable" | "degraded" | "unstable"
    classes: dict[str, ClassStats]
    components: dict[str, ComponentStats]
    bottleneck: str
    bottleneck_explanation: str
    timeseries: Timeseries
    duration_s: float  # simulated time actually run (shorter when stopped early)
    warmup_s: float
    seed: int
    stopped_early: bool = False
    stop_reason: str = ""
    saturated: list[str] = field(default_factory=list)  # components with offered load >= 1
    events: int = 0
    cost_per_hour: float = 0.0  # the design's total, time-averaged under autoscaling
    breakers: dict[str, BreakerStats] = field(default_factory=dict)  # "caller->callee"
    windows: list[Window] = field(default_factory=list)  # faults and bursts, for charts
    degraded: list[DegradedSpan] = field(default_factory=list)  # verdict "degraded": where
    overload: Overload | None = None  # verdict "unstable": what can be said instead
    slices: int = 1  # simulated as 1 of this many identical cells (simulation/slicing.py)

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.design,
            "verdict": self.verdict,
            "classes": {k: v.to_json() for k, v in self.classes.items()},
            "components": {k: v.to_json() for k, v in self.components.items()},
            "bottleneck": self.bottleneck,
            "bottleneck_explanation": self.bottleneck_explanation,
            "duration_s": self.duration_s,
            "warmup_s": self.warmup_s,
            "seed": self.seed,
            "stopped_early": self.stopped_early,
            "stop_reason": self.stop_reason,
            "saturated": list(self.saturated),
            "events": self.events,
            "cost_per_hour": self.cost_per_hour,
            "breakers": {k: v.to_json() for k, v in self.breakers.items()},
            "windows": [w.to_json() for w in self.windows],
            "degraded": [d.to_json() for d in self.degraded],
            "overload": self.overload.to_json() if self.overload else None,
            "slices": self.slices,
            "timeseries": self.timeseries.to_json(),
        }


@dataclass(frozen=True)
class Estimate:
    """A mean over replications with a 95% Student-t confidence interval."""

    mean: float
    half_width: float
    low: float
    high: float
    n: int

    def to_json(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class ClassEstimate:
    throughput_rps: Estimate
    latency_mean_ms: Estimate
    latency_p99_ms: Estimate
    e2e_mean_ms: Estimate | None = None


@dataclass(frozen=True)
class ComponentEstimate:
    utilization: Estimate
    mean_wait_ms: Estimate
    mean_queue_len: Estimate


@dataclass(frozen=True)
class ReplicationResult:
    design: str
    seeds: list[int]
    runs: list[SimResult]
    classes: dict[str, ClassEstimate]
    components: dict[str, ComponentEstimate]
    verdict: str  # "unstable" if any replication was, else "degraded" if any was
    bottleneck: str  # the most frequent bottleneck over the runs

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.design,
            "seeds": list(self.seeds),
            "verdict": self.verdict,
            "bottleneck": self.bottleneck,
            "classes": {k: asdict(v) for k, v in self.classes.items()},
            "components": {k: asdict(v) for k, v in self.components.items()},
        }


@dataclass(frozen=True)
class SweepPoint:
    rate_rps: float  # total offered rate for this point
    result: SimResult
    healthy: bool  # stable, goodput >= 95% of offered, p99 within 5x the lightest load's


@dataclass(frozen=True)
class SweepResult:
    """One design over a list of total offered rates, on common random numbers.

    knee_rps: the first rate that is not healthy (None if all are); last_healthy_rps: the
    highest healthy rate below it; capacity_estimate_rps: the bottleneck bound
    min over components of servers / (visits x mean hold time), from the lightest run.
    """

    design: str
    rates: list[float]
    points: list[SweepPoint]
    knee_rps: float | None
    last_healthy_rps: float | None
    capacity_estimate_rps: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.design,
            "rates": list(self.rates),
            "knee_rps": self.knee_rps,
            "last_healthy_rps": self.last_healthy_rps,
            "capacity_estimate_rps": self.capacity_estimate_rps,
            "points": [
                {
                    "rate_rps": p.rate_rps,
                    "healthy": p.healthy,
                    "verdict": p.result.verdict,
                    "bottleneck": p.result.bottleneck,
                    "throughput_rps": sum(c.throughput_rps for c in p.result.classes.values()),
                    "classes": {k: v.to_json() for k, v in p.result.classes.items()},
                    "utilization": {k: v.utilization for k, v in p.result.components.items()},
                }
                for p in self.points
            ],
        }


@dataclass(frozen=True)
class Comparison:
    """Several designs swept over the same rates with the same seed (common random numbers)."""

    rates: list[float]
    seed: int
    sweeps: list[SweepResult]
    best_design: str  # the highest knee (or capacity estimate when no knee was reached)

    def to_json(self) -> dict[str, Any]:
        return {
            "rates": list(self.rates),
            "seed": self.seed,
            "best_design": self.best_design,
            "designs": [s.to_json() for s in self.sweeps],
        }
