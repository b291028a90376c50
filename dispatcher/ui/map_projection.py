"""Where things are drawn: the map projection and the city layer's level of detail.

Projection: equirectangular with x scaled by cos(mean latitude); scene units are ~km.
City names keep their on-screen size at every zoom; names that would collide are hidden,
bigger cities first. ``_Layer`` is the base of the layers that paint in device pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import (
    QPointF,
    QRectF,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPixmap,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QStyleOptionGraphicsItem,
)

from dispatcher.routes import RouteGraph
from dispatcher.ui import style

KM_PER_DEGREE = 111.32


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection centred on the map, cos(lat0)-scaled so shapes look right."""

    lat0: float
    lon0: float

    @classmethod
    def for_graph(cls, graph: RouteGraph) -> Projection:
        cities = graph.cities
        lats = [c.lat for c in cities]
        lons = [c.lon for c in cities]
        return cls((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)

    def to_scene(self, lat: float, lon: float) -> QPointF:
        x = (lon - self.lon0) * KM_PER_DEGREE * math.cos(math.radians(self.lat0))
        return QPointF(x, -(lat - self.lat0) * KM_PER_DEGREE)

    def to_latlon(self, p: QPointF) -> tuple[float, float]:
        lon = self.lon0 + p.x() / (KM_PER_DEGREE * math.cos(math.radians(self.lat0)))
        return self.lat0 - p.y() / KM_PER_DEGREE, lon


def _affine(t: QTransform) -> np.ndarray:
    """2x3 matrix of a (non-perspective) QTransform, for mapping many points with numpy."""
    return np.array([[t.m11(), t.m21(), t.dx()], [t.m12(), t.m22(), t.dy()]])


def _map_points(t: QTransform, pts: np.ndarray) -> np.ndarray:
    if len(pts) == 0:
        return np.zeros((0, 2))
    m = _affine(t)
    return pts @ m[:, :2].T + m[:, 2]


def _label_pixmap(text: str, font: QFont) -> QPixmap:
    """A city name with a light halo so it reads over roads and markers."""
    fm = QFontMetricsF(font)
    w, h = fm.horizontalAdvance(text) + 6, fm.height() + 4
    pm = QPixmap(math.ceil(w), math.ceil(h))
    pm.fill(Qt.GlobalColor.transparent)
    path = QPainterPath()
    path.addText(QPointF(3, 2 + fm.ascent()), font, text)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    halo = QPainterPathStroker()
    halo.setWidth(3.5)
    halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.fillPath(halo.createStroke(path), QColor(250, 248, 242, 235))
    p.fillPath(path, QColor(35, 35, 35))
    p.end()
    return pm


class _Layer(QGraphicsItem):
    """Base for items that paint in device pixels over the whole map."""

    def __init__(self, bounds: QRectF) -> None:
        super().__init__()
        self._bounds = bounds
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)

    def set_bounds(self, bounds: QRectF) -> None:
        self.prepareGeometryChange()
        self._bounds = bounds

    def boundingRect(self) -> QRectF:
        return self._bounds

    @staticmethod
    def _device_clip(painter: QPainter, option: QStyleOptionGraphicsItem, pad: float) -> QRectF:
        rect = painter.worldTransform().mapRect(option.exposedRect)
        return rect.adjusted(-pad, -pad, pad, pad)


class CityLayer(_Layer):
    """City dots and names; a name is shown only where it does not hit a bigger city's."""

    def __init__(self, bounds: QRectF) -> None:
        super().__init__(bounds)
        self.ids: list[str] = []
        self.names: list[str] = []
        self.points = np.zeros((0, 2))
        self.radius = np.zeros(0)
        self.label_lift = np.zeros(0)  # pixels above the dot (clears the marker cluster)
        self.spread = 1.0  # follows the marker layer's spread
        self._labels: list[QPixmap] = []
        self._order: list[int] = []  # label priority: most populous first
        self._visible_cache: tuple[float, list[int]] | None = None

    def set_cities(
        self, ids: list[str], names: list[str], pos: np.ndarray, population: Sequence[int]
    ) -> None:
        self.ids, self.names, self.points = ids, names, pos
        pop = np.asarray(population, dtype=float)
        self.radius = 2.2 + 2.0 * np.clip(np.log10(np.maximum(pop, 1.0)) - 5.0, 0.0, 1.6)
        self.label_lift = np.zeros(len(ids))
        normal, big = QFont(), QFont()
        normal.setPointSizeF(8.5)
        big.setPointSizeF(9.5)
        big.setBold(True)
        self._labels = [
            _label_pixmap(n, big if p >= 3_000_000 else normal)
            for n, p in zip(names, pop, strict=True)
        ]
        self._order = sorted(range(len(ids)), key=lambda i: (-pop[i], names[i]))
        self._visible_cache = None
        self.update()

    def set_label_lift(self, lift: np.ndarray) -> None:
        self.label_lift = lift
        self._visible_cache = None
        self.update()

    def _label_rect(self, i: int, x: float, y: float) -> QRectF:
        pm = self._labels[i]
        top = y - self.radius[i] - self.label_lift[i] * self.spread - pm.height() + 2
        return QRectF(x - pm.width() / 2, top, pm.width(), pm.height())

    def visible_labels(self, scale: float) -> list[int]:
        """Greedy placement by priority in scaled-scene pixels (pan does not change it)."""
        key = round(scale, 9) + self.spread * 1e-3
        if self._visible_cache is not None and self._visible_cache[0] == key:
            return self._visible_cache[1]
        placed: list[QRectF] = []
        shown: list[int] = []
        for i in self._order:
            x, y = self.points[i] * scale
            rect = self._label_rect(i, float(x), float(y)).adjusted(-2, -1, 2, 1)
            if any(rect.intersects(r) for r in placed):
                continue
            placed.append(rect)
            shown.append(i)
        self._visible_cache = (key, shown)
        return shown

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if len(self.ids) == 0:
            return
        t = painter.worldTransform()
        clip = self._device_clip(painter, option, 80)
        dev = _map_points(t, self.points)
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(255, 255, 255), 1.2))
        painter.setBrush(style.CITY_COLOR)
        for i, (x, y) in enumerate(dev):
            if clip.contains(x, y):
                r = self.radius[i]
                painter.drawEllipse(QPointF(x, y), r, r)
        for i in self.visible_labels(math.hypot(t.m11(), t.m12())):
            x, y = dev[i]
            if clip.contains(x, y):
                rect = self._label_rect(i, x, y)
                painter.drawPixmap(round(rect.left()), round(rect.top()), self._labels[i])
        painter.restore()
