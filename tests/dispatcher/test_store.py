"""Board persistence: round trip, races between desks, kills mid-save, files that are not boards."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dispatcher import store as store_mod
from dispatcher.fleet import Load, LoadStatus, Truck, TruckStatus, TruckType
from dispatcher.store import (
    AssignOp,
    BoardAssignment,
    BoardConflict,
    BoardSnapshot,
    BoardStore,
    LoadEdit,
    TruckEdit,
    UnassignOp,
)
from freightlab.errors import InputError
from freightlab.progress import Cancelled, Progress

ROOT = Path(__file__).resolve().parents[2]


def _board() -> BoardSnapshot:
    trucks = [
        Truck("T1", "mumbai", 20.0, TruckType.OPEN, 0.0),
        Truck("T2", "pune", 12.5, TruckType.REEFER, 6.5, TruckStatus.EN_ROUTE_TO_PICKUP),
        Truck("T3", "delhi", 30.0, TruckType.TRAILER, 1.0, TruckStatus.OFF_DUTY),
    ]
    loads = [
        Load("L1", "pune", "mumbai", 10.0, TruckType.OPEN, 8.0, 10.0, 25000.0),
        Load(
            "L2",
            "mumbai",
            "delhi",
            8.0,
            TruckType.REEFER,
            9.0,
            12.0,
            61000.0,
            LoadStatus.ASSIGNED,
            "T2",
        ),
        Load("L3", "delhi", "jaipur", 25.0, TruckType.TRAILER, 13.25, 15.0, 18000.0),
    ]
    return BoardSnapshot(
        name="West desk",
        map_path="assets/maps/india.graphml",
        day_start="2026-11-22T00:00",
        trucks=trucks,
        loads=loads,
        assignments=[BoardAssignment("L2", "T2", 148.5)],
    )


def test_round_trip_restores_everything(tmp_path: Path) -> None:
    path = tmp_path / "board.freight"
    original = _board()
    with BoardStore.create(path, original):
        pass
    with BoardStore.open(path) as store:
        got = store.load()
    assert got.name == "West desk"
    assert got.map_path == "assets/maps/india.graphml"
    assert got.day_start == "2026-11-22T00:00"
    assert got.trucks == original.trucks
    assert got.loads == original.loads
    assert got.assignments == original.assignments
    assert got.revision == 1


def test_assign_and_unassign_are_committed_and_logged(tmp_path: Path) -> None:
    path = tmp_path / "b.freight"
    BoardStore.create(path, _board(), owner="desk-A").close()
    with BoardStore.open(path, owner="desk-A") as a:
        assert a.assign("L1", "T1", 42.0) == 2
        assert a.unassign("L2", "T2") == 3
    with BoardStore.open(path) as b:
        snap = b.load()
        loads = {ld.id: ld for ld in snap.loads}
        assert loads["L1"].truck_id == "T1" and loads["L1"].status == LoadStatus.ASSIGNED
        assert loads["L2"].truck_id is None and loads["L2"].status == LoadStatus.OPEN
        assert snap.assignments == [BoardAssignment("L1", "T1", 42.0)]
        kinds = [(h.revision, h.kind, h.load_id, h.owner) for h in b.history()]
        assert kinds == [
            (1, "create", None, "desk-A"),
            (2, "assign", "L1", "desk-A"),
            (3, "unassign", "L2", "desk-A"),
        ]


def test_second_desk_is_told_who_holds_the_load(tmp_path: Path) -> None:
    path = tmp_path / "b.freight"
    BoardStore.create(path, _board()).close()
    a = BoardStore.open(path, owner="alice@desk1")
    b = BoardStore.open(path, owner="bob@desk2")
    a.assign("L1", "T1", 10.0)
    with pytest.raises(BoardConflict, match=r"L1 is already assigned to truck T1.*alice@desk1"):
        b.assign("L1", "T3", 5.0)
    # the loser's attempt changed nothing
    assert {x.load_id: x.truck_id for x in b.load().assignments} == {"L1": "T1", "L2": "T2"}
    # an undo from b that expects its own truck is refused with the reason, too
    with pytest.raises(BoardConflict, match="now on truck T1, not T3"):
        b.unassign("L1", "T3")
    a.close()
    b.close()


def _race(path: Path, load_id: str) -> dict[str, str]:
    """Two desks, each on its own connection and thread, assign one load at the same moment."""
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def contend(owner: str, truck: str) -> None:
        store = BoardStore.open(path, owner=owner)
        barrier.wait()
        try:
            store.assign(load_id, truck, 1.0)
            outcomes[owner] = "won"
        except BoardConflict as exc:
            outcomes[owner] = str(exc)
        finally:
            store.close()

    threads = [
        threading.Thread(target=contend, args=("desk-1", "T1")),
        threading.Thread(target=contend, args=("desk-2", "T3")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_two_connections_racing_for_one_load_exactly_one_wins(tmp_path: Path) -> None:
    path = tmp_path / "b.freight"
    BoardStore.create(path, _board()).close()
    for round_ in range(5):
        load_id = "L1" if round_ % 2 == 0 else "L3"
        outcomes = _race(path, load_id)
        winners = [o for o, r in outcomes.items() if r == "won"]
        assert len(winners) == 1, outcomes
        loser = "desk-2" if winners[0] == "desk-1" else "desk-1"
        assert "already assigned" in outcomes[loser] and winners[0] in outcomes[loser]
        with BoardStore.open(path) as s:
            s.unassign(load_id)


def test_whole_save_refuses_to_overwrite_another_desks_change(tmp_path: Path) -> None:
    path = tmp_path / "b.freight"
    BoardStore.create(path, _board()).close()
    a = BoardStore.open(path, owner="alice")
    b = BoardStore.open(path, owner="bob")
    mine = b.load()
    a.assign("L1", "T1", 3.0)
    with pytest.raises(BoardConflict, match="changed elsewhere by alice"):
        b.save(mine)
    assert b.load().revision == 2  # reading again catches up; now the save goes through
    assert b.save(mine) == 3
    assert a.current_revision() == 3
    a.close()
    b.close()


def test_save_keeps_who_made_an_unchanged_assignment(tmp_path: Path) -> None:
    path = tmp_path / "b.freight"
    BoardStore.create(path, _board(), owner="carol").close()
    a = BoardStore.open(path, owner="alice")
    a.assign("L1", "T1", 3.0)
    b = BoardStore.open(path, owner="bob")
    b.save(b.load())  # bob re-saves the same board
    with pytest.raises(BoardConflict, match="assign by alice"):
        b.assign("L1", "T3", 1.0)
    a.close()
    b.close()


def test_inconsistent_snapshot_is_rejected(tmp_path: Path) -> None:
    snap = _board()
    snap.assignments.append(BoardAssignment("L9", "T1", 1.0))
    with pytest.raises(ValueError, match="unknown"):
        BoardStore.create(tmp_path / "x.freight", snap)
    assert not (tmp_path / "x.freight").exists()  # nothing half-written


def test_create_refuses_to_clobber_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "b.freight"
    BoardStore.create(path, _board()).close()
    with pytest.raises(InputError, match="already exists"):
        BoardStore.create(path)
    with BoardStore.create(path, BoardSnapshot(name="fresh"), overwrite=True) as s:
        assert s.load().name == "fresh"
        assert [h.kind for h in s.history()] == ["create", "save"]


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"id,location\nT1,pune\n", "not an SQLite database"),
        (b"", "empty file"),
    ],
)
def test_non_board_files_give_a_clear_error(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "trucks.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=reason):
        BoardStore.open(path)


def test_other_sqlite_database_is_not_a_board(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="another kind"):
        BoardStore.open(path)
    with pytest.raises(InputError, match="no such board"):
        BoardStore.open(tmp_path / "missing.freight")


def test_corrupted_board_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "b.freight"
    snap = _board()
    snap.loads = [
        Load(f"L{i}", "pune", "mumbai", 1.0, TruckType.OPEN, 1.0, 2.0, 1.0) for i in range(400)
    ]
    snap.assignments = []
    BoardStore.create(path, snap).close()
    data = bytearray(path.read_bytes())
    assert len(data) > 3 * 4096
    rng = random.Random(7)
    for i in range(4096 + 16, len(data)):  # keep the header page, scramble the rest
        data[i] = rng.randrange(256)
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"damaged|malformed|not a Freightlab board"):
        BoardStore.open(path).load()


def test_newer_board_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.freight"
    BoardStore.create(path, _board()).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=99")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match=r"newer Freightlab \(board format v99"):
        BoardStore.open(path)


def test_older_board_is_migrated_on_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "b.freight"
    BoardStore.create(path, _board()).close()

    def v2_to_v3(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE trucks ADD COLUMN driver TEXT")

    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 3)
    monkeypatch.setitem(store_mod.MIGRATIONS, 2, v2_to_v3)
    with BoardStore.open(path) as s:
        assert s.load().trucks == _board().trucks
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    assert "driver" in [r[1] for r in conn.execute("PRAGMA table_info(trucks)")]
    conn.close()


_WRITER = r"""
import sys
sys.path.insert(0, sys.argv[2])
from dispatcher.fleet import Load, Truck, TruckType
from dispatcher.store import BoardSnapshot, BoardStore

