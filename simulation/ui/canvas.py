"""The design diagram: components as boxes in request-flow order, arrows for how work moves.

After a run the boxes show utilisation as a fill colour and the bottleneck gets a red frame,
so the picture answers "where does it hurt?" at a glance.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from designs.layout import layered_layout
from designs.resilience import describe
from designs.schema import Component, Design
from simulation.results import SimResult

BOX_W, BOX_H, GAP_X, GAP_Y = 156.0, 74.0, 58.0, 30.0
MAX_ZOOM = 1.2

EDGE_STYLES = {  # kind -> (pen style, colour, label)
    "calls": (Qt.PenStyle.SolidLine, "#333333", "calls"),
    "then": (Qt.PenStyle.DashLine, "#1f4e79", "then"),
    "on_miss": (Qt.PenStyle.DotLine, "#9a6700", "on miss"),
    "targets": (Qt.PenStyle.SolidLine, "#6a4c93", ""),
    "consumers": (Qt.PenStyle.DashDotLine, "#0b7a75", "consumed by"),
    "dead_letter": (Qt.PenStyle.DotLine, "#c62828", "dead letters"),
}


def utilisation_colour(util: float) -> QColor:
    """Green (idle) through amber to red (saturated)."""
    u = min(1.0, max(0.0, util))
    hue = 120.0 * (1.0 - u)  # 120 = green, 0 = red
    return QColor.fromHsvF(hue / 360.0, 0.45, 0.97)


def duration_text(ms: float) -> str:
    """Short enough for a box: '18 ms', '2.4 s', '177 s'."""
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.1f} s" if ms < 10_000 else f"{ms / 1000:,.0f} s"


def _capacity_text(c: Component) -> str:
    return c.spec().capacity_text(c)


class ComponentBox(QGraphicsRectItem):
    def __init__(self, component: Component, entries: list[str]) -> None:
        super().__init__(0, 0, BOX_W, BOX_H)
        self.component = component
        spec = component.spec()
        self.setBrush(QBrush(QColor(spec.colour)))
        self.setPen(QPen(QColor("#555555"), 1.2))
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        title = QGraphicsSimpleTextItem(component.name, self)
        bold = QFont()
        bold.setBold(True)
        bold.setPointSizeF(10)
        title.setFont(bold)
        title.setPos(8, 6)
        detail = QGraphicsSimpleTextItem(
            f"{component.kind.replace('_', ' ')} · {_capacity_text(component)}", self
        )
        detail.setPos(8, 26)
        self.status = QGraphicsSimpleTextItem("", self)
        self.status.setPos(8, 46)
        mean = component.mean_service_ms()
        tip = [f"<b>{component.name}</b> ({spec.label.lower()}: {spec.tooltip})"]
        if component.description:
            tip.append(component.description)
        if mean:
            tip.append(f"mean service {mean:g} ms")
        if entries:
            tip.append("entry for: " + ", ".join(entries))
        tip.extend(describe(component))
        self.setToolTip("<br>".join(tip))
        if entries:
            self.status.setText("← " + ", ".join(entries))

    def fit_width(self, width: float) -> None:
        self.setRect(0, 0, width, BOX_H)

    def needed_width(self) -> float:
        return max(item.boundingRect().width() for item in self.childItems()) + 16

    def show_stats(self, utilisation: float | None, text: str, bottleneck: bool) -> None:
        if utilisation is not None:
            self.setBrush(QBrush(utilisation_colour(utilisation)))
        self.status.setText(text)
        self.setPen(QPen(QColor("#c62828"), 3.0) if bottleneck else QPen(QColor("#555555"), 1.2))


class DesignCanvas(QGraphicsView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("design_canvas")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setMinimumHeight(200)
        self.boxes: dict[str, ComponentBox] = {}
        self.setToolTip("The design: boxes are components, arrows show how requests move")

    def show_design(self, design: Design) -> None:
        scene = self.scene()
        scene.clear()
        self.boxes = {}
        layout = layered_layout(design)
        for component in design.components:
            self.boxes[component.name] = ComponentBox(
                component, layout.entries.get(component.name, [])
            )
        width = max([BOX_W, *(box.needed_width() for box in self.boxes.values())])
        for name, box in self.boxes.items():
            box.fit_width(width)
            layer, row = layout.positions[name]
            box.setPos(layer * (width + GAP_X), row * (BOX_H + GAP_Y))
            scene.addItem(box)
        for edge in layout.edges:
            self._add_arrow(self.boxes[edge.source], self.boxes[edge.target], edge.kind)
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-20, -20, 20, 20))
        self.fit()

    def show_result(self, result: SimResult) -> None:
        for name, box in self.boxes.items():
            stats = result.components.get(name)
            if stats is None:
                continue
            if stats.workers:
                text = f"util {stats.utilization:.0%} · wait {duration_text(stats.mean_wait_ms)}"
                if stats.mean_batch_size is not None:  # a matcher: its batches too
                    text += f" · batch {stats.mean_batch_size:.3g}"
                util: float | None = stats.utilization
            elif stats.hit_ratio is not None:
                text, util = f"hit ratio {stats.hit_ratio:.0%}", None
            else:
                text, util = f"{stats.arrival_rate_rps:.1f} req/s", None
            box.show_stats(util, text, name == result.bottleneck)

    def fit(self) -> None:
        rect = self.scene().sceneRect()
        if not rect.isEmpty():
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
            scale = self.transform().m11()
            if scale > MAX_ZOOM:  # small designs: legible, not blown up
                self.scale(MAX_ZOOM / scale, MAX_ZOOM / scale)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def _add_arrow(self, source: ComponentBox, target: ComponentBox, kind: str) -> None:
        style, colour, label = EDGE_STYLES.get(kind, EDGE_STYLES["calls"])
        a = source.sceneBoundingRect()
        b = target.sceneBoundingRect()
        start = QPointF(a.right(), a.center().y())
        end = QPointF(b.left(), b.center().y())
        path = QPainterPath(start)
        mid_x = (start.x() + end.x()) / 2
        path.cubicTo(QPointF(mid_x, start.y()), QPointF(mid_x, end.y()), end)
        pen = QPen(QColor(colour), 1.6, style)
        item = QGraphicsPathItem(path)
        item.setPen(pen)
        item.setZValue(-1)
        self.scene().addItem(item)
        head = QPolygonF([end, end + QPointF(-9, -5), end + QPointF(-9, 5)])
        self.scene().addPolygon(head, QPen(QColor(colour)), QBrush(QColor(colour)))
        if label:
            text = self.scene().addSimpleText(label)
            text.setBrush(QBrush(QColor(colour)))
            rect = text.boundingRect()
            point = path.pointAtPercent(0.5)
            text.setPos(point.x() - rect.width() / 2, point.y() - rect.height() - 2)
