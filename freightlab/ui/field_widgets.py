"""The editors of the properties panel, one per descriptor widget type (designs/fields.py).

Each editor shows one field's value (``set_value`` with what the TOML holds, None when the
key is absent) and reports the user's changes as ``Edit``s: ``committed`` when a change is
final (Enter, focus leaving, a choice picked, steps settled for DEBOUNCE_MS) and ``typing``
while a number is being typed (so the panel can validate as you type without proposing an
undo step per keystroke). Editors never touch the design; the panel turns edits into text.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPointF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFocusEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from designs import fields
from designs.fields import FieldSpec
from designs.schema import Distribution
from simulation.dist_shape import Shape, distribution_shape

DEBOUNCE_MS = 350  # spin-box steps within this long make one proposal
TYPING_LIMIT = 1e15  # spin boxes take any figure; the loader says what is wrong with it
NOT_SET = "— not set —"
ERROR_COLOUR = "#c62828"
LONG_LIST = 60  # longer number lists are shown, not edited (edit them in the TOML tab)


@dataclass(frozen=True)
class Edit:
    """A change to one field: ``path`` inside the target, the new value, or cleared."""

    path: str
    value: Any = None
    cleared: bool = False
    target: Any = None  # the editor's Context.target (the panel's component, class, ...)


@dataclass
class Context:
    """What editors need beside their descriptor: component names (for name pickers) and the
    component kind (for the values a field starts at)."""

    names: Sequence[str] = ()
    kind: str | None = None
    target: Any = None


class Editor(QWidget):
    committed = Signal(object)  # Edit
    typing = Signal(object)  # Edit (a candidate, while typing)

    def __init__(self, spec: FieldSpec, path: str, ctx: Context) -> None:
        super().__init__()
        self.spec, self.path, self.ctx = spec, path, ctx
        self.setObjectName(f"field_{path.replace('.', '__')}")
        self.setToolTip(spec.tooltip)
        self.problem = QLabel()
        self.problem.setObjectName("field_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {ERROR_COLOUR}; font-size: 11px;")
        self.problem.hide()

    def set_value(self, raw: Any) -> None:
        raise NotImplementedError

    def _edit(self, value: Any = None, cleared: bool = False) -> Edit:
        return Edit(self.path, value, cleared, self.ctx.target)

    def editors(self) -> dict[str, Editor]:
        """This editor and any nested ones, by path (for placing problems)."""
        return {self.path: self}

    def show_problems(self, reasons: Sequence[str]) -> None:
        self.problem.setText("\n".join(reasons))
        self.problem.setVisible(bool(reasons))

    def _wrap(self, *widgets: QWidget) -> None:
        """Lay out ``widgets`` in a row (the last one stretches), the problem label under."""
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        for i, w in enumerate(widgets):
            row.addWidget(w, 1 if i == len(widgets) - 1 else 0)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(1)
        outer.addLayout(row)
        outer.addWidget(self.problem)


class _Spin(QDoubleSpinBox):
    """A spin box for ints and floats that shows figures compactly (``12.5``, not
    ``12.500000``) and accepts any figure, so a wrong one reaches the loader's message."""

    def __init__(self, integer: bool) -> None:
        super().__init__()
        self.setDecimals(0 if integer else 6)
        self.setRange(-TYPING_LIMIT, TYPING_LIMIT)
        self.setKeyboardTracking(False)
        self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.setAccelerated(True)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(72)  # its size hint fits the typing range, far too wide

    def sizeHint(self) -> QSize:
        return QSize(120, super().sizeHint().height())

    def textFromValue(self, val: float) -> str:
        if self.decimals() == 0:
            return str(round(val))
        return f"{val:.6f}".rstrip("0").rstrip(".") or "0"

    def typed(self) -> float | None:
        """The figure in the box as typed (before Enter), or None when it is not one."""
        text = self.lineEdit().text().removeprefix(self.prefix()).removesuffix(self.suffix())
        text = text.strip()
        try:
            value = float(text)
        except ValueError:
            return None
        return value if math.isfinite(value) else None


