"""The board clock and its rules, without Qt: live vs set time, stamps on the board's scale,
overdue pickups, on-time deliveries, deadhead % and loads drawn along their road."""

from __future__ import annotations

from datetime import datetime

import pytest

from dispatcher.board import Board
from dispatcher.clock import (
    HANDLING_H,
    BoardClock,
    along_route,
    clock_figures,
    deadhead_pct,
    delivered_on_time,
    delivery_due_h,
    overdue,
    road_positions,
)
from dispatcher.fleet import Load, LoadStatus, Truck, TruckType
from dispatcher.routes import RouteGraph
from dispatcher.store import BoardAssignment
from freightlab.resources import default_map_path

DAY0 = "2026-11-23T00:00:00"
WALL = datetime(2026, 12, 1, 14, 30)  # a later day: live time maps onto the board's day


@pytest.fixture(scope="module")
def graph() -> RouteGraph:
    return RouteGraph.load(default_map_path())


def _board() -> Board:
    trucks = [Truck("T0", "pune", 20.0, TruckType.OPEN), Truck("T1", "pune", 20.0, TruckType.OPEN)]
    loads = [
        Load("L0", "mumbai", "delhi", 8.0, TruckType.OPEN, 8.0, 12.0, 900.0),
        Load("L1", "mumbai", "pune", 8.0, TruckType.OPEN, 8.0, 16.0, 900.0),
        Load("L2", "pune", "mumbai", 8.0, TruckType.OPEN, 8.0, 10.0, 900.0),
    ]
    return Board(trucks, loads, day_start=DAY0)


def test_live_clock_maps_the_wall_time_of_day_onto_the_board_day() -> None:
    clock = BoardClock.for_board(DAY0)
    assert clock.live
    assert clock.now_h(WALL) == pytest.approx(14.5)
    assert clock.stamp(wall=WALL) == "2026-11-23T14:30:00"
    assert clock.today(WALL) == "2026-11-23"
    assert clock.describe(WALL) == "14:30 (live)"


def test_set_and_advanced_clock_and_back_to_live() -> None:
    clock = BoardClock.for_board(DAY0).set(9.0).advance(0.25)
    assert not clock.live and clock.now_h(WALL) == pytest.approx(9.25)
    assert clock.advance(24, WALL).today(WALL) == "2026-11-24"
    assert clock.go_live().now_h(WALL) == pytest.approx(14.5)
    with pytest.raises(ValueError, match="hours >= 0"):
        clock.set(float("nan"))


def test_stamps_read_back_on_the_board_scale_old_and_missing_ones_too() -> None:
    clock = BoardClock.for_board(DAY0)
    assert clock.hours_of("2026-11-23T18:45:00") == pytest.approx(18.75)
    assert clock.hours_of("2026-11-24T01:00") == pytest.approx(25.0)
    assert clock.hours_of(None) is None and clock.hours_of("soon") is None
    aware = datetime(2026, 11, 23, 6, 0).astimezone().isoformat()  # an older wall stamp
    assert clock.hours_of(aware) == pytest.approx(6.0)
    no_day = BoardClock.for_board(None, today=datetime(2026, 12, 1).date())
    assert no_day.stamp(2.0) == "2026-12-01T02:00:00"


def test_overdue_is_a_closed_window_on_an_open_or_assigned_load_only() -> None:
    b = _board()
    b.assign(BoardAssignment("L1", "T0", 150.0))
    assert overdue(b.loads.values(), 9.5) == {}
    late = overdue(b.loads.values(), 17.0)
    assert set(late) == {"L0", "L1", "L2"}
    assert "closed at 12:00" in late["L0"] and "5 h 00 min ago" in late["L0"]
    assert "still open" in late["L0"] and "assigned to T0 but not picked up" in late["L1"]
    b.advance("L1", "pick_up", "2026-11-23T15:00:00")
    b.loads["L2"].status = LoadStatus.CANCELLED
    assert set(overdue(b.loads.values(), 17.0)) == {"L0"}


def test_on_time_is_delivery_by_pickup_latest_plus_drive_time(graph: RouteGraph) -> None:
    b = _board()
    clock = BoardClock.for_board(DAY0)
    load = b.loads["L2"]  # pune -> mumbai, pickup by 10:00
    due = delivery_due_h(load, graph, 60.0)
    assert due == pytest.approx(10.0 + graph.distance("pune", "mumbai") / 60.0 + HANDLING_H)
    assert delivered_on_time(load, clock, graph, 60.0) is None  # not delivered
    b.assign(BoardAssignment("L2", "T0", 0.0))
    for verb, at in (("pick_up", 9.0), ("depart", 9.5), ("deliver", due - 0.1)):
        b.advance("L2", verb, clock.stamp(at))
    assert delivered_on_time(load, clock, graph, 60.0) is True
    figures = clock_figures(b, graph, clock.set(20.0), 60.0)
    assert (figures.delivered, figures.on_time, figures.on_time_pct) == (1, 1, 100.0)
    load.delivered_at = clock.stamp(due + 0.1)
    assert delivered_on_time(load, clock, graph, 60.0) is False
    assert clock_figures(b, graph, clock.set(20.0), 60.0).on_time_pct == 0.0


def test_deadhead_pct_over_the_loads_trucks_hold(graph: RouteGraph) -> None:
    b = _board()
    assert deadhead_pct(b, graph) is None
    b.assign(BoardAssignment("L2", "T0", 100.0))
    loaded = graph.distance("pune", "mumbai")
    assert deadhead_pct(b, graph) == pytest.approx(100 * 100.0 / (100.0 + loaded))


def test_loads_on_the_road_ride_along_their_route(graph: RouteGraph) -> None:
    b = _board()
    clock = BoardClock.for_board(DAY0)
    b.assign(BoardAssignment("L0", "T0", 0.0))
    assert road_positions(b, graph, clock.set(9.0), 60.0) == {}  # assigned: not on the road
    b.advance("L0", "pick_up", clock.stamp(9.0))
    mumbai, delhi = graph.city("mumbai"), graph.city("delhi")
    assert road_positions(b, graph, clock.set(9.5), 60.0)["L0"] == (mumbai.lat, mumbai.lon)
    b.advance("L0", "depart", clock.stamp(10.0))
    km = graph.distance("mumbai", "delhi")
    minutes = round(km / 2)  # at 60 km/h: halfway, on a whole minute (positions are to the minute)
    halfway = road_positions(b, graph, clock.set(10.0 + minutes / 60), 60.0)["L0"]
    assert halfway == pytest.approx(along_route(graph, "mumbai", "delhi", float(minutes)))
    assert min(mumbai.lat, delhi.lat) < halfway[0] < max(mumbai.lat, delhi.lat)
    end = road_positions(b, graph, clock.set(10.0 + 2 * km / 60.0), 60.0)["L0"]
    assert end == (delhi.lat, delhi.lon)  # waits at the destination until delivered
