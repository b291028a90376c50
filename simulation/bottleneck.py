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
from freightlab import numbers as fmt
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
            f"'{name}' adds the most time per request ({fmt.num(c.mean_in_system)} requests"
            " inside on average) but has no worker limit, so no component limits throughput."
        )
    style = KINDS[c.kind].bottleneck if c.kind in KINDS else "workers"
    return _EXPLAINERS[style](name, c, offered_rps, saturated)


def _explain_partitions(name: str, c: ComponentStats, offered_rps: float, saturated: bool) -> str:
    """A broker: partitions that each hold a message until its consumer is done."""
    cap = capacity_rps(c)
    head = "saturates first" if saturated else "is the bottleneck"
    text = (
        f"'{name}' (queue) {head}: its {fmt.count(c.workers or 0)} partition(s) were delivering"
        f" {fmt.pct(c.utilization)} of the time. Each partition hands one message at a time"
        f" to its consumer and waits {fmt.ms(c.mean_hold_ms)} until the consumer is done, so"
        f" the partitions can pass at most about {fmt.rate(cap or 0.0, 'messages/s')}"
        f" against {fmt.num(c.arrival_rate_rps)} published; messages wait"
        f" {fmt.ms(c.mean_wait_ms)} in the broker (mean lag {fmt.num(c.mean_queue_len)})."
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
            f" ({fmt.ms(c.mean_service_ms)} of its own work, the rest waiting on synchronous calls)"
        )
    busy_text = (
        f"its serving workers ({per} per replica) were busy {fmt.pct(c.utilization)} of the time."
        if c.autoscaled
        else f"its {fmt.count(c.workers)} worker(s) ({fmt.count(c.replicas)} replica(s) x {per})"
        f" were busy {fmt.pct(c.utilization)} of the time."
    )
    parts = [
        f"'{name}' ({c.kind}) {'saturates first' if saturated else 'is the bottleneck'}:"
        f" {busy_text}",
        f"Each request visits it {fmt.num(c.visits)} time(s) and holds a worker"
        f" {fmt.ms(c.mean_hold_ms)} per visit{calls}, a demand of {fmt.ms(demand_ms)} per"
        " request,",
    ]
    if cap is not None:
        parts.append(
            f"so the design can carry at most about {fmt.rate(cap, 'requests/s')} against"
            f" {fmt.num(offered_rps)} offered."
        )
    if saturated:
        parts.append(
            "Offered load is at or above that capacity: its queue grows without bound"
            + (f" (or overflows: {fmt.count(c.dropped)} dropped)." if c.dropped else ".")
        )
    elif c.mean_wait_ms > 0:
        parts.append(f"Requests wait {fmt.ms(c.mean_wait_ms)} on average before it starts them.")
    if c.autoscaled:
        parts.append(
            f"An autoscaler sized it: {fmt.num(c.replicas_mean)} replicas on average (at most"
            f" {fmt.count(c.replicas)}), {c.cost_per_hour:.2f}/h. A lower target_utilization or"
            " a higher max buys shorter waits at a higher cost."
        )
    elif c.kind in KINDS and KINDS[c.kind].scalable and cap is not None:
        busy = offered_rps * demand_ms / 1000.0  # workers busy on average at this load
        parts.append(_replica_advice(c, cap, per, busy))
        if busy < c.workers + per:
            parts.append(_replica_trade(c, per))
    else:
        parts.append("More workers here would raise that bound proportionally.")
    return " ".join(p for p in parts if p)


def _unit_cost(c: ComponentStats) -> float:
    return c.cost_per_hour / c.replicas_mean if c.replicas_mean > 0 else 0.0


