"""A simulated day of operations (SimPy): loads appear, the matcher runs, trucks haul them.

Why simulate: the matcher's quality on a static snapshot says little about a live desk. Over a
day, *when* the matcher runs matters as much as how well it solves each snapshot: batching
loads for N minutes gives it more choice (less empty driving) but makes shippers wait. This
module plays a day forward so that trade-off can be measured, and records every truck's
movements so the desk can replay them on the map.

Model (sim time is hours from the start of the day, like ``Truck``/``Load``):

- A load is *posted* some lead time before its ``pickup_earliest`` (a seeded draw), and can
  be matched until its ``pickup_latest`` or the end of the day, whichever comes first.
- The matcher runs every ``batch_minutes`` (0 = as soon as a load is posted or a truck
  becomes free) over the idle trucks and the open loads.
- A matched truck drives empty (deadhead) along the shortest road path to the pickup, waits
  for ``pickup_earliest``, loads, drives loaded to the destination, unloads and is idle there.
- After the day ends no new matches are made; trucks finish the hauls they have.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from typing import Any

import numpy as np
import simpy

from dispatcher.costs import build_candidates
from dispatcher.day_matching import DayPool, Picked, check_day_size
from dispatcher.fleet import Load, LoadStatus, Truck, TruckStatus
from dispatcher.matching import Matcher, MatchSettings, OptimalMatcher
from dispatcher.routes import RouteGraph
from freightlab.errors import InputError
from freightlab.progress import Progress, check

EPS = 1e-9


class Activity(StrEnum):
    """What a truck is doing in the replay (finer than ``TruckStatus``)."""

    OFF_DUTY = "off_duty"  # not yet available
    IDLE = "idle"
    DEADHEAD = "deadhead"  # driving empty to a pickup
    WAITING = "waiting"  # at the pickup before the window opens
    LOADING = "loading"
    LOADED = "loaded"  # driving with a load
    UNLOADING = "unloading"

    @property
    def truck_status(self) -> TruckStatus:
        """The coarse status the desk's tables and markers use."""
        if self in (Activity.DEADHEAD, Activity.WAITING):
            return TruckStatus.EN_ROUTE_TO_PICKUP
        if self in (Activity.LOADING, Activity.LOADED, Activity.UNLOADING):
            return TruckStatus.LOADED
        if self is Activity.OFF_DUTY:
            return TruckStatus.OFF_DUTY
        return TruckStatus.IDLE

    @property
    def busy(self) -> bool:
        """Counts towards utilisation: moving or (un)loading."""
        return self in (Activity.DEADHEAD, Activity.LOADING, Activity.LOADED, Activity.UNLOADING)


@dataclass(frozen=True)
class DaySettings:
    """Knobs of a simulated day. Times in hours unless the name says otherwise."""

    batch_minutes: float = 5.0  # 0 = match on every new load / free truck
    speed_kmh: float = 55.0  # what the matcher plans with, and the mean actual speed
    speed_jitter: float = 0.1  # each haul's actual speed is speed_kmh x U(1 - j, 1 + j)
    lead_time_h: tuple[float, float] = (1.0, 4.0)  # posted this long before pickup_earliest
    loading_minutes: float = 30.0
    unloading_minutes: float = 30.0
    day_hours: float = 24.0  # loads are posted and matched within [0, day_hours]
    max_hours: float = 96.0  # hard stop for hauls still running after the day
    seed: int = 1
    match_settings: MatchSettings | None = None  # None: defaults, planning at speed_kmh

    def validate(self) -> None:
        lo, hi = self.lead_time_h
        problems = [
            (self.batch_minutes < 0 or not math.isfinite(self.batch_minutes), "batch_minutes"),
            (not self.speed_kmh > 0 or not math.isfinite(self.speed_kmh), "speed_kmh"),
            (not 0 <= self.speed_jitter < 1, "speed_jitter"),
            (not 0 <= lo <= hi, "lead_time_h"),
            (self.loading_minutes < 0, "loading_minutes"),
            (self.unloading_minutes < 0, "unloading_minutes"),
            (not self.day_hours > 0, "day_hours"),
            (not self.max_hours >= self.day_hours, "max_hours"),
        ]
        for bad, name in problems:
            if bad:
                raise InputError(f"day settings: invalid {name}: {getattr(self, name)!r}")


@dataclass(frozen=True)
class Keyframe:
    """A truck at a city at time ``t``; between keyframes it moves in a straight line."""

    t: float
    lat: float
    lon: float
    activity: Activity
    node: str


