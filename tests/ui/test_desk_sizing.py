"""Dispatch > Size the backend for this board…: a quick calibration in a worker, a matcher
design saved in the user's data folder and opened in the Design Lab."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu

from designs.loader import load_design
from freightlab.ui.app import make_app
from freightlab.ui.window import MainWindow


def _dispatch_action(window: MainWindow, name: str):
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if isinstance(menu, QMenu) and menu_action.text().replace("&", "") == "Dispatch":
            return next(a for a in menu.actions() if a.objectName() == name)
    raise AssertionError("no Dispatch menu")


def test_size_backend_opens_a_matcher_design_in_the_lab(qtbot) -> None:
    make_app()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    desk, lab = window.desk, window.design_lab
    qtbot.waitUntil(desk.is_ready, timeout=30_000)
    action = _dispatch_action(window, "size_backend_action")
    assert action.isEnabled()
    action.trigger()
    assert desk.jobs.busy() and not action.isEnabled()  # in a worker, one job at a time
    qtbot.waitUntil(
        lambda: (
            lab.current is not None
            and lab.current.path == desk.sizing.last_path
            and lab.current.design.components[0].kind == "matcher"
        ),
        timeout=60_000,
    )
    assert window.tabs.currentWidget() is lab
    path = Path(lab.current.path)
    assert path.parent.parent == Path(os.environ["FREIGHTLAB_DATA_DIR"])
    design = load_design(path)
    matcher = design.component("matcher")
    assert matcher.workers >= 1 and matcher.calibration is not None
    rate = design.workload.classes[0].arrival.rate_rps
    assert rate * 3600 == pytest.approx(len(desk.board.loads) / _span_h(desk))
    qtbot.waitUntil(lambda: not desk.jobs.busy())
    assert action.isEnabled()


def _span_h(desk) -> float:
    pickups = [ld.pickup_earliest for ld in desk.board.loads.values()]
    return max(1.0, max(pickups) - min(pickups))