def _erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load a = lambda / mu (< c)."""
    term, total = 1.0, 1.0
    for k in range(1, c):
        term *= a / k
        total += term
    last = term * a / c * (c / (c - a))
    return last / (total + last)


def mmc_p99_s(lam: float, mu: float, c: int) -> float | None:
    """p99 of response time (wait + service) in M/M/c, by bisection on its tail; None when
    the station is unstable. Pure Python, so advice needs no scipy import."""
    if lam >= c * mu:
        return None
    wait_p = _erlang_c(c, lam / mu)
    theta = c * mu - lam

    def tail(t: float) -> float:
        if abs(theta - mu) < 1e-12:
            both = math.exp(-mu * t) * (1.0 + mu * t)
        else:
            both = (mu * math.exp(-theta * t) - theta * math.exp(-mu * t)) / (mu - theta)
        return (1.0 - wait_p) * math.exp(-mu * t) + wait_p * both

    lo, hi = 0.0, 1.0 / mu
    while tail(hi) > 0.01:
        hi *= 2.0
    for _ in range(60):
        mid = (lo + hi) / 2.0
        lo, hi = (mid, hi) if tail(mid) > 0.01 else (lo, mid)
    return hi


def _replica_trade(c: ComponentStats, per: int) -> str:
    """'One more replica: +0.10/h; by M/M/2 per replica its p99 would fall about 40% (…)':
    M/M/c per replica (round-robin split, exponential holds: an estimate, said so)."""
    if c.mean_hold_ms <= 0 or c.replicas < 1:
        return ""
    mu = 1000.0 / c.mean_hold_ms
    reps = max(1, round(c.replicas_mean))
    before = mmc_p99_s(c.arrival_rate_rps / reps, mu, per)
    after = mmc_p99_s(c.arrival_rate_rps / (reps + 1), mu, per)
    if before is None or after is None or before <= 0:
        return ""
    cut = 1.0 - after / before
    change = f"fall about {cut:.0%}" if cut >= 0 else f"rise about {-cut:.0%}"
    return (
        f"One more replica: +{_unit_cost(c):.2f}/h; by M/M/{per} per replica its p99 would"
        f" {change} ({fmt.ms(before * 1e3)} → {fmt.ms(after * 1e3)})."
    )


def failure_note(
    failed: int,
    offered: int,
    comps: dict[str, ComponentStats],
    calls: dict[str, list[str]] | None = None,
) -> str:
    """Where requests failed and what retries and breakers did, for the paragraph.
    ``calls`` (component -> its synchronous callees) points past a caller whose failures
    are its calls' to the callees."""
    if failed <= 0 or offered <= 0:
        return ""
    worst = max(comps, key=lambda n: comps[n].failed)
    w = comps[worst]
    callees = (calls or {}).get(worst, [])
    why = ""
    if callees and w.failed:
        names = ", ".join(f"'{c}'" for c in callees)
        why = f", where calls to {names} failed, timed out or were refused"
    text = (
        f" {failed} of {offered} requests ({failed / offered:.1%}) did not complete; most"
        f" failed visits were at '{worst}' ({w.failed} of {w.arrivals} visits{why})."
    )
    retries = sum(c.retries for c in comps.values())
    if retries:
        text += (
            f" Retries added {retries} calls ({retries / offered:.2f} per request), load the"
            " callee carries on top of the requests themselves."
        )
    short = sum(c.short_circuited for c in comps.values())
    if short:
        text += f" Open circuit breakers failed {short} calls at once, sparing the callee."
    return text


def _replica_advice(c: ComponentStats, cap: float, per: int, busy: float) -> str:
    """What one more replica would do; ``busy`` = workers busy on average at this load."""
    assert c.workers
    w_new = c.workers + per
    if busy < w_new:
        return (
            f"Adding one replica ({fmt.count(w_new)} workers) would bring its utilisation to"
            f" about {fmt.pct(round(busy / w_new, 2))} and raise that bound to"
            f" {fmt.rate(cap * w_new / c.workers, 'requests/s')}."
        )
    replicas = math.floor(busy / per) + 1
    more = replicas - max(1, round(c.replicas_mean))
    return (
        f"One more replica would not be enough: this load keeps {fmt.num(busy)} workers busy"
        f" on average, so it needs at least {fmt.count(replicas)} replicas of {per}"
        f" ({fmt.count(replicas * per)} workers) just to keep up, more for short waits"
        f" (+{more * _unit_cost(c):.2f}/h)."
    )


_EXPLAINERS = {"workers": _explain_workers, "partitions": _explain_partitions}
