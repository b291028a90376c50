"""The dispatch session without Qt: apply or refuse, undo/redo, write-through, other desks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dispatcher.board import Board, BoardError
from dispatcher.fleet import Load, LoadStatus, Truck, TruckType
from dispatcher.session import ASYNC_MIN_OBJECTS, Change, DeskState, QuietView, Session
from dispatcher.store import BoardAssignment, BoardStore
from freightlab.jobs import Job, RunNow

N = 30  # pairs: 2 * N objects is a big step


def _board() -> Board:
    trucks = [Truck(f"T{i}", "pune", 20.0, TruckType.OPEN) for i in range(N)]
    loads = [
        Load(f"L{i}", "mumbai", "delhi", 8.0, TruckType.OPEN, 0.0, 24.0, 900.0) for i in range(N)
    ]
    return Board(trucks, loads)


class Held(RunNow):
    """Keeps foreground jobs until ``finish()``: the session is caught mid-write."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[Job[Any]] = []
        self.hold = False

    def run(self, job: Job[Any]) -> None:
        if self.hold:
            self.pending.append(job)
        else:
            super().run(job)

    def finish(self) -> None:
        pending, self.pending = self.pending, []
        for job in pending:
            super().run(job)


class Deferred:
    def __init__(self) -> None:
        self.calls: list[Callable[[], None]] = []

    def __call__(self, fn: Callable[[], None]) -> None:
        self.calls.append(fn)

    def drain(self) -> None:
        while self.calls:
            self.calls.pop(0)()


def _session(jobs: RunNow | None = None) -> tuple[Session, QuietView, Deferred]:
    view, defer = QuietView(), Deferred()
    s = Session(jobs or RunNow(), defer, "desk A", view)
    s.board = _board()
    return s, view, defer


def _assign(load: str, truck: str) -> Change:
    a = BoardAssignment(load, truck, 10.0)
    return Change(f"Assign {load} to {truck}", lambda b: b.assign(a), (truck,), (load,))


def _on_file(s: Session, tmp_path: Path) -> BoardStore:
    path = tmp_path / "b.fboard"
    BoardStore.create(path, s.board.to_snapshot("b")).close()
    s.use_store(BoardStore.open(path, owner=s.owner))
    s.path = path
    return BoardStore.open(path, owner="desk B")


def test_refused_change_says_why_and_changes_nothing() -> None:
    s, _view, _ = _session()
    start = s.board.state()
    s.apply(_assign("L0", "T0"))

    def bad(b: Board) -> None:
        b.assign(BoardAssignment("L1", "T0", 5.0))

    reason = s.apply(Change("Assign L1 to T0", bad, ("T0",), ("L1",)))
    assert reason == "truck T0 already carries load L0; unassign it first"
    assert s.history.count() == 1
    s.undo()
    assert s.board.state() == start


def test_undo_redo_restore_exactly_and_name_the_step() -> None:
    s, view, _ = _session()
    start = s.board.state()
    assert s.apply(_assign("L0", "T0")) is None
    after = s.board.state()
    assert s.history.text("undo") == "Assign L0 to T0" and s.dirty
    s.undo()
    assert s.board.state() == start and s.history.text("redo") == "Assign L0 to T0"
    assert not s.dirty  # back where the (empty) history started
    s.redo()
    assert s.board.state() == after
    assert view.changes, "the view is told every change"


def test_write_through_commits_before_the_board_shows_it(tmp_path: Path) -> None:
    s, _view, _ = _session()
    other = _on_file(s, tmp_path)
    assert s.apply(_assign("L0", "T0")) is None
    snap = other.load()
    assert snap.loads[0].status == LoadStatus.ASSIGNED and snap.loads[0].truck_id == "T0"
    assert not s.dirty  # every action is already in the file
    s.undo()
    assert other.load().loads[0].truck_id is None
    other.close()


def test_another_desk_wins_the_race_and_is_taken_in(tmp_path: Path) -> None:
    s, view, defer = _session()
    other = _on_file(s, tmp_path)
    other.assign("L0", "T1", 3.0)  # desk B got there first
    reason = s.apply(_assign("L0", "T0"))
    assert reason is not None and "desk B" in reason
    assert s.board.loads["L0"].truck_id is None  # not applied
    assert s.history.count() == 0
    view.tell(f"Cannot assign: {reason}")  # what the desk shows
    defer.drain()  # the refusal asks for a read of the file; RunNow reads at once
    assert s.board.loads["L0"].truck_id == "T1"
    assert s.state is DeskState.IDLE
    assert "Now showing the file" in view.told[-1][0]
    other.close()


def test_poll_takes_in_other_desks_and_drops_stale_undo(tmp_path: Path) -> None:
    s, view, _ = _session()
    other = _on_file(s, tmp_path)
    s.apply(_assign("L0", "T0"))
    s.apply(_assign("L1", "T1"))
    assert not s.poll()  # nothing new
    other.unassign("L1", "T1")
    assert s.poll()
    assert s.board.loads["L1"].truck_id is None
    assert s.history.count() == 0  # a step touched L1: the history is cleared
    assert "undo history cleared" in view.told[-1][0]
    assert s.revision == other.current_revision()
    other.close()


