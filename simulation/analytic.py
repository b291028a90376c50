"""What queueing theory says about a design, so every result can show "theory says" beside
"simulated", and flag where they disagree.

Theory covers designs built from Poisson arrivals, ``service``/``database`` stations (FCFS,
replicas x workers, no queue limit, no timeout, no synchronous calls), pure delays (a gateway
without rate limit or workers, a load balancer), ``then`` hand-offs and load balancers that
split evenly (``random`` or ``round_robin``). Such a design is a feed-forward open network:

- with exponential service and Poisson (or randomly split) input each replica is an exact
  M/M/c (Jackson); a lone single-server station with general service is an exact M/G/1 (P-K);
- round robin is NOT Poisson splitting: each of R replicas gets every R-th request, i.e.
  Erlang-R interarrivals, which queue less than Poisson ones. With exponential service each
  replica is then an exact E_R/M/c (GI/M/c theory); with general service, or input that is not
  Poisson (downstream of a non-exponential or round-robin-fed station), the figures come from
  the Allen-Cunneen GI/G/c approximation and are marked ``exact=False``.

Mean end-to-end response per class is the sum over components of visits x mean response
there, which holds by linearity whatever the dependence between stations. Percentiles are
given only where the response distribution is known in closed form.

Caches, brokers, notifiers, rate limits, queue limits, timeouts, synchronous calls, faults,
failures, autoscaling and non-Poisson arrivals are out of reach: ``predict`` returns None and
``coverage_gaps`` says why. Which kinds are stations, delays or out of reach comes from the
kind registry (``designs.kinds``). Visits with retries, failed fractions and own-work
utilisation hold for every design by the operational laws: ``simulation.flow``.

Comparing a run with these figures: :mod:`simulation.theory_check`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from designs.kinds import KINDS
from designs.schema import Component, Design
from simulation.theory.bounds import StationDemand, bottleneck_bound
from simulation.theory.jackson import hypoexp_tail
from simulation.theory.queues import (
    QueueResult,
    ServiceMoments,
    gi_g_c_approx,
    mgc,
    round_robin_mc,
)

PERCENTILES = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))
_EVEN_STRATEGIES = frozenset({"round_robin", "random"})

InputKind = Literal["poisson", "round_robin", "other"]
# A chain's response percentiles take a dense matrix exponential per root-finding step, of
# the chain's length squared: past this many stations that is seconds, not milliseconds.
MAX_PERCENTILE_CHAIN = 50


@dataclass(frozen=True)
class ComponentTheory:
    """Expected steady-state figures, in the units of ``ComponentStats``."""

    name: str
    model: str  # "M/M/3", "E3/M/1 (round robin)", "M/G/1", "delay", ...
    arrival_rate_rps: float  # into the whole component (all replicas)
    visits: float  # arrivals here per request offered to the design
    utilization: float
    mean_wait_ms: float
    mean_queue_len: float  # summed over replicas
    mean_in_system: float  # summed over replicas
    mean_response_ms: float  # wait + service, per visit
    exact: bool
    is_delay: bool = False


@dataclass(frozen=True)
class ClassTheory:
    name: str
    offered_rps: float
    mean_response_ms: float
    percentiles_ms: dict[str, float]  # "p50"/"p95"/"p99" where the distribution is known
    exact: bool


@dataclass(frozen=True)
class Prediction:
    design: str
    stable: bool
    exact: bool  # every figure exact (not an approximation)
    components: dict[str, ComponentTheory]
    classes: dict[str, ClassTheory]
    max_throughput_rps: float  # the bottleneck bound for this class mix
    bottleneck: str | None
    saturated: list[str]  # components at or above utilisation 1
    coverage_notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (infinite figures of an unstable design become null)."""
        return _finite(asdict(self))


# --- coverage --------------------------------------------------------------------------