@dataclass(frozen=True)
class DayEvent:
    t: float
    kind: str  # posted, matched, picked_up, delivered, expired, match_run
    load_id: str | None = None
    truck_id: str | None = None
    detail: str = ""


@dataclass
class LoadOutcome:
    """What happened to one load during the day (times in hours, None = did not happen)."""

    load_id: str
    posted_at: float
    matched_at: float | None = None
    truck_id: str | None = None
    deadhead_km: float = 0.0
    picked_up_at: float | None = None
    on_time: bool | None = None  # picked up within [pickup_earliest, pickup_latest]
    delivered_at: float | None = None
    expired_at: float | None = None


@dataclass(frozen=True)
class DayKpis:
    """Headline numbers of a day. Percentages are in [0, 100]."""

    loads_posted: int
    loads_matched: int
    loads_delivered: int
    loads_unmatched: int  # posted but never matched (window or day ran out)
    on_time_pickup_pct: float  # of picked-up loads, picked up by pickup_latest
    deadhead_km: float
    loaded_km: float
    deadhead_pct: float  # empty km over all km driven
    truck_utilisation_pct: float  # moving or (un)loading, over on-duty truck-hours of the day
    avg_wait_to_match_min: float  # posting -> matched, over matched loads
    matcher_runs: int
    last_delivery_h: float


@dataclass
class DayResult:
    batch_minutes: float
    seed: int
    kpis: DayKpis
    outcomes: list[LoadOutcome]
    events: list[DayEvent]
    timeline: dict[str, list[Keyframe]]  # truck id -> keyframes in time order
    end_h: float  # the replay runs over [0, end_h]
    settings: DaySettings = field(default_factory=DaySettings)

    def to_json(self) -> dict[str, Any]:
        """The ``day --json`` document (no timeline: it is for replay, not reports)."""
        return {
            "batch_minutes": self.batch_minutes,
            "seed": self.seed,
            "kpis": dataclasses.asdict(self.kpis),
            "loads": [dataclasses.asdict(o) for o in self.outcomes],
        }


# --------------------------------------------------------------------------------- the day
def simulate_day(
    graph: RouteGraph,
    trucks: Iterable[Truck],
    loads: Iterable[Load],
    settings: DaySettings | None = None,
    *,
    matcher: Matcher | None = None,
    progress: Progress | None = None,
) -> DayResult:
    """Play one day forward. Same inputs and seed, same result."""
    s = settings or DaySettings()
    s.validate()
    day = _Day(graph, list(trucks), list(loads), s, matcher or default_matcher())
    day.check_size()
    return day.run(progress)


def compare_batching(
    graph: RouteGraph,
    trucks: Iterable[Truck],
    loads: Iterable[Load],
    windows: Sequence[float] = (0, 5, 15, 30),
    settings: DaySettings | None = None,
    *,
    matcher: Matcher | None = None,
    progress: Progress | None = None,
) -> list[DayResult]:
    """The same day under several batching windows (minutes), in the given order."""
    base = settings or DaySettings()
    truck_list, load_list = list(trucks), list(loads)
    results: list[DayResult] = []
    for i, window in enumerate(windows):
        sub = _sub_progress(progress, i, len(windows), f"batching {window:g} min")
        s = dataclasses.replace(base, batch_minutes=float(window))
        results.append(simulate_day(graph, truck_list, load_list, s, matcher=matcher, progress=sub))
    check(progress, 1.0, "done")
    return results


def default_matcher() -> Matcher:
    return OptimalMatcher()


def _sub_progress(parent: Progress | None, i: int, n: int, label: str) -> Progress | None:
    if parent is None:
        return None
    return Progress(lambda f, msg: parent.update((i + f) / n, f"{label}: {msg}"))


@dataclass
class _TruckState:
    truck: Truck
    node: str
    available: bool = False
    busy: bool = False
    busy_h: float = 0.0  # within the day window
    keyframes: list[Keyframe] = field(default_factory=list)


