"""The design language: pydantic models for a load-matching backend design.

A design is a workload (request classes with arrival processes) plus components wired by
`calls` (synchronous, the caller holds its worker), `then` (hand-off, the caller's worker is
released), `on_miss` (cache), `targets` (load balancer) and `consumers` (broker). The models
check each field and the wiring between components, so the engine can trust what it gets.
Times in `*_ms` fields are milliseconds, `*_s` seconds, rates requests per second.

`Component` is one flat model with a `kind`: the Design Lab can switch a component's kind in
place, and a per-kind table (`KIND_FIELDS`) rejects fields that do not apply to that kind.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from designs import bounds
from designs.calibration import Calibration
from designs.kinds import KINDS, KindSpec, kind_spec
from designs.resilience import FAULT_FIELDS, Autoscale, CircuitBreaker, Retry, component_rules

DistName = Literal[
    "exponential", "deterministic", "uniform", "lognormal", "erlang", "gamma", "empirical"
]
ProcessName = Literal["poisson", "bursty", "diurnal", "trace"]
Strategy = Literal["round_robin", "random", "least_connections", "power_of_two", "consistent_hash"]
CachePolicy = Literal["lru", "lfu", "ttl"]
FaultKind = Literal["outage", "slowdown", "crash", "cache_flush"]

# The parameters each distribution / arrival process needs (and the only ones it accepts).
DIST_PARAMS: dict[str, tuple[str, ...]] = {
    "exponential": ("mean",),
    "deterministic": ("mean",),
    "uniform": ("low", "high"),
    "lognormal": ("mean", "cv"),
    "gamma": ("mean", "cv"),
    "erlang": ("mean", "k"),
    "empirical": ("samples",),
}
ARRIVAL_PARAMS: dict[str, tuple[str, ...]] = {
    "poisson": ("rate_rps",),
    "bursty": ("rate_rps", "burst_rate_rps", "burst_every_s", "burst_duration_s"),
    "diurnal": ("rate_rps", "amplitude", "period_s"),
    "trace": ("times_s",),
}

Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\- ]+$")]
PosFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PosInt = Annotated[int, Field(ge=1)]
# A diagram position in pixels ([layout] name = [x, y]); generous, but a finite page.
Coordinate = Annotated[float, Field(ge=-1_000_000, le=1_000_000, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    @field_validator("*", mode="after")
    @classmethod
    def _within_bounds(cls, value: object, info: ValidationInfo) -> object:
        """Every number against the bounds table (designs/bounds.py), with its reason."""
        bounds.check_field(cls.__name__, info.field_name or "", value)
        return value


class Distribution(_Model):
    """A service-time distribution in milliseconds.

    exponential(mean), deterministic(mean), uniform(low, high), lognormal(mean, cv),
    gamma(mean, cv), erlang(mean, k), empirical(samples): each names its own parameters,
    because that is how people think of them (mean and variability, not mu and sigma).
    """

    dist: DistName
    mean: NonNegFloat | None = None
    cv: PosFloat | None = None
    k: PosInt | None = None
    low: NonNegFloat | None = None
    high: NonNegFloat | None = None
    samples: list[NonNegFloat] | None = None

    @model_validator(mode="after")
    def _check(self) -> Distribution:
        wanted = DIST_PARAMS[self.dist]
        for fname in wanted:
            if getattr(self, fname) is None:
                raise ValueError(f"'{self.dist}' needs field '{fname}'")
        for fname in ("mean", "cv", "k", "low", "high", "samples"):
            if fname not in wanted and getattr(self, fname) is not None:
                raise ValueError(f"field '{fname}' does not apply to dist '{self.dist}'")
        if self.dist in ("exponential", "lognormal", "gamma", "erlang") and not self.mean:
            raise ValueError(f"'{self.dist}' needs mean > 0")
        if self.dist == "uniform" and (self.low or 0.0) > (self.high or 0.0):
            raise ValueError("uniform needs low <= high")
        if self.dist == "empirical" and not self.samples:
            raise ValueError("empirical needs at least one sample")
        return self

    def mean_value(self) -> float:
        """Mean in ms."""
        if self.dist == "uniform":
            return ((self.low or 0.0) + (self.high or 0.0)) / 2.0
        if self.dist == "empirical":
            s = self.samples or [0.0]
            return sum(s) / len(s)
        return float(self.mean or 0.0)

    def variance(self) -> float:
        """Variance in ms^2 (the analytic module needs E[S^2] for Pollaczek-Khinchine)."""
        m = self.mean_value()
        if self.dist == "exponential":
            return m * m
        if self.dist == "deterministic":
            return 0.0
        if self.dist == "uniform":
            return ((self.high or 0.0) - (self.low or 0.0)) ** 2 / 12.0
        if self.dist in ("lognormal", "gamma"):
            return (float(self.cv or 0.0) * m) ** 2
        if self.dist == "erlang":
            return m * m / float(self.k or 1)
        s = self.samples or [0.0]
        return sum((x - m) ** 2 for x in s) / len(s)

    def second_moment(self) -> float:
        """E[S^2] in ms^2."""
        m = self.mean_value()
        return self.variance() + m * m

    def scv(self) -> float:
        """Squared coefficient of variation (1 for exponential, 0 for deterministic)."""
        m = self.mean_value()
        return self.variance() / (m * m) if m > 0 else 0.0

    def scaled(self, factor: float) -> Distribution:
        """The same shape with every time multiplied by ``factor`` (used by slowdown faults)."""
        upd: dict[str, object] = {}
        for fname in ("mean", "low", "high"):
            v = getattr(self, fname)
            if v is not None:
                upd[fname] = v * factor
        if self.samples is not None:
            upd["samples"] = [x * factor for x in self.samples]
        return self.model_copy(update=upd)


class Arrival(_Model):
    """How requests of one class arrive.

    poisson: rate_rps. bursty: a two-state MMPP, quiet at rate_rps and bursting at
    burst_rate_rps; quiet and burst periods are exponential with means burst_every_s and
    burst_duration_s. diurnal: rate_rps * (1 + amplitude * sin(2 pi t / period_s)).
    trace: replay of arrival instants times_s (seconds from the start), once
    (designs.loader.read_trace reads them from a recorded CSV).
    """

    process: ProcessName
    rate_rps: PosFloat | None = None
    burst_rate_rps: PosFloat | None = None
    burst_every_s: PosFloat | None = None
    burst_duration_s: PosFloat | None = None
    amplitude: Annotated[float, Field(ge=0, le=1)] | None = None
    period_s: PosFloat | None = None
    times_s: list[NonNegFloat] | None = None

    @model_validator(mode="after")
    def _check(self) -> Arrival:
        wanted = ARRIVAL_PARAMS[self.process]
        for fname in wanted:
            if getattr(self, fname) is None:
                raise ValueError(f"process '{self.process}' needs field '{fname}'")
        for fname in (
            "rate_rps",
            "burst_rate_rps",
            "burst_every_s",
            "burst_duration_s",
            "amplitude",
            "period_s",
            "times_s",
        ):
            if fname not in wanted and getattr(self, fname) is not None:
                raise ValueError(f"field '{fname}' does not apply to process '{self.process}'")
        if self.times_s is not None:
            if not self.times_s:
                raise ValueError("trace needs at least one time in times_s")
            if any(b < a for a, b in zip(self.times_s, self.times_s[1:], strict=False)):
                raise ValueError("times_s must be non-decreasing")
        return self

    def mean_rate(self, horizon_s: float | None = None) -> float:
        """Long-run mean arrival rate (requests/s); a trace's rate over its span."""
        if self.process == "poisson":
            return float(self.rate_rps or 0.0)
        if self.process == "diurnal":
            return float(self.rate_rps or 0.0)
        if self.process == "bursty":
            q, b = float(self.burst_every_s or 0.0), float(self.burst_duration_s or 0.0)
            return (float(self.rate_rps or 0.0) * q + float(self.burst_rate_rps or 0.0) * b) / (
                q + b
            )
        times = self.times_s or []
        span = horizon_s if horizon_s else (times[-1] if times and times[-1] > 0 else 1.0)
        return len(times) / span

    def scaled(self, factor: float) -> Arrival:
        """The same process with every rate multiplied by ``factor`` (sweeps, CRN)."""
        if factor <= 0 or not math.isfinite(factor):
            raise ValueError(f"rate factor must be > 0, got {factor}")
        upd: dict[str, object] = {}
        for fname in ("rate_rps", "burst_rate_rps"):
            v = getattr(self, fname)
            if v is not None:
                upd[fname] = v * factor
        if self.times_s is not None:
            upd["times_s"] = [t / factor for t in self.times_s]
        return self.model_copy(update=upd)


