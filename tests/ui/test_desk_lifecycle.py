"""A load's lifecycle driven from the Dispatch desk: right-click a load in the loads table,
click its next step; the table, the KPIs and undo follow."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication

from dispatcher.fleet import LoadStatus, TruckStatus
from dispatcher.ui.desk import DispatchDesk
from dispatcher.ui.map_view import LOAD

SHOTS = Path(__file__).resolve().parents[2] / "out"


DESK_SIZE = (1300, 820)


def _feasible(d: DispatchDesk) -> tuple[str, str]:
    for load in d.board.open_loads():
        for truck in d.board.free_trucks():
            if d.why_not(load.id, truck.id) is None:
                return load.id, truck.id
    raise AssertionError("no feasible pair in the sample")


def _menu_step(qtbot, d: DispatchDesk, load_id: str, verb: str) -> None:
    """Right-click the load's row, then click the step in the menu that opens."""
    assert d.select(LOAD, load_id)
    table = d.loads_table
    index = table.currentIndex()
    table.scrollTo(index)
    pos = table.visualRect(index).center()
    view = table.viewport()
    qtbot.mousePress(view, Qt.MouseButton.RightButton, pos=pos)
    # what the window system sends after a right press (QTest does not synthesise it)
    menu_event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, view.mapToGlobal(pos))
    QApplication.sendEvent(view, menu_event)
    qtbot.mouseRelease(view, Qt.MouseButton.RightButton, pos=pos)
    menu = d.load_steps.menu
    qtbot.waitUntil(menu.isVisible, timeout=5_000)
    action = d.load_steps.actions[verb]
    assert action.isEnabled(), action.toolTip()
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    qtbot.waitUntil(lambda: not menu.isVisible(), timeout=5_000)


def test_a_load_through_every_state_from_the_menu_and_undo_back(qtbot, desk) -> None:
    load_id, truck_id = _feasible(desk)
    start = desk.board.state()
    assert desk.assign_by_hand(load_id, truck_id)
    for verb, status in (
        ("pick_up", LoadStatus.PICKED_UP),
        ("depart", LoadStatus.IN_TRANSIT),
    ):
        _menu_step(qtbot, desk, load_id, verb)
        assert desk.board.loads[load_id].status == status
        assert desk.board.trucks[truck_id].status == TruckStatus.LOADED
        assert desk.kpis.values["loads_on_the_road"] == "1"
    # no skipping states: "Delivered" was allowed only now; "Picked up" is greyed with why
    assert "needs it assigned" in desk.load_steps.reasons(load_id)["pick_up"]
    _menu_step(qtbot, desk, load_id, "deliver")
    load = desk.board.loads[load_id]
    assert load.status == LoadStatus.DELIVERED and load.delivered_at is not None
    # stamped by the board clock: the board's day (live: the wall clock's time of day on it)
    assert load.delivered_at.startswith(desk.clock.clock.today())
    assert desk.board.trucks[truck_id].status == TruckStatus.IDLE  # freed
    assert desk.kpis.values["loads_delivered"] == "1"
    row = desk.loads_table.currentIndex().row()
    model = desk.loads_table.model()
    status_col = next(
        c
        for c in range(model.columnCount())
        if model.headerData(c, Qt.Orientation.Horizontal) == "Status"
    )
    assert model.index(row, status_col).data() == "delivered"
    SHOTS.mkdir(exist_ok=True)
    desk.grab().save(str(SHOTS / "desk_lifecycle.png"))
    for _ in range(4):  # deliver, in transit, picked up, assign
        desk.undo()
    assert desk.board.state() == start
    assert desk.kpis.values["loads_delivered"] == "0"


def test_cancel_an_assigned_load_from_the_menu_frees_the_truck(qtbot, desk) -> None:
    load_id, truck_id = _feasible(desk)
    assert desk.assign_by_hand(load_id, truck_id)
    idle = desk.kpis.values["trucks_idle"]
    _menu_step(qtbot, desk, load_id, "cancel")
    assert desk.board.loads[load_id].status == LoadStatus.CANCELLED
    assert desk.board.trucks[truck_id].status == TruckStatus.IDLE
    assert desk.board.load_of_truck(truck_id) is None
    assert desk.kpis.values["trucks_idle"] != idle  # one more idle truck
    assert desk.load_steps.reasons(load_id)["deliver"] is not None
