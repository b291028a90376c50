"""How the engine builds each component kind: one ``Builder`` per kind, registered by name.

The descriptive half of a kind (fields, capacity, theory, label) is its ``KindSpec`` in
``designs.kinds``; this is the runtime half. A builder makes the node (``make``) and, once
every node exists, connects it to the nodes it routes to (``wire``). ``Engine`` calls only
``builder(kind)``: adding a kind never touches the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from designs.kinds import KINDS
from designs.schema import Component
from simulation.batching import BatchStation, MatcherNode
from simulation.caches import make_policy
from simulation.components import (
    CacheNode,
    GatewayNode,
    LoadBalancerNode,
    Node,
    NotifierNode,
    QueueNode,
    ReplicaProxy,
    ServiceNode,
    Station,
)
from simulation.distributions import py_stream, sampler, stream
from simulation.resilience import Autoscaler, Breaker, RetryPolicy
from simulation.resilient import ResilientStation
from simulation.strategies import make_strategy

if TYPE_CHECKING:
    from simulation.engine import Engine

Make = Callable[["Engine", Component], Node]
Wire = Callable[["Engine", Component, Node], None]


def _wire_calls(engine: Engine, comp: Component, node: Node) -> None:
    """Synchronous calls, with the caller's retry policy and one breaker per callee (shared
    by the caller's replicas: the breaker is per caller-callee pair)."""
    calls = [engine.nodes[c] for c in comp.calls]
    retry = None
    if comp.retry is not None:
        retry = RetryPolicy(comp.retry, py_stream(engine.seed, "retry", comp.name))
    breakers = None
    if comp.circuit_breaker is not None:
        breakers = [Breaker(f"{comp.name}->{c}", comp.circuit_breaker) for c in comp.calls]
        engine.breakers.extend(breakers)
    for st in node.stations:
        st.calls = list(calls)
        if isinstance(st, ResilientStation):
            st.retry = retry
            st.breakers = breakers


def _wire_then(engine: Engine, comp: Component, node: Node) -> None:
    _wire_calls(engine, comp, node)
    assert isinstance(node, ServiceNode | GatewayNode)
    node.then = engine.nodes[comp.then] if comp.then else None


@dataclass(frozen=True)
class Builder:
    make: Make
    wire: Wire = _wire_calls


BUILDERS: dict[str, Builder] = {}


def builds(kind: str, wire: Wire = _wire_calls) -> Callable[[Make], Make]:
    """Register ``make`` (and ``wire``) as the engine builder of ``kind``."""

    def deco(make: Make) -> Make:
        BUILDERS[kind] = Builder(make, wire)
        return make

    return deco


def builder(kind: str) -> Builder:
    try:
        return BUILDERS[kind]
    except KeyError:
        known = ", ".join(sorted(BUILDERS))
        raise ValueError(f"no engine builder for kind {kind!r} (built: {known})") from None


def replica_stations(engine: Engine, comp: Component) -> list[Station]:
    """Every replica the component may ever have (under autoscale: up to its max)."""
    return [engine.station(comp, i) for i in range(comp.max_replicas())]


def _scaled(engine: Engine, comp: Component, node: ServiceNode) -> ServiceNode:
    node.active = comp.replica_count()
    if comp.autoscale is not None:
        engine.scalers[comp.name] = Autoscaler(
            comp.autoscale, node, comp.servers() or 1, engine.clock, engine.later
        )
    return node


@builds("service", wire=_wire_then)
@builds("database", wire=_wire_then)
def _service(engine: Engine, comp: Component) -> Node:
    return _scaled(engine, comp, ServiceNode(comp.name, comp.kind, replica_stations(engine, comp)))


@builds("notifier", wire=_wire_then)
def _notifier(engine: Engine, comp: Component) -> Node:
    node = NotifierNode(comp.name, replica_stations(engine, comp), comp.fanout or 1)
    return _scaled(engine, comp, node)


