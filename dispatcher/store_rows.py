"""A board file's rows: the records the store hands out, its schema and the SQL of its rows.

The table layouts, SELECTs, INSERTs and UPDATEs come from the field tables of
:mod:`dispatcher.fleet`; statuses an assignment implies come from :mod:`dispatcher.status`.
Everything here runs on a connection it is given (the store owns connections and
transactions).
"""

from __future__ import annotations

import getpass
import os
import socket
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dispatcher.fleet import (
    LOAD_EDITABLE,
    LOAD_FIELDS,
    TRUCK_EDITABLE,
    TRUCK_FIELDS,
    Field,
    Load,
    Truck,
    from_sql,
    names,
    sql_values,
)
from dispatcher.status import settled_load_status


def _column_defs(fields: tuple[Field, ...]) -> str:
    return ",\n".join(f"    {f.name:<15} {f.sql}" for f in fields)


_SCHEMA_V1 = f"""
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE trucks (
    seq             INTEGER NOT NULL,
{_column_defs(TRUCK_FIELDS)}
);
CREATE TABLE loads (
    seq             INTEGER NOT NULL,
{_column_defs(LOAD_FIELDS)},
    deadhead_km     REAL,
    assigned_rev    INTEGER,
    CHECK ((truck_id IS NULL) = (deadhead_km IS NULL))
);
CREATE TABLE actions (
    revision INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    owner    TEXT NOT NULL,
    kind     TEXT NOT NULL,
    load_id  TEXT,
    truck_id TEXT,
    detail   TEXT NOT NULL DEFAULT ''
);
"""


@dataclass(frozen=True)
class BoardAssignment:
    """A load assigned to a truck, with the empty kilometres the truck drives to reach it."""

    load_id: str
    truck_id: str
    deadhead_km: float


@dataclass(frozen=True)
class ActionRecord:
    """One committed change, in order; ``revision`` is the board revision it produced."""

    revision: int
    at: str
    owner: str
    #: "create", "save", "assign", "unassign", "edit", "status" (a lifecycle step),
    #: "add", "delete" (a truck or a load), "settings" (the matcher's, a board meta key)
    kind: str
    load_id: str | None
    truck_id: str | None
    detail: str


@dataclass(frozen=True)
class AssignOp:
    """Give an open load to a free truck (``BoardStore.apply``)."""

    load_id: str
    truck_id: str
    deadhead_km: float


@dataclass(frozen=True)
class UnassignOp:
    """Take a load off its truck; with ``truck_id``, only if that truck still holds it."""

    load_id: str
    truck_id: str | None = None


@dataclass(frozen=True)
class TruckEdit:
    """Change a truck's fields, provided its row still equals ``before`` (nobody else did)."""

    before: Truck
    after: Truck


@dataclass(frozen=True)
class LoadEdit:
    """Change a load's fields, provided its row still equals ``before``."""

    before: Load
    after: Load


@dataclass(frozen=True)
class LifecycleOp:
    """A load's lifecycle step or its undo (:data:`dispatcher.status.LIFECYCLE`): the load
    and its truck go from ``before`` to ``after`` provided their rows still equal ``before``.
    ``deadhead_km``: the assignment's, when ``after`` has a truck (an undone delivery)."""

    before: Load
    after: Load
    truck_before: Truck | None = None
    truck_after: Truck | None = None
    deadhead_km: float | None = None


@dataclass(frozen=True)
class TruckAdd:
    """Put a new truck on the board (refused when its id is taken); it arrives free: an
    assignment of the same step is an ``AssignOp`` after it."""

    truck: Truck


@dataclass(frozen=True)
class LoadAdd:
    """Put a new load on the board, unassigned (see ``TruckAdd``)."""

    load: Load


@dataclass(frozen=True)
class TruckDelete:
    """Take a truck off the board, provided its row still equals ``before`` (free: the
    step's ``UnassignOp`` runs first)."""

    before: Truck


@dataclass(frozen=True)
class LoadDelete:
    """Take a load off the board, provided its row still equals ``before`` (unassigned)."""

    before: Load


RecordOp = TruckAdd | LoadAdd | TruckDelete | LoadDelete
StoreOp = AssignOp | UnassignOp | TruckEdit | LoadEdit | LifecycleOp | RecordOp


@dataclass
class BoardSnapshot:
    """Everything a dispatch board holds. ``assignments`` is the truth about who carries what;
    each assigned load's ``truck_id``/``status`` agree with it when read back."""

    name: str = ""
    map_path: str = ""
    day_start: str | None = None  # ISO 8601 stamp of hour 0.0, if the board has one
    trucks: list[Truck] = field(default_factory=list)
    loads: list[Load] = field(default_factory=list)
    assignments: list[BoardAssignment] = field(default_factory=list)
    revision: int = 0


