"""What the design canvas draws: component boxes with ports, and labelled arrows between them.

A box is a rounded card: a band in its kind's colour with the kind's icon and the name, a line
of capacity, and a status line (entries, run results, or what the draft still lacks). Its
output port (right) starts a new arrow; arrows are styled and labelled by routing field.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from designs.edges import EDGES, starts
from designs.kinds import KINDS
from designs.resilience import describe
from designs.sketch import BOX_H, BOX_W, SketchComponent

SELECTED = QColor("#1565c0")
BOTTLENECK = QColor("#c62828")
PROBLEM = QColor("#d84315")
BAND_H = 24.0
PORT_R = 6.0
ENTRY_W = 64.0  # room left of an entry box for the arriving-requests arrow

EDGE_STYLES = {  # field -> (pen style, colour)
    "calls": (Qt.PenStyle.SolidLine, "#37474f"),
    "then": (Qt.PenStyle.DashLine, "#1f4e79"),
    "on_miss": (Qt.PenStyle.DotLine, "#9a6700"),
    "targets": (Qt.PenStyle.SolidLine, "#6a4c93"),
    "consumers": (Qt.PenStyle.DashDotLine, "#0b7a75"),
    "dead_letter": (Qt.PenStyle.DotLine, "#c62828"),
}


def icon_text(icon: str, font: QFont, label: str) -> str:
    """The kind's icon, or its initial where the fonts here have no such glyph."""
    if icon and QFontMetricsF(font).inFontUcs4(ord(icon[0])):
        return icon
    return label[:1].upper()


def utilisation_colour(util: float) -> QColor:
    """Green (idle) through amber to red (saturated)."""
    u = min(1.0, max(0.0, util))
    hue = 120.0 * (1.0 - u)  # 120 = green, 0 = red
    return QColor.fromHsvF(hue / 360.0, 0.45, 0.97)


class Port(QGraphicsEllipseItem):
    """A box's output port: drag from here to another box to add an arrow."""

    def __init__(self, box: ComponentBox) -> None:
        super().__init__(-PORT_R, -PORT_R, 2 * PORT_R, 2 * PORT_R, box)
        self.box = box
        self.setPos(BOX_W, BOX_H / 2)
        self.setBrush(QBrush(QColor("#ffffff")))
        self.setPen(QPen(QColor("#455a64"), 1.6))
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag to another component to route requests there")
        self.setZValue(2)


