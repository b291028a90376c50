"""Opening another design over unsaved edits asks Save / Discard / Cancel, as closing does:
from the design picker (keys), Open… (its shortcut), and a route from another area."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from simulation.ui.lab import DesignLab
from simulation.ui.lab_document import SaveChoice

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


class Asker:
    """Stands in for the modal box: records each question, gives the set answer."""

    def __init__(self, answer: SaveChoice) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, name: str) -> SaveChoice:
        self.asked.append(name)
        return self.answer


def _lab(qtbot, answer: SaveChoice, start: Path | None = None) -> tuple[DesignLab, Asker]:
    lab = DesignLab()
    qtbot.addWidget(lab)
    lab.resize(1280, 800)
    lab.show()
    qtbot.waitExposed(lab)
    qtbot.waitUntil(lambda: lab.current is not None, timeout=10_000)
    if start is not None:
        lab.open_design(start)
        qtbot.waitUntil(lambda: lab.current is not None and lab.current.path == start)
    asker = Asker(answer)
    lab.ask_save = asker
    lab.workbench.add_component("cache", (0, 300))  # an unsaved edit
    assert lab.edited
    return lab, asker


def _pick_next(qtbot, lab: DesignLab) -> None:
    lab.design_picker.setFocus()
    qtbot.keyClick(lab.design_picker, Qt.Key.Key_Down)


def test_cancel_keeps_the_edits_and_the_picker_names_the_open_design(qtbot) -> None:
    lab, asker = _lab(qtbot, SaveChoice.CANCEL)
    before = lab.current
    assert before is not None
    _pick_next(qtbot, lab)
    assert asker.asked == ["monolith.toml"]
    assert lab.current is before and lab.edited and "cache" in lab.editor.text()
    assert lab.design_picker.currentData() == str(before.path)


def test_discard_drops_the_edits_and_opens_the_picked_design(qtbot) -> None:
    lab, asker = _lab(qtbot, SaveChoice.DISCARD)
    _pick_next(qtbot, lab)
    wanted = Path(lab.design_picker.currentData())
    qtbot.waitUntil(lambda: lab.current is not None and lab.current.path == wanted)
    assert asker.asked == ["monolith.toml"] and wanted.name != "monolith.toml"
    assert not lab.edited
    assert "cache" not in (CATALOG / "monolith.toml").read_text(encoding="utf-8")


def test_save_writes_the_edits_then_open_shows_the_chosen_file(
    qtbot, monkeypatch, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.toml"
    shutil.copy(CATALOG / "monolith.toml", mine)
    lab, asker = _lab(qtbot, SaveChoice.SAVE, start=mine)
    other = CATALOG / "cache_aside.toml"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(other), ""))
    qtbot.keyClick(lab.design_picker, Qt.Key.Key_O, CTRL_SHIFT)  # Open design…
    qtbot.waitUntil(lambda: lab.current is not None and lab.current.path == other)
    assert asker.asked == ["mine.toml"]
    assert 'name = "cache"' in mine.read_text(encoding="utf-8")
    assert not lab.edited


def test_a_failed_save_keeps_the_design_open(qtbot, monkeypatch) -> None:
    lab, asker = _lab(qtbot, SaveChoice.SAVE)  # a catalog design: saving asks for a name
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))  # called off
    lab.open_path(str(CATALOG / "cache_aside.toml"))
    assert asker.asked == ["monolith.toml"]
    assert lab.current is not None and lab.current.path.name == "monolith.toml" and lab.edited


@pytest.mark.parametrize("answer", [SaveChoice.CANCEL, SaveChoice.DISCARD])
def test_a_design_routed_from_the_desk_asks_first(qtbot, answer: SaveChoice) -> None:
    from dispatcher.ui.desk import DispatchDesk
    from freightlab.ui.app import make_app
    from freightlab.ui.window import MainWindow

    make_app()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    lab = window.design_lab
    assert isinstance(lab, DesignLab)
    qtbot.waitUntil(lambda: lab.current is not None, timeout=10_000)
    asker = Asker(answer)
    lab.ask_save = asker
    lab.workbench.add_component("cache", (0, 300))
    desk = window.desk
    assert isinstance(desk, DispatchDesk)
    route = desk.sizing.open_elsewhere  # what "Size the backend" calls with its design
    assert route is not None
    route(str(CATALOG / "cache_aside.toml"))
    assert asker.asked == ["monolith.toml"]
    if answer is SaveChoice.CANCEL:
        assert lab.current is not None and lab.current.path.name == "monolith.toml"
        assert lab.edited
    else:
        qtbot.waitUntil(
            lambda: lab.current is not None and lab.current.path.name == "cache_aside.toml"
        )
    window.desk.maybe_close = lambda: True  # type: ignore[method-assign]
    lab.ask_save = Asker(SaveChoice.DISCARD)
