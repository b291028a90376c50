"""Dialogs of the desk: CSV import errors (one line per problem) and "Why not?"."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)


class ImportErrorsDialog(QDialog):
    """Every bad row of a CSV file, so the user fixes them all in one go."""

    def __init__(self, source: str, problems: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_errors_dialog")
        self.setWindowTitle("Import failed")
        self.problems = list(problems)
        layout = QVBoxLayout(self)
        head = QLabel(
            f"<b>{source}</b> has {len(problems)} problem(s). Nothing was imported; "
            "fix these lines and import again:",
            self,
        )
        head.setWordWrap(True)
        layout.addWidget(head)
        self.list = QListWidget(self)
        self.list.setObjectName("import_problems")
        self.list.addItems(self.problems)
        self.list.setMinimumWidth(560)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)


class WhyNotDialog(QDialog):
    """Pick any truck and load; read the rule that rules the pair out (or what it costs)."""

    def __init__(
        self,
        trucks: list[str],
        loads: list[str],
        answer: Callable[[str, str], tuple[bool, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("why_not_dialog")
        self.setWindowTitle("Why not?")
        self._answer = answer
        form = QFormLayout()
        self.truck = QComboBox(self)
        self.truck.setObjectName("why_truck")
        self.truck.addItems(trucks)
        self.truck.setEditable(True)
        self.load = QComboBox(self)
        self.load.setObjectName("why_load")
        self.load.addItems(loads)
        self.load.setEditable(True)
        form.addRow("Truck", self.truck)
        form.addRow("Load", self.load)
        self.result: QLabel = QLabel(self)  # type: ignore[assignment]
        self.result.setObjectName("why_result")
        self.result.setWordWrap(True)
        self.result.setMinimumWidth(420)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.result)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.truck.currentTextChanged.connect(self.refresh)
        self.load.currentTextChanged.connect(self.refresh)

    def select(self, truck_id: str | None, load_id: str | None) -> None:
        if truck_id:
            self.truck.setCurrentText(truck_id)
        if load_id:
            self.load.setCurrentText(load_id)
        self.refresh()

    def refresh(self) -> None:
        truck, load = self.truck.currentText().strip(), self.load.currentText().strip()
        if not truck or not load:
            self.result.setText("Choose a truck and a load.")
            return
        ok, text = self._answer(truck, load)
        color = "#1a7f37" if ok else "#b3261e"
        verdict = "Possible" if ok else "Not possible"
        self.result.setText(f"<b style='color:{color}'>{verdict}:</b> {text}")