class _Day:
    def __init__(
        self,
        graph: RouteGraph,
        trucks: list[Truck],
        loads: list[Load],
        settings: DaySettings,
        matcher: Matcher,
    ) -> None:
        self.graph = graph
        self.s = settings
        self.matcher = matcher
        self.match_settings = settings.match_settings or MatchSettings(speed_kmh=settings.speed_kmh)
        self.env = simpy.Environment()
        self.rng = random.Random(settings.seed)
        self.speed_rng = random.Random(f"{settings.seed}/speed")
        self._check_nodes(trucks, loads)
        self.trucks = {
            t.id: _TruckState(t, t.location) for t in trucks if t.status != TruckStatus.OFF_DUTY
        }
        self.loads = {ld.id: ld for ld in loads if ld.status not in _NOT_POSTABLE}
        self.pool = DayPool(
            graph,
            [st.truck for st in self.trucks.values()],
            list(self.loads.values()),
            self.match_settings,
            incremental=bool(getattr(matcher, "maximal", False)),
        )  # the day as arrays (see dispatcher/day_matching.py)
        self.outcomes: dict[str, LoadOutcome] = {}
        self.open: dict[str, Load] = {}  # posted, not yet matched
        self.open_index: dict[str, int] = {}  # the same loads' rows in the pool, same order
        self.events: list[DayEvent] = []
        self.deadhead_km = 0.0
        self.loaded_km = 0.0
        self.matcher_runs = 0
        self.unresolved = 0  # posted loads not yet delivered or expired
        self.wakeup = self.env.event()
        self.immediate = settings.batch_minutes == 0
        # post times are drawn up front, in load order, so the seed alone fixes them
        lo, hi = settings.lead_time_h
        self.post_at = {
            ld.id: max(0.0, ld.pickup_earliest - self.rng.uniform(lo, hi))
            for ld in self.loads.values()
        }

    def check_size(self) -> None:
        """Refuse (MatchTooLarge) a day whose busiest matcher run would not fit in memory."""
        check_day_size(
            self.pool,
            self.matcher,
            [self.post_at[ld.id] for ld in self.loads.values()],
            [min(ld.pickup_latest, self.s.day_hours) for ld in self.loads.values()],
        )

    def _check_nodes(self, trucks: list[Truck], loads: list[Load]) -> None:
        for t in trucks:
            if not self.graph.has_node(t.location):
                raise InputError(f"truck {t.id}: location {t.location!r} is not on the map")
        for ld in loads:
            for node in (ld.origin, ld.destination):
                if not self.graph.has_node(node):
                    raise InputError(f"load {ld.id}: city {node!r} is not on the map")

    # -- driver ---------------------------------------------------------------------------
    def run(self, progress: Progress | None) -> DayResult:
        env = self.env
        for state in self.trucks.values():
            start = max(0.0, state.truck.available_at)
            activity = Activity.IDLE if start <= 0 else Activity.OFF_DUTY
            self._keyframe(state, activity, t=0.0)
            env.process(self._come_on_duty(state, start))
        posted = sorted(
            (t, ld.id)
            for ld in self.loads.values()
            if (t := self.post_at[ld.id]) <= self.s.day_hours
        )
        self.unresolved = len(posted)
        env.process(self._poster(posted))
        env.process(self._matcher_loop())
        total = max(1, len(posted))
        step = 0.25
        t = 0.0
        check(progress, 0.0, "simulating the day")
        while t < self.s.max_hours:
            t = min(self.s.max_hours, t + step)
            env.run(until=t)
            check(progress, 1.0 - self.unresolved / total, f"{_clock(t)}")
            if t >= self.s.day_hours and self.unresolved == 0 and not self._any_busy():
                break
        return self._result(posted)

    def _any_busy(self) -> bool:
        return any(st.busy for st in self.trucks.values())

    # -- processes ------------------------------------------------------------------------
    def _come_on_duty(self, state: _TruckState, start: float) -> Any:
        if start > 0:
            yield self.env.timeout(start)
            self._keyframe(state, Activity.IDLE)
        state.available = True
        self.pool.set_free(state.truck.id, state.node)
        self._poke()

    def _poster(self, posted: list[tuple[float, str]]) -> Any:
        for t, load_id in posted:
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            load = self.loads[load_id]
            # the matcher only looks at open loads; the board may say otherwise
            self.open[load_id] = dataclasses.replace(load, status=LoadStatus.OPEN, truck_id=None)
            self.open_index[load_id] = self.pool.load_index[load_id]
            self.outcomes[load_id] = LoadOutcome(load_id, posted_at=self.env.now)
            self.events.append(DayEvent(self.env.now, "posted", load_id))
            deadline = min(load.pickup_latest, self.s.day_hours)
            self.env.process(self._expire(load_id, deadline))
            self._poke()

    def _expire(self, load_id: str, deadline: float) -> Any:
        yield self.env.timeout(max(0.0, deadline - self.env.now))
        if load_id in self.open:
            del self.open[load_id]
            del self.open_index[load_id]
            self.outcomes[load_id].expired_at = self.env.now
            self.events.append(DayEvent(self.env.now, "expired", load_id))
            self.unresolved -= 1

    def _matcher_loop(self) -> Any:
        env = self.env
        if self.immediate:
            while env.now <= self.s.day_hours:
                yield self.wakeup
                yield env.timeout(0)  # let everything else due now happen first
                self.wakeup = env.event()
                if env.now <= self.s.day_hours:
                    self._run_matcher()
        else:
            batch_h = self.s.batch_minutes / 60.0
            k = 0
            while (tick := k * batch_h) <= self.s.day_hours + EPS:
                if tick > env.now:
                    yield env.timeout(tick - env.now)
                self._run_matcher()
                k += 1

    def _poke(self) -> None:
        if self.immediate and not self.wakeup.triggered:
            self.wakeup.succeed()

    def _run_matcher(self) -> None:
        free = np.flatnonzero(self.pool.free)
        if not len(free) or not self.open:
            return
        now = self.env.now
        self.matcher_runs += 1
        self.events.append(
            DayEvent(now, "match_run", detail=f"{len(free)} trucks, {len(self.open)} loads")
        )
        if hasattr(self.matcher, "choose"):
            pairs = self._choose(now, free)
        else:
            pairs = self._match_objects(now, free)
        for truck_id, load_id in sorted(pairs, key=lambda p: (p[1], p[0])):
            state = self.trucks[truck_id]
            if state.busy or load_id not in self.open:
                raise RuntimeError(f"matcher reused truck {truck_id} or load {load_id}")
            load = self.open.pop(load_id)
            del self.open_index[load_id]
            outcome = self.outcomes[load_id]
            outcome.matched_at = now
            outcome.truck_id = truck_id
            state.busy = True
            self.pool.set_busy(truck_id)
            self.events.append(DayEvent(now, "matched", load_id, truck_id))
            j = self.s.speed_jitter
            speed = self.s.speed_kmh * (self.speed_rng.uniform(1 - j, 1 + j) if j else 1.0)
            self.env.process(self._haul(state, load, outcome, speed))

    def _choose(self, now: float, free: np.ndarray) -> list[tuple[str, str]]:
        """(truck, load) ids chosen from the pool's arrays: only pairs that can be new are
        built (see dispatcher/day_matching.py), and no reasons are written for the rest."""
        pool = self.pool
        open_rows = np.fromiter(self.open_index.values(), dtype=np.intp, count=len(self.open))
        cand = pool.candidates(now, free, open_rows)
        chosen = np.empty(0, dtype=np.intp)
        if len(cand):
            trucks, loads = Picked(pool.trucks, free), Picked(pool.loads, open_rows)
            chosen = self.matcher.choose(cand, trucks, loads)  # type: ignore[attr-defined]
        pool.settle(free, open_rows, cand, chosen)
        return [
            (pool.trucks[free[cand.truck[k]]].id, pool.loads[open_rows[cand.load[k]]].id)
            for k in chosen.tolist()
        ]

    def _match_objects(self, now: float, free: np.ndarray) -> list[tuple[str, str]]:
        """Any other ``Matcher``: its ``match`` on the trucks and loads in some feasible pair."""
        trucks = [
            dataclasses.replace(
                st.truck, location=st.node, available_at=now, status=TruckStatus.IDLE
            )
            for st in (self.trucks[self.pool.trucks[i].id] for i in free.tolist())
        ]
        loads = list(self.open.values())
        cand = build_candidates(trucks, loads, self.graph, self.match_settings)
        if len(cand) == 0:
            return []
        trucks = [trucks[i] for i in sorted(set(cand.truck.tolist()))]
        loads = [loads[i] for i in sorted(set(cand.load.tolist()))]
        result = self.matcher.match(trucks, loads, self.graph, self.match_settings)
        return [(a.truck_id, a.load_id) for a in result.assignments]

    def _haul(self, state: _TruckState, load: Load, outcome: LoadOutcome, speed: float) -> Any:
        env, s = self.env, self.s
        outcome.deadhead_km = self.graph.distance(state.node, load.origin)
        yield from self._drive(state, load.origin, Activity.DEADHEAD, speed)
        if env.now < load.pickup_earliest:
            self._keyframe(state, Activity.WAITING)
            yield env.timeout(load.pickup_earliest - env.now)
        outcome.picked_up_at = env.now
        outcome.on_time = env.now <= load.pickup_latest + EPS
        self.events.append(DayEvent(env.now, "picked_up", load.id, state.truck.id))
        yield from self._stay(state, Activity.LOADING, s.loading_minutes / 60.0)
        yield from self._drive(state, load.destination, Activity.LOADED, speed)
        yield from self._stay(state, Activity.UNLOADING, s.unloading_minutes / 60.0)
        outcome.delivered_at = env.now
        self.events.append(DayEvent(env.now, "delivered", load.id, state.truck.id))
        self._keyframe(state, Activity.IDLE)
        state.busy = False
        self.pool.set_free(state.truck.id, state.node)
        self.unresolved -= 1
        self._poke()

    def _drive(self, state: _TruckState, target: str, activity: Activity, speed: float) -> Any:
        path = self.graph.path(state.node, target)
        self._keyframe(state, activity)
        for a, b in pairwise(path):
            km = self.graph.road_km(a, b)  # a leg of a shortest path: the road itself
            start = self.env.now
            yield self.env.timeout(km / speed)
            self._count_busy(state, start)
            if activity is Activity.DEADHEAD:
                self.deadhead_km += km
            else:
                self.loaded_km += km
            state.node = b
            self._keyframe(state, activity)

    def _stay(self, state: _TruckState, activity: Activity, hours: float) -> Any:
        self._keyframe(state, activity)
        start = self.env.now
        if hours > 0:
            yield self.env.timeout(hours)
        self._count_busy(state, start)

    def _count_busy(self, state: _TruckState, start: float) -> None:
        lo, hi = max(start, 0.0), min(self.env.now, self.s.day_hours)
        if hi > lo:
            state.busy_h += hi - lo

    def _keyframe(self, state: _TruckState, activity: Activity, t: float | None = None) -> None:
        city = self.graph.city(state.node)
        now = self.env.now if t is None else t
        frames = state.keyframes
        if frames and frames[-1].t == now and frames[-1].node == state.node:
            frames[-1] = Keyframe(now, city.lat, city.lon, activity, state.node)  # same instant
        else:
            frames.append(Keyframe(now, city.lat, city.lon, activity, state.node))

    # -- results --------------------------------------------------------------------------
    def _result(self, posted: list[tuple[float, str]]) -> DayResult:
        outcomes = [self.outcomes[load_id] for _, load_id in posted if load_id in self.outcomes]
        kpis = compute_kpis(
            outcomes,
            deadhead_km=self.deadhead_km,
            loaded_km=self.loaded_km,
            busy_h=sum(st.busy_h for st in self.trucks.values()),
            duty_h=sum(
                max(0.0, self.s.day_hours - max(0.0, st.truck.available_at))
                for st in self.trucks.values()
            ),
            matcher_runs=self.matcher_runs,
        )
        end_h = max(self.s.day_hours, kpis.last_delivery_h)
        self.events.sort(key=lambda e: e.t)  # stable: same-time events keep their order
        return DayResult(
            batch_minutes=self.s.batch_minutes,
            seed=self.s.seed,
            kpis=kpis,
            outcomes=outcomes,
            events=self.events,
            timeline={tid: st.keyframes for tid, st in self.trucks.items()},
            end_h=end_h,
            settings=self.s,
        )


