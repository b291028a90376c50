"""The board clock on the desk, driven by real keys and clicks: set the time, advance it, see
overdue loads turn red (table, map, tooltip, KPI), the on-time % follow late and on-time
deliveries, and loads on the road drawn with their truck and along their route."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from dispatcher.clock import delivery_due_h
from dispatcher.fleet import LoadStatus
from dispatcher.ui import style
from dispatcher.ui.desk import DispatchDesk
from dispatcher.ui.map_markers import OVERDUE
from dispatcher.ui.map_view import LOAD, TRUCK

SHOTS = Path(__file__).resolve().parents[2] / "out"


def _type_time(qtbot, d: DispatchDesk, text: str) -> None:
    edit = d.clock_bar.edit
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def _row_colour(d: DispatchDesk, load_id: str, role: Qt.ItemDataRole) -> object:
    model = d.load_model
    return model.index(model.row_of(load_id), 0).data(role)


def _marker(d: DispatchDesk, kind: str, item_id: str):
    return d.map.markers.markers[d.map.markers.index[(kind, item_id)]]


def _feasible(d: DispatchDesk) -> tuple[str, str]:
    for load in d.board.open_loads():
        for truck in d.board.free_trucks():
            if d.why_not(load.id, truck.id) is None:
                return load.id, truck.id
    raise AssertionError("no feasible pair in the sample")


def test_a_load_whose_pickup_window_passed_turns_red(qtbot, desk) -> None:
    load = min(desk.board.open_loads(), key=lambda ld: ld.pickup_latest)
    before = style.format_hours(load.pickup_latest - 0.5)
    _type_time(qtbot, desk, before)
    assert not desk.clock_bar.clock.live
    assert before in desk.clock_bar.label.text()
    assert _row_colour(desk, load.id, Qt.ItemDataRole.BackgroundRole) is None
    assert _marker(desk, LOAD, load.id).status == LoadStatus.OPEN.value
    qtbot.mouseClick(
        desk.findChild(type(desk.clock_bar.live_button), "clock_plus_hour"),
        Qt.MouseButton.LeftButton,
    )  # the window closes half an hour ago
    assert _row_colour(desk, load.id, Qt.ItemDataRole.BackgroundRole) == style.OVERDUE_ROW
    tip = str(_row_colour(desk, load.id, Qt.ItemDataRole.ToolTipRole))
    assert tip.startswith("Overdue: pickup window closed at") and "30 min ago" in tip
    assert _marker(desk, LOAD, load.id).status == OVERDUE
    assert "Overdue" in desk.map.tooltip_at(desk.map.marker_pos(LOAD, load.id))
    assert int(desk.kpis.values["overdue"]) >= 1
    SHOTS.mkdir(exist_ok=True)
    _type_time(qtbot, desk, "15:00")  # many windows closed: the desk full of red
    label = desk.kpis.labels["overdue"]
    qtbot.waitUntil(lambda: label.width() >= label.sizeHint().width())  # laid out anew
    desk.grab().save(str(SHOTS / "desk_overdue.png"))
    # an assigned load stays overdue until it is picked up
    late = next(iter(desk.clock.figures.overdue))
    assert desk.board.loads[late].status == LoadStatus.OPEN
    qtbot.mouseClick(desk.clock_bar.live_button, Qt.MouseButton.LeftButton)
    assert desk.clock_bar.clock.live and not desk.clock_bar.live_button.isEnabled()


def test_on_time_pct_follows_late_and_on_time_deliveries(qtbot, desk) -> None:
    assert desk.kpis.values["on_time"] == "—"
    speed = desk.settings.speed_kmh
    delivered = []
    for late in (False, True):
        load_id, truck_id = _feasible(desk)
        load = desk.board.loads[load_id]
        assert desk.assign_by_hand(load_id, truck_id)
        _type_time(qtbot, desk, style.format_hours(load.pickup_earliest))
        assert desk.advance_load(load_id, "pick_up")
        assert desk.advance_load(load_id, "depart")
        due = delivery_due_h(load, desk.graph, speed)
        _type_time(qtbot, desk, style.format_hours(due + (0.5 if late else -0.5)))
        assert desk.advance_load(load_id, "deliver")
        delivered.append(load_id)
        assert desk.kpis.values["on_time"] == ("50 %" if late else "100 %")
    assert desk.kpis.labels["on_time"].toolTip().startswith("1 of 2 delivered")
    desk.undo()  # the late delivery taken back: all delivered loads on time again
    assert desk.kpis.values["on_time"] == "100 %"


def test_loads_on_the_road_ride_with_their_truck(qtbot, desk) -> None:
    load_id, truck_id = _feasible(desk)
    load = desk.board.loads[load_id]
    assert desk.assign_by_hand(load_id, truck_id)
    _type_time(qtbot, desk, style.format_hours(load.pickup_earliest))
    assert desk.advance_load(load_id, "pick_up")
    layer = desk.map.markers
    at = {k: layer.base[layer.index[(k, i)]] for k, i in ((LOAD, load_id), (TRUCK, truck_id))}
    origin = desk.map._city_pos[load.origin]
    assert np.allclose(at[LOAD], at[TRUCK]) and np.allclose(at[LOAD], (origin.x(), origin.y()))
    assert desk.advance_load(load_id, "depart")
    km = desk.graph.distance(load.origin, load.destination)
    _type_time(
        qtbot, desk, style.format_hours(load.pickup_earliest + km / desk.settings.speed_kmh / 2)
    )
    moving = layer.base[layer.index[(LOAD, load_id)]]
    dest = desk.map._city_pos[load.destination]
    assert np.allclose(moving, layer.base[layer.index[(TRUCK, truck_id)]])
    assert not np.allclose(moving, (origin.x(), origin.y()))
    assert not np.allclose(moving, (dest.x(), dest.y()))
    assert "in transit" in desk.map.tooltip_at(desk.map.marker_pos(LOAD, load_id))
    assert f"on the road with {load_id}" in desk.map._marker_tooltip(_marker(desk, TRUCK, truck_id))


def test_the_clock_is_live_by_default_and_an_env_setting_starts_it_set(qtbot, monkeypatch) -> None:
    from dispatcher.ui.desk_clock import START_ENV, ClockBar

    monkeypatch.delenv(START_ENV, raising=False)
    bar = ClockBar()
    qtbot.addWidget(bar)
    assert bar.clock.live and "(live)" in bar.label.text()
    assert not bar.live_button.isEnabled()
    monkeypatch.setenv(START_ENV, "07:30")
    bar.set_day_start("2026-11-23T00:00:00")
    assert not bar.clock.live and bar.clock.now_h() == 7.5
    assert bar.clock.stamp() == "2026-11-23T07:30:00"
    monkeypatch.setenv(START_ENV, "soon")  # not a time: live, with a warning in the log
    bar.set_day_start("2026-11-23T00:00:00")
    assert bar.clock.live
    with qtbot.waitSignal(bar.changed):
        qtbot.keyClicks(bar.edit, "d2 01:15")
        qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert bar.clock.now_h() == 25.25 and bar.clock.today() == "2026-11-24"
    qtbot.keyClicks(bar.edit, "later")
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert "not a time" in bar.edit.toolTip() and bar.clock.now_h() == 25.25
