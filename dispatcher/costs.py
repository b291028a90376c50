"""The cost model and feasibility rules of matching, in one place.

Both the vectorised candidate builder (used by every matcher) and the per-pair
``explain`` read the same rules in the same order with the same arithmetic, so an
explanation never disagrees with what a matcher decided.

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
from numpy.typing import NDArray

from dispatcher.fleet import Load, LoadStatus, Truck, TruckStatus, TruckType
from dispatcher.routes import RouteGraph
from freightlab.errors import InputError
from freightlab.progress import Progress, check

#: Slack for float noise when comparing an arrival with a window edge (about 4 ms).
TIME_EPS_H = 1e-6


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


@dataclass
class Candidates:
    """Every feasible (truck, load) pair with its numbers, as parallel arrays.

    ``truck`` and ``load`` index the lists handed to :func:`build_candidates`.
    """

    truck: NDArray[np.intp]
    load: NDArray[np.intp]
    deadhead_km: NDArray[np.float64]
    pickup_at: NDArray[np.float64]
    cost: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.truck)


_TYPES = {t: i for i, t in enumerate(TruckType)}
#: Entries of the (truck x load) block computed at once; bounds memory at ~100 MB.
_BLOCK_CELLS = 2_000_000


def build_candidates(
    trucks: Sequence[Truck],
    loads: Sequence[Load],
    graph: RouteGraph,
    settings: MatchSettings,
    progress: Progress | None = None,
) -> Candidates:
    """Feasible pairs only, computed block by block with numpy; statuses are not checked here
    (callers pass only idle trucks and open loads)."""
    empty_i = np.empty(0, dtype=np.intp)
    empty_f = np.empty(0, dtype=np.float64)
    if not trucks or not loads:
        return Candidates(empty_i, empty_i, empty_f, empty_f, empty_f)
    t_loc, t_rows = np.unique([t.location for t in trucks], return_inverse=True)
    l_org, l_cols = np.unique([ld.origin for ld in loads], return_inverse=True)
    dist = graph.distances(list(map(str, t_loc)), list(map(str, l_org)))
    loaded = np.array([graph.distance(ld.origin, ld.destination) for ld in loads])
    t_type = np.array([_TYPES[t.truck_type] for t in trucks])
    t_cap = np.array([t.capacity_t for t in trucks])
    t_avail = np.array([t.available_at for t in trucks])
    l_type = np.array([_TYPES[ld.truck_type] for ld in loads])
    l_weight = np.array([ld.weight_t for ld in loads])
    l_early = np.array([ld.pickup_earliest for ld in loads])
    l_late = np.array([ld.pickup_latest for ld in loads])
    l_price = np.array([ld.price for ld in loads])
    limit = math.inf if settings.max_deadhead_km is None else settings.max_deadhead_km

    parts: list[tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]] = []
    block = max(1, _BLOCK_CELLS // len(loads))
    for start in range(0, len(trucks), block):
        check(progress, 0.5 * start / len(trucks), "finding feasible pairs")
        stop = min(start + block, len(trucks))
        dh = dist[t_rows[start:stop]][:, l_cols]
        ok = t_type[start:stop, None] == l_type[None, :]
        ok &= t_cap[start:stop, None] >= l_weight[None, :]
        ok &= dh <= limit
        arrival = t_avail[start:stop, None] + dh / settings.speed_kmh
        ok &= arrival <= l_late[None, :] + TIME_EPS_H
        ti, li = np.nonzero(ok)
        parts.append((ti + start, li, dh[ti, li]))
    ti = np.concatenate([p[0] for p in parts]).astype(np.intp)
    li = np.concatenate([p[1] for p in parts]).astype(np.intp)
    dh = np.concatenate([p[2] for p in parts])
    arrival = t_avail[ti] + dh / settings.speed_kmh
    pickup = np.maximum(arrival, l_early[li])
    s = settings
    cost = s.deadhead_weight * dh
    if s.lateness_risk_weight:
        cost = cost + s.lateness_risk_weight * np.maximum(
            0.0, s.risk_margin_h - (l_late[li] - arrival)
        )
    if s.waiting_weight:
        cost = cost + s.waiting_weight * np.maximum(0.0, l_early[li] - arrival)
    if s.price_per_km_weight:
        cost = cost - s.price_per_km_weight * l_price[li] / np.maximum(dh + loaded[li], 1.0)
    return Candidates(ti, li, dh, pickup, np.asarray(cost, dtype=np.float64))


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
    if settings.max_deadhead_km is not None:
        near = [t for t, d in zip(big, dists, strict=True) if d <= settings.max_deadhead_km]
        if not near:
            return (
                f"no suitable truck within {settings.max_deadhead_km:g} km of {load.origin} "
                f"(closest {dists.min():.0f} km)"
            )
        dists = graph.distances([t.location for t in near], [load.origin])[:, 0]
        big = near
    arrivals = np.array([t.available_at for t in big]) + dists / settings.speed_kmh
    k = int(np.argmin(arrivals))
    return (
        f"no suitable truck reaches {load.origin} by {format_clock(load.pickup_latest)} "
        f"(earliest: {big[k].id} at {format_clock(float(arrivals[k]))})"
    )
