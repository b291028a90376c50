"""The load lifecycle a dispatcher drives, without Qt: every state, undo, cancel, refusals,
and the same through the board file (write-through, undo, migration of older boards)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dispatcher import actions
from dispatcher.board import Board, BoardError
from dispatcher.fleet import Load, LoadStatus, Truck, TruckStatus, TruckType
from dispatcher.session import Change, QuietView, Session
from dispatcher.store import BoardAssignment, BoardStore
from dispatcher.store_rows import _SCHEMA_V1
from freightlab.jobs import RunNow

DAY = "2026-12-01"
_V2 = (["picked_up_at"], ["in_transit_at"], ["delivered_at"])
STEPS = (
    ("pick_up", LoadStatus.PICKED_UP, TruckStatus.LOADED, "picked_up_at"),
    ("depart", LoadStatus.IN_TRANSIT, TruckStatus.LOADED, "in_transit_at"),
    ("deliver", LoadStatus.DELIVERED, TruckStatus.IDLE, "delivered_at"),
)


def _session(tmp_path: Path | None = None) -> Session:
    s = Session(RunNow(), lambda fn: fn(), "desk A", QuietView())
    trucks = [Truck("T0", "pune", 20.0, TruckType.OPEN), Truck("T1", "pune", 20.0, TruckType.OPEN)]
    loads = [Load("L0", "mumbai", "delhi", 8.0, TruckType.OPEN, 0.0, 24.0, 900.0)]
    s.board = Board(trucks, loads)
    if tmp_path is not None:
        path = tmp_path / "b.fboard"
        BoardStore.create(path, s.board.to_snapshot("b")).close()
        s.use_store(BoardStore.open(path, owner=s.owner))
    return s


def _assigned(s: Session) -> None:
    a = BoardAssignment("L0", "T0", 12.0)
    assert s.apply(Change("Assign L0 to T0", lambda b: b.assign(a), ("T0",), ("L0",))) is None


def _step(s: Session, verb: str, hour: int) -> str | None:
    change = actions.advance(s.board, "L0", verb, f"{DAY}T{hour:02d}:00:00+00:00")
    if isinstance(change, str):
        return change
    return s.apply(change)


@pytest.mark.parametrize("on_file", [False, True])
def test_one_load_through_every_state_and_undo_back(tmp_path: Path, on_file: bool) -> None:
    s = _session(tmp_path if on_file else None)
    _assigned(s)
    states = [s.board.state()]
    for hour, (verb, load_to, truck_to, stamp) in enumerate(STEPS, start=8):
        assert _step(s, verb, hour) is None
        load, truck = s.board.loads["L0"], s.board.trucks["T0"]
        assert (load.status, truck.status) == (load_to, truck_to)
        assert getattr(load, stamp) == f"{DAY}T{hour:02d}:00:00+00:00"
        states.append(s.board.state())
        if s.store is not None:  # written through: the file says the same
            read = Board.from_snapshot(s.store.load())
            assert read.loads["L0"] == load and read.trucks["T0"] == truck
    # delivered: the truck is free where it delivered, and the KPI counts it today
    assert "L0" not in s.board.assignments and s.board.loads["L0"].truck_id is None
    assert s.board.trucks["T0"].location == "delhi"
    assert [t.id for t in s.board.free_trucks()] == ["T0", "T1"]
    k = s.board.kpis(today=DAY)
    assert k.loads_delivered == 1 and k.delivered_today == 1
    assert s.board.kpis(today="2026-12-02").delivered_today == 0
    assert s.history.text("undo") == "Delivered L0"
    for expected in reversed(states[:-1]):
        s.undo()
        assert s.board.state() == expected
        if s.store is not None:
            assert Board.from_snapshot(s.store.load()).state() == expected
    for expected in states[1:]:
        s.redo()
        assert s.board.state() == expected


@pytest.mark.parametrize("on_file", [False, True])
@pytest.mark.parametrize("before", [0, 1, 2])  # assigned, picked up, in transit
def test_cancel_before_delivery_frees_the_truck(tmp_path: Path, on_file: bool, before: int) -> None:
    s = _session(tmp_path if on_file else None)
    _assigned(s)
    for hour, (verb, *_rest) in enumerate(STEPS[:before], start=8):
        assert _step(s, verb, hour) is None
    start = s.board.state()
    assert _step(s, "cancel", 12) is None
    assert s.board.loads["L0"].status == LoadStatus.CANCELLED
    assert s.board.trucks["T0"].status == TruckStatus.IDLE and "L0" not in s.board.assignments
    assert s.board.trucks["T0"].location == "pune"  # it never got there
    assert s.board.blocker("T0", "L0") == "load L0 is cancelled, not open"
    if s.store is not None:
        assert Board.from_snapshot(s.store.load()).state() == s.board.state()
    s.undo()
    assert s.board.state() == start


def test_illegal_steps_are_refused_with_the_reason() -> None:
    s = _session()
    assert _step(s, "pick_up", 8) == "load L0 is open; \u201cPicked up\u201d needs it assigned"
    _assigned(s)
    assert _step(s, "deliver", 8) == (
        "load L0 is assigned; \u201cDelivered\u201d needs it in transit"
    )  # no skipping states
    assert _step(s, "depart", 8) == "load L0 is assigned; \u201cIn transit\u201d needs it picked up"
    assert _step(s, "pick_up", 8) is None
    with pytest.raises(BoardError, match="truck T1 did not pick up L0 \\(it is on T0\\)"):
        s.board.advance("L0", "depart", f"{DAY}T09:00", truck_id="T1")
    assert s.board.loads["L0"].status == LoadStatus.PICKED_UP  # refused: nothing changed
    assert _step(s, "depart", 9) is None and _step(s, "deliver", 10) is None
    assert _step(s, "cancel", 11) == (
        "load L0 is delivered; \u201cCancelled\u201d needs it open or assigned or picked up or "
        "in transit"
    )
    assert s.history.count() == 4


def test_an_older_board_gains_the_lifecycle_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.fboard"
    conn = sqlite3.connect(path)
    for statement in _SCHEMA_V1.split(";"):  # a v1 board: the loads without the times
        statement = "\n".join(
            line for line in statement.splitlines() if line.split()[:1] not in _V2
        )
        if statement.strip():
            conn.execute(statement)
    conn.execute("PRAGMA application_id=1179798594")
    conn.execute("PRAGMA user_version=1")
    conn.execute("INSERT INTO meta VALUES ('revision', '1')")
    conn.execute(
        "INSERT INTO loads (seq, id, origin, destination, weight_t, truck_type, pickup_earliest,"
        " pickup_latest, price, status) VALUES (0, 'L0', 'a', 'b', 1, 'open', 0, 1, 10, 'open')"
    )
    conn.commit()
    assert "delivered_at" not in [r[1] for r in conn.execute("PRAGMA table_info(loads)")]
    conn.close()
    with BoardStore.open(path) as store:
        assert store.load().loads[0].delivered_at is None
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    columns = [r[1] for r in conn.execute("PRAGMA table_info(loads)")]
    assert {"picked_up_at", "in_transit_at", "delivered_at"} <= set(columns)
    conn.close()


def test_a_step_another_desk_took_first_is_refused_by_the_file(tmp_path: Path) -> None:
    s = _session(tmp_path)
    _assigned(s)
    assert s.store is not None
    other = Session(RunNow(), lambda fn: fn(), "desk B", QuietView())
    other.board = Board.from_snapshot(s.store.load())
    other.use_store(BoardStore.open(s.store.path, owner="desk B"))
    assert _step(other, "cancel", 9) is None  # desk B cancels first
    reason = _step(s, "pick_up", 10)  # desk A's board still says assigned
    assert reason is not None and "load L0 was changed meanwhile" in reason
    assert Board.from_snapshot(s.store.load()).loads["L0"].status == LoadStatus.CANCELLED
    # desk A read the file again: it shows B's cancel (and the truck freed), not its own step
    assert s.board.loads["L0"].status == LoadStatus.CANCELLED
    assert s.board.trucks["T0"].status == TruckStatus.IDLE
