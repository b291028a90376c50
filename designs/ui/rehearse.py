"""Rehearse: a mock system-design interview scored by simulation.

Pick an exercise (by topic and difficulty), read the brief, run the 45-minute clock, answer
the estimates, build the design from the starter in the editor, and score it: the design
runs under the exercise's traffic on several seeds in a worker, beside the reference. Once
it passes, the follow-up raises the stakes. Every attempt goes to the history (SQLite in the
user's data directory). Drafts are kept per exercise in QSettings.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from designs.exercise import Exercise, catalog_exercises, load_exercise
from designs.history import Attempt, AttemptStore
from designs.loader import loads_design
from designs.schema import Design
from designs.ui.rehearse_parts import AttemptHistory, EstimatesForm, InterviewTimer, ScorecardTable
from designs.ui.rehearse_scoring import CHART_PX, Keep, Scored, score_and_keep
from designs.ui.rehearse_text import (
    advice_html,
    brief_html,
    estimates_html,
    method_html,
    reference_card_html,
)
from freightlab.atomic import atomic_write_text
from freightlab.errors import InputError
from freightlab.jobs import Job
from freightlab.ui.area import AreaDefaults
from freightlab.ui.jobs import JobRunner
from simulation.rehearsal import Outcome
from simulation.scorecard import HINT_COST, Check, Scorecard, duration_text
from simulation.ui.design_workbench import DesignWorkbench

ALL = "all"
WELCOME = (
    "<h3 style='color:#1a3d5c'>A mock interview, scored by simulation</h3><ol>"
    "<li>Read the <b>Brief</b>; start the clock when you are ready (45 min).</li>"
    "<li>Answer the <b>Estimates</b>: the back-of-envelope numbers.</li>"
    "<li>Change the starter design (left of here) until you think it holds.</li>"
    "<li><b>Score my design</b>: it runs under the exercise's traffic on several seeds, "
    "beside the reference design.</li>"
    "<li>Passed? The interviewer raises the stakes with a follow-up.</li></ol>"
    "<p style='color:#5f6b76'>Hints cost points; every attempt goes to <b>History</b>.</p>"
)
DATA_DIR_ENV = "FREIGHTLAB_DATA_DIR"  # overrides the user data directory (tests, portable use)


def history_path() -> Path:
    """attempts.sqlite in the user's data directory (or $FREIGHTLAB_DATA_DIR)."""
    folder = os.environ.get(DATA_DIR_ENV) or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation
    )
    return Path(folder) / "attempts.sqlite"


