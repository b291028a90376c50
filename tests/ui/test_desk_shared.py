"""Two desks on one board file, and a desk killed right after an action: write-through.

Every action a desk shows is already committed to the file; a desk that lost a race is told
who won and shows the winner's work; other desks' changes arrive by the desk's own polling.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from test_desk import SHOTS, _drop, _load_row_mime, _pair, _truck_row_pos, _wait_idle

from dispatcher.fleet import LoadStatus
from dispatcher.store import BoardStore
from dispatcher.ui.desk import DispatchDesk

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared(qtbot, tmp_path: Path, open_desk) -> tuple[DispatchDesk, DispatchDesk, Path]:
    """Desk A saves the India sample to a file; desk B opens the same file."""
    a = open_desk((1300, 820))
    path = tmp_path / "shared.fboard"
    a.save_board(path)
    _wait_idle(qtbot, a)
    assert a.store is not None
    b = DispatchDesk(autoload=False)
    qtbot.addWidget(b)
    b.resize(1300, 820)
    b.show()
    b.open_board(path)
    qtbot.waitUntil(b.is_ready, timeout=15_000)
    assert b.store is not None and a.owner != b.owner
    return a, b, path


def _drag(d: DispatchDesk, load_id: str, truck_id: str) -> bool:
    """Drag a load row onto a truck row, as a person does; True if the drop was taken."""
    return _drop(
        d.trucks_table.viewport(), _load_row_mime(d, load_id), _truck_row_pos(d, truck_id)
    ).isAccepted()


def _other_truck(d: DispatchDesk, load_id: str, not_truck: str) -> str:
    for truck in d.board.free_trucks():
        if truck.id != not_truck and d.why_not(load_id, truck.id) is None:
            return truck.id
    raise AssertionError("no second truck for that load")


def test_two_desks_cannot_both_assign_one_load(qtbot, shared) -> None:
    a, b, path = shared
    b._poll_timer.stop()  # B has not looked at the file since A's drop: it is stale
    load_id, t1 = _pair(a, feasible=True)
    t2 = _other_truck(b, load_id, t1)

    assert _drag(a, load_id, t1)
    assert a.board.loads[load_id].truck_id == t1
    assert not a.dirty  # nothing unsaved: the drop is already in the file
    with BoardStore.open(path) as s:  # a third reader sees it committed
        assert {x.load_id: x.truck_id for x in s.load().assignments} == {load_id: t1}

    depth = b.history.count()
    assert b.board.loads[load_id].status == LoadStatus.OPEN  # B's stale view
    _drag(b, load_id, t2)
    text = b.notice.text()
    assert b.notice.isVisible()
    assert f"Cannot assign {load_id} to {t2}" in text
    assert f"already assigned to truck {t1}" in text and a.owner in text
    # B did not apply it, and now shows what the file holds (read again in a worker)
    assert b.history.count() == depth
    qtbot.waitUntil(lambda: b.board.loads[load_id].truck_id == t1, timeout=6000)
    assert b.board.loads[load_id].status == LoadStatus.ASSIGNED
    row = b.load_model.row_of(load_id)
    assert b.load_model.index(row, 9).data() == t1  # the table's "Truck" column
    assert b.kpis.values["loads_assigned"] == "1"
    with BoardStore.open(path) as s:
        assert {x.load_id: x.truck_id for x in s.load().assignments} == {load_id: t1}

    SHOTS.mkdir(exist_ok=True)
    b.grab().save(str(SHOTS / "desk_conflict.png"))


def test_undo_writes_through_and_the_other_desk_sees_it(qtbot, shared) -> None:
    a, b, path = shared
    load_id, t1 = _pair(a, feasible=True)
    assert _drag(a, load_id, t1)
    qtbot.waitUntil(lambda: b.board.loads[load_id].truck_id == t1, timeout=6000)  # B's poll
    assert "Board updated by" in b.notice.text() and a.owner in b.notice.text()

    a.activateWindow()  # Ctrl+Z goes to the active window's desk
    qtbot.waitUntil(a.isActiveWindow, timeout=3000)
    a.trucks_table.setFocus()
    qtbot.keyClick(a.trucks_table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert a.board.loads[load_id].status == LoadStatus.OPEN
    with BoardStore.open(path) as s:
        assert s.load().assignments == []
        assert [h.kind for h in s.history()][-2:] == ["assign", "unassign"]
    qtbot.waitUntil(lambda: b.board.loads[load_id].truck_id is None, timeout=6000)
    assert b.board.loads[load_id].status == LoadStatus.OPEN

    # B takes the load now; A's redo of its old assignment is refused with B's name
    t2 = _other_truck(b, load_id, t1)
    assert _drag(b, load_id, t2)
    a._poll_timer.stop()
    depth = a.history.count()
    a.redo_action.trigger()
    assert f"already assigned to truck {t2}" in a.notice.text() and b.owner in a.notice.text()
    assert a.history.count() == depth - 1  # the stale step is dropped, not replayed
    qtbot.waitUntil(lambda: a.board.loads[load_id].truck_id == t2, timeout=3000)


def test_accept_all_is_one_transaction_and_undo_is_another(qtbot, shared) -> None:
    a, b, path = shared
    store = a.store
    assert store is not None
    start = store.current_revision()
    a.suggest()
    _wait_idle(qtbot, a)
    pairs = {s.assignment.load_id: s.assignment.truck_id for s in a.suggestion_model.items}
    assert len(pairs) > 50
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)  # the worker writes on this connection
    qtbot.mouseClick(a.accept_all_button, Qt.MouseButton.LeftButton)
    _wait_idle(qtbot, a)
    store._conn.set_trace_callback(None)
    writes = [st for st in statements if st.startswith(("BEGIN IMMEDIATE", "COMMIT"))]
    assert writes == ["BEGIN IMMEDIATE", "COMMIT"]
    with BoardStore.open(path) as s:
        assert s.current_revision() == start + len(pairs)
        history = s.history(since=start)
        assert {h.load_id: h.truck_id for h in history} == pairs
        assert {h.kind for h in history} == {"assign"} and {h.owner for h in history} == {a.owner}
        assert {x.load_id: x.truck_id for x in s.load().assignments} == pairs

    statements.clear()
    store._conn.set_trace_callback(statements.append)
    a.undo_action.trigger()
    _wait_idle(qtbot, a)
    store._conn.set_trace_callback(None)
    assert [st for st in statements if st.startswith(("BEGIN IMMEDIATE", "COMMIT"))] == [
        "BEGIN IMMEDIATE",
        "COMMIT",
    ]
    with BoardStore.open(path) as s:
        assert s.load().assignments == []
        assert s.current_revision() == start + 2 * len(pairs)
    qtbot.waitUntil(lambda: b.revision == start + 2 * len(pairs), timeout=6000)
    assert b.board.assignments == {}


def test_edits_and_imports_are_written_through(qtbot, shared, tmp_path: Path) -> None:
    a, b, path = shared
    assert a.edit_truck("T005", "capacity_t", 33.0) is None
    assert not a.dirty
    qtbot.waitUntil(lambda: b.board.trucks["T005"].capacity_t == 33.0, timeout=6000)
    assert b.history.count() == 0

    # B edits another truck: A's undo step (T005) is untouched, so A keeps its history
    assert b.edit_truck("T006", "capacity_t", 7.0) is None
    qtbot.waitUntil(lambda: a.board.trucks["T006"].capacity_t == 7.0, timeout=6000)
    assert a.history.count() == 1
    a.undo_action.trigger()
    with BoardStore.open(path) as s:
        caps = {t.id: t.capacity_t for t in s.load().trucks}
    assert caps["T006"] == 7.0 and caps["T005"] == a.board.trucks["T005"].capacity_t != 33.0

    good = tmp_path / "trucks.csv"
    good.write_text(
        "id,location,capacity_t,truck_type,available_at\nN1,delhi,10,open,8\nN2,pune,20,reefer,9\n"
    )
    b.import_trucks(good)
    _wait_idle(qtbot, b)
    with BoardStore.open(path) as s:
        assert [t.id for t in s.load().trucks] == ["N1", "N2"]
    qtbot.waitUntil(lambda: list(a.board.trucks) == ["N1", "N2"], timeout=6000)
    assert a.trucks_table.model().rowCount() == 2
    assert a.history.count() == 0  # the board was reshaped: A's history is gone
    assert "undo history cleared" in a.notice.text()


_KILLED_DESK = r"""
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, os.path.join(sys.argv[1], "tests", "ui"))
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

