"""Rehearse: take an exercise, write a design against its requirements, get a scorecard.

The draft lives in an editor with live validation and a diagram; scoring simulates the
design at the exercise's peak in a worker. Drafts are kept per exercise in QSettings, so
switching exercises or closing the app loses nothing.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from designs.exercise import Exercise, catalog_exercises, load_exercise
from designs.schema import Design
from designs.ui.editor import DesignEditor
from freightlab.atomic import atomic_write_text
from freightlab.errors import InputError
from freightlab.progress import Progress
from freightlab.ui.worker import Task, start
from simulation.ui.canvas import DesignCanvas

PASS_COLOUR, FAIL_COLOUR = QColor("#2e7d32"), QColor("#c62828")


def _score(design: Design, exercise: Exercise, progress: Progress):  # type: ignore[no-untyped-def]
    from simulation.scorecard import score_design

    return score_design(design, exercise, progress)


def brief_html(exercise: Exercise) -> str:
    req = exercise.requirements
    rows = [
        ("Peak load", f"{req.rate_rps:g} requests/s"),
        ("Response p99", f"≤ {req.p99_ms:,.0f} ms"),
    ]
    if req.e2e_p99_ms is not None:
        rows.append(("End-to-end p99", f"≤ {req.e2e_p99_ms:,.0f} ms"))
    rows.append(("Completed", f"≥ {req.min_success:.1%}"))
    rows.append(("Headroom", f"≥ {req.min_headroom:.2f}x the peak"))
    if req.max_workers is not None:
        rows.append(("Budget", f"≤ {req.max_workers} workers and connections"))
    for name, ms in req.fixed_service_ms.items():
        rows.append((f"Fixed work: {name}", f"{ms:g} ms mean"))
    table = "".join(f"<tr><td><b>{k}</b></td><td>{html.escape(v)}</td></tr>" for k, v in rows)
    paragraphs = "".join(
        f"<p>{html.escape(p.strip())}</p>" for p in exercise.brief.strip().split("\n\n")
    )
    hints = "".join(f"<li>{html.escape(h)}</li>" for h in exercise.hints)
    return (
        f"<h2>{html.escape(exercise.name)}</h2>{paragraphs}"
        f"<h3>Requirements</h3><table cellspacing='4'>{table}</table>"
        + (f"<h3>Hints</h3><ul>{hints}</ul>" if hints else "")
    )


class RehearsePanel(QWidget):
    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rehearse_panel")
        self.exercise: Exercise | None = None
        self.exercise_path: Path | None = None
        self.design: Design | None = None  # the draft, when it validates
        self.scorecard = None
        self._task: Task | None = None

        self.exercise_picker = QComboBox()
        self.exercise_picker.setObjectName("exercise_picker")
        self.exercise_picker.setToolTip("Pick an exercise to rehearse")
        self.reset_button = QPushButton("Reset to starter")
        self.reset_button.setToolTip("Replace the draft with the exercise's starter design")
        self.reset_button.clicked.connect(self.reset_draft)
        self.save_button = QPushButton("Save design…")
        self.save_button.setToolTip("Save the draft as a design file (TOML)")
        self.save_button.clicked.connect(self.save_draft)
        self.score_button = QPushButton("Score my design")
        self.score_button.setObjectName("score_button")
        self.score_button.setToolTip("Simulate the draft at the exercise's peak (Ctrl+Return)")
        self.score_button.setShortcut("Ctrl+Return")
        self.score_button.clicked.connect(self.score)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("score_progress")
        top = QHBoxLayout()
        for widget in (
            QLabel("Exercise"),
            self.exercise_picker,
            self.reset_button,
            self.save_button,
            self.score_button,
            self.cancel_button,
            self.progress_bar,
        ):
            top.addWidget(widget)
        top.setStretch(top.indexOf(self.progress_bar), 1)

        self.brief = QTextBrowser()
        self.brief.setObjectName("exercise_brief")

        self.editor = DesignEditor(source_name="your design")
        self.editor.validated.connect(self._draft_validated)
        self.editor.edited.connect(self._keep_draft)
        self.validation = self.editor.validation
        self.canvas = DesignCanvas()
        self.canvas.setObjectName("rehearse_canvas")
        middle = QSplitter(Qt.Orientation.Vertical)
        middle.addWidget(self.editor)
        middle.addWidget(self.canvas)

        self.score_label = QLabel("Score your design to see the scorecard.")
        self.score_label.setObjectName("score_label")
        self.score_label.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("scorecard_table")
        self.table.setHorizontalHeaderLabels(["check", "points", "what was measured"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.advice = QLabel()
        self.advice.setObjectName("advice_label")
        self.advice.setWordWrap(True)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.score_label)
        right_layout.addWidget(self.table, 1)
        right_layout.addWidget(self.advice)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        for widget, stretch in ((self.brief, 2), (middle, 3), (right, 3)):
            splitter.addWidget(widget)
            splitter.setStretchFactor(splitter.indexOf(widget), stretch)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        for path in catalog_exercises():
            self.exercise_picker.addItem(path.stem.replace("_", " "), str(path))
        self.exercise_picker.currentIndexChanged.connect(self._picked)
        if self.exercise_picker.count():
            self._picked(0)

    # --- exercises and drafts --------------------------------------------------------------
    def _draft_key(self) -> str:
        return f"rehearse/draft/{self.exercise_path.stem if self.exercise_path else ''}"

    def _picked(self, index: int) -> None:
        path = self.exercise_picker.itemData(index)
        if path:
            self.open_exercise(Path(path))

    def open_exercise(self, path: Path) -> None:
        try:
            exercise = load_exercise(path)
            starter = exercise.starter_path().read_text(encoding="utf-8")
        except (InputError, OSError) as exc:
            self._error("Cannot open exercise", str(exc))
            return
        self.exercise, self.exercise_path = exercise, path
        self.brief.setHtml(brief_html(exercise))
        draft = QSettings().value(self._draft_key(), "", type=str)
        self.editor.set_text(draft or starter)
        self._clear_scorecard()

    def reset_draft(self) -> None:
        if self.exercise is None:
            return
        self.editor.set_text(self.exercise.starter_path().read_text(encoding="utf-8"))
        self._keep_draft()

    def save_draft(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save design", "", "Designs (*.toml)")
        if not path:
            return
        try:
            atomic_write_text(path, self.editor.text())
        except OSError as exc:
            self._error("Save failed", f"{path}: {exc.strerror or exc}")
            return
        self.status_message.emit(f"Saved {Path(path).name}")

    def _keep_draft(self) -> None:
        if self.exercise_path is not None:
            QSettings().setValue(self._draft_key(), self.editor.text())

    def validate_draft(self) -> None:
        """Validate now (the editor also does it shortly after each keystroke)."""
        self.editor.validate()

    def _draft_validated(self, design: Design | None) -> None:
        self.design = design
        self.score_button.setEnabled(design is not None and self._task is None)
        if design is not None:
            self.canvas.show_design(design)

    # --- scoring ---------------------------------------------------------------------------
    def score(self) -> None:
        if self.design is None or self.exercise is None or self._task is not None:
            return
        design, exercise = self.design, self.exercise
        task = Task(lambda progress: _score(design, exercise, progress))
        task.signals.progress.connect(self.progress_bar.setValue)
        task.signals.done.connect(self._scored)
        task.signals.failed.connect(lambda message: self._finished(message))
        task.signals.cancelled.connect(lambda: self._finished(None, "cancelled"))
        self.score_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress_bar.setValue(0)
        self.score_label.setText("Simulating your design at the peak…")
        self._task = start(task)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _finished(self, error: str | None, state: str = "failed") -> None:
        self._task = None
        self.cancel_button.setEnabled(False)
        self.score_button.setEnabled(self.design is not None)
        if error is None:
            self.score_label.setText(f"Scoring {state}.")
        else:
            self.score_label.setText("Scoring failed.")
            self._error("Scoring failed", error)

    def _clear_scorecard(self) -> None:
        self.scorecard = None
        self.table.setRowCount(0)
        self.score_label.setText("Score your design to see the scorecard.")
        self.advice.clear()

    def _scored(self, card) -> None:  # type: ignore[no-untyped-def]
        self._finished(None, "done")
        self.scorecard = card
        self.progress_bar.setValue(100)
        colour = "#2e7d32" if card.grade in ("A", "B") else "#c62828"
        self.score_label.setText(
            f"<span style='font-size:20pt;color:{colour}'><b>{card.grade}</b></span>"
            f" &nbsp; <b>{card.score:.0f} / {card.max_score:.0f}</b> for "
            f"“{html.escape(card.design)}”"
        )
        self.table.setRowCount(len(card.checks))
        bold = QFont()
        bold.setBold(True)
        for row, check in enumerate(card.checks):
            name = QTableWidgetItem(("✓ " if check.passed else "✗ ") + check.label)
            name.setForeground(PASS_COLOUR if check.passed else FAIL_COLOUR)
            name.setFont(bold)
            points = QTableWidgetItem(f"{check.points:g} / {check.max_points:g}")
            points.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            detail = QTableWidgetItem(check.detail)
            detail.setToolTip(check.detail)
            for column, item in enumerate((name, points, detail)):
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        self.advice.setText("<b>Where it hurts:</b> " + html.escape(card.advice))
        self.canvas.show_result(card.result)
        self.status_message.emit(f"Scorecard: {card.grade} ({card.score:.0f}/{card.max_score:.0f})")

    def _error(self, title: str, message: str) -> None:
        self.status_message.emit(message)
        QMessageBox.warning(self, title, message)
