"""The board's rules and its capture/restore (what the desk's undo stands on)."""

from __future__ import annotations

import pytest

from dispatcher.board import Board, BoardError
from dispatcher.fleet import Load, LoadStatus, Truck, TruckStatus, TruckType
from dispatcher.store import BoardAssignment


def _board() -> Board:
    trucks = [
        Truck("T1", "pune", 20.0, TruckType.OPEN),
        Truck("T2", "mumbai", 10.0, TruckType.REEFER, 2.0),
        Truck("T3", "delhi", 15.0, TruckType.OPEN, status=TruckStatus.OFF_DUTY),
    ]
    loads = [
        Load("L1", "mumbai", "delhi", 8.0, TruckType.OPEN, 6.0, 12.0, 900.0),
        Load("L2", "pune", "nagpur", 5.0, TruckType.REEFER, 8.0, 10.0, 700.0),
        Load("L3", "delhi", "jaipur", 5.0, TruckType.OPEN, 8.0, 10.0, 300.0),
    ]
    return Board(trucks, loads, nodes={"pune", "mumbai", "delhi", "nagpur", "jaipur"})


def test_assign_sets_statuses_and_kpis() -> None:
    board = _board()
    board.assign(BoardAssignment("L1", "T1", 150.0))
    assert board.loads["L1"].status == LoadStatus.ASSIGNED
    assert board.loads["L1"].truck_id == "T1"
    assert board.trucks["T1"].status == TruckStatus.EN_ROUTE_TO_PICKUP
    assert board.load_of_truck("T1") is board.loads["L1"]
    k = board.kpis()
    assert (k.loads_open, k.loads_assigned, k.trucks_idle) == (2, 1, 1)
    assert k.total_deadhead_km == 150.0 and k.avg_deadhead_km == 150.0
    assert [t.id for t in board.free_trucks()] == ["T2"]
    assert [ld.id for ld in board.open_loads()] == ["L2", "L3"]


def test_refusals_say_why_and_change_nothing() -> None:
    board = _board()
    board.assign(BoardAssignment("L1", "T1", 150.0))
    before = board.state()
    with pytest.raises(BoardError, match="already carries load L1"):
        board.assign(BoardAssignment("L2", "T1", 0.0))
    with pytest.raises(BoardError, match="off duty"):
        board.assign(BoardAssignment("L3", "T3", 0.0))
    with pytest.raises(BoardError, match="no truck"):
        board.assign(BoardAssignment("L3", "T9", 0.0))
    with pytest.raises(BoardError, match="carries load L1"):
        board.edit_truck("T1", "capacity_t", 30)
    with pytest.raises(BoardError, match="only open loads"):
        board.edit_load("L1", "price", 1.0)
    with pytest.raises(BoardError, match="not a city"):
        board.edit_load("L2", "origin", "atlantis")
    with pytest.raises(BoardError, match="after the latest"):
        board.edit_load("L2", "pickup_earliest", 11.0)
    with pytest.raises(BoardError, match="greater than 0"):
        board.edit_truck("T2", "capacity_t", "0")
    assert board.state() == before


def test_reassign_moves_the_load_and_frees_the_old_truck() -> None:
    board = _board()
    board.assign(BoardAssignment("L1", "T1", 150.0))
    previous = board.assign(BoardAssignment("L1", "T2", 0.0))
    assert previous == BoardAssignment("L1", "T1", 150.0)
    assert board.trucks["T1"].status == TruckStatus.IDLE
    assert board.loads["L1"].truck_id == "T2"


def test_capture_restore_is_exact_both_ways() -> None:
    board = _board()
    board.assign(BoardAssignment("L1", "T1", 150.0))
    start = board.state()
    cap = board.capture(["T2"], ["L1"])  # L1's truck T1 is captured with it
    board.assign(BoardAssignment("L1", "T2", 0.0))
    after = board.state()
    assert after != start
    board.restore(cap)
    assert board.state() == start
    assert board.load_of_truck("T1") is board.loads["L1"]
    board.assign(BoardAssignment("L1", "T2", 0.0))
    assert board.state() == after


def test_edits_coerce_and_restore() -> None:
    board = _board()
    start = board.state()
    cap = board.capture(["T2"], ["L2"])
    board.edit_truck("T2", "truck_type", "Open")
    board.edit_truck("T2", "status", "off_duty")
    board.edit_load("L2", "weight_t", "7.5")
    assert board.trucks["T2"].truck_type is TruckType.OPEN
    assert board.trucks["T2"].status is TruckStatus.OFF_DUTY
    assert board.loads["L2"].weight_t == 7.5
    with pytest.raises(BoardError, match="idle or off duty"):
        board.edit_truck("T2", "status", "loaded")
    board.restore(cap)
    assert board.state() == start


def test_import_replaces_and_full_capture_restores_order() -> None:
    board = _board()
    board.assign(BoardAssignment("L1", "T1", 150.0))
    start = board.state()
    cap = board.capture_all()
    board.replace_trucks([Truck("N1", "pune", 5.0, TruckType.OPEN)])
    assert list(board.trucks) == ["N1"]
    assert board.assignments == {}
    assert board.loads["L1"].status == LoadStatus.OPEN
    with pytest.raises(BoardError, match="duplicate"):
        board.replace_loads([board.loads["L1"], board.loads["L1"]])
    board.restore(cap)
    assert board.state() == start
    assert list(board.trucks) == ["T1", "T2", "T3"]


def test_snapshot_round_trip() -> None:
    board = _board()
    board.assign(BoardAssignment("L1", "T1", 150.0))
    snap = board.to_snapshot("test", "map.graphml")
    again = Board.from_snapshot(snap)
    assert again.state() == board.state()
