"""Component kinds as one registry: everything the design language, the theory, the views and
the advice need to know about a kind lives in its ``KindSpec``.

Adding a kind is one ``register(KindSpec(...))`` here (fields it accepts, what it requires, its
capacity, whether queueing theory covers it and why not, its label, icon, colour, tooltip,
palette defaults and default cost) plus one engine builder registered under the same name in
``simulation.kinds``. Nothing else compares kind strings.

This module is Qt-free and simulation-free (``designs`` sits below ``simulation``); the
functions in a spec take a ``Component`` but only read its attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # schema imports this module; the type is only for annotations
    from designs.schema import Component

Theory = Literal["queue", "delay", "none"]
Check = Callable[["Component"], "str | None"]

# Fields every kind accepts.
ALWAYS = frozenset({"name", "kind", "description", "cost_per_hour"})
# Resilience fields by role (DESIGN.md "Failures, resilience and cost"), shared by the kinds
# that play it.
WORKS = frozenset({"fail_ratio"})  # does work that can fail
CALLER = frozenset({"retry", "circuit_breaker"})  # makes synchronous calls
SCALES = frozenset({"autoscale"})  # has replicas an autoscaler can add
# Faults by what they need: a replica that can stop, slow or crash; a cache to flush.
STATION_FAULTS = frozenset({"outage", "slowdown", "crash"})


@dataclass(frozen=True)
class KindSpec:
    """What one component kind is.

    fields: optional fields it accepts (beside ALWAYS); required: (field, message) pairs that
    must be given; checks: further rules, each returning a message or None.
    servers/replicas: its capacity (servers per replica, None = a pure delay; replicas).
    theory: "queue" (an M/G/c-family station), "delay" (an infinite-server stage when it has
    no workers) or "none" with ``theory_gap`` saying why queueing formulas do not cover it.
    target_of: routing fields (``targets``, ``consumers``) that may point at it.
    pays_workers: its servers count in a worker budget (brokers and caches hold none).
    needs_keys: requests reaching it without keys would make it meaningless (a cache).
    faults: the fault kinds that apply to it.
    bottleneck: how the bottleneck paragraph explains it (busy workers, or partitions that
    hold each message until its consumer is done).
    scalable: replicas are the way to add capacity (the advice suggests one more replica).
    cost_per_hour: the default price of one replica per hour (DESIGN.md: documented default).
    defaults: field values for a new component of this kind (the editor's palette).
    """

    name: str
    label: str
    icon: str
    colour: str
    tooltip: str
    fields: frozenset[str]
    servers: Callable[[Component], int | None]
    replicas: Callable[[Component], int]
    capacity_text: Callable[[Component], str]
    theory: Theory
    cost_per_hour: float
    required: tuple[tuple[str, str], ...] = ()
    checks: tuple[Check, ...] = ()
    theory_gap: str = ""
    target_of: frozenset[str] = frozenset()
    pays_workers: bool = True
    scalable: bool = False
    bottleneck: Literal["workers", "partitions"] = "workers"
    faults: frozenset[str] = STATION_FAULTS
    needs_keys: Callable[[Component], bool] = lambda c: False
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def accepts(self) -> frozenset[str]:
        return self.fields | ALWAYS


KINDS: dict[str, KindSpec] = {}


def register(spec: KindSpec) -> KindSpec:
    """Add a kind (or replace one of the same name)."""
    KINDS[spec.name] = spec
    return spec


def kind_spec(name: str) -> KindSpec:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(
            f"unknown kind '{name}' (expected one of: {', '.join(sorted(KINDS))})"
        ) from None


def kinds_with(predicate: Callable[[KindSpec], bool]) -> frozenset[str]:
    return frozenset(n for n, s in KINDS.items() if predicate(s))


# --- shared pieces ---------------------------------------------------------------------


def _workers(c: Component) -> int | None:
    return c.workers or 1


def _own_workers(c: Component) -> int | None:
    return c.workers  # None = a pure delay


def _pool(c: Component) -> int | None:
    return c.pool_size or c.workers or 1


def _one(c: Component) -> int | None:
    return 1


def _none(c: Component) -> int | None:
    return None


def _replicas(c: Component) -> int:
    return c.replicas


def _single(c: Component) -> int:
    return 1


def _partitions(c: Component) -> int:
    return c.partitions or 1


def _workers_text(c: Component) -> str:
    return f"{c.replicas} x {c.workers or 1} workers"


def _delay_or_workers(c: Component) -> str:
    return "delay" if c.workers is None else f"1 x {c.workers} workers"


def _cache_text(c: Component) -> str:
    size = f"{c.capacity} entries" if c.capacity else f"hit {c.hit_ratio or 0.0:.0%}"
    return f"{c.effective_policy().upper()}, {size}"


def _queue_text(c: Component) -> str:
    return f"{c.partitions or 1} partition(s)"


def _needs_service(c: Component) -> str | None:
    return None if c.service_ms is not None else f"a {c.kind} needs field 'service_ms'"


def _burst_needs_rate(c: Component) -> str | None:
    if c.burst is not None and c.rate_limit_rps is None:
        return "field 'burst' needs 'rate_limit_rps'"
    return None


def _cache_size(c: Component) -> str | None:
    if c.capacity is None and c.hit_ratio is None:
        return "a cache needs field 'capacity' (or a fixed 'hit_ratio')"
    if c.policy == "ttl" and c.ttl_s is None:
        return "a cache with policy 'ttl' needs field 'ttl_s'"
    return None


def _pool_or_workers(c: Component) -> str | None:
    if c.workers is not None and c.pool_size is not None:
        return "give either 'pool_size' or 'workers' for a database, not both"
    return None


_EXP = {"dist": "exponential", "mean": 20.0}

register(
    KindSpec(
        name="service",
        label="Service",
        icon="⚙",
        colour="#dcefdc",
        tooltip="Replicas x workers behind a FCFS queue; calls others while holding a worker",
        fields=frozenset(
            {"replicas", "workers", "service_ms", "calls", "then", "queue_limit", "timeout_ms"}
        )
        | WORKS
        | CALLER
        | SCALES,
        servers=_workers,
        replicas=_replicas,
        capacity_text=_workers_text,
        theory="queue",
        cost_per_hour=0.10,
        checks=(_needs_service,),
        target_of=frozenset({"targets", "consumers"}),
        scalable=True,
        defaults={"replicas": 1, "workers": 4, "service_ms": _EXP},
    )
)
register(
    KindSpec(
        name="gateway",
        label="Gateway",
        icon="⛩",
        colour="#d8e8f7",
        tooltip="Entry point: a token-bucket rate limit, a small overhead, then forwards",
        fields=frozenset(
            {"workers", "service_ms", "calls", "then", "rate_limit_rps", "burst", "timeout_ms"}
        )
        | WORKS
        | CALLER,
        servers=_own_workers,
        replicas=_single,
        capacity_text=_delay_or_workers,
        theory="delay",
        cost_per_hour=0.05,
        checks=(_burst_needs_rate,),
        defaults={"service_ms": {"dist": "deterministic", "mean": 1.0}},
    )
)
register(
    KindSpec(
        name="load_balancer",
        label="Load balancer",
        icon="⚖",
        colour="#e4dcf2",
        tooltip="Spreads requests over the replicas of its targets by a strategy",
        fields=frozenset({"service_ms", "strategy", "targets"}),
        servers=_none,
        replicas=_single,
        capacity_text=lambda c: c.effective_strategy().replace("_", " "),
        theory="delay",
        cost_per_hour=0.025,
        required=(("targets", "a load_balancer needs field 'targets'"),),
        pays_workers=False,
        defaults={"strategy": "round_robin"},
    )
)
register(
    KindSpec(
        name="cache",
        label="Cache",
        icon="⚡",
        colour="#fbeccb",
        tooltip="Serves hits from memory; a miss calls on_miss and keeps the key",
        fields=frozenset(
            {"workers", "service_ms", "capacity", "policy", "ttl_s", "on_miss", "hit_ratio"}
        )
        | WORKS,
        servers=_own_workers,
        replicas=_single,
        capacity_text=_cache_text,
        theory="none",
        theory_gap="a cache's hit ratio depends on the keys and the policy, not a queue formula",
        cost_per_hour=0.15,
        checks=(_cache_size,),
        pays_workers=False,
        needs_keys=lambda c: c.hit_ratio is None,
        faults=STATION_FAULTS | {"cache_flush"},
        defaults={
            "capacity": 1000,
            "policy": "lru",
            "service_ms": {"dist": "deterministic", "mean": 1.0},
        },
    )
)
register(
    KindSpec(
        name="database",
        label="Database",
        icon="🛢",
        colour="#f3dcd4",
        tooltip="Replicas x a connection pool; each query holds a connection",
        fields=frozenset(
            {"replicas", "pool_size", "service_ms", "queue_limit", "timeout_ms", "workers"}
        )
        | WORKS
        | SCALES,
        servers=_pool,
        replicas=_replicas,
        capacity_text=lambda c: f"{c.replicas} x pool {c.pool_size or 1}",
        theory="queue",
        cost_per_hour=0.40,
        checks=(_needs_service, _pool_or_workers),
        target_of=frozenset({"targets"}),
        scalable=True,
        defaults={"pool_size": 10, "service_ms": {"dist": "exponential", "mean": 5.0}},
    )
)
register(
    KindSpec(
        name="queue",
        label="Message queue",
        icon="☰",
        colour="#d6f0ee",
        tooltip="Broker: publishing ends the response; partitions feed the consumers later",
        fields=frozenset(
            {"service_ms", "partitions", "consumers", "capacity", "dead_letter", "max_deliveries"}
        ),
        servers=_one,
        replicas=_partitions,
        capacity_text=_queue_text,
        theory="none",
        theory_gap="a broker's partitions hold a message until the consumer is done "
        "(blocking, no product form)",
        cost_per_hour=0.05,
        required=(("consumers", "a queue needs field 'consumers'"),),
        pays_workers=False,
        bottleneck="partitions",
        faults=frozenset({"outage", "slowdown"}),
        target_of=frozenset({"dead_letter"}),
        defaults={"partitions": 1},
    )
)
register(
    KindSpec(
        name="notifier",
        label="Notifier",
        icon="✉",
        colour="#eeeeee",
        tooltip="Sends fanout notifications in parallel; done when the last one is",
        fields=frozenset(
            {"replicas", "workers", "service_ms", "fanout", "then", "queue_limit", "timeout_ms"}
        )
        | WORKS
        | SCALES,
        servers=_workers,
        replicas=_replicas,
        capacity_text=_workers_text,
        theory="none",
        theory_gap="a fan-out waits for the slowest of its parallel sends (a fork-join)",
        cost_per_hour=0.05,
        checks=(_needs_service,),
        target_of=frozenset({"targets", "consumers"}),
        scalable=True,
        defaults={"workers": 4, "fanout": 1, "service_ms": _EXP},
    )
)


def _batching_text(c: Component) -> str:
    parts = [] if c.batch_window_ms is None else [f"window {c.batch_window_ms:g} ms"]
    if c.batch_max is not None:
        parts.append(f"max {c.batch_max}")
    return f"{c.replicas} x {c.workers or 1} solvers, {', '.join(parts)}"


def _batch_closes(c: Component) -> str | None:
    if c.batch_window_ms is None and c.batch_max is None:
        return "a matcher needs 'batch_window_ms' or 'batch_max' (or both): when a batch closes"
    return None


register(
    KindSpec(
        name="matcher",
        label="Matcher",
        icon="⇄",
        colour="#f7e3f0",
        tooltip="The dispatcher's own matcher: gathers a batch (window or size), then solves "
        "it in the time the calibration table gives for that size",
        fields=frozenset(
            {"replicas", "workers", "batch_window_ms", "batch_max", "calibration", "then"}
        ),
        servers=_workers,
        replicas=_replicas,
        capacity_text=_batching_text,
        theory="none",
        theory_gap="a matcher serves batches (a bulk-service queue): the gathering wait and "
        "the batch size follow from the window, but the batch queue has no M/G/c formula",
        cost_per_hour=0.20,
        required=(
            ("calibration", "a matcher needs field 'calibration' (python main.py calibrate)"),
        ),
        checks=(_batch_closes,),
        faults=frozenset({"outage", "slowdown"}),  # a batch station has no crash model
        target_of=frozenset({"targets", "consumers"}),
        scalable=True,
        defaults={
            "workers": 1,
            "batch_window_ms": 100.0,
            "batch_max": 1000,
            "calibration": {"sizes": [10, 100, 1000], "ms": [1.0, 2.0, 32.0]},
        },
    )
)