def test_undo_the_file_refuses_leaves_the_history(tmp_path: Path) -> None:
    s, view, _ = _session()
    other = _on_file(s, tmp_path)
    s.apply(_assign("L0", "T0"))
    s.apply(_assign("L1", "T1"))
    other.unassign("L1", "T1")
    other.assign("L1", "T2", 1.0)
    s.undo()  # the file no longer has L1 on T1
    assert view.told[-1][0].startswith("Cannot undo:")
    assert s.history.count() == 1 and s.history.text("undo") == "Assign L0 to T0"
    other.close()


def test_a_big_step_is_written_by_a_job_and_blocks_other_changes(tmp_path: Path) -> None:
    jobs = Held()
    s, view, _ = _session(jobs)
    other = _on_file(s, tmp_path)
    pairs = [BoardAssignment(f"L{i}", f"T{i}", 1.0) for i in range(N)]

    def op(b: Board) -> None:
        for a in pairs:
            b.assign(a)

    change = Change(
        "Accept all", op, tuple(a.truck_id for a in pairs), tuple(a.load_id for a in pairs)
    )
    assert change.size() >= ASYNC_MIN_OBJECTS
    outcome: list[str | None] = []
    jobs.hold = True
    assert s.apply(change, then=outcome.append) is None
    assert s.state is DeskState.WRITING and s.writing() == "Accept all"
    assert s.board.loads["L0"].truck_id is None  # shown only once committed
    refused = s.apply(_assign("L0", "T0"))
    assert refused is not None and "still being written" in refused
    jobs.hold = False
    jobs.finish()
    assert outcome == [None] and s.state is DeskState.IDLE
    assert all(s.board.loads[f"L{i}"].truck_id == f"T{i}" for i in range(N))
    assert sum(1 for ld in other.load().loads if ld.truck_id) == N
    assert any("Written to" in t for t, _ in view.told)
    s.undo()  # big too: a job writes it, then the board adopts the job's copy
    assert all(ld.truck_id is None for ld in s.board.loads.values())
    assert all(ld.truck_id is None for ld in other.load().loads)
    other.close()


def test_a_refused_big_step_changes_nothing(tmp_path: Path) -> None:
    s, _view, _ = _session()
    other = _on_file(s, tmp_path)
    other.assign(f"L{N - 1}", "T0", 1.0)
    pairs = [BoardAssignment(f"L{i}", f"T{i}", 1.0) for i in range(N)]

    def op(b: Board) -> None:
        for a in pairs:
            b.assign(a)

    outcome: list[str | None] = []
    s.apply(
        Change(
            "Accept all", op, tuple(f"T{i}" for i in range(N)), tuple(f"L{i}" for i in range(N))
        ),
        outcome.append,
    )
    assert outcome and outcome[0] is not None
    assert s.history.count() == 0
    other.close()


def test_saving_refuses_changes_until_it_is_done(tmp_path: Path) -> None:
    jobs = Held()
    s, _view, _ = _session(jobs)
    jobs.hold = True
    saved: list[BoardStore] = []
    s.save_as(tmp_path / "new.fboard", saved.append)
    assert s.state is DeskState.SAVING
    assert "being saved" in (s.apply(_assign("L0", "T0")) or "")
    jobs.hold = False
    jobs.finish()
    assert s.state is DeskState.IDLE and saved and s.store is saved[0]
    assert s.apply(_assign("L0", "T0")) is None
    assert BoardStore.open(tmp_path / "new.fboard").load().loads[0].truck_id == "T0"


def test_board_errors_in_ops_are_reasons() -> None:
    s, _view, _ = _session()

    def op(_b: Board) -> None:
        raise BoardError("no such thing")

    assert s.apply(Change("x", op)) == "no such thing"
    assert s.history.count() == 0 and s.state is DeskState.IDLE


def test_a_read_the_board_overtook_is_thrown_away_and_done_again(tmp_path: Path) -> None:
    jobs = RunNow(hold_background=True)
    s, _view, defer = _session(jobs)
    other = _on_file(s, tmp_path)
    other.assign("L5", "T5", 2.0)
    assert s.poll() and s.state is DeskState.SYNCING  # the read is in flight
    assert s.apply(_assign("L0", "T0")) is None  # changes go on meanwhile
    jobs.release()  # the read comes back: it predates the change, so it is not applied
    assert s.board.loads["L5"].truck_id is None
    assert s.state is DeskState.IDLE and s.reading()  # and a new read is asked for
    defer.drain()
    jobs.release()
    assert s.board.loads["L5"].truck_id == "T5" and s.board.loads["L0"].truck_id == "T0"
    assert not s.reading() and s.history.count() == 1  # L0's step stays undoable
    other.close()