class ComponentBox(QGraphicsRectItem):
    def __init__(self, drawn: SketchComponent, entries: list[str]) -> None:
        super().__init__(0, 0, BOX_W, BOX_H)
        self.name = drawn.name
        self.kind = drawn.kind
        self.component = drawn.component
        self.problem = drawn.problem
        self.entries = entries
        self.edges: list[EdgeItem] = []
        spec = KINDS.get(drawn.kind)
        self.colour = QColor(spec.colour if spec else "#e0e0e0")
        self.fill = QColor("#ffffff")
        self.icon = spec.icon if spec else "?"
        self.label = spec.label if spec else drawn.kind
        self.detail = self._detail()
        self.bottleneck = False
        self.status = QGraphicsSimpleTextItem(self)  # entries, run results, or what is missing
        small = QFont()
        small.setPointSizeF(8.5)
        self.status.setFont(small)
        self.status.setPos(8, BAND_H + 27)
        if self.problem:
            self._set_status(f"needs {self.problem}", PROBLEM)
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setAcceptHoverEvents(True)
        self.port = Port(self) if spec and starts(drawn.kind) else None
        self.setToolTip(self._tooltip())

    def _detail(self) -> str:
        spec = KINDS.get(self.kind)
        label = spec.label if spec else self.kind
        if self.component is None:
            return f"{label} · incomplete"
        return f"{label} · {self.component.spec().capacity_text(self.component)}"

    def _tooltip(self) -> str:
        spec = KINDS.get(self.kind)
        tip = [f"<b>{self.name}</b> ({spec.label.lower()}: {spec.tooltip})" if spec else self.name]
        if self.problem:
            tip.append(f"<span style='color:#d84315'>needs: {self.problem}</span>")
        c = self.component
        if c is not None:
            if c.description:
                tip.append(c.description)
            if c.mean_service_ms():
                tip.append(f"mean service {c.mean_service_ms():g} ms")
            tip.extend(describe(c))
        if self.entries:
            tip.append("entry for: " + ", ".join(self.entries))
        return "<br>".join(tip)

    # --- run results ---------------------------------------------------------------------
    def _set_status(self, text: str, colour: QColor) -> None:
        metrics = QFontMetricsF(self.status.font())
        self.status.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, BOX_W - 16))
        self.status.setBrush(colour)

    def show_stats(self, utilisation: float | None, text: str, bottleneck: bool) -> None:
        if utilisation is not None:
            self.fill = utilisation_colour(utilisation)
        self._set_status(text, QColor("#1b2631"))
        self.bottleneck = bottleneck
        self.setPen(QPen(self._outline(), self._outline_width()))
        self.update()

    # --- geometry ------------------------------------------------------------------------
    def in_point(self) -> QPointF:
        return self.scenePos() + QPointF(0, BOX_H / 2)

    def out_point(self) -> QPointF:
        return self.scenePos() + QPointF(BOX_W, BOX_H / 2)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.update_path()
        return super().itemChange(change, value)

    def boundingRect(self) -> QRectF:
        left = ENTRY_W if self.entries else 4
        return QRectF(-left, -4, BOX_W + 4 + left, BOX_H + 8)

    # --- drawing -------------------------------------------------------------------------
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        card = QRectF(0, 0, BOX_W, BOX_H)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 28))  # a soft shadow
        painter.drawRoundedRect(card.translated(2, 3), 7, 7)
        painter.setBrush(self.fill)
        painter.drawRoundedRect(card, 7, 7)
        band = QPainterPath()
        band.addRoundedRect(QRectF(0, 0, BOX_W, BAND_H + 7), 7, 7)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, BOX_W, BAND_H))
        painter.setBrush(self.colour)
        painter.drawPath(band.intersected(clip))
        painter.setPen(QPen(self._outline(), self._outline_width()))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(card, 7, 7)
        painter.setPen(QPen(QColor("#455a64"), 1.4))
        painter.setBrush(QColor("#455a64"))
        painter.drawEllipse(QPointF(0, BOX_H / 2), 3.5, 3.5)  # the input port
        if self.entries:
            self._draw_entry(painter)
        self._draw_texts(painter)

    def _draw_entry(self, painter: QPainter) -> None:
        """Requests arrive here: a short arrow in from the left, named by class."""
        mid = BOX_H / 2
        painter.setPen(QPen(QColor("#2e7d32"), 2.2))
        painter.drawLine(QPointF(-ENTRY_W + 6, mid), QPointF(-6, mid))
        painter.setBrush(QColor("#2e7d32"))
        painter.drawPolygon([QPointF(-3, mid), QPointF(-11, mid - 5), QPointF(-11, mid + 5)])
        font = QFont()
        font.setPointSizeF(8)
        painter.setFont(font)
        text = QFontMetricsF(font).elidedText(
            ", ".join(self.entries), Qt.TextElideMode.ElideRight, ENTRY_W - 8
        )
        painter.drawText(QRectF(-ENTRY_W + 2, mid - 20, ENTRY_W - 6, 16), 0, text)

    def _outline(self) -> QColor:
        if self.isSelected():
            return SELECTED
        if self.bottleneck:
            return BOTTLENECK
        return PROBLEM if self.component is None else QColor("#607d8b")

    def _outline_width(self) -> float:
        return 3.0 if self.isSelected() or self.bottleneck else 1.3

    def _draw_texts(self, painter: QPainter) -> None:
        bold = QFont()
        bold.setBold(True)
        bold.setPointSizeF(9.5)
        painter.setFont(bold)
        painter.setPen(QColor("#1b2631"))
        icon = icon_text(self.icon, bold, self.label)
        title = QFontMetricsF(bold).elidedText(
            f"{icon}  {self.name}", Qt.TextElideMode.ElideRight, BOX_W - 16
        )
        painter.drawText(QRectF(8, 0, BOX_W - 16, BAND_H), Qt.AlignmentFlag.AlignVCenter, title)
        small = QFont()
        small.setPointSizeF(8.5)
        painter.setFont(small)
        painter.setPen(QColor("#37474f"))
        line = QFontMetricsF(small).elidedText(self.detail, Qt.TextElideMode.ElideRight, BOX_W - 16)
        painter.drawText(QRectF(8, BAND_H + 5, BOX_W - 16, 20), 0, line)