class NumberEditor(Editor):
    """A spin box with the unit as suffix; an optional field without a default has a check
    box: unticked = the key left out."""

    def __init__(self, spec: FieldSpec, path: str, ctx: Context) -> None:
        super().__init__(spec, path, ctx)
        self.integer = spec.widget == "int"
        self.spin = _Spin(self.integer)
        self.spin.setToolTip(spec.tooltip)
        if spec.unit:
            self.spin.setSuffix(f" {spec.unit}")
        unset = fields.unset_text(spec.name, ctx.kind, spec.model)
        self.spin.setSpecialValueText(f"— {unset} —" if unset else NOT_SET)
        self.spin.setMinimum(-TYPING_LIMIT)
        self.clearable = spec.optional and spec.default is None
        self.check = QCheckBox()
        self.check.setToolTip(f"Set {spec.label.lower()} (unticked: left out of the design)")
        keep = self.check.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # spin boxes line up whether or not it shows
        self.check.setSizePolicy(keep)
        self.check.setVisible(self.clearable)
        self.check.clicked.connect(self._ticked)
        self._last: float | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._flush)
        self.spin.valueChanged.connect(lambda _v: self._timer.start())
        self.spin.editingFinished.connect(self._flush)
        self.spin.lineEdit().textChanged.connect(self._typed)  # each keystroke
        self._wrap(self.check, self.spin)

    def _number(self, value: float) -> int | float:
        return round(value) if self.integer else float(value)

    def set_value(self, raw: Any) -> None:
        self._timer.stop()
        present = isinstance(raw, int | float) and not isinstance(raw, bool)
        shown = raw if present else self.spec.default
        self.spin.blockSignals(True)
        if shown is None:
            self.spin.setValue(self.spin.minimum())  # shows NOT_SET
        else:
            self.spin.setValue(float(shown))
        self.spin.blockSignals(False)
        self._last = float(shown) if shown is not None else None
        self.check.setChecked(present)
        self.spin.setEnabled(present or not self.clearable)

    def _ticked(self, on: bool) -> None:
        if not on:
            self.spin.setEnabled(False)
            self.committed.emit(self._edit(cleared=True))
            return
        start = self._number(float(self.spec.start_value(self.ctx.kind)))
        self.spin.setEnabled(True)
        self.spin.blockSignals(True)
        self.spin.setValue(float(start))
        self.spin.blockSignals(False)
        self._last = float(start)
        self.committed.emit(self._edit(start))
        self.spin.setFocus()

    def _typed(self, _text: str) -> None:
        value = self.spin.typed()
        if value is not None:
            self.typing.emit(self._edit(self._number(value)))

    def _flush(self) -> None:
        self._timer.stop()
        if not self.spin.isEnabled():
            return
        value = self.spin.value()
        if value == self.spin.minimum() or value == self._last:
            return
        self._last = value
        self.committed.emit(self._edit(self._number(value)))


class ChoiceEditor(Editor):
    """A combo box of the descriptor's choices (or the design's component names); an
    optional field starts with NOT_SET (picking it leaves the key out)."""

    def __init__(self, spec: FieldSpec, path: str, ctx: Context) -> None:
        super().__init__(spec, path, ctx)
        self.combo = QComboBox()
        self.combo.setToolTip(spec.tooltip)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.combo.setMinimumContentsLength(8)
        self.clearable = spec.optional and spec.default is None
        self._choices: list[str] = []
        self.combo.activated.connect(self._picked)
        self._wrap(self.combo)

    def _options(self) -> list[str]:
        return list(self.ctx.names) if self.spec.widget == "name" else list(self.spec.choices)

    def set_value(self, raw: Any) -> None:
        current = raw if isinstance(raw, str) else self.spec.default
        self._choices = self._options()
        if current is not None and current not in self._choices:
            self._choices.append(current)  # an unknown name: shown, and the loader says why
        self.combo.blockSignals(True)
        self.combo.clear()
        if self.clearable:
            self.combo.addItem(NOT_SET, None)
        words = self.spec.widget == "choice"  # 'round robin'; component names as they are
        for choice in self._choices:
            self.combo.addItem(choice.replace("_", " ") if words else choice, choice)
        index = self.combo.findData(current)
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)

    def _picked(self, index: int) -> None:
        value = self.combo.itemData(index)
        self.committed.emit(self._edit(value, cleared=value is None))


class LineEditor(Editor):
    """Comma-separated names or numbers (``names``, ``numbers``), committed on Enter or when
    focus leaves; a list too long to edit here is shown read-only."""

    def __init__(self, spec: FieldSpec, path: str, ctx: Context) -> None:
        super().__init__(spec, path, ctx)
        self.line = QLineEdit()
        self.line.setToolTip(spec.tooltip)
        hint = "none (names, comma-separated)" if spec.widget == "names" else "1, 2, 3"
        self.line.setPlaceholderText(hint)
        self.line.editingFinished.connect(self._finished)
        self._shown = ""
        self._wrap(self.line)

    def set_value(self, raw: Any) -> None:
        items = raw if isinstance(raw, list) else []
        too_long = len(items) > LONG_LIST
        self._shown = ", ".join(_fmt(x) for x in items)
        text = f"{len(items):,} values (edit in the TOML tab)" if too_long else self._shown
        self.line.blockSignals(True)
        self.line.setText(text)
        self.line.blockSignals(False)
        self.line.setReadOnly(too_long)

    def _finished(self) -> None:
        text = self.line.text().strip()
        if self.line.isReadOnly() or text == self._shown:
            return
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if self.spec.widget == "names":
            self._shown = text
            self.committed.emit(self._edit(parts))
            return
        try:
            numbers = [_number(p) for p in parts]
        except ValueError as exc:
            self.show_problems([str(exc)])
            return
        self._shown = text
        self.committed.emit(self._edit(numbers))


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None