class Keys(_Model):
    """Request keys (e.g. lane ids): Zipf(s) or uniform over ``count`` keys 0..count-1.

    Zipf: P(key = i) proportional to 1 / (i + 1) ** s. Caches, consistent hashing and broker
    partitions use the key, so a cache's hit ratio emerges from this popularity.
    """

    dist: Literal["zipf", "uniform"] = "zipf"
    count: PosInt
    s: NonNegFloat = 1.0


class RequestClass(_Model):
    name: Name
    entry: Name
    arrival: Arrival
    keys: Keys | None = None
    description: str = ""


class Workload(_Model):
    duration_s: PosFloat = 3600.0
    warmup_s: NonNegFloat = 0.0
    seed: int = 1
    classes: list[RequestClass] = Field(min_length=1)
    max_in_system: PosInt | None = None  # cap on requests in flight; beyond it: unstable
    max_events: PosInt | None = None  # work budget override (simulation/budget.py)
    # Opt-in: run as this many identical cells, one simulated (exact; simulation/slicing.py).
    slices: Annotated[int, Field(ge=1, le=1024)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Workload:
        if self.warmup_s >= self.duration_s:
            raise ValueError(
                f"warmup_s ({self.warmup_s}) must be shorter than duration_s ({self.duration_s})"
            )
        seen: set[str] = set()
        for c in self.classes:
            if c.name in seen:
                raise ValueError(f"request class '{c.name}' is defined twice")
            seen.add(c.name)
        return self

    def total_rate(self) -> float:
        return sum(c.arrival.mean_rate(self.duration_s) for c in self.classes)


class Component(_Model):
    """One box of the design. Which fields apply depends on ``kind`` (its ``KindSpec`` in
    designs.kinds lists them, with what each kind requires).

    service: replicas x workers servers behind a FCFS queue (queue_limit -> drops,
      timeout_ms -> time from arriving here, checked when a worker picks the request up and
      when its work and synchronous calls finish; `then` successors are not included).
      A multi-replica service reached directly (not through a balancer) is round robin.
    gateway: token bucket (rate_limit_rps, burst) -> rejections; service_ms overhead.
    load_balancer: spreads over the replicas of ``targets`` by ``strategy``.
    cache: ``capacity`` entries with ``policy``; service_ms is the lookup/hit time; a miss
      calls ``on_miss`` and inserts the key. ``hit_ratio`` is a fixed-ratio shortcut.
    database: ``pool_size`` connections per replica, service_ms query time.
    queue: a broker; publishing takes service_ms and ends the response; ``partitions``
      deliver one message at a time each to the ``consumers`` service (partition i to
      replica i mod R, by key hash when the request has a key, else round robin), holding
      the partition until the consumer's handling, hand-offs included, is done;
      ``capacity`` caps messages held (more are dropped).
    notifier: sends ``fanout`` notifications in parallel, each a service_ms job.
    matcher: the dispatcher's matching engine; each replica gathers requests for up to
      ``batch_window_ms`` after the first (or until ``batch_max``), then a free worker solves
      the batch in the ``calibration`` table's time for that size (designs.calibration).
    gateway, load_balancer, cache and queue without ``workers`` are pure delays.
    """

    name: Name
    kind: str
    description: str = ""
    replicas: PosInt = 1
    workers: PosInt | None = None
    service_ms: Distribution | None = None
    calls: list[Name] = Field(default_factory=list)
    then: Name | None = None
    queue_limit: Annotated[int, Field(ge=0)] | None = None
    timeout_ms: PosFloat | None = None
    strategy: Strategy | None = None
    targets: list[Name] = Field(default_factory=list)
    rate_limit_rps: PosFloat | None = None
    burst: PosInt | None = None
    capacity: PosInt | None = None
    policy: CachePolicy | None = None
    ttl_s: PosFloat | None = None
    on_miss: Name | None = None
    hit_ratio: Annotated[float, Field(ge=0, le=1)] | None = None
    pool_size: PosInt | None = None
    partitions: PosInt | None = None
    consumers: Name | None = None
    fanout: PosInt | None = None
    batch_window_ms: NonNegFloat | None = None
    batch_max: PosInt | None = None
    calibration: Calibration | None = None
    # Failures, resilience and cost (DESIGN.md); which kinds accept them: designs.kinds.
    fail_ratio: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    retry: Retry | None = None
    circuit_breaker: CircuitBreaker | None = None
    autoscale: Autoscale | None = None
    cost_per_hour: NonNegFloat | None = None  # per replica; None = the kind's default
    dead_letter: Name | None = None
    max_deliveries: Annotated[int, Field(ge=1, le=1000)] | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        kind_spec(value)  # raises with the list of known kinds
        return value

    @model_validator(mode="after")
    def _check_kind_fields(self) -> Component:
        spec = KINDS[self.kind]
        allowed = spec.accepts()
        for fname in sorted(self.model_fields_set - allowed):
            value = getattr(self, fname)
            default = type(self).model_fields[fname].get_default(call_default_factory=True)
            if value != default:
                raise ValueError(f"field '{fname}' does not apply to a {self.kind}")
        for fname, message in spec.required:
            if not getattr(self, fname):
                raise ValueError(message)
        for rule in spec.checks:
            problem = rule(self)
            if problem:
                raise ValueError(problem)
        if self.ttl_s is not None and self.policy != "ttl":
            raise ValueError("field 'ttl_s' needs policy = 'ttl'")
        if len(set(self.calls)) != len(self.calls):
            raise ValueError("field 'calls' names a component twice")
        problem = component_rules(self)
        if problem:
            raise ValueError(problem)
        return self

    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    # Effective values the engine and the analytic module use.
    def servers(self) -> int | None:
        """Servers per replica, or None for a pure delay (infinite servers)."""
        return KINDS[self.kind].servers(self)

    def replica_count(self) -> int:
        """Replicas at the start (under autoscale: ``replicas`` raised to its min)."""
        n = KINDS[self.kind].replicas(self)
        return max(n, self.autoscale.min) if self.autoscale is not None else n

    def max_replicas(self) -> int:
        """Replicas the engine builds: the autoscale max, else the fixed count."""
        return self.autoscale.max if self.autoscale is not None else self.replica_count()

    def replica_cost_per_hour(self) -> float:
        """Price of one billed unit per hour: the field, else the kind's documented default."""
        if self.cost_per_hour is not None:
            return self.cost_per_hour
        return KINDS[self.kind].cost_per_hour

    def billed_units(self) -> int:
        """Units paid for at the start (replicas; a broker or a cache is one unit)."""
        return self.replica_count() if KINDS[self.kind].scalable else 1

    def mean_service_ms(self) -> float:
        return self.service_ms.mean_value() if self.service_ms is not None else 0.0

    def effective_strategy(self) -> str:
        return self.strategy or "round_robin"

    def effective_policy(self) -> str:
        return self.policy or "lru"

    def successors(self) -> list[tuple[str, str]]:
        """(field, component) pairs this component routes requests to."""
        out = [("calls", c) for c in self.calls]
        if self.then:
            out.append(("then", self.then))
        if self.on_miss:
            out.append(("on_miss", self.on_miss))
        out.extend(("targets", t) for t in self.targets)
        if self.consumers:
            out.append(("consumers", self.consumers))
        if self.dead_letter:
            out.append(("dead_letter", self.dead_letter))
        return out


class Fault(_Model):
    """A scheduled fault at ``at_s``: an outage (no new work starts for ``duration_s``), a
    slowdown (service x ``factor``), a crash (work in flight and queued on the replica is
    lost, callers see failures, it restarts after ``duration_s``) or a cache_flush (a cache
    forgets every entry at once)."""

    component: Name
    kind: FaultKind
    at_s: NonNegFloat
    duration_s: PosFloat | None = None
    replica: Annotated[int, Field(ge=0)] | None = None  # None: every replica
    factor: PosFloat | None = None  # slowdown multiplier

    @model_validator(mode="after")
    def _check(self) -> Fault:
        need, optional = FAULT_FIELDS[self.kind]
        article = "an" if self.kind[0] in "aeiou" else "a"
        for fname in sorted(need):
            if getattr(self, fname) is None:
                raise ValueError(f"{article} {self.kind} needs field '{fname}'")
        for fname in ("duration_s", "replica", "factor"):
            if fname not in need | optional and getattr(self, fname) is not None:
                raise ValueError(f"field '{fname}' does not apply to {article} {self.kind}")
        return self

    def end_s(self) -> float:
        return self.at_s + (self.duration_s or 0.0)


class Design(_Model):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    description: str = ""
    workload: Workload
    components: list[Component] = Field(min_length=1)
    faults: list[Fault] = Field(default_factory=list)
    # Where the Design Lab canvas draws each component; absent ones are laid out in layers.
    layout: dict[Name, tuple[Coordinate, Coordinate]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_wiring(self) -> Design:
        from designs.wiring import wiring_problems  # it reads a built Design

        problems = wiring_problems(self)
        if problems:
            raise ValueError("; ".join(str(p) for p in problems))
        return self

    def component(self, name: str) -> Component:
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(name)

    def component_names(self) -> list[str]:
        return [c.name for c in self.components]

    def with_rate(self, total_rps: float) -> Design:
        """A copy whose classes are scaled together to ``total_rps`` offered in total."""
        base = self.workload.total_rate()
        factor = total_rps / base
        classes = [
            c.model_copy(update={"arrival": c.arrival.scaled(factor)})
            for c in self.workload.classes
        ]
        return self.model_copy(
            update={"workload": self.workload.model_copy(update={"classes": classes})}
        )
