"""The compare list always includes the open design (ticked, greyed, "(open)"); the row it
leaves when another design opens (or it is saved under a new name) gets the user's tick back."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QListWidgetItem

from simulation.ui.compare_panel import OPEN_SUFFIX
from simulation.ui.lab import DesignLab

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"
MONOLITH, CACHE = str(CATALOG / "monolith.toml"), str(CATALOG / "cache_aside.toml")
CHECKED = Qt.CheckState.Checked


def _lab(qtbot) -> DesignLab:
    lab = DesignLab()
    qtbot.addWidget(lab)
    lab.resize(1280, 800)
    lab.show()
    qtbot.waitExposed(lab)
    qtbot.waitUntil(lambda: lab.current is not None, timeout=10_000)
    return lab


def _row(lab: DesignLab, path: str) -> QListWidgetItem:
    item = lab.compare_panel.item(path)
    assert item is not None
    return item


def _click(qtbot, lab: DesignLab, path: str) -> None:
    item = _row(lab, path)
    lab.compare_picker.scrollToItem(item)
    pos = lab.compare_picker.visualItemRect(item).center()
    qtbot.mouseClick(lab.compare_picker.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def _is_open_row(item: QListWidgetItem) -> bool:
    enabled = bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)
    return item.checkState() == CHECKED and not enabled and item.text().endswith(OPEN_SUFFIX)


def _open(qtbot, lab: DesignLab, path: str) -> None:
    lab.design_picker.setCurrentIndex(lab.design_picker.findData(path))
    qtbot.waitUntil(lambda: lab.current is not None and str(lab.current.path) == path)


def test_the_open_design_is_always_ticked_and_cannot_be_unticked(qtbot) -> None:
    lab = _lab(qtbot)
    assert _is_open_row(_row(lab, MONOLITH))
    _click(qtbot, lab, MONOLITH)  # a click on the open design's row changes nothing
    assert _is_open_row(_row(lab, MONOLITH))
    assert lab.compare_panel.ticked(MONOLITH) == []


def test_opening_another_design_gives_the_old_row_back_its_own_tick(qtbot) -> None:
    lab = _lab(qtbot)
    _open(qtbot, lab, CACHE)  # cache aside was not ticked: monolith is not ticked either now
    assert _is_open_row(_row(lab, CACHE))
    old = _row(lab, MONOLITH)
    assert old.checkState() != CHECKED and not old.text().endswith(OPEN_SUFFIX)
    assert lab.compare_panel.ticked(CACHE) == []
    _click(qtbot, lab, MONOLITH)  # the user ticks monolith ...
    _open(qtbot, lab, MONOLITH)  # ... opens it, then goes back: monolith stays ticked
    assert _row(lab, CACHE).checkState() != CHECKED
    _open(qtbot, lab, CACHE)
    assert lab.compare_panel.ticked(CACHE) == [Path(MONOLITH)]
    assert _row(lab, MONOLITH).flags() & Qt.ItemFlag.ItemIsEnabled


def test_a_design_saved_under_a_new_name_is_the_open_row(qtbot, monkeypatch, tmp_path) -> None:
    lab = _lab(qtbot)
    target = tmp_path / "mine.toml"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    lab.workbench.add_component("cache", (0, 300))
    assert lab.save_design_as()
    assert _is_open_row(_row(lab, str(target)))
    assert not _row(lab, MONOLITH).text().endswith(OPEN_SUFFIX)
    assert lab.compare_panel.ticked(str(target)) == []
    shutil.rmtree(tmp_path, ignore_errors=True)
