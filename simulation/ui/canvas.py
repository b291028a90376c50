"""The design diagram, and the editor around it: boxes in request-flow order, arrows for how
work moves.

Boxes move (drag), arrows are drawn from a box's output port to another box, Del removes the
selection, a rubber band or Ctrl+click selects several; the wheel and Ctrl+± zoom, Ctrl+0 fits,
the middle button pans. The canvas never changes the design itself: it says what the user asked
for by signals, and the workbench turns each request into one undoable edit of the TOML text,
which comes back here as a new :class:`~designs.sketch.Sketch` to draw.

After a run the boxes show utilisation as a fill colour and the bottleneck gets a red frame,
so the picture answers "where does it hurt?" at a glance.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QWidget,
)

from designs.loader import dump_design
from designs.schema import Design
from designs.sketch import BOX_H, BOX_W, Sketch, sketch
from freightlab import numbers as fmt
from simulation.results import SimResult
from simulation.ui.canvas_items import (
    EDGE_STYLES,
    ComponentBox,
    EdgeItem,
    Port,
    utilisation_colour,
)

MAX_ZOOM = 1.2  # fitting never blows a small design up beyond this
ZOOM_STEP = 1.2
ZOOM_RANGE = (0.2, 4.0)
GRID = 20.0

__all__ = ["EDGE_STYLES", "ComponentBox", "DesignCanvas", "EdgeItem", "utilisation_colour"]


def duration_text(ms: float) -> str:
    """Short enough for a box: '18 ms', '2.4 s', '7.7 min'."""
    return fmt.ms(ms)


class DesignCanvas(QGraphicsView):
    moved = Signal(dict)  # name -> (x, y): boxes the user dragged to a new place
    connect_requested = Signal(str, str)  # source, target: an arrow dropped on a box
    delete_requested = Signal(list, list)  # component names, [(source, target, field)]
    selection_changed = Signal(list)  # the selected component names

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("design_canvas")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setMinimumHeight(200)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.boxes: dict[str, ComponentBox] = {}
        self.edges: list[EdgeItem] = []
        self.sketch: Sketch | None = None
        self.editable = True
        self._link: tuple[ComponentBox, QGraphicsPathItem] | None = None
        self._ghost: QGraphicsRectItem | None = None
        self._pan: QPointF | None = None
        self._pressed_at: dict[str, QPointF] = {}
        self._fitted = True  # follow the window's size until the user zooms or pans
        self.scene().selectionChanged.connect(self._selection_changed)
        self.setToolTip(
            "The design: drag boxes to move them, drag from a box's right-hand port to another "
            "box to route requests there; Del deletes, wheel zooms, middle button pans"
        )

    # --- drawing ---------------------------------------------------------------------------
    def show_design(self, design: Design) -> None:
        self.show_sketch(sketch(dump_design(design)))

    def show_sketch(self, drawn: Sketch) -> None:
        """Draw ``drawn``, keeping the selection (by name) and the view when the same
        components stay; a different design is fitted to the window."""
        same = self.sketch is not None and set(self.sketch.names()) & set(drawn.names())
        keep = self.selected_names()
        scene = self.scene()
        scene.blockSignals(True)
        scene.clear()
        self._link = self._ghost = None
        self.boxes, self.edges, self.sketch = {}, [], drawn
        for component in drawn.components:
            box = ComponentBox(component, drawn.entries.get(component.name, []))
            box.setPos(*drawn.positions[component.name])
            box.setFlag(box.GraphicsItemFlag.ItemIsMovable, self.editable)
            scene.addItem(box)
            self.boxes[component.name] = box
        for edge in drawn.edges:
            item = EdgeItem(self.boxes[edge.source], self.boxes[edge.target], edge.kind)
            scene.addItem(item)
            self.edges.append(item)
        for name in keep:
            if name in self.boxes:
                self.boxes[name].setSelected(True)
        scene.blockSignals(False)
        self._update_scene_rect()
        if not same:  # another design: show all of it; an edit keeps the view where it is
            self.fit()
        self._selection_changed()

    def _update_scene_rect(self) -> None:
        # Room around the design to pan into and to drop new components on.
        rect = self.scene().itemsBoundingRect().adjusted(-400, -300, 400, 300)
        self.scene().setSceneRect(rect)

    def show_result(self, result: SimResult) -> None:
        for name, box in self.boxes.items():
            stats = result.components.get(name)
            if stats is None:
                continue
            if stats.workers:
                text = (
                    f"util {fmt.pct(stats.utilization)} · wait {duration_text(stats.mean_wait_ms)}"
                )
                if stats.mean_batch_size is not None:  # a matcher: its batches too
                    text += f" · batch {fmt.num(stats.mean_batch_size)}"
                util: float | None = stats.utilization
            elif stats.hit_ratio is not None:
                text, util = f"hit ratio {stats.hit_ratio:.0%}", None
            else:
                text, util = fmt.rate(stats.arrival_rate_rps), None
            box.show_stats(util, text, name == result.bottleneck)

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        rect = QRectF(rect)
        painter.fillRect(rect, QColor("#fafbfc"))
        painter.setPen(QPen(QColor("#edf0f4"), 0))
        left = rect.left() - rect.left() % GRID
        top = rect.top() - rect.top() % GRID
        x = left
        while x < rect.right():
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += GRID
        y = top
        while y < rect.bottom():
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += GRID

    # --- selection -------------------------------------------------------------------------
    def selected_names(self) -> list[str]:
        return [n for n, b in self.boxes.items() if b.isSelected()]

    def selected_edges(self) -> list[tuple[str, str, str]]:
        return [e.key() for e in self.edges if e.isSelected()]

    def select(self, names: list[str]) -> None:
        self.scene().clearSelection()
        for name in names:
            if name in self.boxes:
                self.boxes[name].setSelected(True)

    def positions(self) -> dict[str, tuple[float, float]]:
        return {n: (b.pos().x(), b.pos().y()) for n, b in self.boxes.items()}

    def _selection_changed(self) -> None:
        self.selection_changed.emit(self.selected_names())

    # --- zoom and pan ----------------------------------------------------------------------
    def fit(self) -> None:
        rect = self.scene().itemsBoundingRect().adjusted(-24, -24, 24, 24)
        if not rect.isEmpty():
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
            scale = self.transform().m11()
            if scale > MAX_ZOOM:  # small designs: legible, not blown up
                self.scale(MAX_ZOOM / scale, MAX_ZOOM / scale)
        self._fitted = True

    def zoom(self, factor: float) -> None:
        scale = self.transform().m11() * factor
        if ZOOM_RANGE[0] <= scale <= ZOOM_RANGE[1]:
            self.scale(factor, factor)
        self._fitted = False

    def zoom_level(self) -> float:
        return self.transform().m11()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(ZOOM_STEP**steps)
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit()

    # --- mouse: links, moves, pan ----------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        item = self.itemAt(event.position().toPoint())
        if self.editable and isinstance(item, Port) and event.button() == Qt.MouseButton.LeftButton:
            line = QGraphicsPathItem()
            line.setPen(QPen(QColor("#1565c0"), 2, Qt.PenStyle.DashLine))
            line.setZValue(5)
            self.scene().addItem(line)
            self._link = (item.box, line)
            event.accept()
            return
        self._pressed_at = {n: b.pos() for n, b in self.boxes.items()}
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan is not None:
            delta = event.position() - self._pan
            self._pan = event.position()
            bar_h, bar_v = self.horizontalScrollBar(), self.verticalScrollBar()
            bar_h.setValue(bar_h.value() - round(delta.x()))
            bar_v.setValue(bar_v.value() - round(delta.y()))
            self._fitted = False
            return
        if self._link is not None:
            source, line = self._link
            start, end = source.out_point(), self.mapToScene(event.position().toPoint())
            path = QPainterPath(start)
            path.lineTo(end)
            line.setPath(path)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan is not None:
            self._pan = None
            self.viewport().unsetCursor()
            return
        if self._link is not None:
            source, line = self._link
            self._link = None
            self.scene().removeItem(line)
            target = self.box_at(event.position().toPoint())
            if target is not None and target is not source:
                self.connect_requested.emit(source.name, target.name)
            return
        super().mouseReleaseEvent(event)
        moved = {
            n: (b.pos().x(), b.pos().y())
            for n, b in self.boxes.items()
            if n in self._pressed_at and b.pos() != self._pressed_at[n]
        }
        self._pressed_at = {}
        if moved:
            self._update_scene_rect()
            self.moved.emit(moved)

    def box_at(self, point: object) -> ComponentBox | None:
        """The box under a viewport point (its port or its texts count as the box)."""
        for item in self.items(point):  # type: ignore[call-overload]
            if isinstance(item, Port):
                return item.box
            if isinstance(item, ComponentBox):
                return item
        return None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self._link is not None:
            self.scene().removeItem(self._link[1])
            self._link = None
            return
        if self.editable and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            names, edges = self.selected_names(), self.selected_edges()
            if names or edges:
                self.delete_requested.emit(names, edges)
            event.accept()
            return
        super().keyPressEvent(event)

    def show_ghost(self, global_pos: QPointF | None) -> None:
        """While a palette drag is over the canvas, outline where the box would land."""
        point = None if global_pos is None else self.drop_point(global_pos)
        if point is None:
            if self._ghost is not None:
                self.scene().removeItem(self._ghost)
                self._ghost = None
            return
        if self._ghost is None:
            self._ghost = self.scene().addRect(
                0, 0, BOX_W, BOX_H, QPen(QColor("#1565c0"), 1.5, Qt.PenStyle.DashLine)
            )
            self._ghost.setZValue(6)
        self._ghost.setPos(point)

    def single_selection(self) -> str | None:
        """The one selected box's name, else None."""
        names = self.selected_names()
        return names[0] if len(names) == 1 else None

    def drop_point(self, global_pos: QPointF) -> QPointF | None:
        """The scene point for a palette drop at ``global_pos`` (the box's top-left corner,
        centred under the cursor), or None when the cursor is not over the canvas."""
        local = self.viewport().mapFromGlobal(global_pos.toPoint())
        if not self.viewport().rect().contains(local):
            return None
        centre = self.mapToScene(local)
        return QPointF(centre.x() - BOX_W / 2, centre.y() - BOX_H / 2)
