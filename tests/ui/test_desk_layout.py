"""The desk at laptop and desktop sizes: headers unclipped, the whole Day chart on screen,
messages that clear when they stop being true, layout and last board kept over a restart."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView, QWidget

from dispatcher.ui.desk import DispatchDesk
from dispatcher.ui.map_view import LOAD, TRUCK
from dispatcher.ui.recent import LAST_KEY, recent_paths
from freightlab.ui.window import MainWindow
from tests.ui.test_desk import _drop, _load_row_mime, _pair, _truck_row_pos

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "out"
SIZES = [(1280, 800), (1920, 1080)]


def _window(qtbot, size: tuple[int, int] = (1280, 800)) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitUntil(lambda: window.desk.is_ready() and not window.desk.busy(), timeout=20_000)
    window.desk.maybe_close = lambda: True  # type: ignore[method-assign]  # no "Save?" box
    return window


def _on_screen(widget: QWidget, window: QWidget) -> bool:
    """The whole widget is drawn: not clipped by a scroll area, splitter or the window."""
    whole = widget.visibleRegion().boundingRect() == widget.rect()
    top_left = widget.mapTo(window, QPoint(0, 0))
    return whole and window.rect().contains(QRect(top_left, widget.size()))


def _header_problems(table: QTableView) -> list[str]:
    """Sections narrower than their header text (or their own size hint) or not in view."""
    header: QHeaderView = table.horizontalHeader()
    metrics = header.fontMetrics()
    model = table.model()
    problems = []
    for i in range(header.count()):
        text = str(model.headerData(i, Qt.Orientation.Horizontal))
        width = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
        left, size = header.sectionViewportPosition(i), header.sectionSize(i)
        if size < width or size < header.sectionSizeHint(i):
            problems.append(
                f"{text!r}: {size} px < text {width} / hint {header.sectionSizeHint(i)}"
            )
        if left < 0 or left + size > header.viewport().width():
            problems.append(f"{text!r}: at {left}..{left + size} outside 0..{header.width()}")
    return problems


@pytest.mark.parametrize("size", SIZES)
def test_every_column_header_of_both_tables_is_whole(qtbot, size: tuple[int, int]) -> None:
    window = _window(qtbot, size)
    d = window.desk
    for table in (d.trucks_table, d.loads_table):
        assert _header_problems(table) == [], table.objectName()
        header = table.horizontalHeader()
        inside = QRect(header.mapTo(window, QPoint(0, 0)), header.size())
        assert window.rect().contains(inside) and header.isVisible()
    # the important columns come first (a visual order; the model keeps its own)
    loads = d.loads_table.horizontalHeader()
    first = [
        d.load_proxy.headerData(loads.logicalIndex(v), Qt.Orientation.Horizontal) for v in (0, 1, 2)
    ]
    assert first == ["Load", "Status", "From"]
    for bar in (d.truck_filter, d.load_filter):  # "Any t", "reefe" no more
        for box in (bar.status, bar.type, bar.city):
            assert box.width() >= box.minimumSizeHint().width()
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    window.grab().save(str(SCREENSHOT_DIR / f"desk_board_{size[0]}x{size[1]}.png"))


@pytest.mark.parametrize("size", SIZES)
def test_the_whole_day_chart_and_its_controls_are_on_screen(qtbot, size: tuple[int, int]) -> None:
    window = _window(qtbot, size)
    d = window.desk
    bar = d.side_tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(d.day_tab.index).center())
    assert d.side_tabs.currentIndex() == d.day_tab.index
    panel = d.day_panel
    assert panel is not None
    qtbot.mouseClick(panel.compare_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.chart_canvas is not None and not panel.busy, timeout=60_000)
    chart = panel.chart_canvas
    assert chart is not None
    parts = [chart, panel.simulate_button, panel.compare_button, panel.slider]
    parts += list(panel.kpi_labels.values())
    qtbot.waitUntil(lambda: all(_on_screen(w, window) for w in parts), timeout=5_000)
    assert all(w.width() >= w.minimumSizeHint().width() for w in panel.kpi_labels.values())
    window.grab().save(str(SCREENSHOT_DIR / f"desk_day_{size[0]}x{size[1]}.png"))
    # back on the Board tab the tables get their width back, headers whole again
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(0).center())
    assert _header_problems(d.loads_table) == []


def test_suggestion_banner_clears_after_accept_all(qtbot) -> None:
    window = _window(qtbot)
    d = window.desk
    qtbot.mouseClick(d.suggest_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "suggestion(s)" in (d.current_notice() or ""), timeout=30_000)
    assert d.notice.isVisible()
    qtbot.mouseClick(d.accept_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not d.suggestion_model.items, timeout=10_000)
    assert d.notice.isHidden(), d.notice.text()
    # and a message not about the suggestions stays until the board changes
    d.show_notice("Exported 3 assignment(s) to x.csv", error=False)
    d.suggest_button.click()
    qtbot.waitUntil(lambda: not d.busy(), timeout=30_000)
    assert not window.statusBar().currentMessage().startswith("Matching")


def test_refusal_clears_once_the_load_is_dropped_elsewhere(qtbot) -> None:
    window = _window(qtbot)
    d = window.desk
    load_id, bad_truck = _pair(d, feasible=False)
    _drop(d.trucks_table.viewport(), _load_row_mime(d, load_id), _truck_row_pos(d, bad_truck))
    assert f"Cannot assign {load_id} to {bad_truck}" in (d.current_notice() or "")
    other = next(t.id for t in d.board.free_trucks() if d.why_not(load_id, t.id) is None)
    d.select(LOAD, load_id)
    _drop(d.trucks_table.viewport(), _load_row_mime(d, load_id), _truck_row_pos(d, other))
    assert d.board.loads[load_id].truck_id == other
    assert d.notice.isHidden()  # the refusal no longer holds: L is on a truck
    # a refusal that still holds (nothing moved) stays up
    load2, bad2 = _pair(d, feasible=False)
    d.select(TRUCK, bad2)
    _drop(d.trucks_table.viewport(), _load_row_mime(d, load2), _truck_row_pos(d, bad2))
    unrelated, free = _pair(d, feasible=True)
    if unrelated != load2:
        assert d.assign_by_hand(unrelated, free)
        assert f"Cannot assign {load2}" in (d.current_notice() or "")


def test_loading_status_goes_when_the_board_is_shown(qtbot) -> None:
    window = _window(qtbot)
    assert "Loading" not in window.statusBar().currentMessage()


def test_unmatched_panel_names_cities_and_drops_loads_assigned_since(qtbot) -> None:
    window = _window(qtbot)
    d = window.desk
    d.settings = dataclasses.replace(d.settings, max_deadhead_km=150.0)
    qtbot.mouseClick(d.suggest_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: d.result is not None and not d.busy(), timeout=30_000)
    panel = d.unmatched_panel
    assert panel.rows, "a 150 km deadhead limit leaves loads unmatched on the sample"
    slugs = {n for n in d.graph.nodes if n != d.graph.city(n).name}
    for row in panel.rows:
        words = row.reason.split()
        assert row.reason[0].isupper()
        assert not any(w.strip("(),.") in slugs for w in words), row.reason
        assert "→" in row.route
    assert d.side_tabs.tabText(1) == f"Unmatched ({len(panel.rows)})"
    first = panel.rows[0].load_id
    truck = next((t.id for t in d.board.free_trucks() if d.why_not(first, t.id) is None), None)
    if truck is not None:
        d.dismiss_suggestions()
        assert d.assign_by_hand(first, truck)
        assert first not in [r.load_id for r in panel.rows]
    bar = d.side_tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    qtbot.waitUntil(lambda: panel.table.viewport().width() > 100)
    rect = panel.table.visualItemRect(panel.table.item(0, 0))
    assert panel.table.viewport().rect().contains(rect.center()), rect
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert d.side_tabs.currentIndex() == 0
    assert d.loads_table.current_id() == panel.rows[0].load_id


def test_splitters_and_columns_are_kept_over_a_restart(qtbot) -> None:
    window = _window(qtbot)
    d = window.desk
    total = sum(d.main_split.sizes())
    d.main_split.setSizes([total - 700, 700])
    d.tables_split.setSizes([150, 400])
    loads = d.loads_table.horizontalHeader()
    loads.resizeSection(1, 131)
    sizes, tables = d.main_split.sizes(), d.tables_split.sizes()
    window.close()
    again = _window(qtbot)
    assert again.desk.main_split.sizes() == sizes
    assert again.desk.tables_split.sizes() == tables
    assert again.desk.loads_table.horizontalHeader().sectionSize(1) == 131


def test_last_board_reopens_after_restart_and_is_in_recent_boards(qtbot, tmp_path: Path) -> None:
    window = _window(qtbot)
    path = tmp_path / "mine.fboard"
    window.desk.save_board(path)
    qtbot.waitUntil(lambda: window.desk.path == path and not window.desk.busy(), timeout=20_000)
    load_id, truck_id = _pair(window.desk, feasible=True)
    assert window.desk.assign_by_hand(load_id, truck_id)
    window.close()

    again = _window(qtbot)  # a "restart": a new window, the same QSettings
    assert again.desk.path == path
    assert again.desk.board.loads[load_id].truck_id == truck_id
    menu = again.findChild(QMenu, "recent_boards_menu")
    assert menu is not None
    menu.aboutToShow.emit()
    entries = [a for a in menu.actions() if a.toolTip() == str(path.resolve())]
    assert entries and entries[0].isEnabled() and "mine.fboard" in entries[0].text()
    assert recent_paths()[0] == str(path.resolve())
    again.close()


def test_a_missing_last_board_gives_the_sample_and_says_why(qtbot, tmp_path: Path) -> None:
    gone = tmp_path / "gone.fboard"
    QSettings().setValue(LAST_KEY, str(gone))
    window = _window(qtbot)
    d = window.desk
    assert d.path is None and len(d.board.loads) > 0  # the sample board
    assert "Could not reopen gone.fboard" in (d.current_notice() or "")
    assert QSettings().value(LAST_KEY, "") in ("", None)


def test_a_broken_last_board_gives_the_sample_and_says_why(qtbot, tmp_path: Path) -> None:
    broken = tmp_path / "broken.fboard"
    broken.write_bytes(b"this is not a board file")
    QSettings().setValue(LAST_KEY, str(broken))
    window = _window(qtbot)
    assert window.desk.path is None
    assert "Could not reopen broken.fboard" in (window.desk.current_notice() or "")


def test_recent_board_menu_opens_a_board(qtbot, tmp_path: Path) -> None:
    window = _window(qtbot)
    d = window.desk
    first, second = tmp_path / "a.fboard", tmp_path / "b.fboard"
    for path in (first, second):
        d.save_board(path)
        qtbot.waitUntil(lambda p=path: d.path == p and not d.busy(), timeout=20_000)
    menu = d.recent.menu
    menu.aboutToShow.emit()
    texts = [a.text() for a in menu.actions() if a.toolTip()]
    assert texts[:2] == ["&1 b.fboard", "&2 a.fboard"]
    next(a for a in menu.actions() if a.toolTip() == str(first.resolve())).trigger()
    qtbot.waitUntil(lambda: d.path == first and not d.busy(), timeout=20_000)
    assert isinstance(d, DispatchDesk)
