"""What the map does with the mouse, the wheel and the keys: select, pan, zoom, tooltips,
drag a load out and drop it on a truck.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QPoint,
    Qt,
)
from PySide6.QtGui import (
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QToolTip,
)

from dispatcher.clock import ON_THE_ROAD
from dispatcher.fleet import LoadStatus
from dispatcher.ui import dnd, style
from dispatcher.ui.dnd import load_mime, mime_load_id
from dispatcher.ui.map_markers import LOAD, TRUCK, Marker
from dispatcher.ui.map_parts import MapParts


class MapInteraction(MapParts):
    """Mixed into :class:`~dispatcher.ui.map_view.MapView` (before QGraphicsView)."""

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.pixelDelta().y()
        if delta:
            self.zoom_by(1.0015**delta, animate=False)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1.4)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(1 / 1.4)
        elif key in (Qt.Key.Key_0, Qt.Key.Key_F):
            self.fit()
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self._user_zoomed:
            self.fit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            i = self.markers.hit(
                self.viewportTransform(), event.position().x(), event.position().y()
            )
            self._press = (i, event.position().toPoint())
            if i is not None:
                m = self.markers.markers[i]
                self.set_selected(m.kind, m.id)
                self.marker_clicked.emit(m.kind, m.id)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._press is not None and self._press[0] is not None:
            i, start = self._press
            assert i is not None
            if (pos.toPoint() - start).manhattanLength() >= QApplication.startDragDistance():
                self._press = None
                m = self.markers.markers[i]
                if m.kind == LOAD:
                    self._start_drag(m.id)
            return
        hover = self.markers.hit(self.viewportTransform(), pos.x(), pos.y())
        if hover != self.markers.hover:
            self.markers.hover = hover
            self.viewport().setCursor(
                Qt.CursorShape.PointingHandCursor
                if hover is not None
                else Qt.CursorShape.OpenHandCursor
            )
            self.markers.update()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        press, self._press = self._press, None
        if (
            press is not None
            and press[0] is None
            and event.button() == Qt.MouseButton.LeftButton
            and (event.position().toPoint() - press[1]).manhattanLength()
            < QApplication.startDragDistance()
        ):
            self.clear_selection()
            self.marker_clicked.emit("", "")
        super().mouseReleaseEvent(event)

    def _start_drag(self, load_id: str) -> None:
        drag = QDrag(self)
        drag.setMimeData(load_mime(load_id))
        drag.setPixmap(self.markers.sprite(LOAD, LoadStatus.OPEN.value))
        drag.exec(Qt.DropAction.MoveAction)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            help_event: QHelpEvent = event  # type: ignore[assignment]
            text = self.tooltip_at(help_event.pos())
            if text:
                QToolTip.showText(help_event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def tooltip_at(self, pos: QPoint) -> str:
        m = self.marker_at(pos)
        if m is not None:
            return self._marker_tooltip(m)
        city = self.city_at(pos)
        if city is not None and self.graph is not None:
            c = self.graph.city(city)
            trucks = loads = 0
            if self.board is not None:
                trucks = sum(1 for t in self.board.trucks.values() if t.location == city)
                loads = sum(
                    1
                    for ld in self.board.loads.values()
                    if ld.origin == city and ld.status == LoadStatus.OPEN
                )
            pop = f"<br>population {c.population:,}" if c.population else ""
            return f"<b>{c.name}</b>{pop}<br>{trucks} truck(s), {loads} open load(s) here"
        return ""

    def _city_name(self, node: str) -> str:
        if self.graph is not None and self.graph.has_node(node):
            return self.graph.city(node).name
        return node

    def _marker_tooltip(self, m: Marker) -> str:
        board = self.board
        if board is None:
            return m.id
        if m.kind == TRUCK:
            t = board.trucks[m.id]
            carried = board.load_of_truck(t.id)
            extra = f"<br>carries load <b>{carried.id}</b>" if carried is not None else ""
            where = f"at {self._city_name(t.location)}"
            if carried is not None and carried.status in ON_THE_ROAD:
                where = (
                    f"on the road with {carried.id}: {self._city_name(carried.origin)} → "
                    f"{self._city_name(carried.destination)}"
                )
            return (
                f"<b>Truck {t.id}</b> · {style.status_label(t.status.value)}<br>"
                f"{where} from {style.format_hours(t.available_at)}<br>"
                f"{t.truck_type.value}, {t.capacity_t:g} t{extra}"
            )
        ld = board.loads[m.id]
        truck = f"<br>on truck <b>{ld.truck_id}</b>" if ld.truck_id else ""
        hint = "<br><i>drag onto a truck to assign</i>" if ld.status == LoadStatus.OPEN else ""
        if ld.id in self.overdue:
            hint = f"<br><span style='color:#b00020'>{self.overdue[ld.id]}</span>{hint}"
        return (
            f"<b>Load {ld.id}</b> · {style.status_label(ld.status.value)}<br>"
            f"{self._city_name(ld.origin)} → {self._city_name(ld.destination)}<br>"
            f"{ld.weight_t:g} t {ld.truck_type.value}, pickup "
            f"{style.format_hours(ld.pickup_earliest)}–{style.format_hours(ld.pickup_latest)}<br>"
            f"₹{ld.price:,.0f}{truck}{hint}"
        )

    # -- drop target ----------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        dnd.enter(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        load_id = mime_load_id(event.mimeData())
        if load_id is None:
            event.ignore()
            return
        pos = event.position()
        i = self.markers.hit(self.viewportTransform(), pos.x(), pos.y(), TRUCK)
        if i is None:
            self._set_drop_target(None)
            event.ignore()
            return
        truck_id = self.markers.markers[i].id
        reason = dnd.hint(self.drop_check, self.status_hint, load_id, truck_id)
        self._set_drop_target((i, reason is None))
        event.acceptProposedAction()  # an infeasible drop is still delivered: refused loudly

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_drop_target(None)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_drop_target(None)
        load_id = mime_load_id(event.mimeData())
        pos = event.position()
        i = self.markers.hit(self.viewportTransform(), pos.x(), pos.y(), TRUCK)
        if load_id is None or i is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.load_dropped.emit(load_id, self.markers.markers[i].id)

    def _set_drop_target(self, target: tuple[int, bool] | None) -> None:
        if target != self.markers.drop_target:
            self.markers.drop_target = target
            self.markers.update()
