"""Dispatch boards saved in SQLite: a crash loses no committed action, two desks cannot both
assign one load.

Why SQLite: it gives us atomic, durable transactions in a single file without a server. Every
write runs inside ``BEGIN IMMEDIATE`` (one writer at a time, taken up front so two instances
queue instead of deadlocking), commits with ``synchronous=FULL`` in WAL mode, and bumps a
``revision`` counter that is also the primary key of an append-only action log. The log says
who did what, so a desk that lost a race can tell its user *who* holds the load.

A board file is recognised by ``PRAGMA application_id``; its layout version is
``PRAGMA user_version``. Older files are migrated forward on open through ``MIGRATIONS``;
files from a newer Freightlab are refused with a clear message instead of being damaged.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from dispatcher import board_checks, board_file
from dispatcher.status import ASSIGN, UNASSIGN, UNASSIGNABLE
from dispatcher.store_moves import MIGRATIONS, SCHEMA_VERSION, apply_move
from dispatcher.store_records import LogLine, apply_edit, apply_record
from dispatcher.store_rows import (
    _DEADHEAD,
    _LOAD_SELECT,
    _TRUCK_SELECT,
    ActionRecord,
    AssignOp,
    BoardAssignment,
    BoardSnapshot,
    LifecycleOp,
    LoadAdd,
    LoadDelete,
    LoadEdit,
    StoreOp,
    TruckAdd,
    TruckDelete,
    TruckEdit,
    UnassignOp,
    _load_from_row,
    _log,
    _no_duplicates,
    _now,
    _set_meta,
    _truck_from_row,
    _validate,
    _write_board,
    default_owner,
)

# rows, records and their SQL (from the field tables): store_rows; callers import them here
from dispatcher.store_sql import (
    APPLICATION_ID,
    BoardConflict,
    _build,
    _columns,
    _ensure_board_id,
    _looks_like_board,
    _transaction,
)
from freightlab.atomic import atomic_write_bytes, plan_write, sweep_litter
from freightlab.errors import InputError
from freightlab.progress import Progress, check

BUSY_TIMEOUT_MS = 10_000


class BoardStore:
    """An open board file. Not thread-safe: use one per thread (each opens its own connection)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, owner: str) -> None:
        self.path = path
        self.owner = owner
        self._conn = conn
        self._open_key: tuple[int, int] | None = None  # see board_file.register_open
        self.revision = self._current_revision()  # last revision this instance has seen

    # ----------------------------------------------------------------- opening and creating
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        snapshot: BoardSnapshot | None = None,
        *,
        owner: str | None = None,
        overwrite: bool = False,
        any_thread: bool = False,
    ) -> BoardStore:
        """Write a new board file. The file appears complete or not at all: it is built in
        memory and written beside the target, then renamed into place (a symlink is followed
        and stays a link; a new file gets the umask's mode, a replaced one keeps its mode).
        Over an existing *board* it saves in one transaction instead, so a desk that has that
        board open never sees a half-replaced file."""
        target = Path(path)
        who = owner or default_owner()
        snap = snapshot or BoardSnapshot()
        _validate(snap)
        plan = plan_write(target)
        if plan.how != "replace":
            raise InputError(f"{target}: a board must be a regular file, not a device or a pipe")
        if plan.existing is not None:
            if not overwrite:
                raise InputError(f"{target}: file already exists")
            if _looks_like_board(plan.real):
                store = cls.open(target, owner=who, any_thread=any_thread)
                store.save(snap, force=True)
                return store
        board_file.move_aside_leftovers(plan.real)  # a -wal of what was here is not ours
        atomic_write_bytes(plan.real, _build(snap, who, SCHEMA_VERSION))
        return cls.open(target, owner=who, any_thread=any_thread)

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, owner: str | None = None, any_thread: bool = False
    ) -> BoardStore:
        """Open an existing board, migrating an older layout; refuse anything that is not one.

        ``any_thread``: the store may be handed to another thread (a worker opens the board,
        the UI thread then writes through it); still use it from one thread at a time."""
        target = Path(path)
        header = board_file.check_file(target)  # read-only, unreadable, not SQLite: refused
        if header is not None:
            _check_header(header, target)
        board_file.check_wal(target, header)  # a -wal of another board: moved aside, refused
        sweep_litter(target.resolve())
        try:
            conn = sqlite3.connect(
                f"{target.resolve().as_uri()}?mode=rw",
                uri=True,
                isolation_level=None,
                check_same_thread=not any_thread,
            )
        except sqlite3.Error as exc:
            raise InputError(f"{target}: cannot open board: {exc}") from exc
        try:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            _check_identity(conn, target)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            _migrate(conn, target)
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise InputError(f"{target}: board file is damaged ({verdict})")
            board_checks.check_links(conn, target)
            _ensure_board_id(conn)
            store = cls(target, conn, owner or default_owner())
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise board_file.open_failure(exc, target) from exc
        except InputError:
            conn.close()
            raise
        except (ValueError, TypeError, OverflowError) as exc:  # a value no board holds
            conn.close()
            raise InputError(f"{target}: board file is damaged: {exc}") from None
        except BaseException:
            conn.close()
            raise
        store._open_key = board_file.register_open(target)
        return store

    def close(self) -> None:
        self._conn.close()
        board_file.release_open(self._open_key)
        self._open_key = None

    def set_busy_timeout(self, ms: int) -> None:
        """How long a write waits for another desk's transaction before it is refused; a UI
        thread wants a short wait (a refusal it can show) rather than a frozen window."""
        self._conn.execute(f"PRAGMA busy_timeout={int(ms)}")

    def __enter__(self) -> BoardStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --------------------------------------------------------------------------- reading
    def load(self) -> BoardSnapshot:
        """Read the whole board in one consistent read transaction."""
        try:
            return self._load()
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a Freightlab board or damaged: {exc}") from None
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. a status no board holds
            raise InputError(f"{self.path}: board file is damaged: {exc}") from None

    def _load(self) -> BoardSnapshot:
        conn = self._conn
        try:
            with _transaction(conn, "BEGIN"):
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
                truck_rows = conn.execute(_TRUCK_SELECT + " ORDER BY seq").fetchall()
                load_rows = conn.execute(_LOAD_SELECT + " ORDER BY seq").fetchall()
        except sqlite3.Error as exc:
            raise board_file.read_failure(exc, self.path) from exc
        board_checks.check_meta(self.path, meta)
        board_checks.check_rows(self.path, "truck", _columns(_TRUCK_SELECT), truck_rows)
        board_checks.check_rows(self.path, "load", _columns(_LOAD_SELECT), load_rows)
        trucks = [_truck_from_row(r) for r in truck_rows]
        loads = [_load_from_row(r) for r in load_rows]
        assignments = [
            BoardAssignment(r[0], r[9], r[_DEADHEAD]) for r in load_rows if r[9] is not None
        ]
        revision = int(meta.get("revision", "0"))
        self.revision = revision
        return BoardSnapshot(
            name=meta.get("name", ""),
            map_path=meta.get("map_path", ""),
            day_start=meta.get("day_start") or None,
            trucks=trucks,
            loads=loads,
            assignments=assignments,
            revision=revision,
        )

    def history(self, since: int = 0) -> list[ActionRecord]:
        """Committed actions with revision > ``since``, oldest first."""
        try:
            rows = self._conn.execute(
                "SELECT revision, at, owner, kind, load_id, truck_id, detail FROM actions "
                "WHERE revision > ? ORDER BY revision",
                (since,),
            ).fetchall()
        except sqlite3.Error as exc:
            raise board_file.read_failure(exc, self.path) from exc
        return [ActionRecord(*row) for row in rows]

    def current_revision(self) -> int:
        """The board's revision on disk now (another desk may have moved it on)."""
        return self._current_revision()

    def meta(self, key: str) -> str | None:
        """A board-level value (``map_path``, ``match_settings``...), or None."""
        try:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise board_file.read_failure(exc, self.path) from exc
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str, detail: str = "") -> int:
        """Set a board-level value in one logged transaction (kind ``settings``)."""
        with self._saving(f"the board's {key}"), _transaction(self._conn):
            current = self._current_revision()
            revision = current + 1
            _set_meta(self._conn, key, value)
            _log(self._conn, revision, self.owner, "settings", None, None, detail or key)
            _set_meta(self._conn, "revision", str(revision))
        if current == self.revision:
            self.revision = revision
        return revision

    # --------------------------------------------------------------------------- writing
    def save(
        self, snapshot: BoardSnapshot, *, force: bool = False, progress: Progress | None = None
    ) -> int:
        """Replace the whole board in one transaction; returns the new revision.

        Unless ``force``, refuses with ``BoardConflict`` when another desk has changed the board
        since this store last read or wrote it, so its work is not silently overwritten.

        ``progress``: a cancel before the commit (checked before ``BEGIN`` and right before
        ``COMMIT``) raises ``Cancelled`` and writes nothing; once committed it is kept."""
        _validate(snapshot)
        conn = self._conn
        check(progress, 0.0, "waiting for the board file")
        what = f"the board ({len(snapshot.trucks)} trucks, {len(snapshot.loads)} loads)"
        with self._saving(what), _transaction(conn):
            current = self._current_revision()
            if not force and current != self.revision:
                raise BoardConflict(self._conflict_message(current))
            revision = current + 1
            _write_board(conn, snapshot, revision)
            detail = f"{len(snapshot.trucks)} trucks, {len(snapshot.loads)} loads"
            _log(conn, revision, self.owner, "save", None, None, detail)
            _set_meta(conn, "revision", str(revision))
            check(progress, 0.9, "committing")  # last moment a cancel can undo it all
        self.revision = revision
        snapshot.revision = revision
        return revision

    def assign(self, load_id: str, truck_id: str, deadhead_km: float) -> int:
        """Assign an open load to a truck and commit; returns the new revision.

        Raises ``BoardConflict`` naming the holder when the load is already assigned (by anyone,
        this desk included) or the truck already carries another load, and
        ``InputError`` when the load or truck does not exist."""
        return self.apply([AssignOp(load_id, truck_id, deadhead_km)])

    def unassign(self, load_id: str, truck_id: str | None = None) -> int:
        """Take a load off its truck and commit; returns the new revision.

        With ``truck_id`` it only succeeds if that truck still holds the load (what an undo
        needs); a load already picked up or delivered cannot be unassigned."""
        return self.apply([UnassignOp(load_id, truck_id)])

    def apply(self, ops: Sequence[StoreOp], progress: Progress | None = None) -> int:
        """Commit several changes all or nothing, in ONE transaction; returns the last revision.

        Why one transaction: "Accept all" of 1,000 suggestions must neither half-happen nor pay
        1,000 commits (each an fsync) on the UI thread. Each change still gets its own revision
        and log row, so the log keeps saying who assigned which load; no other desk can ever
        see a revision inside a batch. Unassignments run first, then assignments (a reassign
        is ``[UnassignOp(L, old), AssignOp(L, new, km)]``), then edits. The checks are a few
        set-wise queries whatever the batch size. Refusals raise ``BoardConflict`` (someone
        else changed the board first; the message names who) and change nothing.

        ``self.revision`` moves to the new revision only if this store had seen every earlier
        commit; otherwise it stays behind, so the caller can tell that other desks committed
        meanwhile (``current_revision() != revision``) and read the board again.

        ``progress`` lets a worker cancel the batch: checked before ``BEGIN`` and right before
        ``COMMIT``, a cancel raises ``Cancelled`` and nothing is written; after the commit
        point the batch is kept (a committed action is never half taken back)."""
        adds = [op for op in ops if isinstance(op, TruckAdd | LoadAdd)]
        unassigns = [op for op in ops if isinstance(op, UnassignOp)]
        assigns = [op for op in ops if isinstance(op, AssignOp)]
        edits = [op for op in ops if isinstance(op, TruckEdit | LoadEdit | LifecycleOp)]
        deletes: list[LoadDelete | TruckDelete] = [op for op in ops if isinstance(op, LoadDelete)]
        deletes += [op for op in ops if isinstance(op, TruckDelete)]  # its loads went first
        for a in assigns:
            if not a.deadhead_km >= 0:
                raise InputError(
                    f"assign {a.load_id}: deadhead_km must be >= 0, got {a.deadhead_km}"
                )
        conn = self._conn
        check(progress, 0.0, "waiting for the board file")
        kinds = ["add"] * len(adds) + ["unassign"] * len(unassigns) + ["assign"] * len(assigns)
        kinds += ["edit"] * len(edits) + ["delete"] * len(deletes)
        with self._saving(board_file.describe_ops(kinds)), _transaction(conn):
            current = self._current_revision()
            revision = current
            logs: list[LogLine] = []
            for add in adds:  # new rows first: an assignment of the same step needs them
                revision += 1
                logs.append(apply_record(self, conn, add, revision))
            if unassigns:
                for load_id, holder in self._unassign_many(unassigns):
                    revision += 1
                    logs.append((revision, "unassign", load_id, holder, ""))
            if assigns:
                first = revision + 1
                self._assign_many(assigns, first)
                for i, a in enumerate(assigns):
                    revision += 1
                    logs.append(
                        (first + i, "assign", a.load_id, a.truck_id, f"{a.deadhead_km:.1f} km")
                    )
            for edit in edits:
                revision += 1
                if isinstance(edit, LifecycleOp):
                    logs.append(apply_move(conn, edit, revision))
                else:
                    logs.append(apply_edit(self, conn, edit, revision))
            for delete in deletes:  # last: the step's unassignments freed them
                revision += 1
                logs.append(apply_record(self, conn, delete, revision))
            if revision == current:
                return current
            at = _now()
            conn.executemany(
                "INSERT INTO actions (revision, at, owner, kind, load_id, truck_id, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(r, at, self.owner, k, lid, tid, d) for r, k, lid, tid, d in logs],
            )
            _set_meta(conn, "revision", str(revision))
            check(progress, 0.9, "committing")  # last moment a cancel can undo it all
        if current == self.revision:
            self.revision = revision
        return revision

    def _unassign_many(self, ops: list[UnassignOp]) -> list[tuple[str, str]]:
        conn = self._conn
        ids = [op.load_id for op in ops]
        _no_duplicates(ids, "load", "unassign")
        rows = {
            r[0]: (r[1], r[2])
            for r in conn.execute(
                "SELECT id, truck_id, status FROM loads WHERE id IN "
                "(SELECT value FROM json_each(?))",
                (json.dumps(ids),),
            )
        }
        done: list[tuple[str, str]] = []
        for op in ops:
            if op.load_id not in rows:
                raise InputError(f"unassign: no load {op.load_id!r} on this board")
            holder, status = rows[op.load_id]
            if holder is None or status != UNASSIGNABLE:
                raise BoardConflict(self._why_not_assigned(op.load_id, holder, status))
            if op.truck_id is not None and holder != op.truck_id:
                raise BoardConflict(
                    f"load {op.load_id} is now on truck {holder}, not {op.truck_id}"
                    f"{self._by_whom(op.load_id)}"
                )
            done.append((op.load_id, holder))
        conn.executemany(
            "UPDATE loads SET truck_id = NULL, deadhead_km = NULL, status = ?, "
            "assigned_rev = NULL WHERE id = ?",
            [(UNASSIGN.load_to, lid) for lid, _ in done],
        )
        conn.executemany(  # the truck no longer drives to a pickup (dispatcher.status)
            "UPDATE trucks SET status = ? WHERE id = ? AND status = ?",
            [(UNASSIGN.truck_to, tid, UNASSIGN.truck_from) for _, tid in done],
        )
        return done

    def _assign_many(self, ops: list[AssignOp], first_revision: int) -> None:
        conn = self._conn
        load_ids = [op.load_id for op in ops]
        truck_ids = [op.truck_id for op in ops]
        _no_duplicates(load_ids, "load", "assign")
        _no_duplicates(truck_ids, "truck", "assign")
        trucks: dict[str, str] = dict(
            conn.execute(
                "SELECT id, status FROM trucks WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(truck_ids),),
            ).fetchall()
        )
        for op in ops:
            status = trucks.get(op.truck_id)
            if status is None:
                raise InputError(f"assign {op.load_id}: no truck {op.truck_id!r} on this board")
        loads = {
            r[0]: (r[1], r[2])
            for r in conn.execute(
                "SELECT id, truck_id, status FROM loads WHERE id IN "
                "(SELECT value FROM json_each(?))",
                (json.dumps(load_ids),),
            )
        }
        for op in ops:
            holder, status = loads.get(op.load_id, (None, None))
            if op.load_id not in loads or holder is not None or status != ASSIGN.load_from:
                raise BoardConflict(self._why_not_open(op.load_id))
        carried = conn.execute(
            "SELECT truck_id, id FROM loads WHERE truck_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY seq LIMIT 1",
            (json.dumps(truck_ids),),
        ).fetchone()
        if carried is not None:
            raise BoardConflict(
                f"truck {carried[0]} already carries load {carried[1]}{self._by_whom(carried[1])}"
            )
        conn.executemany(
            "UPDATE loads SET truck_id = ?, deadhead_km = ?, status = ?, assigned_rev = ? "
            "WHERE id = ?",
            [
                (op.truck_id, op.deadhead_km, ASSIGN.load_to, first_revision + i, op.load_id)
                for i, op in enumerate(ops)
            ],
        )
        conn.executemany(  # as Board._link: an idle truck now drives to the pickup
            "UPDATE trucks SET status = ? WHERE id = ? AND status = ?",
            [(ASSIGN.truck_to, tid, ASSIGN.truck_from) for tid in truck_ids],
        )

    # ---------------------------------------------------------------------------- helpers
    @contextlib.contextmanager
    def _saving(self, what: str) -> Iterator[None]:
        """A full disk or a permission lost mid-save: say which file, what was being saved,
        and that nothing committed was lost (the transaction rolled back)."""
        try:
            yield
        except sqlite3.Error as exc:
            failure = board_file.save_failure(exc, self.path, what)
            if failure is None:
                raise
            raise failure from exc

    def _current_revision(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
        return int(row[0]) if row else 0

    def _last_action(self, load_id: str | None = None) -> ActionRecord | None:
        """The latest action; for a load, the one that gave it its current truck (or, for an
        unassigned load, the latest action that touched it or the whole board)."""
        row = None
        if load_id is not None:
            rev = self._conn.execute(
                "SELECT assigned_rev FROM loads WHERE id = ?", (load_id,)
            ).fetchone()
            if rev is not None and rev[0] is not None:
                row = self._conn.execute(
                    "SELECT * FROM actions WHERE revision = ?", (rev[0],)
                ).fetchone()
            if row is None:
                row = self._conn.execute(
                    "SELECT * FROM actions WHERE load_id = ? OR kind IN ('save', 'create') "
                    "ORDER BY revision DESC LIMIT 1",
                    (load_id,),
                ).fetchone()
        else:
            row = self._conn.execute(
                "SELECT * FROM actions ORDER BY revision DESC LIMIT 1"
            ).fetchone()
        return ActionRecord(*row) if row else None

    def _by_whom(self, load_id: str) -> str:
        action = self._last_action(load_id)
        if action is None:
            return ""
        who = "this desk" if action.owner == self.owner else action.owner
        return f" ({action.kind} by {who} at revision {action.revision}, {action.at})"

    def _by_whom_truck(self, truck_id: str) -> str:
        row = self._conn.execute(
            "SELECT * FROM actions WHERE truck_id = ? OR kind IN ('save', 'create') "
            "ORDER BY revision DESC LIMIT 1",
            (truck_id,),
        ).fetchone()
        if row is None:
            return ""
        action = ActionRecord(*row)
        who = "this desk" if action.owner == self.owner else action.owner
        return f" ({action.kind} by {who} at revision {action.revision}, {action.at})"

    def _why_not_open(self, load_id: str) -> str:
        row = self._conn.execute(
            "SELECT truck_id, status FROM loads WHERE id = ?", (load_id,)
        ).fetchone()
        if row is None:
            return f"no load {load_id!r} on this board"
        holder, status = row
        if holder is not None:
            return f"load {load_id} is already assigned to truck {holder}{self._by_whom(load_id)}"
        return f"load {load_id} is {status}, not open{self._by_whom(load_id)}"

    def _why_not_assigned(self, load_id: str, holder: str | None, status: str) -> str:
        if holder is None:
            return f"load {load_id} is not assigned{self._by_whom(load_id)}"
        return f"load {load_id} is {status} on truck {holder}; it can no longer be unassigned"

    def _conflict_message(self, current: int) -> str:
        last = self._last_action()
        who = f" by {last.owner} ({last.kind} at {last.at})" if last else ""
        return (
            f"{self.path.name}: the board was changed elsewhere{who}: it is at revision "
            f"{current}, this desk last saw {self.revision}; reopen it or save a copy"
        )


# ------------------------------------------------------------------------------ internals
def _check_header(header: board_file.Header, path: Path) -> None:
    """The identity checks of ``_check_identity``, made on the raw header before SQLite may
    touch the file."""
    if header.application_id != APPLICATION_ID:
        raise InputError(f"{path}: not a Freightlab board (an SQLite file of another kind)")
    _check_version(header.user_version, path)


def _check_identity(conn: sqlite3.Connection, path: Path) -> None:
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") == "SQLITE_NOTADB":
            raise InputError(f"{path}: not a Freightlab board (not an SQLite database)") from exc
        raise board_file.open_failure(exc, path) from exc
    if app_id != APPLICATION_ID:
        raise InputError(f"{path}: not a Freightlab board (an SQLite file of another kind)")
    _check_version(version, path)


def _check_version(version: int, path: Path) -> None:
    if version > SCHEMA_VERSION:
        raise InputError(
            f"{path}: saved by a newer Freightlab (board format v{version}; "
            f"this version reads up to v{SCHEMA_VERSION}); please upgrade"
        )
    if version < 1:
        raise InputError(f"{path}: Freightlab board with no format version; file is damaged")


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring an older board up to SCHEMA_VERSION, one step per transaction."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise InputError(f"{path}: no upgrade from board format v{version}")
        with _transaction(conn):
            step(conn)
            conn.execute(f"PRAGMA user_version={version + 1}")
        version += 1
