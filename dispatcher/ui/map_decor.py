"""The map's background and overlay: lat/lon grid, roads (cached), legend, scale bar."""

from __future__ import annotations

import math

from PySide6.QtCore import (
    QPointF,
    QRect,
    QRectF,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)

from dispatcher.fleet import LoadStatus, TruckStatus
from dispatcher.ui import style
from dispatcher.ui.map_markers import LOAD, OVERDUE, TRUCK
from dispatcher.ui.map_parts import MapParts

#: The live board's legend: (marker kind or "line", status, text).
BOARD_LEGEND: tuple[tuple[str, str, str], ...] = (
    (TRUCK, TruckStatus.IDLE.value, "truck idle"),
    (TRUCK, TruckStatus.EN_ROUTE_TO_PICKUP.value, "truck assigned"),
    (TRUCK, TruckStatus.LOADED.value, "truck loaded"),
    (TRUCK, TruckStatus.OFF_DUTY.value, "truck off duty"),
    (LOAD, LoadStatus.OPEN.value, "load open"),
    (LOAD, OVERDUE, "load overdue (pickup closed)"),
    (LOAD, LoadStatus.ASSIGNED.value, "load assigned"),
    (LOAD, LoadStatus.PICKED_UP.value, "load picked up (on its truck)"),
    (LOAD, LoadStatus.IN_TRANSIT.value, "load in transit (on its truck)"),
    (LOAD, LoadStatus.DELIVERED.value, "load delivered"),
    ("line", "", "suggestion"),
)
#: The Day replay's legend: what the replay's colours mean at the slider's moment (a truck's
#: activity as its status colour; a load's phase: waiting, delivered, never matched).
REPLAY_LEGEND: tuple[tuple[str, str, str], ...] = (
    (TRUCK, TruckStatus.IDLE.value, "truck idle (replay)"),
    (TRUCK, TruckStatus.EN_ROUTE_TO_PICKUP.value, "truck driving empty / at pickup"),
    (TRUCK, TruckStatus.LOADED.value, "truck loaded (load on board)"),
    (TRUCK, TruckStatus.OFF_DUTY.value, "truck not on duty yet"),
    (LOAD, LoadStatus.OPEN.value, "load posted, waiting"),
    (LOAD, LoadStatus.DELIVERED.value, "load delivered"),
    (LOAD, LoadStatus.CANCELLED.value, "load expired (never matched)"),
)


class MapDecor(MapParts):
    """Mixed into :class:`~dispatcher.ui.map_view.MapView` (before QGraphicsView)."""

    def _draw_graticule(self) -> None:
        if self.projection is None or self.graph is None:
            return
        cities = self.graph.cities
        lat_lo = math.floor(min(c.lat for c in cities) / 5) * 5 - 5
        lat_hi = math.ceil(max(c.lat for c in cities) / 5) * 5 + 5
        lon_lo = math.floor(min(c.lon for c in cities) / 5) * 5 - 5
        lon_hi = math.ceil(max(c.lon for c in cities) / 5) * 5 + 5
        path = QPainterPath()
        for lat in range(lat_lo, lat_hi + 1, 5):
            path.moveTo(self.projection.to_scene(lat, lon_lo))
            path.lineTo(self.projection.to_scene(lat, lon_hi))
        for lon in range(lon_lo, lon_hi + 1, 5):
            path.moveTo(self.projection.to_scene(lat_lo, lon))
            path.lineTo(self.projection.to_scene(lat_hi, lon))
        pen = QPen(QColor(0, 0, 0, 22), 1.0)
        pen.setCosmetic(True)
        self.graticule.setPen(pen)
        self.graticule.setPath(path)
        self.resetCachedContent()

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        painter.fillRect(rect, style.BACKGROUND)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for item in (self.graticule, self.roads):
            painter.setPen(item.pen())
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(item.path())

    def _make_legend(self, rows: tuple[tuple[str, str, str], ...] = ()) -> QPixmap:
        rows = rows or BOARD_LEGEND
        font = QFont()
        font.setPointSizeF(8.0)
        fm = QFontMetricsF(font)
        w = int(max(fm.horizontalAdvance(r[2]) for r in rows) + 34)
        h = int(len(rows) * 16 + 8)
        pm = QPixmap(w, h)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor(0, 0, 0, 60)))
        p.setBrush(QColor(255, 255, 255, 215))
        p.drawRoundedRect(QRectF(0.5, 0.5, w - 1, h - 1), 5, 5)
        p.setFont(font)
        for k, (kind, status, text) in enumerate(rows):
            y = 4 + k * 16
            if kind == "line":
                pen = QPen(style.SUGGESTION_COLOR, 1.8, Qt.PenStyle.DashLine)
                pen.setDashPattern([4.0, 3.0])
                p.setPen(pen)
                p.drawLine(QPointF(5, y + 8), QPointF(20, y + 8))
            else:
                p.drawPixmap(QPointF(6, y + 1.5), self.markers.sprite(kind, status))
            p.setPen(QColor(40, 40, 40))
            p.drawText(QPointF(26, y + 8 + fm.ascent() / 2 - 1), text)
        p.end()
        return pm

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        painter.save()
        painter.resetTransform()
        vp = self.viewport().rect()
        legend = self._legend if self._replay_positions is None else self._replay_legend
        painter.drawPixmap(QPointF(8, vp.height() - legend.height() - 8), legend)
        self._draw_scale_bar(painter, vp.width(), vp.height())
        painter.restore()

    def _draw_scale_bar(self, painter: QPainter, width: int, height: int) -> None:
        px_per_km = self.transform().m11()
        if px_per_km <= 0:
            return
        target_km = 110 / px_per_km
        nice = 10 ** math.floor(math.log10(target_km))
        for step in (5, 2, 1):
            if step * nice <= target_km:
                nice *= step
                break
        length = nice * px_per_km
        x1, y = width - 14, height - 14
        x0 = x1 - length
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(250, 248, 242), 5))
        painter.drawLine(QPointF(x0, y), QPointF(x1, y))
        painter.setPen(QPen(QColor(50, 50, 50), 2))
        painter.drawLine(QPointF(x0, y), QPointF(x1, y))
        painter.drawLine(QPointF(x0, y - 4), QPointF(x0, y + 1))
        painter.drawLine(QPointF(x1, y - 4), QPointF(x1, y + 1))
        painter.drawText(
            QRectF(x0 - 20, y - 20, length + 40, 14), Qt.AlignmentFlag.AlignCenter, f"{nice:g} km"
        )
