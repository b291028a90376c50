"""Rehearse's parts: the interview timer, the estimates form, the scorecard, the history.

Each is a thin view over a core object (InterviewClock, EstimateCheck, Scorecard, Attempt).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from matplotlib.figure import Figure
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QResizeEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designs.exercise import Exercise
from designs.history import Attempt
from designs.interview import InterviewClock, clock_text
from designs.progress_chart import progress_figure
from simulation.estimates import EstimateCheck, live_check
from simulation.scorecard import Check, duration_text
from simulation.ui.results_view import ChartView

PASS, FAIL, NEAR = QColor("#2e7d32"), QColor("#c62828"), QColor("#ef6c00")
VERDICT_COLOURS = {"good": PASS, "ballpark": NEAR, "off": FAIL, "not answered": QColor("#5f6b76")}


def _item(text: str, colour: QColor | None = None, bold: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)
    if colour is not None:
        item.setForeground(colour)
    if bold:
        font = QFont()
        font.setBold(True)
        item.setFont(font)
    return item


class InterviewTimer(QWidget):
    """45 minutes (by default) with pause and the four steps; emits ``time_up`` once."""

    time_up = Signal()
    step_changed = Signal(int)

    def __init__(self, clock_source: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.setObjectName("rehearse_timer")
        self._now = clock_source
        self.clock = InterviewClock()
        self._fired = False
        self.time_label = QLabel(clock_text(self.clock.total_s))
        self.time_label.setObjectName("timer_label")
        self.time_label.setStyleSheet("font-size: 17pt; font-weight: bold; color: #1a3d5c;")
        self.time_label.setToolTip("Time left in the mock interview")
        self.step_label = QLabel("Mock interview: 45 min, four steps")
        self.step_label.setObjectName("timer_step")
        self.start_button = QPushButton("Start interview")
        self.start_button.setObjectName("timer_start")
        self.start_button.setToolTip("Start, pause or resume the clock")
        self.start_button.clicked.connect(self.toggle)
        self.next_button = QPushButton("Next step ▸")
        self.next_button.setObjectName("timer_next")
        self.next_button.setToolTip("Done with this step: record its time and move on")
        self.next_button.setEnabled(False)
        self.next_button.clicked.connect(self.next_step)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.time_label)
        layout.addWidget(self.step_label, 1)
        layout.addWidget(self.start_button)
        layout.addWidget(self.next_button)
        self._ticker = QTimer(self)
        self._ticker.setInterval(500)
        self._ticker.timeout.connect(self.refresh)

    def reset(self) -> None:
        self.clock = InterviewClock()
        self._fired = False
        self._ticker.stop()
        self.start_button.setText("Start interview")
        self.next_button.setEnabled(False)
        self.refresh()

    def toggle(self) -> None:
        now = self._now()
        if not self.clock.started:
            self.clock.start(now)
            self._ticker.start()
        elif self.clock.running:
            self.clock.pause(now)
        else:
            self.clock.resume(now)
        self.start_button.setText("Pause" if self.clock.running else "Resume")
        self.next_button.setEnabled(self.clock.running and self.clock.step < 3)
        self.refresh()

    def next_step(self) -> None:
        self.clock.next_step(self._now())
        self.next_button.setEnabled(self.clock.running and self.clock.step < 3)
        self.step_changed.emit(self.clock.step)
        self.refresh()

    def elapsed(self) -> float:
        return self.clock.elapsed(self._now())

    def refresh(self) -> None:
        now = self._now()
        c = self.clock
        self.time_label.setText(clock_text(c.remaining(now)))
        if not c.started:
            return
        index = min(c.step, len(c.steps) - 1)
        spent = c.step_times(now)
        done = " · ".join(f"{i + 1}: {clock_text(s)}" for i, s in enumerate(spent[: c.step]))
        state = "" if c.running else " (paused)"
        self.step_label.setText(
            f"Step {index + 1} of 4: <b>{c.steps[index].title}</b>"
            f" (plan {c.planned_s(index) / 60:.0f} min){state}"
            + (f" <span style='color:#5f6b76'>— {done}</span>" if done else "")
        )
        if c.over(now) and not self._fired:
            self._fired = True
            self._ticker.stop()
            self.time_label.setStyleSheet("font-size: 17pt; font-weight: bold; color: #c62828;")
            self.time_up.emit()


class EstimatesForm(QWidget):
    """One line edit per back-of-envelope question; the verdicts appear beside them."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("estimates_form")
        self.form = QFormLayout(self)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.fields: dict[str, QLineEdit] = {}
        self.verdicts: dict[str, QLabel] = {}
        self.exercise: Exercise | None = None

    def show_questions(self, exercise: Exercise) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields.clear()
        self.verdicts.clear()
        self.exercise = exercise
        intro = QLabel(
            "Back-of-envelope first: answer before you build. Answers theory can check are "
            "checked as you type; those measured on the reference design's simulation, when "
            "you score."
        )
        intro.setWordWrap(True)
        self.form.addRow(intro)
        for q in exercise.estimates:
            edit = QLineEdit()
            edit.setObjectName(f"estimate_{q.name}")
            edit.setPlaceholderText(q.unit)
            edit.setToolTip(q.question)
            verdict = QLabel()
            verdict.setWordWrap(True)
            box = QWidget()
            row = QVBoxLayout(box)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(edit)
            row.addWidget(verdict)
            label = QLabel(q.question)
            label.setWordWrap(True)
            self.form.addRow(label, box)
            self.fields[q.name], self.verdicts[q.name] = edit, verdict
            edit.textChanged.connect(lambda _text, name=q.name: self.check_as_typed(name))

    def check_as_typed(self, name: str) -> None:
        """The factor off, as soon as a number is in (theory questions; the others wait)."""
        text = self.fields[name].text().strip().replace(",", "")
        label = self.verdicts[name]
        if not text or self.exercise is None:
            label.setText("")
            return
        try:
            answer = float(text)
        except ValueError:
            label.setText(f"<span style='color:{FAIL.name()}'>not a number</span>")
            return
        check = live_check(self.exercise, name, answer)
        if check is None:
            grey = VERDICT_COLOURS["not answered"].name()
            label.setText(
                f"<span style='color:{grey}'>measured on the reference when you score</span>"
            )
            return
        colour = VERDICT_COLOURS[check.verdict].name()
        label.setText(f"<span style='color:{colour}'>{check.short()}</span>")
        label.setToolTip(check.describe())

    def answers(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for name, edit in self.fields.items():
            text = edit.text().strip().replace(",", "")
            try:
                out[name] = float(text) if text else None
            except ValueError:
                out[name] = None
        return out

    def show_checks(self, checks: list[EstimateCheck]) -> None:
        for check in checks:
            label = self.verdicts.get(check.name)
            if label is not None:
                colour = VERDICT_COLOURS[check.verdict].name()
                label.setText(f"<span style='color:{colour}'>{check.describe()}</span>")


def _measured_text(c: Check | None) -> str:
    if c is None or c.measured is None:
        return "—"
    value = _value_text(c.measured, c.unit)
    if c.half_width is not None and c.half_width > abs(c.measured) * 1e-3:
        value += f" ± {_value_text(c.half_width, c.unit)}"
    return value


def _value_text(x: float, unit: str) -> str:
    if unit == "ms":
        return duration_text(x)
    if unit == "ratio":
        return f"{x:.2%}" if x < 0.9999 else f"{x:.3%}"
    if unit == "problems":
        return "none" if x == 0 else f"{x:.0f} problem(s)"
    if unit == "x":
        return f"{x:.2f}x"
    if unit == "$/h":
        return f"${x:,.2f}/h"
    if unit == "share of runs":
        return "all runs" if x >= 1 else f"{x:.0%} of runs"
    return f"{x:,.0f} {unit}".strip()


def _target_text(c: Check) -> str:
    if c.target is None:
        return "—"
    if c.unit in ("problems", "share of runs"):
        return _value_text(c.target, c.unit)
    sign = "≤" if c.sense == "max" else "≥"
    return f"{sign} {_value_text(c.target, c.unit)}"


class ScorecardTable(QTableWidget):
    """Requirement, target, measured ±95%, met or by how much missed, the reference's."""

    HEADERS = ("requirement", "target", "yours (±95%)", "met?", "reference")

    def __init__(self) -> None:
        super().__init__(0, len(self.HEADERS))
        self.setObjectName("scorecard_table")
        self.setHorizontalHeaderLabels(list(self.HEADERS))
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setHorizontalScrollMode(QTableWidget.ScrollMode.ScrollPerPixel)
        header = self.horizontalHeader()
        for col in range(len(self.HEADERS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def show_checks(self, checks: list[Check], reference: dict[str, Check]) -> None:
        self.setRowCount(len(checks))
        for row, check in enumerate(checks):
            colour = PASS if check.passed else (NEAR if check.points else FAIL)
            cells = (
                _item(("✓ " if check.passed else "✗ ") + check.label, colour, bold=True),
                _item(_target_text(check)),
                _item(_measured_text(check), colour),
                _item(check.shortfall(), colour, bold=True),
                _item(_measured_text(reference.get(check.name)), QColor("#5f6b76")),
            )
            tip = f"{check.detail} ({check.points:g} of {check.max_points:g} points)"
            for col, item in enumerate(cells):
                item.setToolTip(tip)
                self.setItem(row, col, item)
        self.resizeRowsToContents()
        self.fit_height()

    def fit_height(self) -> None:
        """As tall as its rows (the pane's spare room goes to the advice below)."""
        rows = sum(self.rowHeight(r) for r in range(self.rowCount()))
        header = self.horizontalHeader()
        wanted = sum(
            max(self.sizeHintForColumn(c), header.sectionSizeHint(c))
            for c in range(self.columnCount())
        )
        wide = wanted > self.width() - 2 * self.frameWidth()  # a scroll bar will show
        bar = self.horizontalScrollBar().sizeHint().height() if wide else 0
        self.setFixedHeight(header.height() + rows + bar + 2 * self.frameWidth())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.rowCount():
            self.fit_height()


class AttemptHistory(QWidget):
    """Past attempts (newest first) with a progress chart; re-open one to see it again."""

    reopen = Signal(object)  # the Attempt

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("attempt_history")
        self.attempts: list[Attempt] = []
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("attempt_table")
        self.table.setHorizontalHeaderLabels(
            ["when", "exercise", "grade", "score", "time", "hints"]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        for col in range(6):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemDoubleClicked.connect(lambda _item: self._reopen())
        self.reopen_button = QPushButton("Re-open attempt")
        self.reopen_button.setObjectName("reopen_button")
        self.reopen_button.setToolTip("Load the selected attempt's design and scorecard")
        self.reopen_button.clicked.connect(self._reopen)
        self.chart_holder = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.reopen_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(self.chart_holder, 2)
        self.chart: ChartView | None = None

    def show_attempts(
        self, attempts: list[Attempt], chart: tuple[Figure, QImage] | None = None
    ) -> None:
        """The attempts, and their progress chart: ``chart`` already drawn in a worker (after
        a scoring), else drawn by one when the view is first shown."""
        self.attempts = list(reversed(attempts))
        self.table.setRowCount(len(self.attempts))
        for row, a in enumerate(self.attempts):
            colour = PASS if a.passed else FAIL
            when = a.finished_at.replace("T", " ")[:16]
            cells = (
                _item(when),
                _item(a.exercise_name),
                _item(a.grade, colour, bold=True),
                _item(f"{a.score:.0f}/{a.max_score:.0f}", colour),
                _item(clock_text(a.seconds_used) if a.seconds_used >= 1 else "untimed"),
                _item(str(a.hints_used)),
            )
            for col, item in enumerate(cells):
                self.table.setItem(row, col, item)
        if self.attempts:
            self.table.selectRow(0)
        self.reopen_button.setEnabled(bool(self.attempts))
        if self.chart is not None:
            self.chart_holder.removeWidget(self.chart)
            self.chart.deleteLater()
        figure, image = chart if chart is not None else (progress_figure(attempts), None)
        self.chart = ChartView(figure, image)
        self.chart.setObjectName("progress_chart")
        self.chart_holder.addWidget(self.chart)

    def show_problem(self, message: str) -> None:
        """The history cannot be read (a damaged file): say so, keep the rest working."""
        self.show_attempts([])
        self.reopen_button.setEnabled(False)
        self.table.setRowCount(1)
        self.table.setSpan(0, 0, 1, self.table.columnCount())
        self.table.setItem(0, 0, _item(f"History unavailable: {message}", FAIL))

    def _reopen(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.attempts):
            self.reopen.emit(self.attempts[row])
