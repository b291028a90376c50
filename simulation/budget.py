"""The work budget: how many engine events a run will take, estimated before it starts.

Events are counted the way the engine spends its time: one per arrival, one per visit to a
component (service completions, calls, hand-offs, fan-out jobs), plus the arrival process's
own bookkeeping (burst switches, thinned diurnal draws) and the time-series ticks over every
replica. Visits are an upper bound (every cache lookup a miss). A design whose backlog will
grow without bound is stopped by the in-flight cap long before its duration, so its estimate
covers the time until then (twice over, to be safe) rather than the whole run.

Walking the design is a loop over a topological order, never recursion, so a 1,000-step
``then`` chain costs a thousand steps here too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from designs.bounds import DEFAULT_MAX_EVENTS
from designs.schema import Component, Design
from freightlab.errors import InputError
from simulation.engine import max_buckets

__all__ = ["DEFAULT_MAX_EVENTS", "WorkBudgetError", "WorkEstimate", "check_budget", "check_runs"]
RUNS_BUDGET = 10  # a comparison or replications may take this many runs' worth
TICK_COST = 0.25  # a time-series tick per replica, in events


class WorkBudgetError(InputError):
    """A run that would take too long; the message says the estimate and the limit."""


@dataclass(frozen=True)
class WorkEstimate:
    events: float
    arrivals: float
    steps_per_request: float  # visits to components per request, on average
    simulated_s: float  # how long the run is expected to go on (shorter when it will stop)
    stops_early: bool


def estimate_work(design: Design, duration_s: float, max_in_system: int) -> WorkEstimate:
    """Engine events to simulate ``design`` for ``duration_s`` seconds."""
    order = _order(design)
    arrivals = 0.0
    visits_total = 0.0
    overhead = 0.0
    sure_flow: dict[str, float] = {c.name: 0.0 for c in design.components}
    for rc in design.workload.classes:
        a = rc.arrival
        rate = a.mean_rate(duration_s)
        arrivals += rate * duration_s
        visits = _visits(design, order, rc.entry, upper=True)
        visits_total += rate * duration_s * sum(visits.values())
        overhead += _arrival_overhead(a.process, a, duration_s)
        for name, v in _visits(design, order, rc.entry, upper=False).items():
            sure_flow[name] += rate * v
    steps = visits_total / arrivals if arrivals > 0 else 0.0
    t_stop = _time_to_stop(design, sure_flow, arrivals / duration_s, max_in_system)
    simulated = duration_s if t_stop is None else min(duration_s, 2.0 * t_stop)
    share = simulated / duration_s
    stations = sum(c.replica_count() + 1 for c in design.components)
    buckets = max_buckets(len(design.components), len(design.workload.classes))
    ticks = min(float(buckets), simulated) * stations * TICK_COST
    events = (arrivals + visits_total + overhead) * share + ticks + 2 * len(design.faults)
    return WorkEstimate(events, arrivals * share, steps, simulated, simulated < duration_s)


def check_budget(
    design: Design, duration_s: float, max_in_system: int, max_events: int | None = None
) -> WorkEstimate:
    """The estimate, or WorkBudgetError when it is over ``max_events`` (default: the
    design's own ``workload.max_events``, else DEFAULT_MAX_EVENTS)."""
    limit = max_events or design.workload.max_events or DEFAULT_MAX_EVENTS
    est = estimate_work(design, duration_s, max_in_system)
    if est.events > limit:
        rate = est.arrivals / est.simulated_s if est.simulated_s > 0 else 0.0
        raise WorkBudgetError(
            f"design '{design.name}': about {est.events:,.0f} events to simulate "
            f"({rate:,.4g} requests/s x {est.simulated_s:,.6g} s x "
            f"{1 + est.steps_per_request:.3g} steps each), over the limit of {limit:,}: "
            "shorten --duration, lower the rate, or raise --max-events (or workload.max_events)"
        )
    return est


def check_runs(design: Design, events: list[float], what: str) -> None:
    """Several runs together (a comparison's rates, replications) may take RUNS_BUDGET runs'
    worth of the per-run limit; WorkBudgetError past that."""
    limit = design.workload.max_events or DEFAULT_MAX_EVENTS
    total = sum(events)
    if total > RUNS_BUDGET * limit:
        raise WorkBudgetError(
            f"{what}: about {total:,.0f} events over {len(events)} runs, over {RUNS_BUDGET} "
            f"times the per-run limit of {limit:,}: use fewer runs or a shorter --duration, "
            "or raise --max-events"
        )


def _order(design: Design) -> list[Component]:
    """Components in an order where every component comes before those it routes to
    (Kahn's algorithm; the schema has already refused cycles)."""
    by_name = {c.name: c for c in design.components}
    indegree = dict.fromkeys(by_name, 0)
    for c in design.components:
        for _f, t in c.successors():
            if t in indegree:
                indegree[t] += 1
    ready = [n for n, d in indegree.items() if d == 0]
    out: list[Component] = []
    while ready:
        name = ready.pop()
        out.append(by_name[name])
        for _f, t in by_name[name].successors():
            if t in indegree:
                indegree[t] -= 1
                if indegree[t] == 0:
                    ready.append(t)
    return out


def _visits(design: Design, order: list[Component], entry: str, *, upper: bool) -> dict[str, float]:
    """Visits per request at each component. ``upper``: every cache lookup misses (for the
    work). Otherwise only the flow sure to arrive (caches hit, limits and broker capacity
    cut it), for telling whether a backlog must grow."""
    v = {c.name: 0.0 for c in order}
    v[entry] = 1.0
    for c in order:
        here = v[c.name]
        if here == 0.0:
            continue
        if c.kind == "notifier":
            v[c.name] = here * (c.fanout or 1)
        passed = here
        if not upper and c.kind == "gateway" and c.rate_limit_rps is not None:
            passed = 0.0  # a rate limit may reject any share
        for field, target in c.successors():
            if target not in v:
                continue
            share = passed
            if field == "on_miss":
                share = passed * (1.0 - c.hit_ratio) if c.hit_ratio is not None else 0.0
                share = passed if upper else share
            elif field == "targets":
                share = passed * _target_share(design, c, target)
            elif field == "consumers" and not upper and c.capacity is not None:
                share = 0.0
            if upper and field == "calls" and c.retry is not None:
                share *= c.retry.attempts  # every attempt may be made
            if upper and field == "consumers" and c.max_deliveries:
                share *= c.max_deliveries  # every delivery may be retried
            v[target] += share
    return v


def _target_share(design: Design, lb: Component, target: str) -> float:
    reps = {t: design.component(t).replica_count() for t in lb.targets}
    total = sum(reps.values())
    return reps.get(target, 0) / total if total else 0.0


def _arrival_overhead(process: str, a: object, duration_s: float) -> float:
    from designs.schema import Arrival

    assert isinstance(a, Arrival)
    if process == "bursty":
        cycle = float(a.burst_every_s or 1.0) + float(a.burst_duration_s or 1.0)
        return 2.0 * duration_s / cycle
    if process == "diurnal":
        return float(a.rate_rps or 0.0) * float(a.amplitude or 0.0) * duration_s
    return 0.0


def _time_to_stop(
    design: Design, sure_flow: dict[str, float], request_rate: float, max_in_system: int
) -> float | None:
    """Seconds until the in-flight cap trips, when some unbounded queue must grow: requests
    pile up at (arrival rate - capacity) there. None when no backlog is sure to grow."""
    growth = 0.0
    for c in design.components:
        servers = c.servers()
        if servers is None or c.queue_limit is not None or c.timeout_ms is not None:
            continue
        if c.kind not in ("service", "database", "notifier"):
            continue
        mean_s = c.mean_service_ms() / 1000.0
        lam = sure_flow.get(c.name, 0.0)
        if mean_s <= 0 or lam <= 0:
            continue
        capacity = servers * c.replica_count() / mean_s
        if lam > 1.05 * capacity:
            per_request = lam / request_rate if request_rate > 0 else 1.0
            growth = max(growth, (lam - capacity) / max(per_request, 1.0))
    if growth <= 0 or not math.isfinite(growth):
        return None
    return max_in_system / growth