@builds("gateway", wire=_wire_then)
def _gateway(engine: Engine, comp: Component) -> Node:
    return GatewayNode(
        comp.name, engine.station(comp, 0), engine.clock, comp.rate_limit_rps, comp.burst
    )


def _wire_balancer(engine: Engine, comp: Component, node: Node) -> None:
    """Spread over the serving replicas of the targets; rebuilt when an autoscaler resizes
    one (consistent hashing then moves only the keys of the replicas added or removed)."""
    assert isinstance(node, LoadBalancerNode)
    targets = [engine.nodes[t] for t in comp.targets]
    rnd = py_stream(engine.seed, "balancer", comp.name)

    def rebuild() -> None:
        replicas: list[tuple[ServiceNode, int]] = []
        for target in targets:
            assert isinstance(target, ServiceNode)
            replicas.extend((target, j) for j in range(target.active))
        node.replicas = replicas
        names = [f"{n.name}#{j}" for n, j in replicas]
        node.strategy = make_strategy(comp.effective_strategy(), names, node.load, rnd)

    rebuild()
    for target in targets:
        assert isinstance(target, ServiceNode)
        target.listeners.append(rebuild)


@builds("load_balancer", wire=_wire_balancer)
def _balancer(engine: Engine, comp: Component) -> Node:
    return LoadBalancerNode(comp.name, engine.station(comp, 0))


def _wire_cache(engine: Engine, comp: Component, node: Node) -> None:
    _wire_calls(engine, comp, node)
    assert isinstance(node, CacheNode)
    node.on_miss = engine.nodes[comp.on_miss] if comp.on_miss else None


@builds("cache", wire=_wire_cache)
def _cache(engine: Engine, comp: Component) -> Node:
    policy = None
    if comp.capacity is not None:
        policy = make_policy(comp.effective_policy(), comp.capacity, comp.ttl_s)
    return CacheNode(
        comp.name,
        engine.station(comp, 0),
        engine.clock,
        policy,
        comp.hit_ratio,
        py_stream(engine.seed, "cache", comp.name),
    )


def _wire_queue(engine: Engine, comp: Component, node: Node) -> None:
    assert isinstance(node, QueueNode)
    node.front.calls = [engine.nodes[c] for c in comp.calls]
    node.max_deliveries = comp.max_deliveries or 1
    node.dead_letter = engine.nodes[comp.dead_letter] if comp.dead_letter else None
    consumer = engine.nodes[comp.consumers or ""]
    assert isinstance(consumer, ServiceNode)
    for i, part in enumerate(node.partitions):
        part.calls = [ReplicaProxy(consumer, i)]  # partition i -> serving replica i mod R


@builds("queue", wire=_wire_queue)
def _queue(engine: Engine, comp: Component) -> Node:
    clock, later = engine.clock, engine.later
    publish = (
        sampler(comp.service_ms, stream(engine.seed, "service", comp.name), batch=engine.batch)
        if comp.service_ms
        else None
    )
    front = Station(f"{comp.name}[publish]", clock, later, None, publish, nest=engine.nest)
    parts = [
        Station(f"{comp.name}[p{i}]", clock, later, 1, None, nest=engine.nest)
        for i in range(comp.replica_count())
    ]
    return QueueNode(comp.name, front, parts, comp.capacity, engine.branch_done)


@builds("matcher", wire=_wire_then)
def _matcher(engine: Engine, comp: Component) -> Node:
    assert comp.calibration is not None  # the kind requires it
    window = None if comp.batch_window_ms is None else comp.batch_window_ms / 1000.0
    stations = [
        BatchStation(
            f"{comp.name}[{i}]",
            engine.clock,
            engine.later,
            comp.workers or 1,
            comp.calibration,
            window,
            comp.batch_max,
            py_stream(engine.seed, "service", f"{comp.name}#{i}"),
        )
        for i in range(comp.replica_count())
    ]
    return MatcherNode(comp.name, stations)


def unbuilt_kinds() -> list[str]:
    """Kinds the design language knows but the engine cannot build (should be empty)."""
    return sorted(set(KINDS) - set(BUILDERS))
