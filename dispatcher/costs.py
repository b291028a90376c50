"""The cost model and feasibility rules of matching, in one place.

Both the vectorised candidate builder (:mod:`dispatcher.candidates`, used by every matcher)
and the per-pair ``explain`` read the same rules in the same order with the same arithmetic,
so an explanation never disagrees with what a matcher decided.

Rules, checked in this order (the first failure is the reason):
truck idle, load open, truck type, capacity, deadhead limit, pickup window.
Cost of a feasible pair = deadhead km x ``deadhead_weight`` plus opt-in terms
(lateness risk, waiting, price per km) whose weights default to 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dispatcher.candidates import TIME_EPS_H, Candidates, build_candidates
from dispatcher.fleet import Load, LoadStatus, Truck, TruckStatus
from dispatcher.routes import RouteGraph
from freightlab.errors import InputError

__all__ = [
    "TIME_EPS_H",
    "Candidates",
    "CostBreakdown",
    "Explanation",
    "MatchSettings",
    "build_candidates",
    "explain",
    "format_clock",
    "place_name",
    "why_no_truck",
]


@dataclass(frozen=True)
class MatchSettings:
    """Knobs a dispatcher may turn. Defaults give the DESIGN.md objective: pure deadhead."""

    speed_kmh: float = 60.0  # average speed of an empty truck on the way to pickup
    max_deadhead_km: float | None = None  # None: any distance is allowed
    deadhead_weight: float = 1.0  # cost per empty km
    lateness_risk_weight: float = 0.0  # cost per hour of slack below ``risk_margin_h``
    risk_margin_h: float = 2.0  # arriving with less slack than this is "at risk"
    waiting_weight: float = 0.0  # cost per hour a truck waits for the window to open
    price_per_km_weight: float = 0.0  # cost *reduction* per unit of price / total km

    def __post_init__(self) -> None:
        if not (math.isfinite(self.speed_kmh) and self.speed_kmh > 0):
            raise InputError(f"speed_kmh must be > 0, got {self.speed_kmh}")
        if self.max_deadhead_km is not None and not self.max_deadhead_km >= 0:
            raise InputError(f"max_deadhead_km must be >= 0, got {self.max_deadhead_km}")
        for name in (
            "deadhead_weight",
            "lateness_risk_weight",
            "risk_margin_h",
            "waiting_weight",
            "price_per_km_weight",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InputError(f"{name} must be a finite number >= 0, got {value}")


@dataclass(frozen=True)
class CostBreakdown:
    deadhead: float
    lateness_risk: float
    waiting: float
    price_per_km: float  # <= 0: a well-paid load lowers the cost

    @property
    def total(self) -> float:
        return self.deadhead + self.lateness_risk + self.waiting + self.price_per_km


@dataclass(frozen=True)
class Explanation:
    feasible: bool
    reason: str  # the first rule that rules the pair out, or a one-line summary
    deadhead_km: float
    arrival_at: float  # hours from day start; when the truck could reach the origin
    pickup_at: float  # max(arrival, window opens)
    breakdown: CostBreakdown | None  # None when infeasible

    @property
    def cost(self) -> float:
        return self.breakdown.total if self.breakdown else math.inf


def format_clock(hours: float) -> str:
    """Hours from day start as ``14:20`` (``d2 03:10`` on later days)."""
    if not math.isfinite(hours):
        return "never"
    minutes = round(hours * 60)
    day, rem = divmod(minutes, 24 * 60)
    clock = f"{rem // 60:02d}:{rem % 60:02d}"
    return clock if day == 0 else f"d{day + 1} {clock}"


def _t(x: float) -> str:
    return f"{x:g} t"


def explain(truck: Truck, load: Load, graph: RouteGraph, settings: MatchSettings) -> Explanation:
    """Why this truck can or cannot take this load, and what it would cost."""
    deadhead = graph.distance(truck.location, load.origin)
    arrival = truck.available_at + deadhead / settings.speed_kmh
    pickup = max(arrival, load.pickup_earliest)

    def no(reason: str) -> Explanation:
        return Explanation(False, reason, deadhead, arrival, pickup, None)

    if truck.status is not TruckStatus.IDLE:
        return no(f"truck {truck.id} is {truck.status.value}, not idle")
    if load.status is not LoadStatus.OPEN:
        return no(f"load {load.id} is {load.status.value}, not open")
    if truck.truck_type is not load.truck_type:
        kind = load.truck_type.value
        article = "an" if kind[0] in "aeiou" else "a"
        return no(f"needs {article} {kind} truck, {truck.id} is {truck.truck_type.value}")
    if truck.capacity_t < load.weight_t:
        return no(f"capacity {_t(truck.capacity_t)} < weight {_t(load.weight_t)}")
    if settings.max_deadhead_km is not None and deadhead > settings.max_deadhead_km:
        return no(f"deadhead {deadhead:.0f} km > limit {settings.max_deadhead_km:g} km")
    if arrival > load.pickup_latest + TIME_EPS_H:
        return no(
            f"arrives {format_clock(arrival)}, window closes {format_clock(load.pickup_latest)}"
        )
    loaded = graph.distance(load.origin, load.destination)
    breakdown = _breakdown(
        settings, deadhead, arrival, load.pickup_earliest, load.pickup_latest, load.price, loaded
    )
    return Explanation(
        True,
        f"{deadhead:.0f} km empty, arrives {format_clock(arrival)}, "
        f"picks up {format_clock(pickup)}, cost {breakdown.total:.1f}",
        deadhead,
        arrival,
        pickup,
        breakdown,
    )


def _breakdown(
    s: MatchSettings,
    deadhead: float,
    arrival: float,
    earliest: float,
    latest: float,
    price: float,
    loaded_km: float,
) -> CostBreakdown:
    slack = latest - arrival
    return CostBreakdown(
        deadhead=s.deadhead_weight * deadhead,
        lateness_risk=s.lateness_risk_weight * max(0.0, s.risk_margin_h - slack),
        waiting=s.waiting_weight * max(0.0, earliest - arrival),
        price_per_km=-s.price_per_km_weight * price / max(deadhead + loaded_km, 1.0),
    )


def place_name(graph: RouteGraph, node: str) -> str:
    """A city's name for people (its id when the map does not know it)."""
    return graph.city(node).name if graph.has_node(node) else node


