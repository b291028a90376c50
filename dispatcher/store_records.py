"""A board file's per-record writes: edit, add and delete one truck or load (no Qt).

Each is a compare-and-set inside the caller's transaction (:meth:`BoardStore.apply`): an
edit or a delete is refused when the row no longer equals what this desk saw, an add when
the id is taken, and the refusal names who changed the board first. Each returns its line
for the action log.
"""

from __future__ import annotations

import sqlite3
from typing import Protocol

from dispatcher.fleet import LOAD_FIELDS, TRUCK_FIELDS, Load, Truck, sql_values
from dispatcher.status import load_unassigned, truck_unassigned
from dispatcher.store_rows import (
    _LOAD_INSERT,
    _LOAD_SELECT,
    _LOAD_UPDATE,
    _TRUCK_INSERT,
    _TRUCK_SELECT,
    _TRUCK_UPDATE,
    LoadAdd,
    LoadEdit,
    RecordOp,
    TruckAdd,
    TruckDelete,
    TruckEdit,
    _changes,
    _editable_values,
    _load_from_row,
    _truck_from_row,
)
from dispatcher.store_sql import BoardConflict

LogLine = tuple[int, str, str | None, str | None, str]


class _Whom(Protocol):
    """What a refusal asks the store: who changed a load or a truck last."""

    def _by_whom(self, load_id: str) -> str: ...
    def _by_whom_truck(self, truck_id: str) -> str: ...
    def _why_not_open(self, load_id: str) -> str: ...


def apply_edit(
    store: _Whom, conn: sqlite3.Connection, edit: TruckEdit | LoadEdit, revision: int
) -> LogLine:
    """Compare-and-set one row: refused when it no longer equals ``edit.before``."""
    if isinstance(edit, TruckEdit):
        if edit.before.id != edit.after.id:
            raise ValueError("an edit cannot change a truck's id")
        _check_truck(store, conn, edit.before)
        t = edit.after
        conn.execute(_TRUCK_UPDATE, (*_editable_values(TRUCK_FIELDS, t), t.id))
        return (revision, "edit", None, t.id, _changes(edit.before, edit.after))
    if edit.before.id != edit.after.id:
        raise ValueError("an edit cannot change a load's id")
    if edit.after.truck_id != edit.before.truck_id:
        raise ValueError("an edit cannot (un)assign a load; use AssignOp/UnassignOp")
    _check_load(store, conn, edit.before)
    ld = edit.after
    conn.execute(_LOAD_UPDATE, (*_editable_values(LOAD_FIELDS, ld), ld.id))
    return (revision, "edit", ld.id, None, _changes(edit.before, edit.after))


def apply_record(store: _Whom, conn: sqlite3.Connection, op: RecordOp, revision: int) -> LogLine:
    """Add or delete one truck or load (see the module's rules)."""
    if isinstance(op, TruckAdd):
        t = op.truck
        _id_free(store, conn, "truck", t.id)
        free = Truck(**{**vars(t), "status": truck_unassigned(t.status)})
        conn.execute(_TRUCK_INSERT, (_next_seq(conn, "trucks"), *sql_values(TRUCK_FIELDS, free)))
        return (revision, "add", None, t.id, f"{t.truck_type.value} {t.capacity_t:g} t")
    if isinstance(op, LoadAdd):
        ld = op.load
        _id_free(store, conn, "load", ld.id)
        free_load = Load(**{**vars(ld), "status": load_unassigned(ld.status), "truck_id": None})
        values = sql_values(LOAD_FIELDS, free_load)
        conn.execute(_LOAD_INSERT, (_next_seq(conn, "loads"), *values, None, None))
        return (revision, "add", ld.id, None, f"{ld.origin} -> {ld.destination}")
    if isinstance(op, TruckDelete):
        _check_truck(store, conn, op.before)
        held = conn.execute("SELECT id FROM loads WHERE truck_id = ?", (op.before.id,)).fetchone()
        if held is not None:
            raise BoardConflict(f"truck {op.before.id} now carries load {held[0]}")
        conn.execute("DELETE FROM trucks WHERE id = ?", (op.before.id,))
        return (revision, "delete", None, op.before.id, "")
    _check_load(store, conn, op.before)
    conn.execute("DELETE FROM loads WHERE id = ?", (op.before.id,))
    return (revision, "delete", op.before.id, None, "")


def _check_truck(store: _Whom, conn: sqlite3.Connection, before: Truck) -> None:
    row = conn.execute(_TRUCK_SELECT + " WHERE id = ?", (before.id,)).fetchone()
    if row is None:
        raise BoardConflict(
            f"truck {before.id} is no longer on the board{store._by_whom_truck(before.id)}"
        )
    if _truck_from_row(row) != before:
        raise BoardConflict(
            f"truck {before.id} was changed meanwhile{store._by_whom_truck(before.id)}"
        )


def _check_load(store: _Whom, conn: sqlite3.Connection, before: Load) -> None:
    row = conn.execute(_LOAD_SELECT + " WHERE id = ?", (before.id,)).fetchone()
    if row is None:
        raise BoardConflict(f"load {before.id} is no longer on the board")
    if _load_from_row(row) != before:
        if row[9] is not None and before.truck_id is None:
            raise BoardConflict(store._why_not_open(before.id))
        raise BoardConflict(f"load {before.id} was changed meanwhile{store._by_whom(before.id)}")


def _id_free(store: _Whom, conn: sqlite3.Connection, kind: str, item_id: str) -> None:
    table = "trucks" if kind == "truck" else "loads"
    if conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (item_id,)).fetchone() is not None:
        whom = store._by_whom_truck(item_id) if kind == "truck" else store._by_whom(item_id)
        raise BoardConflict(f"{kind} {item_id} is already on the board{whom}")


def _next_seq(conn: sqlite3.Connection, table: str) -> int:
    """A new row goes last (every desk shows rows in ``seq`` order)."""
    return int(conn.execute(f"SELECT COALESCE(MAX(seq) + 1, 0) FROM {table}").fetchone()[0])


__all__ = ["LogLine", "apply_edit", "apply_record"]