class EdgeItem(QGraphicsPathItem):
    """An arrow from ``source`` to ``target`` for one routing field, labelled by the field."""

    def __init__(self, source: ComponentBox, target: ComponentBox, field: str) -> None:
        super().__init__()
        self.source, self.target, self.field = source, target, field
        style, colour = EDGE_STYLES.get(field, EDGE_STYLES["calls"])
        self.colour = QColor(colour)
        self.style = style
        self.label = EDGES[field].label if field in EDGES else field
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(-1)
        self.setToolTip(
            f"{source.name} → {target.name}: {field}"
            + (f" ({EDGES[field].meaning})" if field in EDGES else "")
            + ". Select and press Del to remove."
        )
        source.edges.append(self)
        target.edges.append(self)
        self.update_path()

    def key(self) -> tuple[str, str, str]:
        return (self.source.name, self.target.name, self.field)

    def update_path(self) -> None:
        """Left to right between ports when the target lies to the right; otherwise from
        the side of the source that faces the target (a top-down layout reads downwards)."""
        a, b = self.source.scenePos(), self.target.scenePos()
        dx, dy = b.x() - a.x(), b.y() - a.y()
        if dx >= BOX_W or abs(dx) * BOX_H >= abs(dy) * BOX_W:
            sign = 1.0 if dx >= 0 else -1.0
            start = self.source.out_point() if sign > 0 else self.source.in_point()
            end = self.target.in_point() if sign > 0 else self.target.out_point()
            reach = QPointF(sign * max(40.0, abs(end.x() - start.x()) / 2), 0)
        else:
            sign = 1.0 if dy >= 0 else -1.0
            start = a + QPointF(BOX_W / 2, BOX_H if sign > 0 else 0)
            end = b + QPointF(BOX_W / 2, 0 if sign > 0 else BOX_H)
            reach = QPointF(0, sign * max(30.0, abs(end.y() - start.y()) / 2))
        path = QPainterPath(start)
        path.cubicTo(start + reach, end - reach, end)
        self.prepareGeometryChange()
        self.setPath(path)

    def boundingRect(self) -> QRectF:
        return super().boundingRect().adjusted(-60, -24, 60, 24)

    def shape(self) -> QPainterPath:
        from PySide6.QtGui import QPainterPathStroker

        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(self.path())

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        colour = SELECTED if self.isSelected() else self.colour
        width = 3.0 if self.isSelected() else 1.7
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, width, self.style))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        path = self.path()
        painter.drawPath(path)
        end = path.pointAtPercent(1.0)
        angle = math.radians(-path.angleAtPercent(0.99))
        back = QPointF(math.cos(angle), math.sin(angle)) * 10
        side = QPointF(-math.sin(angle), math.cos(angle)) * 5
        painter.setPen(QPen(colour, 1))
        painter.setBrush(colour)
        painter.drawPolygon([end, end - back + side, end - back - side])
        self._draw_label(painter, colour)

    def _draw_label(self, painter: QPainter, colour: QColor) -> None:
        font = QFont()
        font.setPointSizeF(8)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        mid = self.path().pointAtPercent(0.5)
        w = metrics.horizontalAdvance(self.label) + 8
        rect = QRectF(mid.x() - w / 2, mid.y() - 9, w, 16)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 225))
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(colour)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.label)