def coverage_gaps(design: Design) -> list[str]:
    """Why theory cannot predict this design (empty when it can)."""
    gaps: list[str] = []
    for rc in design.workload.classes:
        if rc.arrival.process != "poisson":
            gaps.append(f"class '{rc.name}': {rc.arrival.process} arrivals (theory needs Poisson)")
    if design.faults:
        gaps.append("faults change capacity mid-run; steady-state theory does not apply")
    for c in design.components:
        where = f"component '{c.name}'"
        spec = KINDS[c.kind]
        if spec.theory == "none":
            why = f" ({spec.theory_gap})" if spec.theory_gap else ""
            gaps.append(f"{where}: a {c.kind} is not covered by the queueing formulas{why}")
            continue
        if c.calls:
            gaps.append(
                f"{where}: synchronous calls hold a worker across stations (no product form)"
            )
        if c.queue_limit is not None:
            gaps.append(f"{where}: queue_limit drops requests (theory assumes unbounded queues)")
        if c.timeout_ms is not None:
            gaps.append(f"{where}: timeout_ms abandons requests")
        if c.rate_limit_rps is not None:
            gaps.append(f"{where}: a rate limit rejects requests")
        if c.fail_ratio:
            gaps.append(
                f"{where}: fail_ratio ends requests early (the flow block gives their visits"
                " and failed fraction)"
            )
        if c.autoscale is not None:
            gaps.append(f"{where}: autoscale changes its capacity over time")
        if c.targets and c.effective_strategy() not in _EVEN_STRATEGIES:
            gaps.append(
                f"{where}: strategy {c.effective_strategy()} has no closed form "
                "(theory covers round_robin and random)"
            )
        if spec.theory == "delay" and c.workers is not None and c.service_ms is None:
            gaps.append(f"{where}: workers without service_ms")
    return gaps


def predict(design: Design) -> Prediction | None:
    """Theory's figures for ``design``, or None when it is out of reach (see coverage_gaps)."""
    if coverage_gaps(design):
        return None
    return _predict(design)


def predict_or_explain(design: Design) -> tuple[Prediction | None, list[str]]:
    """(prediction, []) when theory covers the design, else (None, the reasons why not)."""
    gaps = coverage_gaps(design)
    return (None, gaps) if gaps else (_predict(design), [])


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


# --- the network -----------------------------------------------------------------------


def _moments(c: Component) -> ServiceMoments | None:
    """Service time in seconds; None for a zero-time component."""
    if c.service_ms is None or c.service_ms.mean_value() <= 0:
        return None
    return ServiceMoments(c.service_ms.mean_value() / 1000.0, c.service_ms.scv())


def _mean_s(c: Component) -> float:
    m = _moments(c)
    return m.mean if m is not None else 0.0


def _is_delay(c: Component) -> bool:
    """A kind the registry calls a delay stage (theory "delay"), without workers."""
    return KINDS[c.kind].theory == "delay" and c.workers is None


def _topological(design: Design) -> list[Component]:
    import networkx as nx

    g = nx.DiGraph()
    for c in design.components:
        g.add_node(c.name)
        for _, target in c.successors():
            g.add_edge(c.name, target)
    order = list(nx.lexicographical_topological_sort(g))
    return [design.component(n) for n in order]


def _lb_shares(design: Design, lb: Component) -> dict[str, float]:
    """Share of a load balancer's traffic per target: even over the pooled replicas."""
    reps = {t: design.component(t).replica_count() for t in lb.targets}
    total = sum(reps.values())
    shares: dict[str, float] = {}
    for t, r in reps.items():
        shares[t] = shares.get(t, 0.0) + r / total
    return shares


def _visits(design: Design, order: list[Component]) -> dict[str, dict[str, float]]:
    """Per class, arrivals at each component per request of that class (the DAG's flow)."""
    out: dict[str, dict[str, float]] = {}
    for rc in design.workload.classes:
        v = {c.name: 0.0 for c in order}
        v[rc.entry] = 1.0
        for c in order:
            if v[c.name] == 0.0:
                continue
            if c.then:
                v[c.then] += v[c.name]
            if c.targets:  # a load balancer
                for t, share in _lb_shares(design, c).items():
                    v[t] += v[c.name] * share
        out[rc.name] = v
    return out


@dataclass(frozen=True)
class _Feed:
    """One stream into a component: whether it is Poisson, and how it is spread over the
    receiving replicas ("even_random", or "round_robin" over ``pooled`` replicas)."""

    poisson: bool
    split: Literal["random", "round_robin"]
    pooled: int


# How the engine spreads requests that reach a multi-replica component directly (as a class's
# entry or through ``then``) rather than through a load balancer.
DIRECT_SPLIT: Literal["random", "round_robin"] = "round_robin"


def _input_kind(feeds: list[_Feed]) -> tuple[InputKind, int]:
    """Poisson, round robin over n replicas of one Poisson stream, or something else."""
    if not feeds or not all(f.poisson for f in feeds):
        return ("other", 0) if feeds else ("poisson", 0)
    rr = [f for f in feeds if f.split == "round_robin" and f.pooled > 1]
    if not rr:
        return "poisson", 0  # merged Poisson streams, thinned at random, stay Poisson
    if len(feeds) == 1:
        return "round_robin", rr[0].pooled
    return "other", 0


