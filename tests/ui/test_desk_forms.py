"""New / edit / delete truck and load from the desk's context menus (tables and map), the
merge-import preview, exports, the matcher settings panel and the map switcher, driven by
real clicks and keys."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QWidget

from dispatcher.board_settings import BoardSettings
from dispatcher.costs import MatchSettings
from dispatcher.fleet import LoadStatus
from dispatcher.ui.desk import DispatchDesk
from dispatcher.ui.map_view import LOAD, TRUCK
from dispatcher.ui.record_form import RecordForm
from freightlab.resources import asset_path

SHOTS = Path(__file__).resolve().parents[2] / "out"


def _right_click(qtbot, view: QWidget, pos: QPoint) -> None:
    qtbot.mousePress(view, Qt.MouseButton.RightButton, pos=pos)
    # what the window system sends after a right press (QTest does not synthesise it)
    QApplication.sendEvent(
        view, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, view.mapToGlobal(pos))
    )
    qtbot.mouseRelease(view, Qt.MouseButton.RightButton, pos=pos)


def _click_menu(qtbot, menu: QMenu, name: str) -> None:
    qtbot.waitUntil(menu.isVisible, timeout=5_000)
    action = next(a for a in menu.actions() if a.objectName() == name)
    assert action.isEnabled(), action.toolTip()
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    qtbot.waitUntil(lambda: not menu.isVisible(), timeout=5_000)


def _row_menu(qtbot, d: DispatchDesk, kind: str, item_id: str, name: str) -> None:
    assert d.select(kind, item_id)
    table = d.trucks_table if kind == TRUCK else d.loads_table
    table.scrollTo(table.currentIndex())
    _right_click(qtbot, table.viewport(), table.visualRect(table.currentIndex()).center())
    menu = d.records.truck_menu if kind == TRUCK else d.load_steps.menu
    _click_menu(qtbot, menu, name)


def _type(qtbot, form: RecordForm, name: str, text: str) -> None:
    editor = form.editors[name]
    assert isinstance(editor, QLineEdit)
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)


def _form(qtbot, d: DispatchDesk) -> RecordForm:
    qtbot.waitUntil(lambda: d.records.form is not None and d.records.form.isVisible())
    assert d.records.form is not None
    return d.records.form


def _ok(qtbot, form: RecordForm) -> None:
    qtbot.mouseClick(form.ok_button, Qt.MouseButton.LeftButton)


def _feasible(d: DispatchDesk) -> tuple[str, str]:
    for load in d.board.open_loads():
        for truck in d.board.free_trucks():
            if d.why_not(load.id, truck.id) is None:
                return load.id, truck.id
    raise AssertionError("no feasible pair in the sample")


def test_add_a_truck_a_bad_field_named_then_undo(qtbot, desk) -> None:
    start = desk.board.state()
    _row_menu(qtbot, desk, TRUCK, "T001", "new_truck_action")
    form = _form(qtbot, desk)
    _type(qtbot, form, "id", "T900")
    form.set_value("location", "pune")
    _type(qtbot, form, "capacity_t", "-3")
    _type(qtbot, form, "available_at", "07:30")
    _ok(qtbot, form)
    error = form.errors["capacity_t"]
    assert form.isVisible() and error.isVisible()
    assert error.text() == "'-3' must be a finite number > 0"  # the CSV loader's words
    assert "T900" not in desk.board.trucks
    SHOTS.mkdir(exist_ok=True)
    form.grab().save(str(SHOTS / "desk_truck_form_error.png"))
    _type(qtbot, form, "capacity_t", "25")
    _ok(qtbot, form)
    problems = {n: e.text() for n, e in form.errors.items() if e.isVisible()}
    assert not problems and not form.message.isVisible(), (problems, form.message.text())
    qtbot.waitUntil(lambda: not form.isVisible())
    truck = desk.board.trucks["T900"]
    assert (truck.location, truck.capacity_t, truck.available_at) == ("pune", 25.0, 7.5)
    assert desk.trucks_table.current_id() == "T900"
    assert desk.history.text("undo") == "Add truck T900"
    desk.trucks_table.setFocus()
    qtbot.keyClick(desk.trucks_table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert desk.board.state() == start


def test_edit_and_delete_a_load_from_its_menu_and_undo_back(qtbot, desk) -> None:
    start = desk.board.state()
    _row_menu(qtbot, desk, LOAD, "L001", "edit_load_action")
    form = _form(qtbot, desk)
    assert form.editors["id"].isReadOnly()  # type: ignore[union-attr]
    _type(qtbot, form, "pickup_latest", "00:30")
    _type(qtbot, form, "pickup_earliest", "23:00")
    _ok(qtbot, form)
    assert form.errors["pickup_latest"].text().startswith("window closes before it opens")
    SHOTS.mkdir(exist_ok=True)
    form.grab().save(str(SHOTS / "desk_load_form_error.png"))
    _type(qtbot, form, "pickup_earliest", "00:10")
    _type(qtbot, form, "price", "12345")
    _ok(qtbot, form)
    qtbot.waitUntil(lambda: not form.isVisible())
    assert desk.board.loads["L001"].price == 12345.0
    _row_menu(qtbot, desk, LOAD, "L001", "delete_load_action")
    assert "L001" not in desk.board.loads
    assert desk.loads_table.model().rowCount() == len(desk.board.loads)
    desk.undo()
    desk.undo()
    assert desk.board.state().trucks == start.trucks
    assert sorted(ld.id for ld in desk.board.state().loads) == sorted(ld.id for ld in start.loads)
    assert desk.board.loads["L001"] == next(ld for ld in start.loads if ld.id == "L001")


def test_delete_an_assigned_truck_from_its_map_marker_unassigns_first(qtbot, desk) -> None:
    load_id, truck_id = _feasible(desk)
    assert desk.assign_by_hand(load_id, truck_id)
    view = desk.map
    _right_click(qtbot, view.viewport(), view.marker_pos(TRUCK, truck_id))
    _click_menu(qtbot, desk.records.map_menu, "delete_truck_action")
    assert truck_id not in desk.board.trucks
    assert desk.board.loads[load_id].status is LoadStatus.OPEN
    assert f"unassigned {load_id} from {truck_id} first" in desk.notice.text()
    desk.undo()  # one step: the truck is back, carrying its load
    assert desk.board.assignments[load_id].truck_id == truck_id


def test_a_load_on_the_road_cannot_be_deleted(qtbot, desk) -> None:
    load_id, truck_id = _feasible(desk)
    assert desk.assign_by_hand(load_id, truck_id)
    assert desk.advance_load(load_id, "pick_up")
    assert desk.select(LOAD, load_id)
    table = desk.loads_table
    _right_click(qtbot, table.viewport(), table.visualRect(table.currentIndex()).center())
    menu = desk.load_steps.menu
    qtbot.waitUntil(menu.isVisible)
    delete = next(a for a in menu.actions() if a.objectName() == "delete_load_action")
    assert not delete.isEnabled() and "deliver or cancel it" in delete.toolTip()
    menu.close()


def _trucks_csv(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "more_trucks.csv"
    path.write_text("id,location,capacity_t,truck_type,available_at\n" + rows, encoding="utf-8")
    return path


def _preview(qtbot, d: DispatchDesk, path: Path):
    d.imports.dialog = None
    d.imports.preview("trucks", path)
    qtbot.waitUntil(lambda: d.imports.dialog is not None and d.imports.dialog.isVisible())
    return d.imports.dialog


def test_merge_import_with_a_preview_cancel_then_accept(qtbot, desk, tmp_path: Path) -> None:
    start = desk.board.state()
    t1 = copy.copy(desk.board.trucks["T001"])
    path = _trucks_csv(
        tmp_path,
        f"T001,{t1.location},{t1.capacity_t + 5:g},{t1.truck_type.value},{t1.available_at}\n"
        "T901,pune,12,open,6\n"
        "T902,atlantis,12,open,6\n",
    )
    dialog = _preview(qtbot, desk, path)
    assert dialog.group("added") == ["T901"]
    assert dialog.group("updated") == ["T001"]
    assert any(r.startswith(f"{path}:4:") and "atlantis" in r for r in dialog.group("rejected"))
    assert not dialog.replace_radio.isEnabled()  # a replace needs every row
    dialog.resize(760, 460)
    dialog.grab().save(str(SHOTS / "desk_import_preview.png"))
    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert desk.board.state() == start
    dialog = _preview(qtbot, desk, path)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "T901" in desk.board.trucks)
    assert desk.board.trucks["T001"].capacity_t == t1.capacity_t + 5
    assert desk.history.text("undo").startswith("Merge more_trucks.csv")
    desk.undo()
    assert desk.board.state() == start


def test_export_trucks_and_loads_round_trip(qtbot, desk, tmp_path: Path) -> None:
    for kind in ("trucks", "loads"):
        target = tmp_path / f"{kind}.csv"
        desk.imports.export(kind, target)
        qtbot.waitUntil(lambda t=target: t.exists() and not desk.jobs.busy(), timeout=10_000)
        desk.imports.dialog = None
        desk.imports.preview(kind, target)
        qtbot.waitUntil(lambda: desk.imports.dialog is not None)
        dialog = desk.imports.dialog
        assert dialog is not None
        n = len(desk.board.trucks if kind == "trucks" else desk.board.loads)
        assert len(dialog.group("unchanged")) == n and not dialog.group("rejected")
        assert not dialog.import_button.isEnabled()  # a merge would change nothing
        dialog.reject()


def test_a_max_deadhead_changes_the_suggestion_and_is_saved(qtbot, desk, tmp_path) -> None:
    qtbot.mouseClick(desk.suggest_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(desk.suggestion_model.items), timeout=20_000)
    worst = max(s.assignment.deadhead_km for s in desk.suggestion_model.items)
    far = {
        (s.assignment.truck_id, s.assignment.load_id)
        for s in desk.suggestion_model.items
        if s.assignment.deadhead_km > worst / 2
    }
    assert far
    panel = desk.matcher.show()
    qtbot.waitUntil(panel.isVisible)
    qtbot.mouseClick(panel.limits["max_deadhead_km"], Qt.MouseButton.LeftButton)
    spin = panel.spins["max_deadhead_km"]
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, f"{worst / 2:.0f}")
    panel.grab().save(str(SHOTS / "desk_matcher_settings.png"))
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert desk.settings.max_deadhead_km == round(worst / 2)
    qtbot.waitUntil(
        lambda: not desk.jobs.busy() and bool(desk.suggestion_model.items), timeout=20_000
    )
    shown = {(s.assignment.truck_id, s.assignment.load_id) for s in desk.suggestion_model.items}
    assert not shown & far
    assert max(s.assignment.deadhead_km for s in desk.suggestion_model.items) <= worst / 2 + 1
    panel.close()
    path = tmp_path / "b.fboard"
    desk.save_board(path, wait=True)
    qtbot.waitUntil(lambda: desk.store is not None, timeout=10_000)
    other = DispatchDesk(autoload=False)
    qtbot.addWidget(other)
    other.open_board(path)
    qtbot.waitUntil(lambda: other.store is not None, timeout=15_000)
    assert other.settings.max_deadhead_km == round(worst / 2)


def _menu_action(d: DispatchDesk, name: str) -> None:
    """The desk's action through its shortcut-less menu entry (as the window's menu does)."""
    d.actions_by_name[name].trigger()


def test_switch_to_us_canada_and_back(qtbot, desk, tmp_path) -> None:
    _menu_action(desk, "map_us_canada_action")
    qtbot.waitUntil(lambda: desk.is_ready() and "US" in desk.name, timeout=20_000)
    assert "us_canada" in desk.session.map_name()
    assert desk.board.trucks["T001"].location == "richmond-va"
    assert desk.map.graph is desk.graph and desk.trucks_table.model().rowCount() == len(
        desk.board.trucks
    )
    path = tmp_path / "us.fboard"
    desk.save_board(path, wait=True)
    qtbot.waitUntil(lambda: desk.store is not None, timeout=10_000)
    other = DispatchDesk(autoload=False)
    qtbot.addWidget(other)
    other.open_board(path)  # the board recorded its map
    qtbot.waitUntil(lambda: other.store is not None, timeout=15_000)
    assert other.session.map_name().endswith("us_canada.graphml")
    _menu_action(desk, "map_india_action")
    qtbot.waitUntil(lambda: desk.is_ready() and "India" in desk.name, timeout=20_000)
    assert desk.session.map_name().endswith("india.graphml")


def test_a_graphml_with_every_city_keeps_the_board_and_its_file(qtbot, desk, tmp_path) -> None:
    board_path = tmp_path / "b.fboard"
    desk.save_board(board_path, wait=True)
    qtbot.waitUntil(lambda: desk.store is not None, timeout=10_000)
    mine = tmp_path / "my_india.graphml"
    shutil.copy(asset_path("maps", "india.graphml"), mine)
    trucks = set(desk.board.trucks)
    desk.maps.switch(mine)
    qtbot.waitUntil(
        lambda: desk.is_ready() and desk.session.map_name() == str(mine), timeout=20_000
    )
    assert set(desk.board.trucks) == trucks and desk.store is not None
    assert desk.store.meta("map_path") == str(mine)
    other = DispatchDesk(autoload=False)
    qtbot.addWidget(other)
    other.open_board(board_path)
    qtbot.waitUntil(lambda: other.store is not None, timeout=15_000)
    assert other.session.map_name() == str(mine)


def test_a_second_desk_sees_a_new_truck_and_the_settings(qtbot, desk, tmp_path) -> None:
    path = tmp_path / "shared.fboard"
    desk.save_board(path, wait=True)
    qtbot.waitUntil(lambda: desk.store is not None, timeout=10_000)
    other = DispatchDesk(autoload=False)
    qtbot.addWidget(other)
    other.open_board(path)
    qtbot.waitUntil(lambda: other.store is not None, timeout=15_000)
    _row_menu(qtbot, desk, TRUCK, "T002", "new_truck_action")
    form = _form(qtbot, desk)
    _type(qtbot, form, "id", "T777")
    form.set_value("location", "delhi")
    _type(qtbot, form, "capacity_t", "9")
    _type(qtbot, form, "available_at", "08:00")
    _ok(qtbot, form)
    qtbot.waitUntil(lambda: "T777" in desk.board.trucks)
    wanted = BoardSettings(MatchSettings(speed_kmh=40.0, max_deadhead_km=150.0), "greedy")
    assert desk.matcher.apply(wanted) is None
    assert other.poll_store()
    qtbot.waitUntil(lambda: "T777" in other.board.trucks, timeout=10_000)
    assert other.trucks_table.model().rowCount() == len(desk.board.trucks)
    assert other.matcher.current() == wanted
    assert "changed by another desk" in other.notice.text() or other.settings.speed_kmh == 40.0


def test_keyboard_new_load_and_delete_selected(qtbot, desk) -> None:
    table = desk.loads_table
    assert desk.select(LOAD, "L002")
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert "L002" not in desk.board.loads
    qtbot.keyClick(
        table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    )
    form = _form(qtbot, desk)
    assert form.objectName() == "load_form" and form.ok_button.text() == "Add"
    _ok(qtbot, form)  # an empty form: every required field named, nothing added
    assert {"id", "origin", "destination", "weight_t"} <= {
        n for n, e in form.errors.items() if e.isVisible()
    }
    assert form.errors["weight_t"].text() == "missing value"
    form.reject()


def test_new_truck_at_a_city_from_the_maps_menu(qtbot, desk) -> None:
    view = desk.map
    used = {t.location for t in desk.board.trucks.values()}
    used |= {c for ld in desk.board.loads.values() for c in (ld.origin, ld.destination)}
    transform = view.viewportTransform()
    for city, (x, y) in zip(view.cities.ids, view.cities.points, strict=True):
        point = transform.map(QPointF(x, y)).toPoint()
        inside = view.viewport().rect().adjusted(10, 10, -10, -10).contains(point)
        free = city not in used and inside and view.marker_at(point) is None
        if free and view.city_at(point) == city:
            break
    else:
        pytest.skip("every city on screen has markers")
    _right_click(qtbot, view.viewport(), point)
    menu = desk.records.map_menu
    qtbot.waitUntil(menu.isVisible)
    name = desk.graph.city(city).name
    new = next(a for a in menu.actions() if a.objectName() == "new_truck_action")
    assert new.text() == f"New truck at {name}…"
    _click_menu(qtbot, menu, "new_truck_action")
    form = _form(qtbot, desk)
    assert form.cells()["location"] == city
    form.reject()


def test_delete_typed_in_a_filter_box_deletes_nothing(qtbot, desk) -> None:
    assert desk.select(TRUCK, "T003")
    trucks = len(desk.board.trucks)
    for box in (desk.truck_filter.status, desk.truck_filter.search):  # a combo, a text box
        box.setFocus()
        qtbot.keyClick(box, Qt.Key.Key_Delete)
    assert len(desk.board.trucks) == trucks
