"""The board's clock ("now") and the rules that depend on it: overdue pickups, on-time
deliveries, deadhead %, and where a load on the road is at this moment.

Board time is hours from the board's hour 0 (``Board.day_start``, midnight of the CSV files'
first day), the scale of every pickup window. By default the clock is *live*: the wall
clock's time of day mapped onto the board's first day (at 14:05 it is hour 14.08 of the
board), so a sample board from last week still reads as today. A dispatcher replaying or
planning a day *sets* the clock instead (a board hour), and advances it by hand.

The lifecycle stamps (``picked_up_at``, ``in_transit_at``, ``delivered_at``) are ISO stamps
on the same scale (``day0 + hours``), so the on-time rule compares like with like. Stamps
written before the clock existed carry the wall clock's date and time zone; they are read
as local times, like any other stamp.

Rules (all Qt-free; the desk only shows them):

- *Overdue pickup*: the pickup window closed (``now > pickup_latest``) and the load is still
  open or only assigned (no truck has picked it up).
- *On time*: a delivered load is on time when it was delivered by the close of its delivery
  window, ``pickup_latest + drive time (road km / planning speed) + HANDLING_H``.
- *Deadhead %*: empty km over all km of the loads the trucks hold now (assigned, picked up,
  in transit): ``deadhead / (deadhead + origin -> destination road km)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from weakref import WeakKeyDictionary

import numpy as np

from dispatcher.board import Board
from dispatcher.costs import format_clock
from dispatcher.fleet import Load, LoadStatus
from dispatcher.routes import RouteGraph

#: Loading at the pickup plus unloading at the destination (the day simulation's defaults,
#: 30 min each): part of the delivery window.
HANDLING_H = 1.0
#: Statuses in which a closed pickup window makes a load overdue, and what that means.
OVERDUE_WHEN: dict[LoadStatus, str] = {
    LoadStatus.OPEN: "still open: no truck has it",
    LoadStatus.ASSIGNED: "assigned to {truck} but not picked up",
}
#: Statuses of a load that is on its truck, with the stamp its road time starts from.
ON_THE_ROAD: dict[LoadStatus, str | None] = {
    LoadStatus.PICKED_UP: None,  # loaded, not yet moving: at its origin
    LoadStatus.IN_TRANSIT: "in_transit_at",
}


@dataclass(frozen=True)
class BoardClock:
    """The board's "now". ``set_h`` None: live (the wall clock's time of day on the board's
    first day); otherwise the hour the dispatcher set."""

    day0: datetime  # naive local time of board hour 0.0
    set_h: float | None = None

    @classmethod
    def for_board(cls, day_start: str | None, today: date | None = None) -> BoardClock:
        """The clock of a board whose hour 0 is ``day_start`` (ISO); without one, hour 0 is
        today's midnight (boards built from plain hours)."""
        day0 = _naive(day_start) if day_start else None
        if day0 is None:
            day0 = datetime.combine(today or date.today(), datetime.min.time())
        return cls(day0)

    @property
    def live(self) -> bool:
        return self.set_h is None

    def now_h(self, wall: datetime | None = None) -> float:
        if self.set_h is not None:
            return self.set_h
        w = (wall or datetime.now()).replace(tzinfo=None)
        return (w - datetime.combine(w.date(), datetime.min.time())).total_seconds() / 3600.0

    def set(self, hours: float) -> BoardClock:
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"board time must be a finite number of hours >= 0, got {hours!r}")
        return replace(self, set_h=float(hours))

    def advance(self, hours: float, wall: datetime | None = None) -> BoardClock:
        """Forward (or back) from now; the clock stops being live."""
        return self.set(max(0.0, self.now_h(wall) + hours))

    def go_live(self) -> BoardClock:
        return replace(self, set_h=None)

    def stamp(self, hours: float | None = None, wall: datetime | None = None) -> str:
        """The ISO stamp of board hour ``hours`` (default: now), to the second."""
        h = self.now_h(wall) if hours is None else hours
        return (self.day0 + timedelta(hours=h)).isoformat(timespec="seconds")

    def hours_of(self, stamp: str | None) -> float | None:
        """A stamp on the board's scale (hours from hour 0), or None if absent or unreadable."""
        moment = _naive(stamp) if stamp else None
        return None if moment is None else (moment - self.day0).total_seconds() / 3600.0

    def today(self, wall: datetime | None = None) -> str:
        """The board's date now (ISO): "delivered today" counts stamps of this date."""
        return (self.day0 + timedelta(hours=self.now_h(wall))).date().isoformat()

    def describe(self, wall: datetime | None = None) -> str:
        return f"{format_clock(self.now_h(wall))}{' (live)' if self.live else ''}"


