"""Trucks and loads on the map: marker sprites, positions and the marker layer.

Why layers instead of one QGraphicsItem per truck: a busy board has thousands of markers,
and per-item bookkeeping (bounding rects, the BSP index, per-item transforms for
constant-size markers) costs more than drawing them. The marker layer paints everything in
device pixels from numpy arrays (scene position + a fixed pixel offset per marker) using
pre-rendered sprites, and the view hit-tests on the same arrays.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from PySide6.QtCore import (
    QPointF,
    QRectF,
    Qt,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import (
    QStyleOptionGraphicsItem,
)

from dispatcher.fleet import TruckStatus
from dispatcher.ui import style
from dispatcher.ui.map_projection import _Layer, _map_points

TRUCK, LOAD = "truck", "load"
#: The marker status of a load whose pickup is overdue (dispatcher.clock): drawn red.
OVERDUE = "overdue"
MARKER_PX = 11  # sprite size in device pixels
COMPACT_PX = 7  # sprite size when a dense board is seen whole
DENSE_MARKERS = 600  # more markers than this: compact clusters below 2x zoom
SPACING_PX = 6.5  # sunflower spacing between markers around a city
HIT_PX = 8.0
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def _sprite(kind: str, color: QColor, px: int = MARKER_PX) -> QPixmap:
    """A marker: trucks are rounded squares, loads diamonds; dark outline for contrast."""
    size = px + 2
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor(30, 30, 30, 220), 1.2))
    p.setBrush(QBrush(color))
    c = size / 2
    r = px / 2
    if kind == TRUCK:
        p.drawRoundedRect(QRectF(c - r + 0.5, c - r + 1.5, 2 * r - 1, 2 * r - 3), 2.0, 2.0)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 200))  # a windscreen, so a truck reads as a truck
        p.drawRect(QRectF(c + r * 0.15, c - r * 0.45, r * 0.45, r * 0.4))
    else:
        poly = QPolygonF(
            [QPointF(c, c - r), QPointF(c + r, c), QPointF(c, c + r), QPointF(c - r, c)]
        )
        p.drawPolygon(poly)
    p.end()
    return pm


def _thin_pen(color: QColor) -> QPen:
    """A 1 px cosmetic pen: Qt's raster engine draws these on a fast path (no stroker),
    which is what keeps hundreds of assignment and suggestion lines cheap."""
    pen = QPen(color, 1.0)
    pen.setCosmetic(True)
    return pen


def _activity_status(activity: object) -> str:
    """A replay activity (deadhead, loading...) as the truck status colours show it."""
    status = getattr(activity, "truck_status", None)
    if status is not None:
        return str(status.value)
    return {
        "deadhead": TruckStatus.EN_ROUTE_TO_PICKUP.value,
        "waiting": TruckStatus.EN_ROUTE_TO_PICKUP.value,
        "loading": TruckStatus.LOADED.value,
        "loaded": TruckStatus.LOADED.value,
        "unloading": TruckStatus.LOADED.value,
    }.get(str(activity), str(activity))


class Marker(NamedTuple):
    kind: str  # TRUCK or LOAD
    id: str
    status: str
    city: str


def _sunflower(n: int) -> np.ndarray:
    """Pixel offsets of the k-th marker around a city: a sunflower spiral, first ones below."""
    k = np.arange(n)
    r = SPACING_PX * np.sqrt(k + 1.6)
    a = k * GOLDEN_ANGLE + math.pi / 2
    return np.column_stack([r * np.cos(a), r * np.sin(a)])


_SPIRAL = _sunflower(256)


class MarkerLayer(_Layer):
    """Trucks and loads around their cities, assignment and suggestion lines, highlights."""

    def __init__(self, bounds: QRectF) -> None:
        super().__init__(bounds)
        self.markers: list[Marker] = []
        self.base = np.zeros((0, 2))  # scene position of each marker's city
        self.offset = np.zeros((0, 2))  # fixed pixel offset around the city
        self._index: dict[tuple[str, str], int] | None = {}
        self._by_kind: dict[str, dict[str, int]] | None = {TRUCK: {}, LOAD: {}}
        self._sprite_of: list[QPixmap] = []
        self._sprites: dict[tuple[str, str, bool], QPixmap] = {}
        self.links: list[tuple[int, int]] = []  # truck -> its load (solid)
        self.suggestions: list[tuple[int, int]] = []  # truck -> suggested load (dashed)
        self.selected: int | None = None
        self.hover: int | None = None
        self.drop_target: tuple[int, bool] | None = None  # (truck index, feasible)
        self.route: QPainterPath | None = None  # selected load's road route, scene coords
        self._dev_cache: tuple[tuple[float, ...], np.ndarray] | None = None
        #: Cluster spacing factor: clusters open up when zoomed in (easier to hit a marker).
        self.spread = 1.0
        self.compact = False

    def sprite(self, kind: str, status: str, compact: bool = False) -> QPixmap:
        key = (kind, status, compact)
        pm = self._sprites.get(key)
        if pm is None:
            colors = style.TRUCK_COLORS if kind == TRUCK else style.LOAD_COLORS
            color = colors.get(status, QColor("#888888"))  # type: ignore[call-overload]
            if kind == LOAD and status == OVERDUE:
                color = style.OVERDUE_COLOR
            px = COMPACT_PX if compact else MARKER_PX
            pm = self._sprites[key] = _sprite(kind, color, px)
        return pm

    @property
    def index(self) -> dict[tuple[str, str], int]:
        """(kind, id) -> marker index; built when first asked for after a change (a replay
        frame replaces ~12,000 markers and rarely needs it)."""
        if self._index is None:
            kinds, ids = [m[0] for m in self.markers], [m[1] for m in self.markers]
            self._index = dict(zip(zip(kinds, ids, strict=True), range(len(ids)), strict=True))
        return self._index

    @property
    def by_kind(self) -> dict[str, dict[str, int]]:
        """kind -> id -> marker index."""
        if self._by_kind is None:
            by_kind: dict[str, dict[str, int]] = {TRUCK: {}, LOAD: {}}
            for k, m in enumerate(self.markers):
                by_kind[m[0]][m[1]] = k
            self._by_kind = by_kind
        return self._by_kind

    def set_markers(self, markers: list[Marker], base: np.ndarray, offset: np.ndarray) -> None:
        self.markers, self.base, self.offset = markers, base, offset
        self._index = self._by_kind = None
        self._refresh_sprites()
        self._dev_cache = None
        self.update()

    def set_positions(self, base: np.ndarray, offset: np.ndarray) -> None:
        """The same markers somewhere else (a replay frame where only positions changed)."""
        self.base, self.offset = base, offset
        self._dev_cache = None
        self.update()

    def set_compact(self, compact: bool) -> None:
        """Level of detail: small sprites in tight clusters for a dense board seen whole."""
        if compact != self.compact:
            self.compact = compact
            self._refresh_sprites()
            self.update()

    def _refresh_sprites(self) -> None:
        compact, cache, make = self.compact, self._sprites, self.sprite
        self._sprite_of = [
            cache.get((m[0], m[2], compact)) or make(m[0], m[2], compact) for m in self.markers
        ]

    def device_positions(self, t: QTransform) -> np.ndarray:
        key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), self.spread)
        if self._dev_cache is not None and self._dev_cache[0] == key:
            return self._dev_cache[1]
        dev = _map_points(t, self.base) + self.offset * self.spread
        self._dev_cache = (key, dev)
        return dev

    def hit(self, t: QTransform, x: float, y: float, kind: str | None = None) -> int | None:
        """The marker under a device point (nearest within HIT_PX), optionally of one kind."""
        if not self.markers:
            return None
        dev = self.device_positions(t)
        d2 = (dev[:, 0] - x) ** 2 + (dev[:, 1] - y) ** 2
        if kind is not None:
            d2 = np.where([m.kind == kind for m in self.markers], d2, np.inf)
        i = int(np.argmin(d2))
        return i if d2[i] <= HIT_PX**2 else None

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = painter.worldTransform()
        if self.route is not None:
            pen = QPen(QColor(44, 111, 187, 110), 5.0)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(self.route)
        if not self.markers:
            return
        dev = self.device_positions(t)
        clip = self._device_clip(painter, option, MARKER_PX)
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_lines(painter, dev)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        x0, y0, x1, y1 = clip.left(), clip.top(), clip.right(), clip.bottom()
        inside = np.nonzero(
            (dev[:, 0] >= x0) & (dev[:, 0] <= x1) & (dev[:, 1] >= y0) & (dev[:, 1] <= y1)
        )[0]
        half = ((COMPACT_PX if self.compact else MARKER_PX) + 2) / 2
        sprites = self._sprite_of
        draw = painter.drawPixmap
        # whole-pixel positions keep drawPixmap on Qt's plain blit path (no resampling)
        corners = np.rint(dev[inside] - half).astype(np.int64).tolist()
        for i, (x, y) in zip(inside.tolist(), corners, strict=True):
            draw(x, y, sprites[i])
        self._paint_highlights(painter, dev)
        painter.restore()

    def _paint_lines(self, painter: QPainter, dev: np.ndarray) -> None:
        # many long translucent lines: antialiasing doubles their cost and adds little
        many = len(self.links) + len(self.suggestions) > 150
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, not many)
        if (self.links and len(self.links) <= 400) or self.selected is not None:
            pairs = self.links if len(self.links) <= 400 else self._selected_links()
            if pairs:
                painter.setPen(_thin_pen(QColor(44, 111, 187, 190)))
                painter.drawLines([QPointF(*dev[a]) for pair in pairs for a in pair])
        if self.suggestions:
            pen = _thin_pen(style.SUGGESTION_COLOR)
            pen.setDashPattern([5.0, 3.0])
            painter.setPen(pen)
            painter.drawLines([QPointF(*dev[a]) for pair in self.suggestions for a in pair])

    def _selected_links(self) -> list[tuple[int, int]]:
        return [p for p in self.links if self.selected in p]

    def _paint_highlights(self, painter: QPainter, dev: np.ndarray) -> None:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.hover is not None and self.hover != self.selected:
            painter.setPen(QPen(QColor(40, 40, 40, 160), 1.5))
            painter.drawEllipse(QPointF(*dev[self.hover]), 9.0, 9.0)
        if self.selected is not None:
            painter.setPen(QPen(QColor(30, 30, 30), 4.0))
            painter.drawEllipse(QPointF(*dev[self.selected]), 10.0, 10.0)
            painter.setPen(QPen(style.SELECTION_COLOR, 2.5))
            painter.drawEllipse(QPointF(*dev[self.selected]), 10.0, 10.0)
        if self.drop_target is not None:
            i, ok = self.drop_target
            painter.setPen(QPen(style.OK_COLOR if ok else style.BAD_COLOR, 3.0))
            painter.drawEllipse(QPointF(*dev[i]), 12.0, 12.0)
