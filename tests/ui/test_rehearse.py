"""Rehearse driven as a candidate would: pick, clock, estimates, build, score, follow-up,
history; plus drafts, saving, cancelling and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QFileDialog

from designs.ui.rehearse import RehearsePanel, history_path

SHOTS = Path(__file__).resolve().parents[2] / "out"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _panel(qtbot, stem: str, tmp_path: Path) -> RehearsePanel:  # type: ignore[no-untyped-def]
    panel = RehearsePanel(history=tmp_path / "attempts.sqlite")
    qtbot.addWidget(panel)
    panel.resize(1280, 800)
    panel.show()
    panel.pick(stem)
    assert panel.exercise_path is not None and panel.exercise_path.stem == stem
    return panel


def _score(qtbot, panel: RehearsePanel) -> None:  # type: ignore[no-untyped-def]
    panel.outcome = None
    qtbot.mouseClick(panel.score_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.outcome is not None, timeout=120_000)


def _type_design(qtbot, panel: RehearsePanel, text: str) -> None:  # type: ignore[no-untyped-def]
    panel.editor.text_edit.setFocus()
    panel.editor.text_edit.selectAll()
    qtbot.keyClick(panel.editor.text_edit, Qt.Key.Key_Delete)
    panel.editor.text_edit.insertPlainText(text)


def _shot(panel: RehearsePanel, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    panel.grab().save(str(SHOTS / name))


def test_a_mock_interview_end_to_end(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = _panel(qtbot, "monday_peak", tmp_path)
    clock = FakeClock()
    panel.timer._now = clock  # the interview's clock, driven by the test
    # Pick by topic and difficulty.
    panel.difficulty_filter.setCurrentText("easy")
    assert all(
        "easy" in panel.exercise_picker.itemText(i) for i in range(panel.exercise_picker.count())
    )
    panel.pick("monday_peak")
    assert "30 requests/s" in panel.brief.toPlainText()

    # The clock: start, pause (time stands still), resume, move through a step.
    qtbot.mouseClick(panel.timer.start_button, Qt.MouseButton.LeftButton)
    clock.now += 240
    qtbot.mouseClick(panel.timer.start_button, Qt.MouseButton.LeftButton)  # pause
    clock.now += 600
    panel.timer.refresh()
    assert panel.timer.time_label.text() == "41:00" and "paused" in panel.timer.step_label.text()
    qtbot.mouseClick(panel.timer.start_button, Qt.MouseButton.LeftButton)  # resume
    clock.now += 60
    qtbot.mouseClick(panel.timer.next_button, Qt.MouseButton.LeftButton)
    assert panel.timer.clock.splits == [300.0] and "Estimates" in panel.timer.step_label.text()

    # A hint costs points.
    qtbot.mouseClick(panel.hint_button, Qt.MouseButton.LeftButton)
    assert panel.hints_shown == 1 and panel.exercise is not None
    assert panel.exercise.hints[0][:30] in panel.brief.toPlainText()

    # Estimates, typed.
    panel.left_tabs.setCurrentWidget(panel.estimates_form)
    qtbot.keyClicks(panel.estimates_form.fields["peak_rps"], "30")
    qtbot.keyClicks(panel.estimates_form.fields["busy_matchers"], "20")

    # The starter fails; its scorecard says why.
    _score(qtbot, panel)
    card = panel.outcome.card
    assert not card.passed and sorted(card.failed) == sorted(panel.exercise.starter_fails)
    assert panel.table.rowCount() == len(card.checks)
    assert panel.table.item(1, 0).text().startswith("✗")
    assert panel.table.item(1, 4).text() == "all runs"  # the reference beside
    assert not panel.follow_up_button.isVisible()
    assert "good" in panel.estimates_form.verdicts["peak_rps"].text()
    assert "too high" in panel.estimates_form.verdicts["busy_matchers"].text()

    # Build the fix in the editor and score again: it passes, hint deducted.
    reference = panel.exercise.reference_path().read_text()
    _type_design(qtbot, panel, reference)
    qtbot.waitUntil(lambda: "Ten matchers" in panel.validation.text(), timeout=5_000)
    _score(qtbot, panel)
    assert panel.outcome.card.passed and panel.outcome.score == panel.outcome.card.score - 5
    assert "−5 for hints" in panel.score_label.text()
    _shot(panel, "rehearse.png")

    # The follow-up raises the stakes and scores again.
    assert panel.follow_up_button.isVisible()
    qtbot.mouseClick(panel.follow_up_button, Qt.MouseButton.LeftButton)
    assert panel.exercise.requirements.rate_rps == 60.0
    assert "Follow-up" in panel.brief.toPlainText()
    _score(qtbot, panel)
    assert "stable" in panel.outcome.card.failed  # ten matchers do not carry twice the peak

    # History: three attempts, newest first, with time used; re-open the passing one.
    history = panel.history
    assert history.table.rowCount() == 3
    assert history.table.item(1, 2).text() == "A"
    assert [a.hints_used for a in history.attempts] == [0, 1, 1]  # follow-ups pay no hint twice
    assert history.attempts[1].seconds_used == pytest.approx(300.0)
    panel.right_tabs.setCurrentWidget(history)
    _shot(panel, "rehearse_history.png")
    history.table.selectRow(2)
    qtbot.mouseClick(history.reopen_button, Qt.MouseButton.LeftButton)
    assert "Three matcher replicas" in panel.editor.text()
    assert panel.table.item(1, 0).text().startswith("✗")


def test_time_up_scores_the_attempt(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = _panel(qtbot, "rate_limiter", tmp_path)
    clock = FakeClock()
    panel.timer._now = clock
    qtbot.mouseClick(panel.timer.start_button, Qt.MouseButton.LeftButton)
    clock.now += 45 * 60 + 1
    with qtbot.waitSignal(panel.timer.time_up, timeout=5_000):
        panel.timer.refresh()
    qtbot.waitUntil(lambda: panel.outcome is not None, timeout=120_000)
    assert panel.history.table.rowCount() == 1


def test_typing_an_error_disables_scoring_and_names_the_field(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = _panel(qtbot, "monday_peak", tmp_path)
    panel.editor.text_edit.setFocus()
    panel.editor.text_edit.moveCursor(QTextCursor.MoveOperation.End)
    for line in ("", "[[components]]", 'name = "x"', 'kind = "service"'):
        qtbot.keyClicks(panel.editor.text_edit, line)
        qtbot.keyClick(panel.editor.text_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "✗" in panel.validation.text(), timeout=5_000)
    assert "service_ms" in panel.validation.text()
    assert not panel.score_button.isEnabled()


def test_draft_survives_switching_exercises(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = _panel(qtbot, "monday_peak", tmp_path)
    panel.editor.text_edit.setPlainText(
        panel.editor.text_edit.toPlainText().replace("replicas = 3", "replicas = 7")
    )
    panel.validate_draft()
    panel.pick("lane_distances")
    assert "replicas = 7" not in panel.editor.text_edit.toPlainText()
    panel.pick("monday_peak")
    assert "replicas = 7" in panel.editor.text_edit.toPlainText()
    qtbot.mouseClick(panel.reset_button, Qt.MouseButton.LeftButton)
    assert "replicas = 3" in panel.editor.text_edit.toPlainText()


def test_save_design_writes_the_draft(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    panel = _panel(qtbot, "lane_distances", tmp_path)
    target = tmp_path / "mine.toml"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert target.read_text() == panel.editor.text_edit.toPlainText()


def test_cancel_scoring(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = _panel(qtbot, "post_and_notify", tmp_path)
    qtbot.mouseClick(panel.score_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.score_button.isEnabled, timeout=60_000)
    assert not panel.cancel_button.isEnabled() and panel.outcome is None
    assert panel.history.table.rowCount() == 0


def test_history_lives_in_the_data_dir_tests_point_elsewhere() -> None:
    assert "userdata" in str(history_path())


def test_a_damaged_history_does_not_stop_the_rehearsal(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "attempts.sqlite"
    broken.write_bytes(b"not a database" * 200)
    panel = RehearsePanel(history=broken)
    qtbot.addWidget(panel)
    assert panel.store is None
    assert "History unavailable" in panel.history.table.item(0, 0).text()
    assert panel.exercise is not None and panel.score_button.isEnabled()


def test_estimates_are_checked_as_you_type(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = _panel(qtbot, "api_1m_per_minute", tmp_path)
    form = panel.estimates_form
    panel.left_tabs.setCurrentWidget(form)
    qtbot.keyClicks(form.fields["peak_rps"], "16,000")
    assert (
        "good" in form.verdicts["peak_rps"].text() and "16,667" in form.verdicts["peak_rps"].text()
    )
    qtbot.keyClicks(form.fields["busy_api_workers"], "2000")
    assert "8.6x too high" in form.verdicts["busy_api_workers"].text()
    qtbot.keyClicks(form.fields["read_connections"], "eighty")
    assert "not a number" in form.verdicts["read_connections"].text()
    qtbot.keyClicks(form.fields["api_instances_busy"], "150")
    assert "when you score" in form.verdicts["api_instances_busy"].text()
    form.fields["peak_rps"].clear()
    assert form.verdicts["peak_rps"].text() == ""
    _shot(panel, "rehearse_estimates.png")