def _naive(stamp: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)  # as local time
    return moment


# ---------------------------------------------------------------------------- the rules
def overdue_reason(load: Load, now_h: float) -> str | None:
    """Why this load's pickup is overdue at ``now_h``, or None if it is not."""
    why = OVERDUE_WHEN.get(load.status)
    if why is None or now_h <= load.pickup_latest:
        return None
    return (
        f"Overdue: pickup window closed at {format_clock(load.pickup_latest)} "
        f"({_late(now_h - load.pickup_latest)} ago, now {format_clock(now_h)}); "
        + why.format(truck=load.truck_id or "a truck")
    )


def _late(hours: float) -> str:
    minutes = round(hours * 60)
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"


def overdue(loads: Iterable[Load], now_h: float) -> dict[str, str]:
    """Load id -> reason, for every load whose pickup is overdue now."""
    out = {}
    for load in loads:
        reason = overdue_reason(load, now_h)
        if reason is not None:
            out[load.id] = reason
    return out


def delivery_due_h(load: Load, graph: RouteGraph, speed_kmh: float) -> float:
    """When this load's delivery window closes (board hours)."""
    return (
        load.pickup_latest + graph.distance(load.origin, load.destination) / speed_kmh + HANDLING_H
    )


def delivered_on_time(
    load: Load, clock: BoardClock, graph: RouteGraph, speed_kmh: float
) -> bool | None:
    """True/False for a delivered load with a readable stamp, None otherwise."""
    at = clock.hours_of(load.delivered_at) if load.status == LoadStatus.DELIVERED else None
    if at is None or not (graph.has_node(load.origin) and graph.has_node(load.destination)):
        return None
    return at <= delivery_due_h(load, graph, speed_kmh) + 1e-9


def deadhead_pct(board: Board, graph: RouteGraph) -> float | None:
    """Empty km over all km of the loads the trucks hold now, in % (None: no such load)."""
    held = [
        (board.loads[load_id], a.deadhead_km)
        for load_id, a in board.assignments.items()
        if _on_map(graph, board.loads[load_id])
    ]
    empty = float(sum(km for _ld, km in held))
    total = empty + float(_road_km(graph, [ld for ld, _km in held]).sum())
    return 100.0 * empty / total if total > 0 else None


def _on_map(graph: RouteGraph, load: Load) -> bool:
    return graph.has_node(load.origin) and graph.has_node(load.destination)


def _road_km(graph: RouteGraph, loads: list[Load]) -> np.ndarray:
    """Origin -> destination road km of each load (one distance row per origin)."""
    src = np.fromiter((graph.index(ld.origin) for ld in loads), dtype=np.intp, count=len(loads))
    dst = np.fromiter(
        (graph.index(ld.destination) for ld in loads), dtype=np.intp, count=len(loads)
    )
    return graph.distances_pairs(src, dst)


def _on_time_counts(
    loads: Iterable[Load], clock: BoardClock, graph: RouteGraph, speed_kmh: float
) -> tuple[int, int]:
    """(delivered loads judged, of which on time): :func:`delivered_on_time` for many."""
    judged: list[tuple[Load, float]] = []
    for ld in loads:
        when = clock.hours_of(ld.delivered_at) if ld.status == LoadStatus.DELIVERED else None
        if when is not None and _on_map(graph, ld):
            judged.append((ld, when))
    if not judged:
        return 0, 0
    km = _road_km(graph, [ld for ld, _at in judged])
    due = np.array([ld.pickup_latest for ld, _at in judged]) + km / speed_kmh + HANDLING_H
    delivered = np.array([when for _ld, when in judged])
    return len(judged), int(np.count_nonzero(delivered <= due + 1e-9))


