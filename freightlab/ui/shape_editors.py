"""The shape editors of the properties panel: a service-time distribution (a picker, its
parameters and a small preview of its shape) and a request class's arrival process; plus
``make_editor``, which builds an editor for any descriptor widget type."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QComboBox, QSizePolicy, QVBoxLayout, QWidget

from designs import fields
from designs.fields import FieldSpec
from designs.schema import Distribution
from freightlab.ui.field_widgets import (
    BASIC_EDITORS,
    NOT_SET,
    Context,
    Edit,
    Editor,
    field_label,
    form,
)
from simulation.dist_shape import DRAWS, Shape, distribution_shape


class ShapePreview(QWidget):
    """A small histogram of a distribution (simulation/dist_shape.py), with its mean."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("distribution_preview")
        self.setMinimumHeight(54)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.shape: Shape | None = None

    def show_distribution(self, spec: dict[str, Any] | None) -> None:
        try:
            dist = Distribution.model_validate(spec) if spec else None
        except ValueError:
            dist = None
        self.shape = distribution_shape(dist) if dist is not None else None
        self.setToolTip(_shape_tip(self.shape))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        text_h = p.fontMetrics().height()
        plot_h = h - text_h - 4
        p.fillRect(0, 0, w, plot_h, QColor("#f6f8fa"))
        s = self.shape
        if s is None:
            p.setPen(QColor("#999999"))
            p.drawText(0, 0, w, plot_h, Qt.AlignmentFlag.AlignCenter, "no valid shape")
            return
        accent = QColor("#3b7dd8")
        if s.spike:
            p.fillRect(w // 2 - 2, 4, 4, plot_h - 4, accent)
        else:
            self._draw_density(p, s, w, plot_h, accent)
        p.setPen(QColor("#555555"))
        label = f"mean {s.mean_ms:.3g} · p99 {s.p99_ms:.3g} ms"
        p.drawText(0, plot_h + 2, w, text_h, Qt.AlignmentFlag.AlignLeft, label)

    @staticmethod
    def _draw_density(p: QPainter, s: Shape, w: int, h: int, accent: QColor) -> None:
        lo, hi, top = s.edges[0], s.edges[-1], s.peak() or 1.0
        x = [(e - lo) / (hi - lo) * (w - 2) + 1 for e in s.edges]
        poly = QPolygonF()
        poly.append(_pt(x[0], h))
        for i, d in enumerate(s.density):
            y = h - d / top * (h - 6)
            poly.append(_pt(x[i], y))
            poly.append(_pt(x[i + 1], y))
        poly.append(_pt(x[-1], h))
        fill = QColor(accent)
        fill.setAlpha(90)
        p.setBrush(fill)
        p.setPen(QPen(accent, 1.2))
        p.drawPolygon(poly)
        mx = (s.mean_ms - lo) / (hi - lo) * (w - 2) + 1
        if 0 <= mx <= w:
            p.setPen(QPen(QColor("#d2691e"), 1.5, Qt.PenStyle.DashLine))
            p.drawLine(int(mx), 2, int(mx), h)


def _pt(x: float, y: float) -> QPointF:
    return QPointF(x, y)


def _shape_tip(s: Shape | None) -> str:
    if s is None:
        return "The parameters do not make a valid distribution yet"
    return (
        f"{DRAWS:,} seeded draws: mean {s.mean_ms:.4g} ms, "
        f"median {s.p50_ms:.4g}, p99 {s.p99_ms:.4g}"
    )


class _ShapeEditor(Editor):
    """A picker of a shape (distribution or arrival process) plus its parameters; switching
    the shape proposes a whole table with the same mean (or rate)."""

    shape_key = "dist"

    def __init__(self, spec: FieldSpec, path: str, ctx: Context) -> None:
        super().__init__(spec, path, ctx)
        self.combo = QComboBox()
        self.combo.setObjectName(f"{self.objectName()}__{self.shape_key}")
        self.combo.setToolTip(spec.tooltip)
        self.combo.activated.connect(self._picked)
        self.params = QWidget()
        self.form = form()
        self.params.setLayout(self.form)
        self.param_editors: dict[str, Editor] = {}
        self.raw: dict[str, Any] = {}
        self._shape: str | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        outer.addWidget(self.combo)
        outer.addWidget(self.problem)
        outer.addWidget(self.params)

    def shapes(self, current: str | None) -> list[str]:
        raise NotImplementedError

    def param_specs(self, shape: str) -> tuple[FieldSpec, ...]:
        raise NotImplementedError

    def switched(self, shape: str) -> dict[str, Any]:
        raise NotImplementedError

    def editors(self) -> dict[str, Editor]:
        out: dict[str, Editor] = {self.path: self}
        for e in self.param_editors.values():
            out.update(e.editors())
        return out

    def set_value(self, raw: Any) -> None:
        self.raw = dict(raw) if isinstance(raw, dict) else {}
        shape = self.raw.get(self.shape_key)
        shape = shape if isinstance(shape, str) else None
        self.combo.blockSignals(True)
        self.combo.clear()
        if self.spec.optional:
            self.combo.addItem(NOT_SET, None)
        for name in self.shapes(shape):
            self.combo.addItem(name, name)
        self.combo.setCurrentIndex(max(self.combo.findData(shape), 0))
        self.combo.blockSignals(False)
        if shape != self._shape:
            self._build_params(shape)
        for name, editor in self.param_editors.items():
            editor.set_value(self.raw.get(name))

    def _build_params(self, shape: str | None) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.param_editors = {}
        self._shape = shape
        try:
            specs = self.param_specs(shape) if shape else ()
        except KeyError:  # an unknown shape: the loader's message says which are known
            specs = ()
        for spec in specs:
            required = dataclasses.replace(spec, optional=False)
            editor = self.ctx.make(required, f"{self.path}.{spec.name}", self.ctx)
            editor.committed.connect(self.committed)
            editor.typing.connect(self.typing)
            editor.typing.connect(self._param_typed)
            self.param_editors[spec.name] = editor
            self.form.addRow(field_label(spec), editor)
        self.params.setVisible(bool(self.param_editors))

    def _picked(self, index: int) -> None:
        shape = self.combo.itemData(index)
        if shape is None:
            self.committed.emit(self._edit(cleared=True))
        elif shape != self.raw.get(self.shape_key):
            self.committed.emit(self._edit(self.switched(shape)))

    def _param_typed(self, edit: Edit) -> None:
        pass


class DistributionEditor(_ShapeEditor):
    shape_key = "dist"

    def __init__(self, spec: FieldSpec, path: str, ctx: Context) -> None:
        super().__init__(spec, path, ctx)
        self.preview = ShapePreview()
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.addWidget(self.preview)

    def shapes(self, current: str | None) -> list[str]:
        return list(fields.DIST_CHOICES)

    def param_specs(self, shape: str) -> tuple[FieldSpec, ...]:
        return fields.distribution_params(shape)

    def switched(self, shape: str) -> dict[str, Any]:
        return fields.switch_distribution(self.raw, shape)

    def set_value(self, raw: Any) -> None:
        super().set_value(raw)
        self.preview.setVisible(bool(self.raw))
        self.preview.show_distribution(self.raw or None)

    def _param_typed(self, edit: Edit) -> None:
        """Redraw the preview with the figure being typed."""
        name = edit.path.rsplit(".", 1)[-1]
        self.preview.show_distribution({**self.raw, name: edit.value})


class ArrivalEditor(_ShapeEditor):
    shape_key = "process"

    def shapes(self, current: str | None) -> list[str]:
        names = list(fields.switchable_processes())
        return [*names, current] if current and current not in names else names

    def param_specs(self, shape: str) -> tuple[FieldSpec, ...]:
        return fields.arrival_params(shape)

    def switched(self, shape: str) -> dict[str, Any]:
        return fields.switch_process(self.raw, shape)


EDITORS: dict[str, type[Editor]] = {
    **BASIC_EDITORS,
    "distribution": DistributionEditor,
    "arrival": ArrivalEditor,
}


def make_editor(spec: FieldSpec, path: str, ctx: Context) -> Editor:
    """The editor of ``spec`` at ``path``; nested editors are built the same way."""
    ctx = dataclasses.replace(ctx, make=make_editor)
    return EDITORS[spec.widget](spec, path, ctx)