_NOT_POSTABLE = (LoadStatus.DELIVERED, LoadStatus.CANCELLED, LoadStatus.IN_TRANSIT)


def compute_kpis(
    outcomes: Sequence[LoadOutcome],
    *,
    deadhead_km: float,
    loaded_km: float,
    busy_h: float,
    duty_h: float,
    matcher_runs: int,
) -> DayKpis:
    """KPIs from per-load outcomes and fleet totals; every ratio guards its zero case."""
    matched = [o for o in outcomes if o.matched_at is not None]
    picked = [o for o in outcomes if o.picked_up_at is not None]
    delivered = [o for o in outcomes if o.delivered_at is not None]
    on_time = sum(1 for o in picked if o.on_time)
    waits = [60.0 * (o.matched_at - o.posted_at) for o in matched if o.matched_at is not None]
    km = deadhead_km + loaded_km
    return DayKpis(
        loads_posted=len(outcomes),
        loads_matched=len(matched),
        loads_delivered=len(delivered),
        loads_unmatched=len(outcomes) - len(matched),
        on_time_pickup_pct=_pct(on_time, len(picked)),
        deadhead_km=deadhead_km,
        loaded_km=loaded_km,
        deadhead_pct=_pct(deadhead_km, km),
        truck_utilisation_pct=_pct(busy_h, duty_h),
        avg_wait_to_match_min=sum(waits) / len(waits) if waits else 0.0,
        matcher_runs=matcher_runs,
        last_delivery_h=max((o.delivered_at or 0.0 for o in delivered), default=0.0),
    )


def _pct(part: float, whole: float) -> float:
    return min(100.0, max(0.0, 100.0 * part / whole)) if whole > 0 else 0.0


def _clock(t: float) -> str:
    day, rem = divmod(t, 24.0)
    hh, mm = divmod(round(rem * 60), 60)
    return f"day {int(day) + 1} {int(hh):02d}:{int(mm):02d}"
