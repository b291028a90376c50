"""The map's markers for one Day replay moment, laid out with numpy.

A replay frame at x30 scale is 3,000 trucks and up to 9,000 posted loads. Grouping them
city by city in Python (the live board's way) cost ~200 ms a frame; here what does not change
between frames (ids, home and origin/destination points) is kept per board, and a frame is a
few vectorised passes: project the positions, pick each load's point by its phase, group
markers that share a point (rounded to 0.1 scene km) and give each its sunflower offset by its
rank in the group. See bench/bench_replay.py.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from PySide6.QtCore import QPointF

from dispatcher.board import Board
from dispatcher.fleet import LoadStatus
from dispatcher.ui.map_markers import _SPIRAL, LOAD, TRUCK, Marker, _activity_status, _sunflower
from dispatcher.ui.map_projection import KM_PER_DEGREE, Projection

#: A load's phase -> (status its marker shows, drawn at its destination?); absent: not drawn
#: (not posted yet, or riding on its truck, which is drawn loaded).
PHASE_MARKER: dict[str, tuple[str, bool]] = {
    "waiting": (LoadStatus.OPEN.value, False),
    "delivered": (LoadStatus.DELIVERED.value, True),
    "expired": (LoadStatus.CANCELLED.value, False),
}
_STATUS_OF: dict[object, str] = {}  # activity -> truck status value, memoised
#: Phases as small codes (0: not drawn), and each drawn code's marker status.
_PHASE_CODE: dict[object, int] = {p: k for k, p in enumerate(PHASE_MARKER, start=1)}
_CODE_STATUS = ("", *(status for status, _dest in PHASE_MARKER.values()))
_DELIVERED = _PHASE_CODE["delivered"]


def _status(activity: object) -> str:
    status = _STATUS_OF.get(activity)
    if status is None:
        status = _STATUS_OF[activity] = _activity_status(activity)
    return status


class ReplayLayout:
    """What a board's replay frames share; :meth:`frame` lays out one moment."""

    def __init__(
        self, board: Board, city_pos: Mapping[str, QPointF], projection: Projection
    ) -> None:
        self.board, self.projection = board, projection
        far = QPointF(float("nan"), float("nan"))
        self.trucks = list(board.trucks.values())
        self.home = np.array([_xy(city_pos.get(t.location, far)) for t in self.trucks])
        self.loads = list(board.loads.values())
        self.load_ids = [ld.id for ld in self.loads]
        self.origin = np.array([_xy(city_pos.get(ld.origin, far)) for ld in self.loads])
        self.dest = np.array([_xy(city_pos.get(ld.destination, far)) for ld in self.loads])
        self.shape = (len(board.trucks), len(board.loads))
        self._last: tuple[list[str], np.ndarray] = ([], np.zeros(0, dtype=np.int8))
        self.last_markers: list[Marker] = []

    def fits(self, board: Board) -> bool:
        return board is self.board and self.shape == (len(board.trucks), len(board.loads))

    def frame(
        self, positions: Mapping[str, tuple], phases: Mapping[str, object] | None
    ) -> tuple[list[Marker] | None, np.ndarray, np.ndarray]:
        """(markers, base scene points, pixel offsets) of this moment; markers None: the
        same markers as the last frame (same trucks' statuses, same loads drawn the same
        way), only their positions changed, so the layer keeps its index and sprites."""
        at = [positions.get(t.id) for t in self.trucks]
        known = _STATUS_OF
        statuses = [
            (known.get(p[2]) or _status(p[2])) if p is not None else t.status.value
            for t, p in zip(self.trucks, at, strict=True)
        ]
        codes = (
            np.array([_PHASE_CODE.get(phases.get(i), 0) for i in self.load_ids], dtype=np.int8)
            if phases is not None
            else np.zeros(len(self.loads), dtype=np.int8)
        )
        points = self._truck_points(at)
        load_points = self._load_points(codes)
        if len(load_points):
            points = np.concatenate([points, load_points])
        keep = ~np.isnan(points).any(axis=1)
        same = statuses == self._last[0] and np.array_equal(codes, self._last[1])
        markers: list[Marker] | None = None
        if not same:
            self._last = (statuses, codes)
            markers = self._trucks(statuses) + self._loads(codes)
            if not keep.all():
                markers = [m for m, k in zip(markers, keep.tolist(), strict=True) if k]
            self.last_markers = markers
        points = points[keep]
        return markers, points, _offsets(points)

    def _truck_points(self, at: list[tuple | None]) -> np.ndarray:
        nan = (np.nan, np.nan, None)
        latlon = np.array([(p or nan)[:2] for p in at], dtype=float).reshape(-1, 2)
        points = self.home.copy().reshape(-1, 2)
        moved = ~np.isnan(latlon[:, 0])
        points[moved] = _project(self.projection, latlon[moved])
        return points

    def _load_points(self, codes: np.ndarray) -> np.ndarray:
        rows = np.flatnonzero(codes)
        at_dest = (codes[rows] == _DELIVERED)[:, None]
        return np.where(at_dest, self.dest[rows], self.origin[rows]).reshape(-1, 2)

    def _trucks(self, statuses: list[str]) -> list[Marker]:
        return [
            Marker(TRUCK, t.id, s, t.location) for t, s in zip(self.trucks, statuses, strict=True)
        ]

    def _loads(self, codes: np.ndarray) -> list[Marker]:
        rows = np.flatnonzero(codes)
        shown = codes[rows]
        status = _CODE_STATUS
        return [
            Marker(LOAD, ld.id, status[c], ld.destination if c == _DELIVERED else ld.origin)
            for ld, c in zip([self.loads[k] for k in rows.tolist()], shown.tolist(), strict=True)
        ]


def _xy(p: QPointF) -> tuple[float, float]:
    return p.x(), p.y()


def _project(proj: Projection, latlon: np.ndarray) -> np.ndarray:
    """Projection.to_scene for many points at once."""
    x = (latlon[:, 1] - proj.lon0) * KM_PER_DEGREE * np.cos(np.radians(proj.lat0))
    y = -(latlon[:, 0] - proj.lat0) * KM_PER_DEGREE
    return np.column_stack([x, y])


def _offsets(points: np.ndarray) -> np.ndarray:
    """The sunflower offset of each marker by its rank among markers at the same point."""
    n = len(points)
    if n == 0:
        return np.zeros((0, 2))
    cells = np.round(points * 10).astype(np.int64)  # 0.1 scene km: one key per point
    keys = (cells[:, 0] << 32) ^ (cells[:, 1] & 0xFFFFFFFF)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.empty(n, dtype=np.intp)
    rank[order] = np.arange(n) - first
    spiral = _SPIRAL if rank.max() < len(_SPIRAL) else _sunflower(int(rank.max()) + 1)
    return spiral[rank]


__all__ = ["PHASE_MARKER", "ReplayLayout"]
