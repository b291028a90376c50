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

DistName = Literal[
    "exponential", "deterministic", "uniform", "lognormal", "erlang", "gamma", "empirical"
]
ProcessName = Literal["poisson", "bursty", "diurnal", "trace"]
Strategy = Literal["round_robin", "random", "least_connections", "power_of_two", "consistent_hash"]
CachePolicy = Literal["lru", "lfu", "ttl"]
FaultKind = Literal["outage", "slowdown"]

Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\- ]+$")]
PosFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PosInt = Annotated[int, Field(ge=1)]


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
        need: dict[str, tuple[str, ...]] = {
            "exponential": ("mean",),
            "deterministic": ("mean",),
            "uniform": ("low", "high"),
            "lognormal": ("mean", "cv"),
            "gamma": ("mean", "cv"),
            "erlang": ("mean", "k"),
            "empirical": ("samples",),
        }
        wanted = need[self.dist]
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
        need: dict[str, tuple[str, ...]] = {
            "poisson": ("rate_rps",),
            "bursty": ("rate_rps", "burst_rate_rps", "burst_every_s", "burst_duration_s"),
            "diurnal": ("rate_rps", "amplitude", "period_s"),
            "trace": ("times_s",),
        }
        wanted = need[self.process]
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
        return self

    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    # Effective values the engine and the analytic module use.
    def servers(self) -> int | None:
        """Servers per replica, or None for a pure delay (infinite servers)."""
        return KINDS[self.kind].servers(self)

    def replica_count(self) -> int:
        return KINDS[self.kind].replicas(self)

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
        return out


class Fault(_Model):
    """A scheduled fault: an outage (no new work starts) or a slowdown (service x factor)."""

    component: Name
    kind: FaultKind
    at_s: NonNegFloat
    duration_s: PosFloat
    replica: Annotated[int, Field(ge=0)] | None = None  # None: every replica
    factor: PosFloat | None = None  # slowdown multiplier

    @model_validator(mode="after")
    def _check(self) -> Fault:
        if self.kind == "slowdown" and self.factor is None:
            raise ValueError("a slowdown needs field 'factor'")
        if self.kind == "outage" and self.factor is not None:
            raise ValueError("field 'factor' does not apply to an outage")
        return self


def _target_kinds(fname: str) -> frozenset[str] | None:
    """Which kinds a routing field may point at (None: any kind)."""
    if fname not in ("targets", "consumers"):
        return None
    return frozenset(n for n, s in KINDS.items() if fname in s.target_of)


class Problem(BaseModel):
    """One wiring problem, located by component (or class) and field."""

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}, field '{self.field}': {self.message}"


class Design(_Model):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    description: str = ""
    workload: Workload
    components: list[Component] = Field(min_length=1)
    faults: list[Fault] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_wiring(self) -> Design:
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


def wiring_problems(design: Design) -> list[Problem]:
    """Every reference and cycle problem, each naming the component and field."""
    problems: list[Problem] = []
    stations = sum(c.replica_count() for c in design.components)
    if stations > bounds.MAX_STATIONS:
        problems.append(
            Problem(
                where="design",
                field="replicas",
                message=f"{stations:,} replicas and partitions in all; at most "
                f"{bounds.MAX_STATIONS:,}: {bounds.DIFFERENT_SIMULATION}",
            )
        )
    keys = sum(rc.keys.count for rc in design.workload.classes if rc.keys is not None)
    if keys > bounds.MAX_TOTAL_KEYS:
        problems.append(
            Problem(
                where="workload",
                field="classes.keys.count",
                message=f"{keys:,} keys over all classes; at most {bounds.MAX_TOTAL_KEYS:,}: "
                "every key's popularity is held in memory",
            )
        )
    by_name: dict[str, Component] = {}
    for c in design.components:
        if c.name in by_name:
            problems.append(
                Problem(where=f"component '{c.name}'", field="name", message="defined twice")
            )
        by_name[c.name] = c
    for rc in design.workload.classes:
        if rc.entry not in by_name:
            problems.append(
                Problem(
                    where=f"class '{rc.name}'",
                    field="entry",
                    message=f"unknown component '{rc.entry}'",
                )
            )
    for c in design.components:
        for fname, target in c.successors():
            where = f"component '{c.name}'"
            if target not in by_name:
                problems.append(
                    Problem(where=where, field=fname, message=f"unknown component '{target}'")
                )
                continue
            if target == c.name:
                problems.append(Problem(where=where, field=fname, message="refers to itself"))
                continue
            kinds = _target_kinds(fname)
            if kinds is not None and by_name[target].kind not in kinds:
                problems.append(
                    Problem(
                        where=where,
                        field=fname,
                        message=f"'{target}' is a {by_name[target].kind}; expected one of "
                        + ", ".join(sorted(kinds)),
                    )
                )
    for f in design.faults:
        if f.component not in by_name:
            problems.append(
                Problem(
                    where="fault", field="component", message=f"unknown component '{f.component}'"
                )
            )
        elif f.replica is not None and f.replica >= by_name[f.component].replica_count():
            problems.append(
                Problem(
                    where=f"fault on '{f.component}'",
                    field="replica",
                    message=f"replica {f.replica} does not exist",
                )
            )
    if not problems:
        problems.extend(_cycle_problems(design))
    if not problems:
        problems.extend(_keyless_cache_problems(design, by_name))
    return problems


def _reachable(start: str, by_name: dict[str, Component]) -> list[str]:
    seen: list[str] = []
    visited: set[str] = set()
    stack = [start]
    while stack:
        name = stack.pop()
        if name in visited or name not in by_name:
            continue
        visited.add(name)
        seen.append(name)
        stack.extend(t for _f, t in reversed(by_name[name].successors()))
    return seen


def _keyless_cache_problems(design: Design, by_name: dict[str, Component]) -> list[Problem]:
    """A cache's hit ratio comes from request keys: without keys every lookup would miss."""
    problems = []
    for rc in design.workload.classes:
        if rc.keys is not None:
            continue
        for name in _reachable(rc.entry, by_name):
            c = by_name[name]
            if KINDS[c.kind].needs_keys(c):
                problems.append(
                    Problem(
                        where=f"class '{rc.name}'",
                        field="keys",
                        message=f"requests reach cache '{name}' without keys, so every lookup"
                        ' would miss; give the class keys (e.g. keys = { dist = "zipf",'
                        " count = 10000 }) or the cache a fixed hit_ratio",
                    )
                )
    return problems


def _cycle_problems(design: Design) -> list[Problem]:
    """Requests follow fixed routes, so any cycle would route a request forever."""
    import networkx as nx

    g = nx.DiGraph()
    for c in design.components:
        g.add_node(c.name)
        for fname, target in c.successors():
            g.add_edge(c.name, target, field=fname)
    try:
        cycle = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return []
    first = cycle[0]
    path = " -> ".join([e[0] for e in cycle] + [cycle[0][0]])
    return [
        Problem(
            where=f"component '{first[0]}'",
            field=str(g.edges[first[0], first[1]]["field"]),
            message=f"cycle {path}",
        )
    ]