def _fmt(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


class _FocusText(QPlainTextEdit):
    left = Signal()

    def focusOutEvent(self, e: QFocusEvent) -> None:
        super().focusOutEvent(e)
        self.left.emit()


class TextEditor(Editor):
    """Free text (a description), committed when focus leaves."""

    def __init__(self, spec: FieldSpec, path: str, ctx: Context) -> None:
        super().__init__(spec, path, ctx)
        self.text = _FocusText()
        self.text.setToolTip(spec.tooltip)
        self.text.setTabChangesFocus(True)
        self.text.setFixedHeight(self.text.fontMetrics().lineSpacing() * 3 + 12)
        self.text.left.connect(self._finished)
        self._shown = ""
        self._wrap(self.text)

    def set_value(self, raw: Any) -> None:
        self._shown = (raw if isinstance(raw, str) else "").strip()
        if self.text.toPlainText().strip() != self._shown:
            self.text.setPlainText(self._shown)

    def _finished(self) -> None:
        text = self.text.toPlainText().strip()
        if text != self._shown:
            self._shown = text
            self.committed.emit(self._edit(text + ("\n" if "\n" in text else "")))


class TableEditor(Editor):
    """A sub-form (retry, circuit breaker, autoscale, keys, calibration) under its title,
    a check box when the sub-table may be left out (ticking adds it with working values,
    unticking removes it); the form folds away while unticked."""

    def __init__(self, spec: FieldSpec, path: str, ctx: Context) -> None:
        super().__init__(spec, path, ctx)
        self.toggle = QCheckBox(spec.label)
        self.toggle.setObjectName(f"{self.objectName()}__on")
        self.toggle.setToolTip(spec.tooltip)
        self.toggle.setStyleSheet("font-weight: 600;")
        self.toggle.setEnabled(spec.optional)
        self.toggle.clicked.connect(self._ticked)
        self.body = QFrame()
        self.body.setObjectName("subform")
        self.body.setStyleSheet("#subform { border-left: 2px solid #c5d3e3; margin-left: 7px; }")
        self.children_: list[Editor] = []  # built when first shown (most stay folded)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 2, 0, 0)
        outer.setSpacing(1)
        outer.addWidget(self.toggle)
        outer.addWidget(self.problem)
        outer.addWidget(self.body)

    def editors(self) -> dict[str, Editor]:
        out: dict[str, Editor] = {self.path: self}
        for child in self.children_:
            out.update(child.editors())
        return out

    def _build_rows(self) -> None:
        rows = _form()
        for sub in self.spec.subfields:
            editor = make_editor(sub, f"{self.path}.{sub.name}", self.ctx)
            editor.committed.connect(self.committed)
            editor.typing.connect(self.typing)
            self.children_.append(editor)
            rows.addRow(_label(sub), editor)
        self.body.setLayout(rows)

    def set_value(self, raw: Any) -> None:
        table = raw if isinstance(raw, dict) else {}
        on = isinstance(raw, dict) or not self.spec.optional
        self.toggle.setChecked(on)
        if on and not self.children_:
            self._build_rows()
        for child, sub in zip(self.children_, self.spec.subfields, strict=False):  # unbuilt: none
            child.set_value(table.get(sub.name))
        self.body.setVisible(on)

    def _ticked(self, on: bool) -> None:
        if on and not self.children_:
            self._build_rows()
        self.body.setVisible(on)
        if on:
            self.committed.emit(self._edit(self.spec.start_value(self.ctx.kind)))
        else:
            self.committed.emit(self._edit(cleared=True))


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
    return f"2,000 seeded draws: mean {s.mean_ms:.4g} ms, median {s.p50_ms:.4g}, p99 {s.p99_ms:.4g}"


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
        self.form = _form()
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
            editor = make_editor(required, f"{self.path}.{spec.name}", self.ctx)
            editor.committed.connect(self.committed)
            editor.typing.connect(self.typing)
            editor.typing.connect(self._param_typed)
            self.param_editors[spec.name] = editor
            self.form.addRow(_label(spec), editor)
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


_EDITORS: dict[str, type[Editor]] = {
    "int": NumberEditor,
    "float": NumberEditor,
    "choice": ChoiceEditor,
    "name": ChoiceEditor,
    "names": LineEditor,
    "numbers": LineEditor,
    "text": TextEditor,
    "table": TableEditor,
    "distribution": DistributionEditor,
    "arrival": ArrivalEditor,
}


def make_editor(spec: FieldSpec, path: str, ctx: Context) -> Editor:
    return _EDITORS[spec.widget](spec, path, ctx)


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setContentsMargins(6, 4, 2, 4)
    form.setHorizontalSpacing(8)
    form.setVerticalSpacing(4)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return form


def _label(spec: FieldSpec) -> QLabel:
    label = QLabel(spec.label)
    label.setToolTip(spec.tooltip)
    return label


def form() -> QFormLayout:
    """A form laid out as the panel's sub-forms are."""
    return _form()


def field_label(spec: FieldSpec) -> QLabel:
    return _label(spec)
