"""The component palette: every kind in the registry, with its icon, colour and one-line tip.

Drag a kind onto the canvas to add one there (or double-click / Enter to add it in the middle
of the view). The drag is the palette's own (press, move, release), not a platform
drag-and-drop session, so it behaves the same on every platform and under test.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QListWidget, QListWidgetItem, QWidget

from designs.kinds import KINDS
from simulation.ui.canvas_items import icon_text

KIND_ROLE = Qt.ItemDataRole.UserRole


class ComponentPalette(QListWidget):
    dragging = Signal(str, QPointF)  # kind, global cursor position while dragging
    dropped = Signal(str, QPointF)  # kind, global position where the drag ended
    activated_kind = Signal(str)  # double-click or Enter: add one in the middle

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("component_palette")
        self.setToolTip("Drag a component onto the diagram to add it")
        self.setDragEnabled(False)  # our own drag, below
        self.setSpacing(2)
        self.compact = False
        for name, spec in KINDS.items():
            item = QListWidgetItem(f"{icon_text(spec.icon, self.font(), spec.label)}  {spec.label}")
            item.setSizeHint(QSize(40, 30))
            item.setData(KIND_ROLE, name)
            item.setToolTip(f"<b>{spec.label}</b>: {spec.tooltip}")
            item.setBackground(QBrush(QColor(spec.colour)))
            self.addItem(item)
        self.setMaximumWidth(170)
        self.setMinimumWidth(120)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._press: tuple[str, QPoint] | None = None
        self._drag_kind: str | None = None
        self.itemDoubleClicked.connect(lambda item: self.activated_kind.emit(item.data(KIND_ROLE)))

    def set_compact(self, compact: bool) -> bool:
        """Icons only (the names stay in the tooltips), for narrow places; True if changed."""
        if compact == self.compact:
            return False
        self.compact = compact
        for i in range(self.count()):
            spec = KINDS[self.item(i).data(KIND_ROLE)]
            icon = icon_text(spec.icon, self.font(), spec.label)
            self.item(i).setText(icon if compact else f"{icon}  {spec.label}")
        self.setMinimumWidth(40 if compact else 120)
        self.setMaximumWidth(44 if compact else 170)
        return True

    def kinds(self) -> list[str]:
        return [self.item(i).data(KIND_ROLE) for i in range(self.count())]

    def item_for(self, kind: str) -> QListWidgetItem:
        return self.item(self.kinds().index(kind))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        if item is not None and event.button() == Qt.MouseButton.LeftButton:
            self._press = (item.data(KIND_ROLE), event.position().toPoint())
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None:
            kind, start = self._press
            far = (event.position().toPoint() - start).manhattanLength()
            if self._drag_kind is None and far >= QApplication.startDragDistance():
                self._drag_kind = kind
                self.viewport().setCursor(Qt.CursorShape.DragCopyCursor)
            if self._drag_kind is not None:
                self.dragging.emit(kind, event.globalPosition())
                return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        kind, self._drag_kind, self._press = self._drag_kind, None, None
        if kind is not None:
            self.viewport().unsetCursor()
            self.dropped.emit(kind, event.globalPosition())
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem():
            self.activated_kind.emit(self.currentItem().data(KIND_ROLE))
            return
        super().keyPressEvent(event)
