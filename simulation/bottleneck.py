"""Which component saturates first, and why, in words a reviewer can check.

The operational laws do the work: a component's demand per request is
D = visits x mean hold time per visit; with W workers it can carry at most W / D requests
per second (the bottleneck bound); utilisation = offered rate x D / W. A component is
saturated when its offered load (arrival rate x hold time / workers) reaches 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from designs.kinds import KINDS
from simulation.results import ComponentStats

SATURATED_LOAD = 1.0
SATURATED_UTIL = 0.95


@dataclass(frozen=True)
class Bottleneck:
    name: str
    explanation: str
    saturated: list[str]


def offered_load(c: ComponentStats) -> float | None:
    """Offered load per worker (rho); None for pure delays or when nothing was served."""
    if not c.workers or c.served == 0:
        return None
    return c.arrival_rate_rps * (c.mean_hold_ms / 1000.0) / c.workers


def capacity_rps(c: ComponentStats) -> float | None:
    """Requests/s the design can push through this component (workers / demand)."""
    if not c.workers or c.visits <= 0 or c.mean_hold_ms <= 0:
        return None
    return c.workers / (c.visits * c.mean_hold_ms / 1000.0)


def saturated_components(comps: dict[str, ComponentStats]) -> list[str]:
    out = []
    for name, c in comps.items():
        rho = offered_load(c)
        if rho is not None and rho >= SATURATED_LOAD and c.utilization >= SATURATED_UTIL:
            out.append(name)
    return out


def find_bottleneck(
    comps: dict[str, ComponentStats],
    offered_rps: float,
    *,
    growing_queue: str | None = None,
) -> Bottleneck:
    """The saturating component (the one whose queue grew when the run was stopped, else
    the most utilised; among near-equals the one doing its own work rather than waiting on
    synchronous calls), with a one-paragraph explanation."""
    saturated = saturated_components(comps)
    finite = {n: c for n, c in comps.items() if c.workers}
    if growing_queue is not None and growing_queue in comps:
        name = growing_queue
    elif finite:
        top = max(c.utilization for c in finite.values())
        near = [n for n, c in finite.items() if c.utilization >= top - 0.02]
        name = max(near, key=lambda n: (_own_util(finite[n]), finite[n].mean_queue_len))
    elif comps:
        name = max(comps, key=lambda n: comps[n].mean_in_system)
    else:  # pragma: no cover - a design has at least one component
        return Bottleneck("", "", saturated)
    return Bottleneck(name, _explain(name, comps[name], offered_rps, name in saturated), saturated)


def _own_util(c: ComponentStats) -> float:
    return c.utilization * (c.mean_service_ms / c.mean_hold_ms) if c.mean_hold_ms > 0 else 0.0


def _explain(name: str, c: ComponentStats, offered_rps: float, saturated: bool) -> str:
    if not c.workers:
        return (
            f"'{name}' adds the most time per request ({c.mean_in_system:.2f} requests inside "
            f"on average) but has no worker limit, so no component limits throughput."
        )
    style = KINDS[c.kind].bottleneck if c.kind in KINDS else "workers"
    return _EXPLAINERS[style](name, c, offered_rps, saturated)


def _explain_partitions(name: str, c: ComponentStats, offered_rps: float, saturated: bool) -> str:
    """A broker: partitions that each hold a message until its consumer is done."""
    cap = capacity_rps(c)
    head = "saturates first" if saturated else "is the bottleneck"
    text = (
        f"'{name}' (queue) {head}: its {c.workers} partition(s) were delivering"
        f" {c.utilization:.0%} of the time. Each partition hands one message at a time to"
        f" its consumer and waits {c.mean_hold_ms:.1f} ms until the consumer is done, so"
        f" the partitions can pass at most about {cap or 0.0:.1f} messages/s against"
        f" {c.arrival_rate_rps:.1f} published; messages wait {c.mean_wait_ms:.1f} ms"
        f" in the broker (mean lag {c.mean_queue_len:.1f})."
    )
    if saturated:
        text += " The lag grows without bound."
    return text + " More partitions (and consumers) would let more messages be handled in parallel."


def _explain_workers(name: str, c: ComponentStats, offered_rps: float, saturated: bool) -> str:
    assert c.workers
    demand_ms = c.visits * c.mean_hold_ms
    cap = capacity_rps(c)
    per = c.workers // max(1, c.replicas)
    calls = ""
    if c.mean_hold_ms > c.mean_service_ms * 1.05:
        calls = (
            f" ({c.mean_service_ms:.1f} ms of its own work, the rest waiting on synchronous calls)"
        )
    parts = [
        f"'{name}' ({c.kind}) {'saturates first' if saturated else 'is the bottleneck'}:"
        f" its {c.workers} worker(s)"
        f" ({c.replicas} replica(s) x {per}) were busy {c.utilization:.0%} of the time.",
        f"Each request visits it {c.visits:.2f} time(s) and holds a worker"
        f" {c.mean_hold_ms:.1f} ms per visit{calls}, a demand of {demand_ms:.1f} ms per request,",
    ]
    if cap is not None:
        parts.append(
            f"so the design can carry at most about {cap:.1f} requests/s against"
            f" {offered_rps:.1f} offered."
        )
    if saturated:
        parts.append(
            "Offered load is at or above that capacity: its queue grows without bound"
            + (f" (or overflows: {c.dropped} dropped)." if c.dropped else ".")
        )
    elif c.mean_wait_ms > 0:
        parts.append(f"Requests wait {c.mean_wait_ms:.1f} ms on average before it starts them.")
    if c.kind in KINDS and KINDS[c.kind].scalable and cap is not None:
        w_new = c.workers + per
        busy = offered_rps * demand_ms / 1000.0  # workers busy on average at this load
        if busy < w_new:
            parts.append(
                f"Adding one replica ({w_new} workers) would bring its utilisation to about"
                f" {busy / w_new:.0%} and raise that bound to"
                f" {cap * w_new / c.workers:.1f} requests/s."
            )
        else:
            replicas = math.floor(busy / per) + 1
            parts.append(
                f"One more replica would not be enough: this load keeps {busy:.1f} workers busy"
                f" on average, so it needs at least {replicas} replicas of {per}"
                f" ({replicas * per} workers) just to keep up, more for short waits."
            )
    else:
        parts.append("More workers here would raise that bound proportionally.")
    return " ".join(parts)


_EXPLAINERS = {"workers": _explain_workers, "partitions": _explain_partitions}
