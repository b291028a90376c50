"""The Dispatch desk driven the way a dispatcher uses it: clicks, keys, drops, dialogs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QWidget

from dispatcher.fleet import LoadStatus, TruckStatus
from dispatcher.ui.desk import DispatchDesk
from dispatcher.ui.map_view import LOAD, TRUCK, MapView

SHOTS = Path(__file__).resolve().parents[2] / "out"


DESK_SIZE = (1300, 820)


def _wait_idle(qtbot, d: DispatchDesk) -> None:
    qtbot.waitUntil(lambda: not d.busy(), timeout=20_000)


def _pair(d: DispatchDesk, feasible: bool) -> tuple[str, str]:
    """A (load, truck) pair the rules allow (or forbid)."""
    for load in d.board.open_loads():
        for truck in d.board.free_trucks():
            if (d.why_not(load.id, truck.id) is None) == feasible:
                return load.id, truck.id
    raise AssertionError("no such pair in the sample")


def _drop(target: QWidget, mime: QMimeData, pos: QPoint) -> QDropEvent:
    """Deliver a drag enter, move and drop to a widget, as Qt does during a real drag."""
    actions = Qt.DropAction.MoveAction | Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(target, QDragEnterEvent(pos, actions, mime, buttons, mods))
    QApplication.sendEvent(target, QDragMoveEvent(pos, actions, mime, buttons, mods))
    drop = QDropEvent(QPointF(pos), actions, mime, buttons, mods)
    QApplication.sendEvent(target, drop)
    return drop


def _load_row_mime(d: DispatchDesk, load_id: str) -> QMimeData:
    """The mime data the loads table itself produces when a row is dragged."""
    assert d.select(LOAD, load_id)
    index = d.loads_table.currentIndex()
    return d.load_proxy.mimeData([index])


def _truck_row_pos(d: DispatchDesk, truck_id: str) -> QPoint:
    d.select(TRUCK, truck_id)
    index = d.trucks_table.currentIndex()
    d.trucks_table.scrollTo(index)
    return d.trucks_table.visualRect(index).center()


def test_desk_opens_with_the_india_sample(desk: DispatchDesk) -> None:
    assert desk.objectName() == "dispatch_desk"
    for name in ("map_view", "trucks_table", "loads_table", "suggest_button"):
        assert desk.findChild(QWidget, name) is not None, name
    assert desk.trucks_table.model().rowCount() == len(desk.board.trucks) == 100
    assert desk.loads_table.model().rowCount() == len(desk.board.loads) == 300
    assert desk.kpis.values["loads_open"] == "300"
    assert desk.kpis.values["trucks_idle"] == "100 / 100"
    assert not desk.dirty
    assert desk.document_title() == "India sample board"
    assert len(desk.map.markers.markers) == 400
    texts = [a.text() for a in desk.menu_actions() if a is not None]
    assert any("Undo" in t for t in texts) and any("Import" in t for t in texts)
    assert all(a.toolTip() for a in desk.menu_actions() if a is not None)


def test_map_click_selects_the_table_row_and_back(qtbot, desk: DispatchDesk) -> None:
    view: MapView = desk.map
    truck_id = "T010"
    pos = view.marker_pos(TRUCK, truck_id)
    assert view.rect().contains(pos)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert desk.trucks_table.current_id() == truck_id
    assert view.selected() == (TRUCK, truck_id)
    assert "Truck T010" in view.tooltip_at(pos)

    # table -> map: click a row in the loads table
    desk.loads_table.scrollToTop()
    index = desk.load_proxy.index(3, 0)
    qtbot.mouseClick(
        desk.loads_table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=desk.loads_table.visualRect(index).center(),
    )
    load_id = index.data()
    assert view.selected() == (LOAD, load_id)
    assert view.markers.route is not None  # its road route is highlighted


def test_filters_narrow_the_tables(qtbot, desk: DispatchDesk) -> None:
    bar = desk.truck_filter
    bar.type.setCurrentIndex(bar.type.findData("reefer"))
    rows = desk.truck_proxy.rowCount()
    assert 0 < rows < 100
    assert all(desk.truck_proxy.index(r, 2).data() == "reefer" for r in range(rows))
    bar.type.setCurrentIndex(0)
    qtbot.keyClicks(bar.search, "T00")
    assert desk.truck_proxy.rowCount() == 9  # T001..T009
    bar.city.setCurrentIndex(bar.city.findData("delhi"))
    assert all(
        desk.board.trucks[desk.truck_proxy.index(r, 0).data()].location == "delhi"
        for r in range(desk.truck_proxy.rowCount())
    )


def test_suggest_accept_all_then_undo_and_redo_exactly(qtbot, desk: DispatchDesk) -> None:
    start = desk.board.state()
    qtbot.mouseClick(desk.suggest_button, Qt.MouseButton.LeftButton)
    _wait_idle(qtbot, desk)
    suggestions = list(desk.suggestion_model.items)
    assert suggestions and desk.result is not None
    assert len(desk.map.markers.suggestions) == len(suggestions)  # dashed lines on the map
    assert all(s.explanation for s in suggestions)
    qtbot.mouseClick(desk.accept_all_button, Qt.MouseButton.LeftButton)
    assert len(desk.board.assignments) == len(suggestions)
    for s in suggestions:
        assert desk.board.loads[s.assignment.load_id].truck_id == s.assignment.truck_id
    assert desk.kpis.values["loads_assigned"] == str(len(suggestions))
    assert desk.suggestion_model.items == []  # accepted suggestions leave the list
    assert desk.dirty
    after = desk.board.state()

    desk.trucks_table.setFocus()
    qtbot.keyClick(desk.trucks_table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert desk.board.state() == start
    assert desk.kpis.values["loads_assigned"] == "0"
    assert not desk.dirty
    qtbot.keyClick(
        desk.trucks_table,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert desk.board.state() == after


def test_accept_one_and_dismiss(qtbot, desk: DispatchDesk) -> None:
    desk.suggest()
    _wait_idle(qtbot, desk)
    n = len(desk.suggestion_model.items)
    first = desk.suggestion_model.items[0].assignment
    desk.suggestions_view.selectRow(0)
    qtbot.mouseClick(desk.accept_button, Qt.MouseButton.LeftButton)
    assert desk.board.loads[first.load_id].truck_id == first.truck_id
    assert len(desk.suggestion_model.items) == n - 1
    qtbot.mouseClick(desk.dismiss_button, Qt.MouseButton.LeftButton)
    assert desk.suggestion_model.items == []
    assert desk.map.markers.suggestions == []


def test_drag_a_load_row_onto_a_truck_row(qtbot, desk: DispatchDesk) -> None:
    load_id, truck_id = _pair(desk, feasible=True)
    start = desk.board.state()
    mime = _load_row_mime(desk, load_id)
    drop = _drop(desk.trucks_table.viewport(), mime, _truck_row_pos(desk, truck_id))
    assert drop.isAccepted()
    assert desk.board.loads[load_id].status == LoadStatus.ASSIGNED
    assert desk.board.loads[load_id].truck_id == truck_id
    assert desk.board.trucks[truck_id].status == TruckStatus.EN_ROUTE_TO_PICKUP
    assert desk.history.text("undo") == f"Assign {load_id} to {truck_id}"
    desk.undo()
    assert desk.board.state() == start


def test_drag_a_load_marker_onto_a_truck_marker(qtbot, desk: DispatchDesk) -> None:
    load_id, truck_id = _pair(desk, feasible=True)
    view = desk.map
    view.set_zoom(4.0)
    view.centerOn(QPointF(*view.markers.base[view.markers.index[(TRUCK, truck_id)]]))
    pos = view.marker_pos(TRUCK, truck_id)
    assert view.marker_at(pos, TRUCK) is not None
    assert view.marker_at(pos, TRUCK).id == truck_id
    from dispatcher.ui.map_view import load_mime

    drop = _drop(view.viewport(), load_mime(load_id), pos)
    assert drop.isAccepted()
    assert desk.board.loads[load_id].truck_id == truck_id
    assert (view.markers.index[(TRUCK, truck_id)], view.markers.index[(LOAD, load_id)]) in (
        view.markers.links
    )


def test_infeasible_drop_is_refused_with_its_reason(qtbot, desk: DispatchDesk) -> None:
    load_id, truck_id = _pair(desk, feasible=False)
    reason = desk.why_not(load_id, truck_id)
    assert reason
    start = desk.board.state()
    depth = desk.history.count()
    with qtbot.waitSignal(desk.status_message) as signal:
        _drop(
            desk.trucks_table.viewport(),
            _load_row_mime(desk, load_id),
            _truck_row_pos(desk, truck_id),
        )
    assert reason in signal.args[0]
    assert desk.notice.isVisible()
    assert reason in desk.notice.text() and load_id in desk.notice.text()
    assert desk.board.state() == start
    assert desk.history.count() == depth


def test_edit_a_cell_is_undoable(qtbot, desk: DispatchDesk) -> None:
    start = desk.board.state()
    desk.select(TRUCK, "T005")
    index = desk.trucks_table.currentIndex().siblingAtColumn(3)  # Capacity t
    desk.trucks_table.setCurrentIndex(index)
    desk.trucks_table.edit(index)
    editors = [w for w in desk.trucks_table.findChildren(QAbstractSpinBox) if w.isVisible()]
    assert len(editors) == 1  # a number editor opened in the cell
    editor = editors[0]
    editor.selectAll()
    qtbot.keyClicks(editor, "33")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next event turn
    qtbot.waitUntil(lambda: desk.board.trucks["T005"].capacity_t == 33.0, timeout=3000)
    assert desk.dirty
    desk.undo_action.trigger()
    assert desk.board.state() == start

    # a refused edit says why and changes nothing
    desk.load_model.setData(
        desk.load_model.index(desk.load_model.row_of("L001"), 5), "23:59", Qt.ItemDataRole.EditRole
    )
    assert "earliest pickup" in desk.notice.text()
    assert desk.board.state() == start


def test_why_not_names_the_rule(qtbot, desk: DispatchDesk) -> None:
    load_id, truck_id = _pair(desk, feasible=False)
    desk.select(TRUCK, truck_id)
    desk.select(LOAD, load_id)
    qtbot.mouseClick(desk.why_button, Qt.MouseButton.LeftButton)
    dialog = desk.why_dialog
    assert dialog.isVisible()
    assert "Not possible" in dialog.result.text()
    assert desk.why_not(load_id, truck_id) in dialog.result.text()
    ok_load, ok_truck = _pair(desk, feasible=True)
    dialog.select(ok_truck, ok_load)
    assert "Possible" in dialog.result.text() and "km empty" in dialog.result.text()
    dialog.close()


def test_bad_csv_import_lists_lines_and_changes_nothing(
    qtbot, desk: DispatchDesk, tmp_path: Path
) -> None:
    bad = tmp_path / "trucks.csv"
    bad.write_text(
        "id,location,capacity_t,truck_type,available_at\n"
        "N1,delhi,10,open,8\n"
        "N2,atlantis,10,open,8\n"
        "N3,mumbai,-4,open,8\n"
        "N4,pune,10,hovercraft,8\n"
    )
    start = desk.board.state()
    depth = desk.history.count()
    desk.import_trucks(bad)
    _wait_idle(qtbot, desk)
    dialog = desk.import_dialog
    assert dialog.isVisible()
    problems = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert len(problems) == 3
    assert any("3" in p for p in problems) and any("4" in p for p in problems)
    assert desk.board.state() == start
    assert desk.history.count() == depth
    assert "Nothing imported" in desk.notice.text()
    dialog.close()


def test_good_import_is_one_undo_step(qtbot, desk: DispatchDesk, tmp_path: Path) -> None:
    good = tmp_path / "trucks.csv"
    good.write_text(
        "id,location,capacity_t,truck_type,available_at\nN1,delhi,10,open,8\nN2,pune,20,reefer,9\n"
    )
    start = desk.board.state()
    desk.import_trucks(good)
    _wait_idle(qtbot, desk)
    assert list(desk.board.trucks) == ["N1", "N2"]
    assert desk.trucks_table.model().rowCount() == 2
    desk.undo()
    assert desk.board.state() == start
    assert desk.trucks_table.model().rowCount() == 100


def test_save_and_reopen_gives_the_same_board(qtbot, desk: DispatchDesk, tmp_path: Path) -> None:
    load_id, truck_id = _pair(desk, feasible=True)
    assert desk.assign_by_hand(load_id, truck_id)
    desk.edit_truck("T002", "status", "off_duty")
    state = desk.board.state()
    assert desk.dirty
    dirty_seen: list[bool] = []
    desk.dirty_changed.connect(dirty_seen.append)
    path = tmp_path / "day.fboard"
    desk.save_board(path)
    _wait_idle(qtbot, desk)
    assert path.exists() and not desk.dirty
    assert dirty_seen and dirty_seen[-1] is False
    assert desk.document_title() == "day.fboard"

    other = DispatchDesk(autoload=False)
    qtbot.addWidget(other)
    other.open_board(path)
    qtbot.waitUntil(other.is_ready, timeout=15_000)
    assert other.board.state() == state
    assert not other.dirty
    assert other.kpis.values == desk.kpis.values


def test_export_assignments_csv(qtbot, desk: DispatchDesk, tmp_path: Path) -> None:
    load_id, truck_id = _pair(desk, feasible=True)
    desk.assign_by_hand(load_id, truck_id)
    out = tmp_path / "a.csv"
    desk.export_assignments(out)
    _wait_idle(qtbot, desk)
    lines = out.read_text().splitlines()
    assert lines[0].startswith("truck,load")
    assert lines[1].startswith(f"{truck_id},{load_id},")


def test_screenshots_at_several_zoom_levels(qtbot, desk: DispatchDesk) -> None:
    SHOTS.mkdir(exist_ok=True)
    desk.suggest()
    _wait_idle(qtbot, desk)
    for level in (1.0, 3.0, 8.0):
        desk.map.set_zoom(level)
        desk.map.center_on_latlon(19.0, 74.0)
        image = desk.grab()
        assert not image.isNull()
        image.save(str(SHOTS / f"desk_zoom{level:g}.png"))
    assert 7.9 < desk.map.zoom_level() < 8.1
    desk.map.setFocus()
    qtbot.keyClick(desk.map, Qt.Key.Key_0)
    assert desk.map.zoom_level() == pytest.approx(1.0)


def test_day_replay_moves_trucks_on_the_map(qtbot, desk: DispatchDesk) -> None:
    view = desk.map
    truck = next(iter(desk.board.trucks.values()))
    home = view.marker_pos(TRUCK, truck.id)
    assert desk.day_tab.index >= 0  # the Day panel is embedded
    desk.side_tabs.setCurrentIndex(desk.day_tab.index)
    delhi = desk.graph.city("delhi")
    desk.day_tab.on_positions({truck.id: (delhi.lat + 0.5, delhi.lon + 0.5, "deadhead")})
    desk.day_tab.on_loads({})  # nothing posted yet: no load markers

    def replayed() -> bool:  # not "the marker moved": opening the Day tab resizes the map
        markers = view.markers
        i = markers.index.get((TRUCK, truck.id))
        return i is not None and markers.markers[i].status == TruckStatus.EN_ROUTE_TO_PICKUP.value

    qtbot.waitUntil(replayed, timeout=2000)
    assert view.marker_pos(TRUCK, truck.id) != home
    assert all(m.kind == TRUCK for m in view.markers.markers)
    i = view.markers.index[(TRUCK, truck.id)]
    assert view.markers.markers[i].status == TruckStatus.EN_ROUTE_TO_PICKUP.value
    desk.side_tabs.setCurrentIndex(0)  # back to the board: live positions again
    assert view.marker_pos(TRUCK, truck.id) == home
    assert len(view.markers.markers) == 400


def test_a_stale_desks_import_over_newer_work_is_told_why(
    qtbot, desk: DispatchDesk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "shared.fboard"
    desk.save_board(path)
    _wait_idle(qtbot, desk)
    other = DispatchDesk(autoload=False)
    qtbot.addWidget(other)
    other.open_board(path)
    qtbot.waitUntil(other.is_ready, timeout=15_000)
    # it has not looked at the file since desk's change (as if desk committed in the instant
    # between other's check and its write): the revision guard must catch it
    other._poll_timer.stop()
    monkeypatch.setattr(other, "poll_store", lambda: False)

    load_id, truck_id = _pair(desk, feasible=True)
    assert desk.assign_by_hand(load_id, truck_id)  # written through at once
    assert not desk.dirty

    trucks = tmp_path / "trucks.csv"
    trucks.write_text("id,location,capacity_t,truck_type,available_at\nN1,delhi,10,open,8\n")
    depth = other.history.count()
    other.import_trucks(trucks)  # a whole-board write, guarded by the revision it last read
    _wait_idle(qtbot, other)
    assert "changed elsewhere" in other.notice.text()
    assert other.history.count() == depth
    assert "N1" not in other.board.trucks
    # the refusal made it read the file again: it now shows desk's assignment
    assert other.board.loads[load_id].truck_id == truck_id


def test_pan_by_dragging_and_zoom_by_wheel_and_keys(qtbot, desk: DispatchDesk) -> None:
    from PySide6.QtGui import QWheelEvent

    view = desk.map
    view.set_zoom(3.0)
    vp = view.viewport()
    empty = QPoint(vp.width() // 2, vp.height() // 2)
    while view.marker_at(empty) is not None or view.city_at(empty) is not None:
        empty += QPoint(7, 5)
    before = view.mapToScene(vp.rect().center())
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=empty)
    for step in range(1, 6):
        qtbot.mouseMove(vp, empty + QPoint(20 * step, 10 * step))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=empty + QPoint(100, 50))
    after = view.mapToScene(vp.rect().center())
    assert (after - before).manhattanLength() > 1.0  # the map moved under the hand

    level = view.zoom_level()
    center = QPointF(vp.rect().center())
    wheel = QWheelEvent(
        center,
        QPointF(vp.mapToGlobal(vp.rect().center())),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(vp, wheel)
    assert view.zoom_level() > level * 1.1
    view.setFocus()
    level = view.zoom_level()
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    qtbot.waitUntil(lambda: view.zoom_level() < level * 0.8, timeout=2000)  # animated


def test_imports_count_time_from_the_boards_day_and_saves_keep_it(
    qtbot, desk: DispatchDesk, tmp_path: Path
) -> None:
    # The sample board's day starts 2026-11-23 00:00: a file whose rows start a day later
    # must land a day later on the board's clock, not be shifted back to its own midnight.
    assert desk.board.day_start == "2026-11-23T00:00:00"
    later = tmp_path / "trucks.csv"
    later.write_text(
        "id,location,capacity_t,truck_type,available_at\nN1,delhi,10,open,2026-11-24T08:00\n"
    )
    desk.import_trucks(later)
    _wait_idle(qtbot, desk)
    assert desk.board.trucks["N1"].available_at == 32.0  # 24 h + 8 h

    path = tmp_path / "day.fboard"
    desk.save_board(path)
    _wait_idle(qtbot, desk)
    other = DispatchDesk(autoload=False)
    qtbot.addWidget(other)
    other.open_board(path)
    qtbot.waitUntil(other.is_ready, timeout=15_000)
    assert other.board.day_start == "2026-11-23T00:00:00"
