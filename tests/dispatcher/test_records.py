"""New / edit / delete truck and load without Qt: the form check names the field with the
CSV loader's words, each change is one undoable step written through to the board file,
and another desk reading the file sees it."""

from __future__ import annotations

from pathlib import Path

from dispatcher import records
from dispatcher.board import Board
from dispatcher.fleet import Load, LoadStatus, TruckType
from dispatcher.session import QuietView, Session
from dispatcher.store import BoardAssignment, BoardStore
from dispatcher.store_rows import LoadAdd
from freightlab.jobs import RunNow
from tests.dispatcher.small_board import Nodes, small_board


def _board() -> Board:
    return small_board(loads=3)


def _session(tmp_path: Path) -> tuple[Session, Path]:
    s = Session(RunNow(), lambda fn: fn(), "desk A", QuietView())
    s.board = _board()
    path = tmp_path / "b.fboard"
    BoardStore.create(path, s.board.to_snapshot("b")).close()
    s.use_store(BoardStore.open(path, owner=s.owner))
    return s, path


def _on_file(path: Path) -> Board:
    with BoardStore.open(path, owner="desk B") as other:
        return Board.from_snapshot(other.load())


def _truck_cells(**over: str) -> dict[str, str]:
    cells = {
        "id": "T9",
        "location": "nagpur",
        "capacity_t": "25",
        "truck_type": "reefer",
        "available_at": "6",
        "status": "idle",
    }
    return {**cells, **over}


def test_a_bad_field_is_named_with_the_csv_loaders_words() -> None:
    board = _board()
    bad = records.check_form("truck", _truck_cells(capacity_t="-3"), Nodes(), board, new=True)
    assert bad.record is None
    assert bad.problems == {"capacity_t": "'-3' must be a finite number > 0"}
    city = records.check_form("truck", _truck_cells(location="paris"), Nodes(), board, new=True)
    assert city.problems == {"location": "unknown city 'paris' (not on the map)"}
    taken = records.check_form("truck", _truck_cells(id="T0"), Nodes(), board, new=True)
    assert "already on the board" in taken.problems["id"]
    cells = records.form_cells("load", board.loads["L0"])
    window = records.check_form(
        "load", {**cells, "pickup_earliest": "9", "pickup_latest": "3"}, Nodes(), board, new=False
    )
    assert window.problems == {"pickup_latest": "window closes before it opens (3 h < 9 h)"}
    busy = records.check_form("truck", _truck_cells(status="loaded"), Nodes(), board, new=True)
    assert "idle or off duty" in busy.problems["status"]


def test_add_edit_delete_a_truck_written_through_and_undone(tmp_path: Path) -> None:
    s, path = _session(tmp_path)
    start = s.board.state()
    checked = records.check_form("truck", _truck_cells(), Nodes(), s.board, new=True)
    assert checked.record is not None
    assert s.apply(records.add("truck", checked.record)) is None
    assert _on_file(path).trucks["T9"].truck_type is TruckType.REEFER
    cells = records.form_cells("truck", s.board.trucks["T9"])
    edited = records.check_form("truck", {**cells, "capacity_t": "31"}, Nodes(), s.board, new=False)
    assert edited.record is not None
    change = records.update(s.board, "truck", edited.record)
    assert change is not None and s.apply(change) is None
    assert _on_file(path).trucks["T9"].capacity_t == 31.0
    deletion = records.delete(s.board, "truck", "T9")
    assert not isinstance(deletion, str) and s.apply(deletion) is None
    assert "T9" not in _on_file(path).trucks
    assert [st.text for st in s.history.steps] == [
        "Add truck T9",
        "Edit truck T9",
        "Delete truck T9",
    ]
    for _ in range(3):
        s.undo()
    assert s.board.state() == start
    assert list(_on_file(path).trucks) == ["T0", "T1", "T2"]
    s.redo()
    assert _on_file(path).trucks["T9"].capacity_t == 25.0


def test_deleting_an_assigned_load_unassigns_it_in_the_same_step(tmp_path: Path) -> None:
    s, path = _session(tmp_path)
    a = BoardAssignment("L1", "T1", 12.0)
    from dispatcher.actions import Change

    assert s.apply(Change("Assign", lambda b: b.assign(a), ("T1",), ("L1",))) is None
    assert records.unassigns_on_delete(s.board, "load", "L1") == "L1"
    deletion = records.delete(s.board, "load", "L1")
    assert not isinstance(deletion, str) and s.apply(deletion) is None
    seen = _on_file(path)
    assert "L1" not in seen.loads and seen.free_trucks()[1].id == "T1"
    s.undo()  # the load comes back, on its truck
    seen = _on_file(path)
    assert seen.assignments["L1"].truck_id == "T1"
    assert seen.loads["L1"].status is LoadStatus.ASSIGNED


def test_deleting_a_truck_on_the_road_is_refused(tmp_path: Path) -> None:
    s, _path = _session(tmp_path)
    s.board.assign(BoardAssignment("L0", "T0", 5.0))
    s.board.advance("L0", "pick_up", "2026-12-01T08:00:00+00:00")
    reason = records.delete(s.board, "truck", "T0")
    assert reason == "truck T0 carries load L0 (picked up); deliver or cancel it before deleting"
    assert isinstance(records.delete(s.board, "load", "L0"), str)


def test_a_new_load_on_the_file_and_its_id_taken_by_another_desk(tmp_path: Path) -> None:
    s, path = _session(tmp_path)
    cells = {**records.form_cells("load", s.board.loads["L0"]), "id": "L7", "origin": "nagpur"}
    load = records.check_form("load", cells, Nodes(), s.board, new=True).record
    assert isinstance(load, Load) and load.truck_id is None
    with BoardStore.open(path, owner="desk B") as other:  # desk B adds L7 first
        other.apply([LoadAdd(Load("L7", "pune", "delhi", 1.0, TruckType.OPEN, 0.0, 1.0, 1.0))])
    reason = s.apply(records.add("load", load))
    assert reason is not None and "L7 is already on the board (add by desk B" in reason


def test_another_desk_on_the_same_board_sees_the_new_and_the_deleted(tmp_path: Path) -> None:
    a, path = _session(tmp_path)
    b = Session(RunNow(), lambda fn: fn(), "desk B", QuietView())
    b.board = _board()
    b.use_store(BoardStore.open(path, owner=b.owner))
    checked = records.check_form("truck", _truck_cells(), Nodes(), a.board, new=True)
    assert checked.record is not None and a.apply(records.add("truck", checked.record)) is None
    deletion = records.delete(a.board, "load", "L2")
    assert not isinstance(deletion, str) and a.apply(deletion) is None
    assert b.poll()  # its 2 s check: the revision moved, the file is read
    assert b.board.trucks["T9"] == a.board.trucks["T9"]
    assert "L2" not in b.board.loads
    assert b.board.state() == a.board.state()
