"""Merge-import without Qt: the plan sorts every row (added / updated field old -> new /
unchanged / rejected with file:line), the change is one undo step; exports read back
unchanged; the board's matcher settings survive the file and a bad one is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatcher import documents
from dispatcher.board import Board
from dispatcher.board_settings import META_KEY, BoardSettings, from_json
from dispatcher.costs import MatchSettings
from dispatcher.fleet import TruckStatus
from dispatcher.merge import merge_change, plan_merge
from dispatcher.session import QuietView, Session
from dispatcher.store import BoardAssignment, BoardStore
from freightlab.errors import InputError
from freightlab.jobs import RunNow
from freightlab.progress import Progress
from tests.dispatcher.small_board import CITIES, Nodes, small_board


def _board() -> Board:
    board = small_board(loads=2)
    board.assign(BoardAssignment("L0", "T0", 3.0))
    return board


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_plan_sorts_every_row(tmp_path: Path) -> None:
    f = _write(
        tmp_path / "trucks.csv",
        "id,location,capacity_t,truck_type,available_at\n"
        "T1,pune,20,open,0\n"  # unchanged
        "T2,nagpur,25,open,0\n"  # updated: location, capacity
        "T7,delhi,10,reefer,6\n"  # added
        "T0,delhi,20,open,0\n"  # T0 carries L0: refused by the board's rules
        "T8,paris,10,open,0\n",  # bad city
    )
    plan = plan_merge("trucks", f, Nodes(), _board())
    assert plan.unchanged == ["T1"]
    assert [t.id for t in plan.added] == ["T7"]
    (upd,) = plan.updated
    assert upd.record.id == "T2" and [str(c) for c in upd.changes] == [
        "location: pune \u2192 nagpur",
        "capacity_t: 20 \u2192 25",
    ]
    assert plan.rejected == [
        f"{f}:5: T0: truck T0 carries load L0; unassign it first",
        f"{f}:6: column 'location': unknown city 'paris' (not on the map)",
    ]
    assert plan.counts() == "1 added, 1 updated, 1 unchanged, 2 rejected"


def test_merging_is_one_undo_step_on_the_file(tmp_path: Path) -> None:
    s = Session(RunNow(), lambda fn: fn(), "desk A", QuietView())
    s.board = _board()
    path = tmp_path / "b.fboard"
    BoardStore.create(path, s.board.to_snapshot("b")).close()
    s.use_store(BoardStore.open(path, owner=s.owner))
    start = s.board.state()
    f = _write(
        tmp_path / "loads.csv",
        "id,origin,destination,weight_t,truck_type,pickup_earliest,pickup_latest,price\n"
        "L1,mumbai,delhi,8,open,2,5,950\n"
        "L5,pune,nagpur,3,open,1,9,400\n",
    )
    plan = plan_merge("loads", f, Nodes(), s.board)
    assert [u.record.id for u in plan.updated] == ["L1"] and len(plan.added) == 1
    assert s.apply(merge_change(plan)) is None
    with BoardStore.open(path, owner="B") as other:
        seen = Board.from_snapshot(other.load())
    assert seen.loads["L1"].pickup_latest == 5.0 and list(seen.loads) == ["L0", "L1", "L5"]
    assert seen.assignments["L0"].truck_id == "T0"  # a merge keeps assignments
    s.undo()
    assert s.board.state() == start


def test_exports_read_back_unchanged(tmp_path: Path) -> None:
    board = _board()
    board.trucks["T2"].status = TruckStatus.OFF_DUTY
    board.loads["L1"].pickup_earliest = 1.25
    for kind, items in (("trucks", board.trucks), ("loads", board.loads)):
        target = tmp_path / f"{kind}.csv"
        assert documents.export_records(kind, target, list(items.values())) == len(items)
        plan = plan_merge(kind, target, Nodes(), board)
        assert plan.unchanged == list(items) and not plan.rejected, plan


def test_a_file_without_its_header_is_refused(tmp_path: Path) -> None:
    f = _write(tmp_path / "x.csv", "id,location\nT1,pune\n")
    with pytest.raises(InputError, match="missing column"):
        plan_merge("trucks", f, Nodes(), _board())


def test_settings_round_trip_and_a_bad_one_is_named(tmp_path: Path) -> None:
    wanted = BoardSettings(MatchSettings(speed_kmh=45.0, max_deadhead_km=120.0), "greedy")
    assert from_json(wanted.to_json(), "b") == wanted
    path = tmp_path / "b.fboard"
    with BoardStore.create(path, _board().to_snapshot("b")) as store:
        assert store.meta(META_KEY) is None  # an older board: defaults
        rev = store.revision
        assert store.set_meta(META_KEY, wanted.to_json(), wanted.describe()) == rev + 1
    opened = documents.open_board(path, "me", None, Progress())
    try:
        assert opened.settings == wanted
    finally:
        assert opened.store is not None
        opened.store.close()


def test_bad_settings_name_the_field() -> None:
    with pytest.raises(InputError, match="speed_kmh must be > 0"):
        from_json('{"speed_kmh": -1}', "b.fboard")
    with pytest.raises(InputError, match="matcher 'fast'"):
        from_json('{"matcher": "fast"}', "b.fboard")


def test_an_exported_assigned_load_arrives_open_on_an_empty_board(tmp_path: Path) -> None:
    board = _board()  # L0 is assigned to T0
    target = tmp_path / "loads.csv"
    documents.export_records("loads", target, list(board.loads.values()))
    empty = Board(nodes=CITIES)
    plan = plan_merge("loads", target, Nodes(), empty)
    assert [ld.id for ld in plan.added] == ["L0", "L1"] and not plan.rejected
    assert all(ld.status.value == "open" and ld.truck_id is None for ld in plan.added)
    replaced = documents.read_import("loads", target, None, None)  # type: ignore[arg-type]
    from dispatcher.actions import replace

    replace("loads", replaced.items, "Import").op(empty)
    assert empty.loads["L0"].truck_id is None and empty.loads["L0"].status.value == "open"


def test_iso_times_into_a_board_without_a_clock_take_the_files_day(tmp_path: Path) -> None:
    f = _write(
        tmp_path / "trucks.csv",
        "id,location,capacity_t,truck_type,available_at\nT5,pune,9,open,2026-11-23T07:30\n",
    )
    empty = Board(nodes=CITIES)
    plan = plan_merge("trucks", f, Nodes(), empty)
    assert not plan.rejected and plan.added[0].available_at == 7.5
    merge_change(plan).op(empty)
    assert empty.day_start == "2026-11-23T00:00:00"
