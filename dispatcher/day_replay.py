"""Replay a simulated day: where every truck is, what every load is doing, and the day's
figures so far (delivered, on the road, idle, deadhead so far), at time t.

The simulator records keyframes only when something changes (a truck reaches a city or
starts a new activity); between two keyframes a truck moves in a straight line on the map.
All trucks' keyframes sit in flat numpy arrays ordered by (truck, time), keyed by
``truck row x SPAN + t``, so one ``searchsorted`` finds every truck's segment at once: a
slider move costs a few vectorised passes and one dict per answer, not a Python bisect per
truck (that was ~18 ms a frame at x30 scale; see bench/bench_replay.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from dispatcher.operations import Activity, DayResult, Keyframe
from dispatcher.routes import RouteGraph, great_circle_km

Position = tuple[float, float, Activity]  # lat, lon, what the truck is doing
_ACTS = tuple(Activity)
_CODE = {a: i for i, a in enumerate(_ACTS)}
_DRIVING = {Activity.DEADHEAD: "dead", Activity.LOADED: "loaded"}
#: The replay opens at the first quarter hour by which a truck is on duty and a load posted.
OPENING_STEP_H = 0.25


class LoadPhase(StrEnum):
    WAITING = "waiting"  # posted, at its origin, not picked up yet
    ON_TRUCK = "on_truck"
    DELIVERED = "delivered"
    EXPIRED = "expired"  # never matched


_PHASES = (LoadPhase.WAITING, LoadPhase.ON_TRUCK, LoadPhase.DELIVERED, LoadPhase.EXPIRED)


@dataclass(frozen=True)
class ReplayFigures:
    """The day so far at one moment (what the replay's KPI strip shows)."""

    t: float
    posted: int
    waiting: int
    on_the_road: int  # picked up, not yet delivered
    delivered: int
    expired: int
    trucks_idle: int
    trucks_empty: int  # driving empty to a pickup or waiting there
    trucks_loaded: int  # loading, driving loaded or unloading
    trucks_off_duty: int
    deadhead_km: float  # driven empty so far
    loaded_km: float

    @property
    def deadhead_pct(self) -> float | None:
        km = self.deadhead_km + self.loaded_km
        return 100.0 * self.deadhead_km / km if km > 0 else None


@dataclass(frozen=True)
class ReplayFrame:
    positions: dict[str, Position]
    phases: dict[str, LoadPhase]
    figures: ReplayFigures


class DayReplay:
    def __init__(self, result: DayResult, graph: RouteGraph | None = None) -> None:
        """``graph``: road km for the deadhead-so-far figure (else great-circle km)."""
        self.result = result
        self.start_h = 0.0
        self.end_h = result.end_h
        frames = {tid: fr for tid, fr in result.timeline.items() if fr}
        self._tids = list(frames)
        flat = [k for fr in frames.values() for k in fr]
        counts = np.array([len(fr) for fr in frames.values()], dtype=np.intp)
        self._last = np.cumsum(counts) - 1
        self._first = self._last - counts + 1
        rows = np.repeat(np.arange(len(counts)), counts)
        self._t = np.array([k.t for k in flat], dtype=float)
        self._lat = np.array([k.lat for k in flat], dtype=float)
        self._lon = np.array([k.lon for k in flat], dtype=float)
        self._act = np.array([_CODE[k.activity] for k in flat], dtype=np.int8)
        self._span = float(self._t.max(initial=0.0)) + 1.0
        self._key = rows * self._span + self._t
        self._rows_span = np.arange(len(counts)) * self._span
        self._dead, self._loaded = _cumulative_km(frames.values(), graph)
        self._outcomes = [o.load_id for o in result.outcomes]
        nan = float("nan")
        self._posted = np.array([o.posted_at for o in result.outcomes], dtype=float)
        self._picked = np.array([_or(o.picked_up_at, nan) for o in result.outcomes], dtype=float)
        self._deliv = np.array([_or(o.delivered_at, nan) for o in result.outcomes], dtype=float)
        self._expired = np.array([_or(o.expired_at, nan) for o in result.outcomes], dtype=float)
        self.opening_h = self._opening()

    def _opening(self) -> float:
        """The first quarter hour with a truck on duty and a load posted (the replay starts
        there, not at midnight with every truck off duty and no load yet)."""
        on = self._t[self._act != _CODE[Activity.OFF_DUTY]]
        first_truck = float(on.min()) if len(on) else 0.0
        first_load = float(self._posted.min()) if len(self._posted) else 0.0
        moment = max(first_truck, first_load)
        return min(self.end_h, np.ceil(moment / OPENING_STEP_H - 1e-9) * OPENING_STEP_H)

    # -------------------------------------------------------------------------- lookups
    def _segments(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each truck's keyframe index at ``t``, the next one and the fraction between."""
        i = np.searchsorted(self._key, self._rows_span + t, side="right") - 1
        i = np.maximum(i, self._first)
        n = np.minimum(i + 1, self._last)
        span = self._t[n] - self._t[i]
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(span > 0, (t - self._t[i]) / span, 0.0)
        return i, n, np.clip(f, 0.0, 1.0)

    def positions_at(self, t: float) -> dict[str, Position]:
        """Every truck's (lat, lon, activity) at hour ``t``, interpolated between keyframes."""
        return self._positions(*self._segments(t))

    def _positions(self, i: np.ndarray, n: np.ndarray, f: np.ndarray) -> dict[str, Position]:
        lat = self._lat[i] + f * (self._lat[n] - self._lat[i])
        lon = self._lon[i] + f * (self._lon[n] - self._lon[i])
        acts = [_ACTS[c] for c in self._act[i].tolist()]
        return dict(
            zip(self._tids, zip(lat.tolist(), lon.tolist(), acts, strict=True), strict=True)
        )

    def _phase_codes(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        posted = self._posted <= t
        codes = np.select(
            [self._deliv <= t, self._picked <= t, self._expired <= t], [2, 1, 3], default=0
        )
        return posted, codes

    def load_phases_at(self, t: float) -> dict[str, LoadPhase]:
        """Posted loads and their phase at hour ``t`` (loads not yet posted are absent)."""
        return self._phases(*self._phase_codes(t))

    def _phases(self, posted: np.ndarray, codes: np.ndarray) -> dict[str, LoadPhase]:
        ids = self._outcomes
        return {
            ids[k]: _PHASES[c]
            for k, c in zip(np.flatnonzero(posted).tolist(), codes[posted].tolist(), strict=True)
        }

    def figures_at(self, t: float) -> ReplayFigures:
        return self.frame_at(t, with_maps=False).figures

    def frame_at(self, t: float, with_maps: bool = True) -> ReplayFrame:
        """Positions, load phases and the figures so far, from one pass over the arrays."""
        i, n, f = self._segments(t)
        posted, codes = self._phase_codes(t)
        counts = np.bincount(codes[posted], minlength=4)
        acts = np.bincount(self._act[i], minlength=len(_ACTS))
        by = {a: int(acts[_CODE[a]]) for a in _ACTS}
        figures = ReplayFigures(
            t=t,
            posted=int(posted.sum()),
            waiting=int(counts[0]),
            on_the_road=int(counts[1]),
            delivered=int(counts[2]),
            expired=int(counts[3]),
            trucks_idle=by[Activity.IDLE],
            trucks_empty=by[Activity.DEADHEAD] + by[Activity.WAITING],
            trucks_loaded=by[Activity.LOADING] + by[Activity.LOADED] + by[Activity.UNLOADING],
            trucks_off_duty=by[Activity.OFF_DUTY],
            deadhead_km=_so_far(self._dead, i, n, f),
            loaded_km=_so_far(self._loaded, i, n, f),
        )
        if not with_maps:
            return ReplayFrame({}, {}, figures)
        return ReplayFrame(self._positions(i, n, f), self._phases(posted, codes), figures)


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _so_far(cum: np.ndarray, i: np.ndarray, n: np.ndarray, f: np.ndarray) -> float:
    return float((cum[i] + f * (cum[n] - cum[i])).sum())


def _cumulative_km(
    timelines: Iterable[list[Keyframe]], graph: RouteGraph | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per keyframe: km driven empty and loaded since the truck's first keyframe (a leg from
    keyframe k to k+1 is driven in keyframe k's activity)."""
    dead: list[float] = []
    loaded: list[float] = []
    for frames in timelines:
        totals = {"dead": 0.0, "loaded": 0.0}
        prev: Keyframe | None = None
        for k in frames:
            if prev is not None and prev.activity in _DRIVING and prev.node != k.node:
                totals[_DRIVING[prev.activity]] += _leg_km(prev, k, graph)
            dead.append(totals["dead"])
            loaded.append(totals["loaded"])
            prev = k
    return np.array(dead, dtype=float), np.array(loaded, dtype=float)


def _leg_km(a: Keyframe, b: Keyframe, graph: RouteGraph | None) -> float:
    if graph is not None and graph.has_node(a.node) and graph.has_node(b.node):
        try:
            return graph.road_km(a.node, b.node)
        except KeyError:
            return graph.distance(a.node, b.node)
    return great_circle_km(a.lat, a.lon, b.lat, b.lon)


__all__ = ["OPENING_STEP_H", "DayReplay", "LoadPhase", "Position", "ReplayFigures", "ReplayFrame"]
