"""The editors of the properties panel, one per descriptor widget type (designs/fields.py).

Each editor shows one field's value (``set_value`` with what the TOML holds, None when the
key is absent) and reports the user's changes as ``Edit``s: ``committed`` when a change is
final (Enter, focus leaving, a choice picked, steps settled for DEBOUNCE_MS) and ``typing``
while a number is being typed (so the panel can validate as you type without proposing an
undo step per keystroke). Editors never touch the design; the panel turns edits into text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent
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
    make: Callable[[FieldSpec, str, Context], Editor] = field(
        default=lambda spec, path, ctx: BASIC_EDITORS[spec.widget](spec, path, ctx)
    )  # builds nested editors (shape_editors.make_editor knows every widget type)


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
        # only once it has a parent: shown parentless it would be a window of its own
        self.check.setVisible(self.clearable)

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
        self.line.setCursorPosition(0)  # show a long list from its start
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
            editor = self.ctx.make(sub, f"{self.path}.{sub.name}", self.ctx)
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


BASIC_EDITORS: dict[str, type[Editor]] = {
    "int": NumberEditor,
    "float": NumberEditor,
    "choice": ChoiceEditor,
    "name": ChoiceEditor,
    "names": LineEditor,
    "numbers": LineEditor,
    "text": TextEditor,
    "table": TableEditor,
}


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