N = int(sys.argv[3])
store = BoardStore.open(sys.argv[1], owner="writer")
trucks = [Truck(f"T{i}", "pune", 20.0, TruckType.OPEN) for i in range(50)]
i = 0
while True:
    variant = i % 2
    loads = [Load(f"L{k}", "pune", "mumbai", 1.0, TruckType.OPEN, 1.0, 2.0, 100.0 + variant)
             for k in range(N)]
    rev = store.save(BoardSnapshot(name=f"v{variant}", trucks=trucks, loads=loads), force=True)
    print("save", rev, variant, flush=True)
    for k in range(6):
        rev = store.assign(f"L{k}", f"T{k}", float(k))
        print("assign", rev, k, flush=True)
    rev = store.unassign("L0", "T0")
    print("unassign", rev, 0, flush=True)
    i += 1
"""


@pytest.mark.parametrize("commits_before_kill", [3, 17, 40])
def test_kill_during_save_loses_no_committed_action(
    tmp_path: Path, commits_before_kill: int
) -> None:
    n_loads = 3000
    path = tmp_path / "b.freight"
    BoardStore.create(path, BoardSnapshot(name="empty")).close()
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), str(ROOT), str(n_loads)],
        stdout=subprocess.PIPE,
        text=True,
    )
    committed: list[tuple[str, int]] = []
    assert child.stdout is not None
    try:
        while len(committed) < commits_before_kill:
            line = child.stdout.readline()
            assert line, "writer died early"
            kind, rev, _ = line.split()
            committed.append((kind, int(rev)))
        time.sleep(random.Random(commits_before_kill).uniform(0.0, 0.03))
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
    # anything printed after our last read was committed too
    for line in child.stdout.read().splitlines():
        kind, rev, _ = line.split()
        committed.append((kind, int(rev)))

    with BoardStore.open(path) as s:  # opens cleanly: the WAL is replayed or rolled back
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        snap = s.load()
        history = s.history()
    logged = {h.revision: h.kind for h in history}
    for kind, rev in committed:  # every committed action is there
        assert logged.get(rev) == kind
    last_rev = committed[-1][1]
    assert snap.revision in (last_rev, last_rev + 1)  # at most one unreported commit
    assert max(logged) == snap.revision
    # a whole-board save is all or nothing: one variant, every load
    assert len(snap.loads) == n_loads and len(snap.trucks) == 50
    assert len({ld.price for ld in snap.loads}) == 1
    # assignments are exactly what the log replays to since the last save
    last_save = max(r for r, k in logged.items() if k in ("save", "create"))
    expected: dict[str, str] = {}
    for h in history:
        if h.revision <= last_save:
            continue
        assert h.load_id is not None and h.truck_id is not None
        if h.kind == "assign":
            expected[h.load_id] = h.truck_id
        else:
            expected.pop(h.load_id)
    assert {a.load_id: a.truck_id for a in snap.assignments} == expected
    for ld in snap.loads:
        assert (ld.truck_id is not None) == (ld.status == LoadStatus.ASSIGNED)


def test_a_board_locked_elsewhere_is_a_clear_conflict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "b.freight"
    BoardStore.create(path, _board()).close()
    monkeypatch.setattr(store_mod, "BUSY_TIMEOUT_MS", 50)
    hog = sqlite3.connect(path, isolation_level=None)
    hog.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with BoardStore.open(path) as s:
            with pytest.raises(BoardConflict, match="busy in another program"):
                s.assign("L1", "T1", 1.0)
            assert s.load().revision == 1  # reading still works under WAL
    finally:
        hog.execute("ROLLBACK")
        hog.close()
    with BoardStore.open(path) as s:  # and the lock going away frees the board
        assert s.assign("L1", "T1", 1.0) == 2


def _many(n: int) -> BoardSnapshot:
    trucks = [Truck(f"T{i}", "pune", 20.0, TruckType.OPEN) for i in range(n)]
    loads = [
        Load(f"L{i}", "pune", "mumbai", 1.0, TruckType.OPEN, 1.0, 2.0, 100.0) for i in range(n)
    ]
    return BoardSnapshot(name="many", trucks=trucks, loads=loads)


def test_a_batch_is_one_transaction_with_a_revision_per_action(tmp_path: Path) -> None:
    path = tmp_path / "b.fboard"
    BoardStore.create(path, _many(500)).close()
    with BoardStore.open(path, owner="alice") as s:
        statements: list[str] = []
        s._conn.set_trace_callback(statements.append)
        last = s.apply([AssignOp(f"L{i}", f"T{i}", float(i)) for i in range(500)])
        s._conn.set_trace_callback(None)
        assert last == 501 and s.revision == 501
        assert sum(st.startswith("BEGIN") for st in statements) == 1
        assert sum(st == "COMMIT" for st in statements) == 1
        history = s.history(since=1)
        assert [(h.revision, h.kind, h.load_id, h.truck_id) for h in history] == [
            (2 + i, "assign", f"L{i}", f"T{i}") for i in range(500)
        ]
        snap = s.load()
        assert len(snap.assignments) == 500
        assert all(t.status == TruckStatus.EN_ROUTE_TO_PICKUP for t in snap.trucks)
        # undo as one batch: every truck idle again
        s.apply([UnassignOp(f"L{i}", f"T{i}") for i in range(500)])
        snap = s.load()
        assert snap.assignments == [] and snap.revision == 1001
        assert all(t.status == TruckStatus.IDLE for t in snap.trucks)


def test_a_batch_is_all_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "b.fboard"
    BoardStore.create(path, _many(10)).close()
    a = BoardStore.open(path, owner="alice")
    b = BoardStore.open(path, owner="bob")
    a.assign("L7", "T9", 1.0)
    with pytest.raises(BoardConflict, match=r"L7 is already assigned to truck T9 .*alice"):
        b.apply([AssignOp(f"L{i}", f"T{i}", 1.0) for i in range(10)])
    assert b.current_revision() == 2
    assert {x.load_id for x in b.load().assignments} == {"L7"}
    # a truck carries one load: a second desk cannot give T9 another one
    with pytest.raises(BoardConflict, match=r"truck T9 already carries load L7.*alice"):
        b.assign("L1", "T9", 1.0)
    # a reassign is unassign + assign in one transaction
    assert a.apply([UnassignOp("L7", "T9"), AssignOp("L7", "T3", 2.0)]) == 4
    assert [(x.load_id, x.truck_id) for x in b.load().assignments] == [("L7", "T3")]
    a.close()
    b.close()


def test_revision_stays_behind_when_another_desk_committed_first(tmp_path: Path) -> None:
    path = tmp_path / "b.fboard"
    BoardStore.create(path, _many(5)).close()
    a = BoardStore.open(path, owner="alice")
    b = BoardStore.open(path, owner="bob")
    a.assign("L0", "T0", 1.0)  # revision 2, b has not seen it
    assert b.assign("L1", "T1", 1.0) == 3
    assert b.revision == 1 and b.current_revision() == 3  # b knows it must read again
    assert [h.owner for h in b.history(since=b.revision)] == ["alice", "bob"]
    b.load()
    assert b.revision == 3
    assert a.assign("L2", "T2", 1.0) == 4 and a.revision == 2
    a.close()
    b.close()


def test_edits_are_compare_and_set(tmp_path: Path) -> None:
    path = tmp_path / "b.fboard"
    BoardStore.create(path, _board()).close()
    a = BoardStore.open(path, owner="alice")
    b = BoardStore.open(path, owner="bob")
    t1 = a.load().trucks[0]
    bigger = Truck(**{**vars(t1), "capacity_t": 33.0})
    assert a.apply([TruckEdit(t1, bigger)]) == 2
    assert b.load().trucks[0].capacity_t == 33.0
    assert [(h.kind, h.truck_id, h.detail) for h in b.history(since=1)] == [
        ("edit", "T1", "capacity_t: 20.0 -> 33.0")
    ]
    with pytest.raises(BoardConflict, match=r"truck T1 was changed meanwhile .*alice"):
        b.apply([TruckEdit(t1, Truck(**{**vars(t1), "capacity_t": 5.0}))])  # stale "before"
    l1 = b.load().loads[0]
    a.assign("L1", "T1", 3.0)
    later = Load(**{**vars(l1), "price": 1.0})
    with pytest.raises(BoardConflict, match=r"L1 is already assigned to truck T1 .*alice"):
        b.apply([LoadEdit(l1, later)])
    a.close()
    b.close()


class _CancelAt(Progress):
    """Cancels itself when the store reaches the given fraction (0.0: before BEGIN, 0.9:
    right before COMMIT), as the desk's Cancel would at that instant."""

    def __init__(self, at: float) -> None:
        super().__init__(None)
        self.at = at
        self.seen: list[float] = []

    def update(self, fraction: float, message: str = "") -> None:
        self.seen.append(fraction)
        if fraction >= self.at:
            self.cancel()
        super().update(fraction, message)


@pytest.mark.parametrize("at", [0.0, 0.9])
def test_a_cancelled_batch_writes_nothing(tmp_path: Path, at: float) -> None:
    path = tmp_path / "b.fboard"
    BoardStore.create(path, _board()).close()
    with BoardStore.open(path) as store:
        before = store.load()
        progress = _CancelAt(at)
        with pytest.raises(Cancelled):
            store.apply([UnassignOp("L2", "T2"), AssignOp("L1", "T1", 12.0)], progress)
        assert progress.seen[-1] == at
        with pytest.raises(Cancelled):
            store.save(BoardSnapshot(name="other"), force=True, progress=_CancelAt(at))
        assert not store._conn.in_transaction
    with BoardStore.open(path) as store:
        after = store.load()
        assert (after.assignments, after.revision, after.name) == (
            before.assignments,
            before.revision,
            before.name,
        )
        # and the store still works: the same batch commits when nobody cancels
        seen = _CancelAt(2.0)
        store.apply([UnassignOp("L2", "T2"), AssignOp("L1", "T1", 12.0)], seen)
        assert seen.seen == [0.0, 0.9]
        assert {a.load_id: a.truck_id for a in store.load().assignments} == {"L1": "T1"}
