"""Visits and failures by the operational laws, for any design (retries included).

Queueing formulas (``simulation.analytic``) cover few designs; the flow of requests is
algebra that holds for all of them as long as failures are independent draws:

- a visit to X fails with f(X) = 1 - (1 - fail_ratio) x P(its calls succeed) x P(its
  ``then`` successor succeeds) (a fan-out of n sends needs all n: (1 - p)^n);
- a call with ``retry = { attempts = n }`` to a callee failing with probability p sends it
  1 + p + ... + p^(n-1) visits per call and fails with probability p^n;
- calls are made in order, so call j is made only if calls 1..j-1 succeeded;
- a broker redelivers a message whose consumer failed up to ``max_deliveries`` = N times:
  the consumer sees 1 + q + ... + q^(N-1) deliveries per message and q^N of the messages go
  to ``dead_letter``.

Cache hits come from the hit ratio (fixed, or Che's approximation for the class's keys).
What the algebra leaves out is listed in ``notes``: breakers, timeouts, queue limits, rate
limits and faults change failures in ways that depend on time, not on a fixed probability.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from designs.schema import Component, Design, RequestClass
from simulation.theory.bounds import StationDemand, bottleneck_bound


@dataclass(frozen=True)
class FlowComponent:
    name: str
    visits: float  # arrivals per request offered (retries and redeliveries included)
    arrival_rate_rps: float
    fail_probability: float  # that a visit here ends failed (its calls' retries spent)
    utilization: float | None  # offered rate x visits x own service / workers; None: delay
    exact: bool  # False when calls hold workers beyond the own service (a lower bound)


@dataclass(frozen=True)
class FlowClass:
    name: str
    offered_rps: float
    failed_fraction: float  # of requests whose response path fails
    success_ratio: float
    dead_lettered_fraction: float  # of requests whose async message ends in a dead letter


@dataclass(frozen=True)
class FlowPrediction:
    components: dict[str, FlowComponent]
    classes: dict[str, FlowClass]
    max_throughput_rps: float  # bottleneck bound on own work (calls' holds left out)
    bottleneck: str | None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        if out["max_throughput_rps"] == float("inf"):
            out["max_throughput_rps"] = None
        return out


def _attempts(c: Component) -> int:
    return c.retry.attempts if c.retry is not None else 1


def _retry_factor(p: float, n: int) -> float:
    return float(sum(p**i for i in range(n)))


class _ClassFlow:
    """Failure probabilities (bottom-up) and visits (top-down) for one request class."""

    def __init__(self, design: Design, rc: RequestClass, order: list[Component]) -> None:
        self.design = design
        self.rc = rc
        self.order = order
        self.by_name = {c.name: c for c in order}
        self.fail: dict[str, float] = {}
        self.station_ok: dict[str, float] = {}  # success before the ``then`` hand-off
        self.dead: float = 0.0
        for c in reversed(order):
            self.fail[c.name] = 1.0 - self._success(c)
        self.visits = {c.name: 0.0 for c in order}
        self.visits[rc.entry] = 1.0
        for c in order:
            if self.visits[c.name] > 0:
                self._push(c, self.visits[c.name])

    def hit_ratio(self, c: Component) -> float:
        if c.hit_ratio is not None:
            return c.hit_ratio
        keys = self.rc.keys
        if keys is None or c.capacity is None:
            return 0.0
        from simulation.theory.cache import lfu_hit_ratio, lru_hit_ratio, zipf_popularity

        s = keys.s if keys.dist == "zipf" else 0.0
        pop = zipf_popularity(keys.count, s)
        solver = lfu_hit_ratio if c.effective_policy() == "lfu" else lru_hit_ratio
        return float(solver(pop, c.capacity))

    def _calls_success(self, c: Component) -> float:
        ok = 1.0
        for callee in c.calls:
            ok *= 1.0 - self.fail[callee] ** _attempts(c)
        return ok

    def _success(self, c: Component) -> float:
        own = 1.0 - (c.fail_ratio or 0.0)
        ok = own * self._calls_success(c)
        if c.fanout:
            ok = ok ** (c.fanout or 1)
        if c.on_miss:
            h = self.hit_ratio(c)
            ok = own * (h + (1.0 - h) * (1.0 - self.fail[c.on_miss]))
        if c.targets:
            total = sum(self.by_name[t].replica_count() for t in c.targets)
            ok = sum(
                self.by_name[t].replica_count() / total * (1.0 - self.fail[t]) for t in c.targets
            )
        if c.consumers:
            ok = 1.0  # publishing ends the response; the async side is counted apart
        self.station_ok[c.name] = ok
        if c.then:
            ok *= 1.0 - self.fail[c.then]
        return ok

    def _push(self, c: Component, v: float) -> None:
        own = 1.0 - (c.fail_ratio or 0.0)
        reach = v * own  # visits whose own work succeeded go on to their calls
        n = _attempts(c)
        for callee in c.calls:
            p = self.fail[callee]
            self.visits[callee] += reach * _retry_factor(p, n)
            reach *= 1.0 - p**n
        if c.then:
            self.visits[c.then] += v * self.station_ok[c.name]
        if c.on_miss:
            self.visits[c.on_miss] += v * own * (1.0 - self.hit_ratio(c))
        if c.targets:
            total = sum(self.by_name[t].replica_count() for t in c.targets)
            for t in c.targets:
                self.visits[t] += v * self.by_name[t].replica_count() / total
        if c.consumers:
            q = self.fail[c.consumers]
            n_del = c.max_deliveries or 1
            self.visits[c.consumers] += v * _retry_factor(q, n_del)
            if c.dead_letter:
                self.visits[c.dead_letter] += v * q**n_del
                self.dead += v * q**n_del


def _order(design: Design) -> list[Component]:
    import networkx as nx

    g = nx.DiGraph()
    for c in design.components:
        g.add_node(c.name)
        for _f, target in c.successors():
            g.add_edge(c.name, target)
    return [design.component(n) for n in nx.lexicographical_topological_sort(g)]


def _notes(design: Design) -> list[str]:
    notes = []
    for c in design.components:
        where = f"component '{c.name}'"
        if c.circuit_breaker is not None:
            notes.append(f"{where}: an open breaker fails calls for a while (not a fixed ratio)")
        if c.timeout_ms is not None or c.queue_limit is not None or c.rate_limit_rps:
            notes.append(f"{where}: timeouts, queue limits and rate limits are left out")
        if c.calls:
            notes.append(f"{where}: its utilisation counts its own work only (calls hold more)")
    if design.faults:
        notes.append("faults are left out (the algebra is for steady failure ratios)")
    return notes


def flow(design: Design) -> FlowPrediction:
    """Visits, arrival rates, failure probabilities and own-work utilisation per component."""
    order = _order(design)
    rates = {
        rc.name: rc.arrival.mean_rate(design.workload.duration_s) for rc in design.workload.classes
    }
    total = sum(rates.values())
    lam = {c.name: 0.0 for c in order}
    failing = {c.name: 0.0 for c in order}  # failed visits per second
    classes: dict[str, FlowClass] = {}
    for rc in design.workload.classes:
        cf = _ClassFlow(design, rc, order)
        for name, v in cf.visits.items():
            comp = design.component(name)
            per_visit = float(comp.fanout or 1)  # a fan-out visit is that many sends
            lam[name] += rates[rc.name] * v * per_visit
            p = (comp.fail_ratio or 0.0) if comp.fanout else cf.fail[name]
            failing[name] += rates[rc.name] * v * per_visit * p
        failed = cf.fail[rc.entry]
        classes[rc.name] = FlowClass(rc.name, rates[rc.name], failed, 1.0 - failed, cf.dead)
    comps: dict[str, FlowComponent] = {}
    demands = []
    for c in order:
        servers = c.servers()
        workers = None if servers is None else servers * c.replica_count()
        own_s = c.mean_service_ms() / 1000.0
        visits = lam[c.name] / total if total else 0.0
        util = None if not workers or c.consumers else lam[c.name] * own_s / workers
        p_fail = failing[c.name] / lam[c.name] if lam[c.name] > 0 else 0.0
        comps[c.name] = FlowComponent(
            c.name, visits, lam[c.name], p_fail, util, exact=not c.calls and not c.consumers
        )
        if not c.consumers:
            demands.append(StationDemand(c.name, workers, visits * own_s))
    bound = bottleneck_bound(demands)
    return FlowPrediction(comps, classes, bound.max_throughput, bound.bottleneck, _notes(design))


def flow_summary(result: object, prediction: FlowPrediction) -> str:
    """One sentence: what the flow algebra predicts for failures and retried visits, beside
    what the run measured (only when the design fails requests or retries calls)."""
    from simulation.results import SimResult

    assert isinstance(result, SimResult)
    retried = [
        n
        for n, fc in prediction.components.items()
        if n in result.components and abs(fc.visits - round(fc.visits)) > 1e-9
    ]
    failing = {n: fc for n, fc in prediction.classes.items() if fc.failed_fraction > 0}
    if not retried and not failing:
        return ""
    parts = []
    for n in retried[:3]:
        parts.append(
            f"'{n}' {prediction.components[n].visits:.3f} visits per request"
            f" (simulated {result.components[n].visits:.3f})"
        )
    for n, fc in list(failing.items())[:3]:
        cs = result.classes.get(n)
        measured = cs.failed / cs.offered if cs is not None and cs.offered else 0.0
        parts.append(f"class '{n}' fails {fc.failed_fraction:.2%} (simulated {measured:.2%})")
    return (
        "Flow algebra (independent failures; n attempts send 1 + p + ... + p^(n-1) visits and"
        " fail p^n; breakers, timeouts and faults left out): " + "; ".join(parts) + "."
    )