class RehearsePanel(AreaDefaults, QWidget):
    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None, history: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rehearse_panel")
        self.base: Exercise | None = None  # the exercise as picked
        self.exercise: Exercise | None = None  # what is scored now (a follow-up, perhaps)
        self.exercise_path: Path | None = None
        self.follow_up_index = -1  # -1: the exercise itself
        self.design: Design | None = None
        self.outcome: Outcome | None = None
        self.scorecard: Scorecard | None = None
        self.hints_shown = 0
        self._hints_paid = 0  # hints already charged to an earlier round (before a follow-up)
        self._references: dict[str, Scorecard] = {}  # by exercise name: scored once
        self._paths = catalog_exercises()
        self._exercises = {p: load_exercise(p) for p in self._paths}
        self.store: AttemptStore | None = None
        self._history_problem = ""
        try:
            self.store = AttemptStore(history or history_path())
        except InputError as exc:  # a damaged history must not stop the rehearsal
            self._history_problem = str(exc)

        layout = QVBoxLayout(self)
        layout.addLayout(self._top_bar())
        self.timer = InterviewTimer()
        self.timer.time_up.connect(self._time_up)
        layout.addWidget(self.timer)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._left_tabs())
        splitter.addWidget(self._middle())
        splitter.addWidget(self._right_tabs())
        for index, stretch in enumerate((3, 4, 5)):
            splitter.setStretchFactor(index, stretch)
        splitter.setSizes([310, 400, 570])
        layout.addWidget(splitter, 1)

        self._fill_picker()
        self.exercise_picker.currentIndexChanged.connect(self._picked)
        self._show_history()
        if self.exercise_picker.count():
            self._picked(self.exercise_picker.currentIndex())

    # --- layout ------------------------------------------------------------------------------
    def _top_bar(self) -> QHBoxLayout:
        self.topic_filter = QComboBox()
        self.topic_filter.setObjectName("topic_filter")
        self.topic_filter.setToolTip("Show exercises on one topic")
        self.difficulty_filter = QComboBox()
        self.difficulty_filter.setObjectName("difficulty_filter")
        self.difficulty_filter.setToolTip("Show exercises of one difficulty")
        self.exercise_picker = QComboBox()
        self.exercise_picker.setObjectName("exercise_picker")
        self.exercise_picker.setToolTip("Pick an exercise to rehearse")
        self.exercise_picker.setMinimumWidth(320)
        self.score_button = QPushButton("Score my design")
        self.score_button.setObjectName("score_button")
        self.score_button.setToolTip(
            "Simulate the draft under the exercise's traffic, beside the reference (Ctrl+Return)"
        )
        self.score_button.setShortcut("Ctrl+Return")
        self.score_button.setStyleSheet("font-weight: bold; padding: 4px 14px;")
        self.score_button.clicked.connect(self.score)
        self.cancel_button = QPushButton("Cancel")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("score_progress")
        self.jobs = JobRunner(self, self.progress_bar, self.cancel_button, messages=True)
        bar = QHBoxLayout()
        for label, widget in (
            ("Topic", self.topic_filter),
            ("Level", self.difficulty_filter),
            ("Exercise", self.exercise_picker),
        ):
            bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        for part in (self.score_button, self.cancel_button, self.progress_bar):
            bar.addWidget(part)
        bar.setStretch(bar.indexOf(self.progress_bar), 1)
        return bar

    def _left_tabs(self) -> QTabWidget:
        self.brief = QTextBrowser()
        self.brief.setObjectName("exercise_brief")
        self.hint_button = QPushButton(f"Reveal a hint (−{HINT_COST:g} points)")
        self.hint_button.setObjectName("hint_button")
        self.hint_button.clicked.connect(self.reveal_hint)
        brief_page = QWidget()
        brief_layout = QVBoxLayout(brief_page)
        brief_layout.setContentsMargins(0, 0, 0, 0)
        brief_layout.addWidget(self.brief, 1)
        brief_layout.addWidget(self.hint_button)
        self.estimates_form = EstimatesForm()
        self.card = QTextBrowser()
        self.card.setObjectName("reference_card")
        self.card.setHtml(reference_card_html())
        self.method = QTextBrowser()
        self.method.setObjectName("method")
        self.method.setHtml(method_html(self.timer.clock))
        self.card.setToolTip("Reference card: latencies, powers of two, rates, nines")
        tabs = QTabWidget()
        tabs.setObjectName("brief_tabs")
        for page, title in (
            (brief_page, "Brief"),
            (self.estimates_form, "Estimates"),
            (self.card, "Card"),
            (self.method, "Method"),
        ):
            tabs.addTab(page, title)
        self.left_tabs = tabs
        return tabs

    def _middle(self) -> QWidget:
        self.workbench = DesignWorkbench(source_name="your design", canvas_name="rehearse_canvas")
        self.workbench.status_message.connect(self.status_message)
        self.editor, self.canvas = self.workbench.editor, self.workbench.canvas
        self.editor.validated.connect(self._draft_validated)
        self.editor.edited.connect(self._keep_draft)
        self.workbench.text_changed.connect(self._keep_draft)  # canvas edits, undo
        self.validation = self.editor.validation
        self.reset_button = QPushButton("Start from the starter")
        self.reset_button.setToolTip("Replace the draft with the exercise's starter design")
        self.reset_button.clicked.connect(self.reset_draft)
        self.save_button = QPushButton("Save design…")
        self.save_button.setToolTip("Save the draft as a design file (TOML)")
        self.save_button.clicked.connect(self.save_draft)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("<b>Your design</b>"))
        buttons.addStretch(1)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.save_button)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.workbench, 1)
        return box

    def _right_tabs(self) -> QTabWidget:
        self.score_label = QLabel(WELCOME)
        self.score_label.setObjectName("score_label")
        self.score_label.setWordWrap(True)
        self.table = ScorecardTable()
        self.advice = QLabel()
        self.advice.setObjectName("advice_label")
        self.advice.setWordWrap(True)
        self.follow_up_button = QPushButton()
        self.follow_up_button.setObjectName("follow_up_button")
        self.follow_up_button.setVisible(False)
        self.follow_up_button.clicked.connect(self.start_follow_up)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.score_label)
        layout.addWidget(self.table)
        self.estimate_summary = QLabel()
        self.estimate_summary.setObjectName("estimate_summary")
        self.estimate_summary.setWordWrap(True)
        layout.addWidget(self.estimate_summary)
        layout.addWidget(self.advice)
        layout.addStretch(1)
        layout.addWidget(self.follow_up_button)
        self.history = AttemptHistory()
        self.history.reopen.connect(self.reopen_attempt)
        tabs = QTabWidget()
        tabs.setObjectName("result_tabs")
        tabs.addTab(page, "Scorecard")
        tabs.addTab(self.history, "History")
        self.right_tabs = tabs
        return tabs

    # --- exercises -----------------------------------------------------------------------------
    def _fill_picker(self) -> None:
        topics = sorted({e.topic for e in self._exercises.values()})
        self.topic_filter.addItems([ALL, *topics])
        self.difficulty_filter.addItems([ALL, "easy", "medium", "hard"])
        self.topic_filter.currentIndexChanged.connect(self._filter)
        self.difficulty_filter.currentIndexChanged.connect(self._filter)
        self._filter()

    def _filter(self) -> None:
        topic, level = self.topic_filter.currentText(), self.difficulty_filter.currentText()
        current = self.exercise_path
        self.exercise_picker.blockSignals(True)
        self.exercise_picker.clear()
        order = {"easy": 0, "medium": 1, "hard": 2}
        chosen = [
            (p, e)
            for p, e in self._exercises.items()
            if topic in (ALL, e.topic) and level in (ALL, e.difficulty)
        ]
        for path, ex in sorted(chosen, key=lambda pe: (order[pe[1].difficulty], pe[1].name)):
            self.exercise_picker.addItem(f"{ex.name}  ·  {ex.difficulty}", str(path))
        self.exercise_picker.blockSignals(False)
        index = self.exercise_picker.findData(str(current)) if current else -1
        if index >= 0:
            self.exercise_picker.setCurrentIndex(index)
        elif self.exercise_picker.count() and current is not None:
            self._picked(0)

    def pick(self, stem: str) -> None:
        """Select the exercise whose file is ``stem``.toml (clearing filters that hide it)."""
        if not any(Path(p).stem == stem for p in map(str, self._paths)):
            raise KeyError(f"no exercise '{stem}'")
        if all(
            Path(self.exercise_picker.itemData(i)).stem != stem
            for i in range(self.exercise_picker.count())
        ):
            self.topic_filter.setCurrentIndex(0)
            self.difficulty_filter.setCurrentIndex(0)
        for i in range(self.exercise_picker.count()):
            if Path(self.exercise_picker.itemData(i)).stem == stem:
                self.exercise_picker.setCurrentIndex(i)
                return
        raise KeyError(stem)

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
        self.base = self.exercise = exercise
        self.exercise_path, self.follow_up_index, self.hints_shown = path, -1, 0
        self._hints_paid = 0
        self.timer.reset()
        self._show_brief()
        self.estimates_form.show_questions(exercise)
        draft = str(QSettings().value(self._draft_key(), "", type=str) or "")
        self.editor.set_text(draft or starter)
        self._clear_scorecard()

    def _show_brief(self) -> None:
        if self.exercise is None or self.base is None:
            return
        prompt = ""
        if self.follow_up_index >= 0:
            prompt = self.base.follow_ups[self.follow_up_index].prompt
        self.brief.setHtml(brief_html(self.exercise, self.hints_shown, prompt))
        left = len(self.exercise.hints) - self.hints_shown
        self.hint_button.setEnabled(left > 0)
        self.hint_button.setText(
            f"Reveal a hint (−{HINT_COST:g} points, {left} left)" if left else "No more hints"
        )

    def reveal_hint(self) -> None:
        if self.exercise is not None and self.hints_shown < len(self.exercise.hints):
            self.hints_shown += 1
            self._show_brief()
            self.status_message.emit(f"Hint {self.hints_shown} shown: −{HINT_COST:g} points")

    # --- drafts --------------------------------------------------------------------------------
    def _draft_key(self) -> str:
        return f"rehearse/draft/{self.exercise_path.stem if self.exercise_path else ''}"

    def reset_draft(self) -> None:
        if self.base is not None:
            self.editor.set_text(self.base.starter_path().read_text(encoding="utf-8"))
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
        self.editor.validate()

    def _draft_validated(self, design: Design | None) -> None:
        self.design = design
        self.score_button.setEnabled(design is not None and not self.jobs.busy())

    # --- scoring -------------------------------------------------------------------------------
    def score(self) -> None:
        if self.design is None or self.exercise is None or self.jobs.busy():
            return
        design, exercise = self.design, self.exercise
        hints = self.hints_shown - self._hints_paid
        answers = self.estimates_form.answers()
        reference = self._references.get(exercise.name)
        keep = self._keep()
        self.score_button.setEnabled(False)
        self.score_label.setText(
            f"Simulating your design: {exercise.requirements.replications} runs under the "
            f"exercise's traffic, then the reference…"
        )
        self.jobs.run(
            Job(
                "Scoring",
                lambda p: score_and_keep(design, exercise, answers, hints, reference, keep, p),
                self._scored,
                self._finished,
                lambda: self._finished(None, "cancelled"),
            )
        )

    def cancel(self) -> None:
        self.jobs.cancel()

    def _finished(self, error: str | None, state: str = "failed") -> None:
        self.score_button.setEnabled(self.design is not None)
        if error is None:
            self.score_label.setText(f"Scoring {state}.")
        else:
            self.score_label.setText("Scoring failed.")
            self._error("Scoring failed", error)

    def _time_up(self) -> None:
        self.status_message.emit("Time is up: scoring your design as it stands")
        self.score()

    def _clear_scorecard(self) -> None:
        self.outcome = self.scorecard = None
        self.table.setRowCount(0)
        self.table.setVisible(False)
        self.score_label.setText(WELCOME)
        self.advice.clear()
        self.estimate_summary.clear()
        self.follow_up_button.setVisible(False)

    def _keep(self) -> Keep:
        """How the attempt being scored goes into the history (saved by the scoring job)."""
        follow = self.exercise.name if self.follow_up_index >= 0 and self.exercise else ""
        stem = self.exercise_path.stem if self.exercise_path is not None else ""
        chart = self.history.chart
        size = chart.pixel_size() if chart is not None and chart.isVisible() else CHART_PX
        return Keep(self.store, stem, self.timer.elapsed(), follow, size)

    def _scored(self, scored: Scored) -> None:
        outcome = scored.outcome
        self._finished(None, "done")
        self.progress_bar.setValue(100)
        self.outcome, self.scorecard = outcome, outcome.card
        if outcome.reference is not None:
            self._references[outcome.exercise.name] = outcome.reference
        self._show_card(
            outcome.card.checks, outcome.reference, outcome.score, outcome.grade, outcome.hints_used
        )
        self.advice.setText(advice_html(outcome.card))
        self.estimates_form.show_checks(outcome.estimates)
        self.estimate_summary.setText(estimates_html(outcome.estimates))
        self.canvas.show_result(outcome.card.result)
        self._show_kept(scored)
        self._offer_follow_up(outcome)
        self.right_tabs.setCurrentIndex(0)
        self.status_message.emit(f"Scorecard: {outcome.grade} ({outcome.score:.0f} points)")

    def _show_card(
        self,
        checks: list[Check],
        reference: Scorecard | None,
        score: float,
        grade: str,
        paid: int,
    ) -> None:
        card = self.scorecard
        passed = all(c.passed for c in checks)
        colour = "#2e7d32" if passed else "#c62828"
        most = sum(c.max_points for c in checks)
        verdict = "passed" if passed else f"{sum(not c.passed for c in checks)} missed"
        hints = f", −{HINT_COST * paid:g} for hints" if paid else ""
        self.score_label.setText(
            f"<span style='font-size:22pt;color:{colour}'><b>{grade}</b></span>"
            f" &nbsp; <b>{score:.0f} / {most:.0f}</b>{hints} · {verdict}"
            + (f" · “{html.escape(card.design)}”" if card else "")
            + (
                f" · ${card.cost_per_hour:,.2f}/hour"
                if card is not None and card.cost_per_hour is not None
                else ""
            )
        )
        refs = {c.name: c for c in reference.checks} if reference else {}
        self.table.show_checks(checks, refs)
        self.table.setVisible(True)

    def _show_kept(self, scored: Scored) -> None:
        if self.store is None:
            self.status_message.emit(f"Attempt not kept: {self._history_problem}")
            return
        if scored.save_error:
            self._error("Attempt not saved", scored.save_error)
        if scored.attempts is None:
            self.history.show_problem(scored.history_error)
        else:
            self.history.show_attempts(scored.attempts, scored.chart)

    def _show_history(self) -> None:
        if self.store is None:
            self.history.show_problem(self._history_problem)
            return
        try:
            self.history.show_attempts(self.store.attempts())
        except InputError as exc:
            self.history.show_problem(str(exc))

    def _offer_follow_up(self, outcome: Outcome) -> None:
        nxt = self.follow_up_index + 1
        more = self.base is not None and nxt < len(self.base.follow_ups)
        self.follow_up_button.setVisible(outcome.card.passed and more)
        if outcome.card.passed and more and self.base is not None:
            self.follow_up_button.setText(f"Follow-up: {self.base.follow_ups[nxt].title} ▸")

    def start_follow_up(self) -> None:
        """The interviewer raises the stakes: the next follow-up becomes the exercise."""
        if self.base is None:
            return
        self.follow_up_index += 1
        self.exercise = self.base.follow_up(self.follow_up_index)
        self._hints_paid = self.hints_shown  # hints seen so far were paid for already
        self._show_brief()
        self._clear_scorecard()
        self.left_tabs.setCurrentIndex(0)
        self.score_label.setText("Follow-up: adapt your design if you need to, then score it.")

    # --- history -------------------------------------------------------------------------------
    def reopen_attempt(self, attempt: Attempt) -> None:
        """Show an old attempt: its exercise, its design in the editor, its scorecard."""
        try:
            self.pick(attempt.exercise)
            loads_design(attempt.design_toml, source=f"attempt {attempt.id}")
        except (KeyError, InputError) as exc:
            self._error("Cannot re-open attempt", str(exc))
            return
        self.editor.set_text(attempt.design_toml)
        self._keep_draft()
        checks = [Check.from_json(r) for r in attempt.scorecard.get("requirements", [])]
        self.scorecard = None
        reference = self._references.get(attempt.exercise_name)
        self._show_card(checks, reference, attempt.score, attempt.grade, attempt.hints_used)
        self.advice.setText(
            f"Attempt of {attempt.finished_at.replace('T', ' ')[:16]}, "
            f"{duration_text(attempt.seconds_used * 1000)} used, {attempt.hints_used} hint(s)."
        )
        self.right_tabs.setCurrentIndex(0)

    def _error(self, title: str, message: str) -> None:
        self.status_message.emit(message)
        QMessageBox.warning(self, title, message)
