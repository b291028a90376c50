"""The truck / load form: new or edit, generated from the record's field table.

One row per field of :meth:`dispatcher.records.Kind.form_fields` (the id and every field a
dispatcher may set), labelled and typed by the table's column of that field
(:data:`dispatcher.ui.models.TRUCK_COLUMNS`): a city, a type and a status are drop-downs,
times read ``HH:MM`` (or hours, or an ISO time), the rest are text. OK hands the cells to
``submit``, which answers with problems by field name (the CSV loader's words); each is
shown in red under its field and the form stays open. No problem: the form closes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from dispatcher.fleet import Field, TruckType
from dispatcher.records import KINDS, Record, form_cells
from dispatcher.ui import style
from dispatcher.ui.models import LOAD_COLUMNS, TRUCK_COLUMNS, Column

#: Problems by field name ("" for the form as a whole); empty: accepted.
Submit = Callable[[dict[str, str]], dict[str, str]]
_COLUMNS = {"truck": TRUCK_COLUMNS, "load": LOAD_COLUMNS}
ERROR_STYLE = "color: #b00020;"


def _column(kind: str, f: Field) -> Column:
    found = next((c for c in _COLUMNS[kind] if c.field == f.name), None)
    return found or Column(f.name.replace("_", " ").capitalize(), f.name)


class RecordForm(QDialog):
    """``truck_form`` / ``load_form``: one truck or load, new (``record`` None) or edited."""

    def __init__(
        self,
        kind: str,
        record: Record | None,
        cities: list[tuple[str, str]],
        submit: Submit,
        parent: QWidget | None = None,
        defaults: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind, self.new, self.submit = kind, record is None, submit
        self.setObjectName(f"{kind}_form")
        verb = "New" if record is None else f"Edit {record.id} —"
        self.setWindowTitle(f"{verb} {kind}")
        self.editors: dict[str, QLineEdit | QComboBox] = {}
        self.errors: dict[str, QLabel] = {}
        self._times: set[str] = set()
        cells = {**form_cells(kind, record), **(defaults or {})}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for f in KINDS[kind].form_fields():
            col = _column(kind, f)
            editor = self._editor(f, col, cells.get(f.name, ""), cities, record)
            editor.setObjectName(f"form_{f.name}")
            editor.setToolTip(col.tip)
            error = QLabel(self)
            error.setObjectName(f"form_{f.name}_error")
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            error.hide()
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(editor)
            box.addWidget(error)
            form.addRow(col.header.replace(" t", " (t)"), box)
            self.editors[f.name], self.errors[f.name] = editor, error
        self.message = QLabel(self)
        self.message.setObjectName("form_message")
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("form_ok_button")
        self.ok_button.setText("Add" if record is None else "Save")
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(380)

    def _editor(
        self,
        f: Field,
        col: Column,
        value: str,
        cities: list[tuple[str, str]],
        record: Record | None,
    ) -> QLineEdit | QComboBox:
        choices = self._choices(f, col, cities, record)
        if choices is not None:
            combo = QComboBox(self)
            for label, data in choices:
                combo.addItem(label, data)
            at = combo.findData(value)
            combo.setCurrentIndex(at if at >= 0 else -1)
            return combo
        edit = QLineEdit(self)
        if col.kind == "time":
            self._times.add(f.name)
            edit.setPlaceholderText("HH:MM")
            if value:
                value = style.format_hours(float(value))
        edit.setText(value)
        if f.name == "id" and record is not None:
            edit.setReadOnly(True)  # an id names the record on every desk: never edited
            edit.setStyleSheet("background: palette(window);")
        return edit

    def _choices(
        self, f: Field, col: Column, cities: list[tuple[str, str]], record: Record | None
    ) -> list[tuple[str, str]] | None:
        if col.kind == "city":
            return cities
        if col.kind == "type":
            return [(t.value, t.value) for t in TruckType]
        if f.name == "status":
            allowed = list(KINDS[self.kind].manual)
            if record is not None and record.status not in allowed:
                allowed.insert(0, record.status)  # an assignment's status stays as it is
            return [(style.status_label(s.value), s.value) for s in allowed]
        return None

    # ------------------------------------------------------------------ values
    def cells(self) -> dict[str, str]:
        """The form as the CSV row it stands for (times in hours when they read as a clock)."""
        out: dict[str, str] = {}
        for name, editor in self.editors.items():
            text = editor.currentData() if isinstance(editor, QComboBox) else editor.text()
            text = str(text or "").strip()
            if name in self._times:  # else left as typed: an ISO time, or a named problem
                with contextlib.suppress(ValueError):
                    text = repr(style.parse_hours(text))
            out[name] = text
        return out

    def set_value(self, name: str, text: str) -> None:
        editor = self.editors[name]
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(editor.findData(text))
        else:
            editor.setText(text)

    def try_accept(self) -> None:
        problems = self.submit(self.cells())
        self.show_problems(problems)
        if not problems:
            self.accept()

    def show_problems(self, problems: Mapping[str, str]) -> None:
        for name, label in self.errors.items():
            label.setText(problems.get(name, ""))
            label.setVisible(name in problems)
        general = [why for name, why in problems.items() if name not in self.errors]
        self.message.setText("; ".join(general))
        self.message.setVisible(bool(general))
        first = next((n for n in self.editors if n in problems), None)
        if first is not None:
            self.editors[first].setFocus(Qt.FocusReason.OtherFocusReason)
        self.adjustSize()


__all__ = ["RecordForm", "Submit"]