_TRUCK_NAMES = names(TRUCK_FIELDS)
_LOAD_NAMES = names(LOAD_FIELDS)
_TRUCK_SELECT = f"SELECT {', '.join(_TRUCK_NAMES)} FROM trucks"
#: A load row: its fields in table order, then the assignment's deadhead (``r[_DEADHEAD]``).
_DEADHEAD = len(LOAD_FIELDS)
_LOAD_SELECT = f"SELECT {', '.join(_LOAD_NAMES)}, deadhead_km FROM loads"
_TRUCK_UPDATE = f"UPDATE trucks SET {' = ?, '.join(TRUCK_EDITABLE)} = ? WHERE id = ?"
_LOAD_UPDATE = f"UPDATE loads SET {' = ?, '.join(LOAD_EDITABLE)} = ? WHERE id = ?"
_TRUCK_INSERT = (
    f"INSERT INTO trucks (seq, {', '.join(_TRUCK_NAMES)}) "
    f"VALUES ({', '.join('?' * (len(_TRUCK_NAMES) + 1))})"
)
_LOAD_INSERT = (
    f"INSERT INTO loads (seq, {', '.join(_LOAD_NAMES)}, deadhead_km, assigned_rev) "
    f"VALUES ({', '.join('?' * (len(_LOAD_NAMES) + 3))})"
)


def _editable_values(fields: tuple[Field, ...], obj: object) -> tuple[Any, ...]:
    return sql_values([f for f in fields if f.editable], obj)


def _truck_from_row(r: tuple[Any, ...]) -> Truck:
    return from_sql(Truck, TRUCK_FIELDS, r)


def _load_from_row(r: tuple[Any, ...]) -> Load:
    return from_sql(Load, LOAD_FIELDS, r[: len(LOAD_FIELDS)])


def _changes(before: Truck | Load, after: Truck | Load) -> str:
    """The log line of an edit: "capacity_t: 20.0 -> 33.0"."""
    parts = []
    for name, old in vars(before).items():
        new = getattr(after, name)
        if new != old:
            parts.append(f"{name}: {getattr(old, 'value', old)} -> {getattr(new, 'value', new)}")
    return "; ".join(parts)


def _no_duplicates(ids: list[str], what: str, verb: str) -> None:
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        dup = next(i for i in ids if i in seen or seen.add(i))  # type: ignore[func-returns-value]
        raise ValueError(f"{verb}: {what} {dup} appears twice in one batch")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _validate(snapshot: BoardSnapshot) -> None:
    """Reject boards that would not read back the same; these are programming errors."""
    truck_ids = [t.id for t in snapshot.trucks]
    if len(set(truck_ids)) != len(truck_ids):
        raise ValueError("board has duplicate truck ids")
    load_ids = [ld.id for ld in snapshot.loads]
    if len(set(load_ids)) != len(load_ids):
        raise ValueError("board has duplicate load ids")
    known_trucks, known_loads = set(truck_ids), set(load_ids)
    seen: set[str] = set()
    for a in snapshot.assignments:
        if a.load_id not in known_loads or a.truck_id not in known_trucks:
            raise ValueError(f"assignment {a.load_id}->{a.truck_id} names an unknown load/truck")
        if a.load_id in seen:
            raise ValueError(f"load {a.load_id} is assigned twice")
        seen.add(a.load_id)
    by_load = {a.load_id: a.truck_id for a in snapshot.assignments}
    for ld in snapshot.loads:
        if ld.truck_id is not None and by_load.get(ld.id) != ld.truck_id:
            raise ValueError(
                f"load {ld.id} says truck {ld.truck_id} but the assignments say "
                f"{by_load.get(ld.id)}"
            )


def _write_board(conn: sqlite3.Connection, snap: BoardSnapshot, revision: int) -> None:
    """Replace trucks and loads; an assignment that did not change keeps the revision (and so
    the author) that made it."""
    by_load = {a.load_id: a for a in snap.assignments}
    kept = {
        load_id: (truck_id, rev)
        for load_id, truck_id, rev in conn.execute(
            "SELECT id, truck_id, assigned_rev FROM loads WHERE truck_id IS NOT NULL"
        )
    }
    conn.execute("DELETE FROM loads")
    conn.execute("DELETE FROM trucks")
    conn.executemany(
        _TRUCK_INSERT, [(i, *sql_values(TRUCK_FIELDS, t)) for i, t in enumerate(snap.trucks)]
    )
    rows = []
    status_at, truck_at = _LOAD_NAMES.index("status"), _LOAD_NAMES.index("truck_id")
    for i, ld in enumerate(snap.loads):
        a = by_load.get(ld.id)
        values = list(sql_values(LOAD_FIELDS, ld))
        values[status_at] = str(settled_load_status(ld.status, a is not None))
        values[truck_at] = a.truck_id if a else None
        rows.append(
            (
                i,
                *values,
                float(a.deadhead_km) if a else None,
                _assigned_rev(kept.get(ld.id), a, revision),
            )
        )
    conn.executemany(_LOAD_INSERT, rows)
    _set_meta(conn, "name", snap.name)
    _set_meta(conn, "map_path", snap.map_path)
    _set_meta(conn, "day_start", snap.day_start or "")


def _assigned_rev(
    old: tuple[str, int | None] | None, new: BoardAssignment | None, revision: int
) -> int | None:
    if new is None:
        return None
    if old is not None and old[0] == new.truck_id and old[1] is not None:
        return old[1]
    return revision


def _set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def _log(
    conn: sqlite3.Connection,
    revision: int,
    owner: str,
    kind: str,
    load_id: str | None,
    truck_id: str | None,
    detail: str,
) -> None:
    at = _now()
    conn.execute(
        "INSERT INTO actions (revision, at, owner, kind, load_id, truck_id, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (revision, at, owner, kind, load_id, truck_id, detail),
    )


def default_owner() -> str:
    """Who this desk is, as shown to another desk that loses a race: user@host pid N."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "someone"
    return f"{user}@{socket.gethostname()} pid {os.getpid()}"
