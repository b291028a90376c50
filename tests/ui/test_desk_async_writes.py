"""Big board-file writes run in a worker: the desk returns at once, shows it is busy, and
shows the step only once it is committed; refusals, Cancel and closing leave the file whole.

The worker's write is held at a gate (an Event around ``BoardStore.apply``) so each test
sees the pending state for as long as it needs, without timing assumptions.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid
from test_desk import SHOTS, _drop, _load_row_mime, _pair, _truck_row_pos, _wait_idle

from dispatcher.fleet import LoadStatus
from dispatcher.store import BoardStore
from dispatcher.ui import desk as desk_module
from dispatcher.ui.desk import DispatchDesk
from dispatcher.ui.map_view import LOAD
from freightlab.ui.worker import running_tasks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared(qtbot, tmp_path: Path, open_desk) -> tuple[DispatchDesk, DispatchDesk, Path]:
    """Desk A saves the India sample to a file and has suggestions; desk B opens the file."""
    a = open_desk((1300, 820))
    path = tmp_path / "shared.fboard"
    a.save_board(path)
    _wait_idle(qtbot, a)
    b = DispatchDesk(autoload=False)
    qtbot.addWidget(b)
    b.open_board(path)
    qtbot.waitUntil(b.is_ready, timeout=15_000)
    a.suggest()
    _wait_idle(qtbot, a)
    assert len(a.suggestion_model.items) > 50
    return a, b, path


class _Gate:
    """Holds the worker inside ``store.apply`` (before it, or after its commit)."""

    def __init__(self, store: BoardStore, after_commit: bool = False) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        real = store.apply

        def gated(ops: Any, progress: Any = None) -> int:
            if not after_commit:
                self.reached.set()
                assert self.release.wait(20)
            revision = real(ops, progress)
            if after_commit:
                self.reached.set()
                assert self.release.wait(20)
            return revision

        store.apply = gated  # type: ignore[method-assign]

    def set(self) -> None:
        self.release.set()


def _in_file(path: Path) -> dict[str, str]:
    with BoardStore.open(path) as s:
        return {x.load_id: x.truck_id for x in s.load().assignments}


def _file_is_whole(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def _shot(widget: DispatchDesk, name: str) -> None:
    """Screenshot after the pending layout requests ran (labels sized to their new text)."""
    QApplication.processEvents()
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def _wait_for(qtbot, condition: Callable[[], bool]) -> None:
    qtbot.waitUntil(condition, timeout=10_000)


def test_accept_all_returns_before_the_commit_and_shows_it_after(qtbot, shared) -> None:
    a, _b, path = shared
    assert a.store is not None
    pairs = {s.assignment.load_id: s.assignment.truck_id for s in a.suggestion_model.items}
    start = a.board.state()
    depth = a.history.count()
    release = _Gate(a.store)

    qtbot.mouseClick(a.accept_all_button, Qt.MouseButton.LeftButton)  # returns at once
    # pending: busy, nothing shown and nothing in the file yet
    assert a.busy() and a.writing() is not None
    assert a.progress.isVisible() and a.cancel_button.isVisible()
    assert "shows once committed" in a.notice.text()
    assert a.board.state() == start and a.board.assignments == {}
    assert a.kpis.values["loads_assigned"] == "0"
    assert a.history.count() == depth
    assert _in_file(path) == {}
    assert not a.accept_all_button.isEnabled() and not a.undo_action.isEnabled()
    _shot(a, "desk_accept_all_pending.png")
    # every other board change is refused with a clear notice meanwhile
    load_id, truck_id = _pair(a, feasible=True)
    drop = _drop(a.trucks_table.viewport(), _load_row_mime(a, load_id), _truck_row_pos(a, truck_id))
    assert drop.isAccepted()  # delivered, to be refused loudly
    assert "still being written" in a.notice.text() and load_id in a.notice.text()
    assert a.edit_truck("T005", "capacity_t", 33.0) is not None
    a.undo()
    assert "Cannot undo" in a.notice.text() and "still being written" in a.notice.text()
    assert a.board.state() == start

    release.set()
    _wait_idle(qtbot, a)
    assert a.writing() is None
    assert {lid: x.truck_id for lid, x in a.board.assignments.items()} == pairs
    assert a.kpis.values["loads_assigned"] == str(len(pairs))
    assert a.suggestion_model.items == []
    assert a.history.count() == depth + 1
    assert "Written to shared.fboard" in a.notice.text()
    assert _in_file(path) == pairs
    assert a.accept_all_button.isEnabled() is False  # nothing left to accept
    assert a.undo_action.isEnabled()
    _shot(a, "desk_accept_all_committed.png")

    a.undo()  # a big undo is written by a worker too
    assert a.busy() and a.board.assignments  # still shown until committed
    _wait_idle(qtbot, a)
    assert a.board.state() == start
    assert _in_file(path) == {}


def test_a_stale_desks_accept_all_is_refused_with_no_partial_change(qtbot, shared) -> None:
    a, b, path = shared
    b.resize(1300, 820)
    b.show()
    b._poll_timer.stop()  # B will not look at the file before it writes: it is stale
    b.suggest()
    _wait_idle(qtbot, b)
    wanted = [s.assignment for s in b.suggestion_model.items]
    assert len(wanted) > 50
    taken = wanted[len(wanted) // 2]
    a.dismiss_suggestions()
    assert a.assign_by_hand(taken.load_id, taken.truck_id)  # A takes one load first
    assert _in_file(path) == {taken.load_id: taken.truck_id}
    start = b.board.state()
    depth = b.history.count()
    with BoardStore.open(path) as s:
        revision = s.current_revision()

    assert b.accept_all()  # handed to the worker
    assert b.busy()
    _wait_idle(qtbot, b)
    text = b.notice.text()
    assert "Cannot accept" in text
    assert f"{taken.load_id} is already assigned to truck {taken.truck_id}" in text
    assert a.owner in text
    # nothing of B's batch anywhere: not in the file, not on B's board, not undoable
    assert _in_file(path) == {taken.load_id: taken.truck_id}
    with BoardStore.open(path) as s:
        assert s.current_revision() == revision
        assert all(h.owner != b.owner for h in s.history())
    assert b.history.count() == depth
    # B re-read the file: it shows A's assignment and nothing else changed
    _wait_for(qtbot, lambda: b.board.loads[taken.load_id].truck_id == taken.truck_id)
    _wait_idle(qtbot, b)
    assert {k: x.truck_id for k, x in b.board.assignments.items()} == {
        taken.load_id: taken.truck_id
    }
    assert [t for t in b.board.state().trucks if t.id != taken.truck_id] == [
        t for t in start.trucks if t.id != taken.truck_id
    ]
    _shot(b, "desk_accept_all_refused.png")
    # the suggestion that lost is gone; the rest may be accepted now
    assert taken.load_id not in {s.assignment.load_id for s in b.suggestion_model.items}
    assert b.accept_all()
    _wait_idle(qtbot, b)
    assert len(_in_file(path)) == len(wanted)


def test_a_stale_big_undo_is_refused_and_dropped(qtbot, shared) -> None:
    a, b, path = shared
    assert a.accept_all()
    _wait_idle(qtbot, a)
    accepted = dict(_in_file(path))
    some_load = next(iter(accepted))
    _wait_for(qtbot, lambda: b.board.loads[some_load].truck_id == accepted[some_load])
    _wait_idle(qtbot, b)
    assert b.unassign(some_load)  # B changes one load of A's step
    a._poll_timer.stop()  # A has not seen it yet
    depth = a.history.count()
    a.undo()
    _wait_idle(qtbot, a)
    assert "Cannot undo" in a.notice.text() and b.owner in a.notice.text()
    assert a.history.count() == depth - 1  # the stale step is dropped, not replayed
    left = dict(accepted)
    del left[some_load]
    assert _in_file(path) == left
    _wait_for(qtbot, lambda: a.board.loads[some_load].status == LoadStatus.OPEN)
    assert {k: x.truck_id for k, x in a.board.assignments.items()} == left


@pytest.mark.parametrize("when", ["before the commit", "after the commit"])
def test_cancel_while_a_write_runs_leaves_the_file_whole(qtbot, shared, when: str) -> None:
    a, _b, path = shared
    assert a.store is not None
    pairs = {s.assignment.load_id: s.assignment.truck_id for s in a.suggestion_model.items}
    start = a.board.state()
    depth = a.history.count()
    gate = _Gate(a.store, after_commit=when == "after the commit")
    assert a.accept_all()
    _wait_for(qtbot, gate.reached.is_set)
    qtbot.mouseClick(a.cancel_button, Qt.MouseButton.LeftButton)
    gate.set()
    _wait_idle(qtbot, a)
    _file_is_whole(path)
    if when == "before the commit":  # nothing written, nothing shown
        assert "nothing was written" in a.notice.text()
        assert _in_file(path) == {}
        assert a.board.state() == start
        assert a.history.count() == depth
    else:  # too late to cancel: committed, so shown and undoable
        assert _in_file(path) == pairs
        assert {k: x.truck_id for k, x in a.board.assignments.items()} == pairs
        assert a.history.count() == depth + 1
    assert not a.busy() and a.writing() is None
    # the desk takes changes again
    if when == "before the commit":
        assert a.assign_by_hand(*_pair(a, feasible=True))
    else:
        a.undo()
        _wait_idle(qtbot, a)
        assert _in_file(path) == {} and a.board.state() == start


def test_closing_the_file_while_a_write_runs_closes_it_after_the_write(qtbot, shared) -> None:
    a, _b, path = shared
    assert a.store is not None
    pairs = {s.assignment.load_id: s.assignment.truck_id for s in a.suggestion_model.items}
    release = _Gate(a.store)
    assert a.accept_all()
    a.close_store()
    assert a.store is not None  # the worker still uses it
    assert "closes once" in a.notice.text()
    release.set()
    _wait_for(qtbot, lambda: a.store is None)
    assert a.path is None
    assert {k: x.truck_id for k, x in a.board.assignments.items()} == pairs
    assert _in_file(path) == pairs
    _file_is_whole(path)


def test_destroying_the_desk_while_a_write_runs_leaves_the_file_whole(qtbot, shared) -> None:
    a, _b, path = shared
    a.close_store()
    c = DispatchDesk(autoload=False)  # not handed to qtbot: this test deletes it
    c.open_board(path)
    qtbot.waitUntil(c.is_ready, timeout=15_000)
    c.suggest()
    _wait_idle(qtbot, c)
    assert c.store is not None
    pairs = {s.assignment.load_id: s.assignment.truck_id for s in c.suggestion_model.items}
    gate = _Gate(c.store)
    assert c.accept_all()
    _wait_for(qtbot, gate.reached.is_set)
    shiboken6.delete(c)  # the desk is gone before its write finishes
    assert not isValid(c)
    gate.set()
    _wait_for(qtbot, lambda: running_tasks() == 0)
    _file_is_whole(path)
    assert _in_file(path) in ({}, pairs)  # all or nothing, never part of it


def test_a_big_change_recolours_the_map_one_turn_after_the_tables(
    qtbot, shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _b, _path = shared
    monkeypatch.setattr(desk_module, "MAP_SPLIT", 10)  # the sample's 99 pairs count as big
    pairs = {s.assignment.load_id: s.assignment.truck_id for s in a.suggestion_model.items}
    layer = a.map.markers

    def load_colours() -> set[str]:
        return {layer.markers[layer.by_kind[LOAD][lid]].status for lid in pairs}

    assert load_colours() == {"open"}
    assert a.accept_all()
    _wait_idle(qtbot, a)
    assert a.kpis.values["loads_assigned"] == str(len(pairs))  # tables and KPIs at once
    _wait_for(qtbot, lambda: load_colours() == {"assigned"})  # the map a turn later
    assert len(layer.links) == len(pairs)


def test_a_big_step_made_before_saving_is_undone_through_the_file(qtbot, tmp_path: Path) -> None:
    d = DispatchDesk()
    qtbot.addWidget(d)
    qtbot.waitUntil(d.is_ready, timeout=15_000)
    start = d.board.state()
    d.suggest()
    _wait_idle(qtbot, d)
    assert d.accept_all()  # no file yet: done at once, in memory
    assert d.board.assignments and not d.busy()
    path = tmp_path / "later.fboard"
    d.save_board(path)
    _wait_idle(qtbot, d)
    assert _in_file(path) == {k: x.truck_id for k, x in d.board.assignments.items()}
    d.undo_action.trigger()
    assert d.busy() and d.board.assignments  # written first, shown after
    _wait_idle(qtbot, d)
    assert d.board.state() == start
    assert _in_file(path) == {}
    d.redo_action.trigger()
    _wait_idle(qtbot, d)
    assert _in_file(path) == {k: x.truck_id for k, x in d.board.assignments.items()} != {}


_KILLED_DESK = r"""
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, sys.argv[1])
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

app = QApplication([])
from dispatcher.ui.desk import DispatchDesk

desk = DispatchDesk(autoload=False, owner="killed desk")


def run_until(condition):
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: condition() and loop.quit())
    timer.start(5)
    QTimer.singleShot(60_000, loop.quit)
    loop.exec()


desk.open_board(sys.argv[2])
run_until(desk.is_ready)
desk.suggest()
run_until(lambda: not desk.busy())
desk.accept_all()
run_until(lambda: not desk.busy())  # committed, then shown
print(len(desk.board.assignments), flush=True)
time.sleep(120)
"""


def test_a_desk_killed_right_after_a_big_write_is_shown_loses_nothing(qtbot, shared) -> None:
    a, _b, path = shared
    a.close_store()
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_DESK, str(ROOT), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    try:
        line = child.stdout.readline().strip()
        os.kill(child.pid, signal.SIGKILL)  # right after the desk showed the step
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
    assert line.isdigit() and int(line) > 50, line
    _file_is_whole(path)
    with BoardStore.open(path) as s:
        assert len(s.load().assignments) == int(line)
        assert {h.owner for h in s.history() if h.kind == "assign"} == {"killed desk"}
