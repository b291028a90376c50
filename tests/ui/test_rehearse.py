"""Rehearse driven as a candidate would: pick an exercise, edit, score, fix, score again."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QFileDialog

from designs.ui.rehearse import RehearsePanel

ANSWERS = Path(__file__).resolve().parents[2] / "designs" / "exercises" / "designs"
SHOTS = Path(__file__).resolve().parents[2] / "out"


def _panel(qtbot, stem: str) -> RehearsePanel:
    panel = RehearsePanel()
    qtbot.addWidget(panel)
    panel.resize(1300, 800)
    panel.show()
    panel.exercise_picker.setCurrentIndex(panel.exercise_picker.findText(stem.replace("_", " ")))
    assert panel.exercise_path is not None and panel.exercise_path.stem == stem
    return panel


def _score(qtbot, panel: RehearsePanel) -> None:
    panel.scorecard = None
    qtbot.mouseClick(panel.score_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.scorecard is not None, timeout=60_000)


def test_starter_scores_badly_then_a_fixed_design_scores_an_a(qtbot) -> None:
    panel = _panel(qtbot, "monday_peak")
    assert "30 requests/s" in panel.brief.toPlainText()
    assert "✓ valid" in panel.validation.text()
    _score(qtbot, panel)
    assert panel.scorecard.grade in ("D", "F")
    assert panel.table.rowCount() == len(panel.scorecard.checks)
    assert panel.table.item(1, 0).text().startswith("✗")

    panel.editor.text_edit.selectAll()
    qtbot.keyClick(panel.editor.text_edit, Qt.Key.Key_Delete)
    panel.editor.text_edit.insertPlainText((ANSWERS / "monday_peak_reference.toml").read_text())
    qtbot.waitUntil(lambda: "Ten matchers" in panel.validation.text(), timeout=5_000)
    _score(qtbot, panel)
    assert panel.scorecard.grade == "A"
    assert panel.score_label.text().count("A") >= 1
    SHOTS.mkdir(exist_ok=True)
    panel.grab().save(str(SHOTS / "rehearse.png"))


def test_typing_an_error_disables_scoring_and_names_the_field(qtbot) -> None:
    panel = _panel(qtbot, "monday_peak")
    panel.editor.text_edit.setFocus()
    panel.editor.text_edit.moveCursor(QTextCursor.MoveOperation.End)
    for line in ("", "[[components]]", 'name = "x"', 'kind = "service"'):
        qtbot.keyClicks(panel.editor.text_edit, line)
        qtbot.keyClick(panel.editor.text_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "✗" in panel.validation.text(), timeout=5_000)
    assert "service_ms" in panel.validation.text()
    assert not panel.score_button.isEnabled()


def test_draft_survives_switching_exercises(qtbot) -> None:
    panel = _panel(qtbot, "monday_peak")
    panel.editor.text_edit.setPlainText(
        panel.editor.text_edit.toPlainText().replace("replicas = 3", "replicas = 7")
    )
    panel.validate_draft()
    panel.exercise_picker.setCurrentIndex(panel.exercise_picker.findText("lane distances"))
    assert "replicas = 7" not in panel.editor.text_edit.toPlainText()
    panel.exercise_picker.setCurrentIndex(panel.exercise_picker.findText("monday peak"))
    assert "replicas = 7" in panel.editor.text_edit.toPlainText()
    qtbot.mouseClick(panel.reset_button, Qt.MouseButton.LeftButton)
    assert "replicas = 3" in panel.editor.text_edit.toPlainText()


def test_save_design_writes_the_draft(qtbot, tmp_path: Path, monkeypatch) -> None:
    panel = _panel(qtbot, "lane_distances")
    target = tmp_path / "mine.toml"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert target.read_text() == panel.editor.text_edit.toPlainText()


@pytest.mark.parametrize("stem", ["post_and_notify"])
def test_cancel_scoring(qtbot, stem: str) -> None:
    panel = _panel(qtbot, stem)
    qtbot.mouseClick(panel.score_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.score_button.isEnabled, timeout=30_000)
    assert not panel.cancel_button.isEnabled()