@dataclass(frozen=True)
class ClockFigures:
    """What the clock adds to the KPI strip and the tables."""

    now_h: float
    overdue: dict[str, str]  # load id -> reason
    delivered: int  # delivered loads the on-time rule could judge
    on_time: int
    deadhead_pct: float | None

    @property
    def on_time_pct(self) -> float | None:
        return 100.0 * self.on_time / self.delivered if self.delivered else None


def clock_figures(
    board: Board,
    graph: RouteGraph | None,
    clock: BoardClock,
    speed_kmh: float,
    wall: datetime | None = None,
) -> ClockFigures:
    now = clock.now_h(wall)
    judged = on_time = 0
    if graph is not None:
        judged, on_time = _on_time_counts(board.loads.values(), clock, graph, speed_kmh)
    return ClockFigures(
        now_h=now,
        overdue=overdue(board.loads.values(), now),
        delivered=judged,
        on_time=on_time,
        deadhead_pct=deadhead_pct(board, graph) if graph is not None else None,
    )


# ------------------------------------------------------------------- loads on the road
def along_route(graph: RouteGraph, origin: str, destination: str, km: float) -> tuple[float, float]:
    """(lat, lon) ``km`` along the shortest road from origin to destination (clamped)."""
    lat, lon, cum = _route(graph, origin, destination)
    d = min(max(0.0, km), float(cum[-1]))
    return float(np.interp(d, cum, lat)), float(np.interp(d, cum, lon))


#: Per map: (origin, destination) -> the road as arrays (a map that is dropped drops its own).
_ROUTES: WeakKeyDictionary[RouteGraph, dict[tuple[str, str], tuple[np.ndarray, ...]]] = (
    WeakKeyDictionary()
)


def _route(graph: RouteGraph, origin: str, destination: str) -> tuple[np.ndarray, ...]:
    """The road's cities as lat and lon arrays, and the km driven at each (cached: a loaded
    truck's road is asked for after every board change and clock tick)."""
    routes = _ROUTES.setdefault(graph, {})
    road = routes.get((origin, destination))
    if road is None:
        road = routes[(origin, destination)] = _road(graph, origin, destination)
    return road


def _road(graph: RouteGraph, origin: str, destination: str) -> tuple[np.ndarray, ...]:
    path = graph.path(origin, destination)
    cities = [graph.city(n) for n in path]
    legs = [graph.road_km(a, b) for a, b in pairwise(path)]
    cum = np.concatenate([[0.0], np.cumsum(legs)]) if legs else np.zeros(1)
    return np.array([c.lat for c in cities]), np.array([c.lon for c in cities]), cum


def road_positions(
    board: Board,
    graph: RouteGraph,
    clock: BoardClock,
    speed_kmh: float,
    wall: datetime | None = None,
) -> dict[str, tuple[float, float]]:
    """Load id -> (lat, lon) for loads on their truck: a picked-up load waits at its origin;
    one in transit has driven ``(now - in_transit_at) x speed`` km along its road (it stops
    at the destination until it is marked delivered). To the minute: a live clock moves
    them once a minute, so a board change in between keeps the map's markers where they are."""
    now = math.floor(clock.now_h(wall) * 60) / 60
    out: dict[str, tuple[float, float]] = {}
    for load in board.loads.values():
        if load.status not in ON_THE_ROAD or not graph.has_node(load.origin):
            continue
        field = ON_THE_ROAD[load.status]
        start = clock.hours_of(getattr(load, field)) if field else None
        if start is None or not graph.has_node(load.destination):
            city = graph.city(load.origin)
            out[load.id] = (city.lat, city.lon)
            continue
        km = max(0.0, now - start) * speed_kmh
        out[load.id] = along_route(graph, load.origin, load.destination, km)
    return out


__all__ = [
    "HANDLING_H",
    "OVERDUE_WHEN",
    "BoardClock",
    "ClockFigures",
    "along_route",
    "clock_figures",
    "deadhead_pct",
    "delivered_on_time",
    "delivery_due_h",
    "overdue",
    "overdue_reason",
    "road_positions",
]