def _predict(design: Design) -> Prediction:
    order = _topological(design)
    classes = design.workload.classes
    rates = {rc.name: rc.arrival.mean_rate() for rc in classes}
    total_rate = sum(rates.values())
    visits = _visits(design, order)
    notes: list[str] = []
    feeds: dict[str, list[_Feed]] = {c.name: [] for c in order}
    for rc in classes:
        entry = design.component(rc.entry)
        feeds[rc.entry].append(_Feed(True, DIRECT_SPLIT, entry.replica_count()))

    comps: dict[str, ComponentTheory] = {}
    queues: dict[str, QueueResult | None] = {}
    out_poisson: dict[str, bool] = {}
    for c in order:
        lam = sum(rates[k] * visits[k][c.name] for k in rates)
        visit = lam / total_rate if total_rate > 0 else 0.0
        kind, pooled = _input_kind(_merge_entry_feeds(feeds[c.name]))
        moments = _moments(c)
        if _is_delay(c) or moments is None:
            delay_s = moments.mean if moments else 0.0
            comps[c.name] = ComponentTheory(
                name=c.name,
                model="delay",
                arrival_rate_rps=lam,
                visits=visit,
                utilization=0.0,
                mean_wait_ms=0.0,
                mean_queue_len=0.0,
                mean_in_system=lam * delay_s,
                mean_response_ms=delay_s * 1e3,
                exact=True,
                is_delay=True,
            )
            queues[c.name] = None
            # An infinite-server stage turns a Poisson stream into a Poisson stream (M/G/inf).
            out_poisson[c.name] = kind == "poisson"
        else:
            q, station_note = _station(c, lam, kind, pooled, moments)
            if station_note:
                notes.append(station_note)
            r = c.replica_count()
            comps[c.name] = ComponentTheory(
                c.name,
                q.model,
                lam,
                visit,
                q.utilization,
                q.mean_wait * 1e3,
                q.mean_queue_len * r,
                q.mean_in_system * r,
                q.mean_response * 1e3,
                q.exact,
            )
            queues[c.name] = q
            # Burke: an M/M/c in steady state sends out a Poisson stream.
            out_poisson[c.name] = kind == "poisson" and moments.is_exponential
        _propagate(design, c, feeds, out_poisson[c.name])

    saturated = [n for n, ct in comps.items() if not ct.is_delay and ct.utilization >= 1.0]
    stable = not saturated
    class_theory = {
        rc.name: _class_theory(design, rc.name, rates[rc.name], visits[rc.name], comps, queues)
        for rc in classes
    }
    bound = bottleneck_bound(
        [
            StationDemand(
                c.name,
                None if _is_delay(c) else (c.servers() or 1) * c.replica_count(),
                comps[c.name].visits * _mean_s(c),
            )
            for c in order
        ]
    )
    if any(ct.model.endswith("(round robin)") for ct in comps.values()):
        notes.append(
            "round robin is not Poisson splitting: each replica sees Erlang-R interarrivals "
            "(exact E_R/M/c for exponential service, Allen-Cunneen otherwise)"
        )
    exact = all(ct.exact for ct in comps.values()) and all(ct.exact for ct in class_theory.values())
    if design.workload.max_in_system is not None:
        notes.append("max_in_system caps requests in flight; theory assumes no cap")
    long = [n for n, ct in class_theory.items() if not ct.percentiles_ms]
    if long and sum(1 for q in queues.values() if q is not None) > MAX_PERCENTILE_CHAIN:
        notes.append(
            f"response percentiles of a chain of more than {MAX_PERCENTILE_CHAIN} stations are "
            "outside what theory computes quickly; means are still given"
        )
    if not stable:
        notes.append(
            "offered load exceeds capacity at "
            + ", ".join(saturated)
            + ": queues grow without bound"
        )
    return Prediction(
        design.name,
        stable,
        exact,
        comps,
        class_theory,
        bound.max_throughput,
        bound.bottleneck,
        saturated,
        notes,
    )


def _merge_entry_feeds(feeds: list[_Feed]) -> list[_Feed]:
    """Several classes entering at one component merge into one Poisson stream before the
    split: treat them as one feed."""
    direct = [f for f in feeds if f.poisson and f.split == DIRECT_SPLIT]
    if len(direct) > 1 and len({f.pooled for f in direct}) == 1:
        return [f for f in feeds if f not in direct] + [direct[0]]
    return feeds