app = QApplication([])
from dispatcher.ui.desk import DispatchDesk
from test_desk import _drop, _load_row_mime, _truck_row_pos

desk = DispatchDesk(autoload=False, owner="killed desk")
desk.resize(1300, 820)
desk.show()
loop = QEventLoop()
desk.ready.connect(loop.quit)
QTimer.singleShot(60_000, loop.quit)
desk.open_board(sys.argv[2])
loop.exec()
load_id, truck_id = sys.argv[3], sys.argv[4]
drop = _drop(desk.trucks_table.viewport(), _load_row_mime(desk, load_id),
             _truck_row_pos(desk, truck_id))
ok = drop.isAccepted() and desk.board.loads[load_id].truck_id == truck_id
print("assigned" if ok else "refused: " + desk.notice.text(), flush=True)
time.sleep(120)
"""


def test_a_desk_killed_right_after_an_action_loses_nothing(qtbot, tmp_path: Path, shared) -> None:
    a, _b, path = shared
    load_id, truck_id = _pair(a, feasible=True)
    a.close_store()  # the file is the killed desk's now
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_DESK, str(ROOT), str(path), load_id, truck_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    try:
        line = child.stdout.readline().strip()
        os.kill(child.pid, signal.SIGKILL)  # right after the action returned
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
    assert line == "assigned", line

    again = DispatchDesk(autoload=False)
    qtbot.addWidget(again)
    again.open_board(path)
    qtbot.waitUntil(again.is_ready, timeout=15_000)
    assert again.board.loads[load_id].truck_id == truck_id
    assert again.board.loads[load_id].status == LoadStatus.ASSIGNED
    with BoardStore.open(path) as s:
        last = s.history()[-1]
    assert (last.kind, last.load_id, last.truck_id, last.owner) == (
        "assign",
        load_id,
        truck_id,
        "killed desk",
    )


def test_a_board_file_deleted_under_the_desk_keeps_the_board_and_asks_to_save(
    qtbot, shared: tuple[DispatchDesk, DispatchDesk, Path]
) -> None:
    a, _b, path = shared
    load_id, truck_id = _pair(a, feasible=True)
    assert _drag(a, load_id, truck_id)
    state = a.board.state()
    for leftover in path.parent.glob(path.name + "*"):  # the board and its WAL files
        leftover.unlink()
    assert not a.poll_store()
    assert a.store is None and a.path is None
    assert a.dirty  # the window title shows unsaved work: it exists only here now
    assert "moved or deleted" in a.notice.text() and a.notice.isVisible()
    assert a.board.state() == state