def why_no_truck(
    load: Load, trucks: Sequence[Truck], graph: RouteGraph, settings: MatchSettings
) -> str:
    """For a load no idle truck can take: the rule that stops the closest candidates."""
    if not trucks:
        return "no idle truck"
    typed = [t for t in trucks if t.truck_type is load.truck_type]
    if not typed:
        return f"no idle {load.truck_type.value} truck"
    big = [t for t in typed if t.capacity_t >= load.weight_t]
    if not big:
        biggest = max(t.capacity_t for t in typed)
        return (
            f"no idle {load.truck_type.value} truck carries {_t(load.weight_t)} "
            f"(largest {_t(biggest)})"
        )
    dists = graph.distances([t.location for t in big], [load.origin])[:, 0]
    origin = place_name(graph, load.origin)
    if settings.max_deadhead_km is not None:
        near = [t for t, d in zip(big, dists, strict=True) if d <= settings.max_deadhead_km]
        if not near:
            return (
                f"no suitable truck within {settings.max_deadhead_km:g} km of {origin} "
                f"(closest {dists.min():.0f} km)"
            )
        dists = graph.distances([t.location for t in near], [load.origin])[:, 0]
        big = near
    arrivals = np.array([t.available_at for t in big]) + dists / settings.speed_kmh
    k = int(np.argmin(arrivals))
    return (
        f"no suitable truck reaches {origin} by {format_clock(load.pickup_latest)} "
        f"(earliest: {big[k].id} at {format_clock(float(arrivals[k]))})"
    )
