"""What a board file's rows must hold, checked when it is opened and read.

SQLite's own checks (types by affinity, CHECK constraints, foreign keys) can all be bypassed
by anyone who edits the file with another tool; these tables say, per column and between
tables, what Freightlab needs, so a tampered board is one sentence naming the file, the row
and the value instead of a ``ValueError`` deep in the desk.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from dispatcher.fleet import LoadStatus, TruckStatus, TruckType
from freightlab.errors import InputErrors


def _text(v: object) -> str | None:
    return None if isinstance(v, str) and v.strip() else "must be a non-empty text"


def _number(low: float | None = None, *, strict: bool = False) -> Callable[[object], str | None]:
    def check(v: object) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            return "must be a finite number"
        if low is not None and (v <= low if strict else v < low):
            return f"must be {'>' if strict else '>='} {low:g}"
        return None

    return check


def _one_of(kind: type[StrEnum]) -> Callable[[object], str | None]:
    allowed = ", ".join(m.value for m in kind)

    def check(v: object) -> str | None:
        return None if v in {m.value for m in kind} else f"is not one of {allowed}"

    return check


def _optional(rule: Callable[[object], str | None]) -> Callable[[object], str | None]:
    return lambda v: None if v is None else rule(v)


Rule = Callable[[object], str | None]

#: table -> column -> what a value must be. Columns in the order the store selects them.
ROW_RULES: dict[str, dict[str, Rule]] = {
    "truck": {
        "id": _text,
        "location": _text,
        "capacity_t": _number(0, strict=True),
        "truck_type": _one_of(TruckType),
        "available_at": _number(),
        "status": _one_of(TruckStatus),
    },
    "load": {
        "id": _text,
        "origin": _text,
        "destination": _text,
        "weight_t": _number(0, strict=True),
        "truck_type": _one_of(TruckType),
        "pickup_earliest": _number(),
        "pickup_latest": _number(),
        "price": _number(0),
        "status": _one_of(LoadStatus),
        "truck_id": _optional(_text),
        "picked_up_at": _optional(lambda v: _iso_or_empty(v) or _text(v)),
        "in_transit_at": _optional(lambda v: _iso_or_empty(v) or _text(v)),
        "delivered_at": _optional(lambda v: _iso_or_empty(v) or _text(v)),
        "deadhead_km": _optional(_number(0)),
    },
}


def check_rows(path: Path, kind: str, columns: list[str], rows: list[tuple[object, ...]]) -> None:
    """Every value of every row against ``ROW_RULES``; all problems in one InputErrors."""
    rules = [(i, name, ROW_RULES[kind][name]) for i, name in enumerate(columns)]
    problems = []
    for row in rows:
        for i, name, rule in rules:
            why = rule(row[i])
            if why is not None:
                problems.append(f"{kind} {row[0]!r}: {name} {row[i]!r} {why}")
    if problems:
        raise InputErrors(
            f"{path}: the board file holds bad rows (edited outside Freightlab?)", problems
        )


def _iso_or_empty(v: object) -> str | None:
    if v == "":
        return None
    try:
        datetime.fromisoformat(str(v))
    except ValueError:
        return "is not an ISO 8601 time"
    return None


#: meta key -> what its value must be (absent keys take their defaults).
META_RULES: dict[str, Rule] = {"day_start": _iso_or_empty, "name": lambda v: None}


def check_meta(path: Path, meta: dict[str, object]) -> None:
    problems = [
        f"{key} {meta[key]!r} {why}"
        for key, rule in META_RULES.items()
        if key in meta and (why := rule(meta[key])) is not None
    ]
    if problems:
        raise InputErrors(f"{path}: the board file holds bad settings", problems)


#: (query, what a row it returns means) -- each row is one broken rule between tables.
LINK_CHECKS: tuple[tuple[str, str], ...] = (
    (
        "SELECT id, truck_id FROM loads WHERE truck_id IS NOT NULL "
        "AND truck_id NOT IN (SELECT id FROM trucks)",
        "load {0!r} is on truck {1!r}, which is not on the board",
    ),
    (
        "SELECT truck_id, group_concat(id, ', ') FROM loads WHERE truck_id IS NOT NULL "
        "GROUP BY truck_id HAVING count(*) > 1",
        "truck {0!r} carries several loads at once ({1})",
    ),
    (
        "SELECT id, status FROM loads WHERE (truck_id IS NULL) <> (deadhead_km IS NULL) "
        "OR (status = 'assigned' AND truck_id IS NULL) "
        "OR (status = 'open' AND truck_id IS NOT NULL)",
        "load {0!r} is {1} but its truck and deadhead disagree",
    ),
    (
        "SELECT key, value FROM meta WHERE key = 'revision' "
        "AND (CAST(value AS INTEGER) || '' <> value "
        "OR CAST(value AS INTEGER) < (SELECT coalesce(max(revision), 0) FROM actions))",
        "the board revision {1!r} is not the last logged revision",
    ),
)


def check_links(conn: sqlite3.Connection, path: Path) -> None:
    problems = [
        what.format(*row) for query, what in LINK_CHECKS for row in conn.execute(query).fetchall()
    ]
    if problems:
        raise InputErrors(
            f"{path}: the board file is inconsistent (edited outside Freightlab?)", problems
        )
