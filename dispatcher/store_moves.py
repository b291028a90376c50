"""Board-file layout versions and the lifecycle steps' SQL (no Qt).

``SCHEMA_VERSION`` is the layout a new board gets; ``MIGRATIONS`` brings an older one up,
one step per transaction (:func:`dispatcher.store._migrate`). A lifecycle step (picked up,
in transit, delivered, cancel, or its undo) is one compare-and-set on the load's row and its
truck's row: refused when another desk changed either first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from dispatcher.fleet import TRUCK_FIELDS, Load, Truck
from dispatcher.store_rows import (
    _LOAD_SELECT,
    _TRUCK_SELECT,
    _TRUCK_UPDATE,
    LifecycleOp,
    _editable_values,
    _load_from_row,
    _truck_from_row,
)
from dispatcher.store_sql import BoardConflict

#: v2: the loads' lifecycle times (picked_up_at, in_transit_at, delivered_at).
SCHEMA_VERSION = 2

# from_version -> function that upgrades a connection (inside a transaction) to from_version + 1.
Migration = Callable[[sqlite3.Connection], None]

_V2_COLUMNS = ("picked_up_at", "in_transit_at", "delivered_at")


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    """Boards from before the lifecycle: their loads have no step times yet."""
    for column in _V2_COLUMNS:
        conn.execute(f"ALTER TABLE loads ADD COLUMN {column} TEXT")


MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2}

_MOVE_UPDATE = (
    "UPDATE loads SET status = ?, picked_up_at = ?, in_transit_at = ?, delivered_at = ?, "
    "truck_id = ?, deadhead_km = ?, "
    "assigned_rev = CASE WHEN ? IS NULL THEN NULL ELSE COALESCE(assigned_rev, ?) END "
    "WHERE id = ?"
)


def _check_row(conn: sqlite3.Connection, kind: str, item_id: str, before: Load | Truck) -> None:
    select, parse = (
        (_LOAD_SELECT, _load_from_row) if kind == "load" else (_TRUCK_SELECT, _truck_from_row)
    )
    row = conn.execute(select + " WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise BoardConflict(f"{kind} {item_id} is no longer on the board")
    if parse(row) != before:
        raise BoardConflict(f"{kind} {item_id} was changed meanwhile by another desk")


def apply_move(
    conn: sqlite3.Connection, op: LifecycleOp, revision: int
) -> tuple[int, str, str | None, str | None, str]:
    """Write one lifecycle step (inside the caller's transaction); its log line."""
    before, after = op.before, op.after
    if before.id != after.id:
        raise ValueError("a lifecycle step cannot change a load's id")
    _check_row(conn, "load", before.id, before)
    if op.truck_before is not None:
        _check_row(conn, "truck", op.truck_before.id, op.truck_before)
    holder = after.truck_id
    deadhead = op.deadhead_km if holder is not None else None
    conn.execute(
        _MOVE_UPDATE,
        (
            str(after.status),
            after.picked_up_at,
            after.in_transit_at,
            after.delivered_at,
            holder,
            deadhead,
            holder,
            revision,
            after.id,
        ),
    )
    truck = op.truck_after
    if truck is not None:
        conn.execute(_TRUCK_UPDATE, (*_editable_values(TRUCK_FIELDS, truck), truck.id))
    detail = f"status: {before.status.value} -> {after.status.value}"
    truck_id = before.truck_id or after.truck_id
    return (revision, "status", after.id, truck_id, detail)


__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "apply_move"]
