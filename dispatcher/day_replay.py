"""Replay a simulated day: where every truck is, and what every load is doing, at time t.

The simulator records keyframes only when something changes (a truck reaches a city or
starts a new activity); between two keyframes a truck moves in a straight line on the map.
Lookups are a binary search per truck, so scrubbing a slider over a big fleet stays cheap.
"""

from __future__ import annotations

from bisect import bisect_right
from enum import StrEnum

from dispatcher.operations import Activity, DayResult

Position = tuple[float, float, Activity]  # lat, lon, what the truck is doing


class LoadPhase(StrEnum):
    WAITING = "waiting"  # posted, at its origin, not picked up yet
    ON_TRUCK = "on_truck"
    DELIVERED = "delivered"
    EXPIRED = "expired"  # never matched


class DayReplay:
    def __init__(self, result: DayResult) -> None:
        self.result = result
        self.start_h = 0.0
        self.end_h = result.end_h
        self._frames = {tid: frames for tid, frames in result.timeline.items() if frames}
        self._times = {tid: [k.t for k in frames] for tid, frames in self._frames.items()}

    def positions_at(self, t: float) -> dict[str, Position]:
        """Every truck's (lat, lon, activity) at hour ``t``, interpolated between keyframes."""
        out: dict[str, Position] = {}
        for tid, frames in self._frames.items():
            i = bisect_right(self._times[tid], t) - 1
            if i < 0:
                k = frames[0]
                out[tid] = (k.lat, k.lon, k.activity)
                continue
            k = frames[i]
            if i + 1 >= len(frames):
                out[tid] = (k.lat, k.lon, k.activity)
                continue
            n = frames[i + 1]
            span = n.t - k.t
            f = (t - k.t) / span if span > 0 else 0.0
            out[tid] = (k.lat + f * (n.lat - k.lat), k.lon + f * (n.lon - k.lon), k.activity)
        return out

    def load_phases_at(self, t: float) -> dict[str, LoadPhase]:
        """Posted loads and their phase at hour ``t`` (loads not yet posted are absent)."""
        out: dict[str, LoadPhase] = {}
        for o in self.result.outcomes:
            if o.posted_at > t:
                continue
            if o.delivered_at is not None and o.delivered_at <= t:
                out[o.load_id] = LoadPhase.DELIVERED
            elif o.picked_up_at is not None and o.picked_up_at <= t:
                out[o.load_id] = LoadPhase.ON_TRUCK
            elif o.expired_at is not None and o.expired_at <= t:
                out[o.load_id] = LoadPhase.EXPIRED
            else:
                out[o.load_id] = LoadPhase.WAITING
        return out