def _station(
    c: Component, lam: float, kind: InputKind, pooled: int, moments: ServiceMoments
) -> tuple[QueueResult, str]:
    """The per-replica queue model for a component, given how its input stream looks."""
    r = c.replica_count()
    servers = c.servers() or 1
    per_replica = lam / r
    if kind == "poisson":
        return mgc(per_replica, moments, servers), ""
    if kind == "round_robin":
        if moments.is_exponential:
            try:
                return round_robin_mc(per_replica * pooled, pooled, 1.0 / moments.mean, servers), ""
            except ArithmeticError:  # too near saturation for the exact chain: approximate
                pass
        return gi_g_c_approx(per_replica, 1.0 / pooled, moments, servers), ""
    note = (
        f"component '{c.name}': its input is not Poisson (downstream of a non-exponential or "
        "round-robin-fed stage); figures are approximate"
    )
    return gi_g_c_approx(per_replica, 1.0, moments, servers), note


def _propagate(
    design: Design, c: Component, feeds: dict[str, list[_Feed]], poisson_out: bool
) -> None:
    if c.then:
        nxt = design.component(c.then)
        feeds[c.then].append(_Feed(poisson_out, DIRECT_SPLIT, nxt.replica_count()))
    if c.targets:  # a load balancer
        split: Literal["random", "round_robin"] = (
            "random" if c.effective_strategy() == "random" else "round_robin"
        )
        pooled = sum(design.component(t).replica_count() for t in c.targets)
        for t in c.targets:
            feeds[t].append(_Feed(poisson_out, split, pooled))


def _class_theory(
    design: Design,
    name: str,
    rate: float,
    visits: Mapping[str, float],
    comps: Mapping[str, ComponentTheory],
    queues: Mapping[str, QueueResult | None],
) -> ClassTheory:
    used = [n for n, v in visits.items() if v > 0]
    mean_ms = sum(visits[n] * comps[n].mean_response_ms for n in used)
    exact = all(comps[n].exact for n in used)
    return ClassTheory(name, rate, mean_ms, _percentiles(design, used, visits, queues), exact)


def _percentiles(
    design: Design,
    used: list[str],
    visits: Mapping[str, float],
    queues: Mapping[str, QueueResult | None],
) -> dict[str, float]:
    """Response percentiles where the distribution is known: a fixed path (every component
    visited once) of deterministic delays plus either one exact M/M/c or E_R/M/1 station, or a
    chain of single-replica single-server Poisson-fed M/M/1 stations (independent sojourns by
    Reich's theorem). Identical replicas behind an even split do not change the distribution."""
    shift = 0.0
    stations: list[QueueResult] = []
    for n in used:
        if not math.isclose(visits[n], 1.0, rel_tol=1e-9):
            # Split over several targets: only identical replicas of one component qualify,
            # and those have visits 1 to the component itself.
            return {}
        comp = design.component(n)
        q = queues[n]
        if q is None:
            if comp.service_ms is not None and comp.service_ms.mean_value() > 0:
                if comp.service_ms.dist != "deterministic":
                    return {}
                shift += comp.service_ms.mean_value() / 1000.0
            continue
        if not q.has_distribution:
            return {}
        stations.append(q)
    if not stations:
        return {label: shift * 1e3 for label, _ in PERCENTILES}
    if len(stations) == 1:
        q = stations[0]
        return {label: (shift + q.response_percentile(p)) * 1e3 for label, p in PERCENTILES}
    if not all(q.servers == 1 and q.wait_decay is None for q in stations):
        return {}
    if len(stations) > MAX_PERCENTILE_CHAIN:
        return {}  # outside what theory computes quickly (see _predict's note)
    if any(design.component(n).replica_count() != 1 for n in used if queues[n] is not None):
        return {}
    rates_ = [1.0 / q.mean_response for q in stations]
    from scipy.optimize import brentq

    out: dict[str, float] = {}
    for label, p in PERCENTILES:
        hi = sum(q.mean_response for q in stations)
        while hypoexp_tail(rates_, hi) > 1.0 - p:
            hi *= 2.0
        t = float(brentq(lambda x, p=p: hypoexp_tail(rates_, x) - (1.0 - p), 0.0, hi, xtol=1e-12))
        out[label] = (shift + t) * 1e3
    return out
