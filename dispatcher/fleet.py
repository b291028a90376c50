"""Trucks and loads: the freight domain objects and their statuses.

Times are float hours from the start of the dispatch day (0.0 = 00:00 on day one);
CSV parsing turns ISO 8601 stamps into that scale.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Protocol, TypeVar

from dispatcher.csv_rows import (
    _Clock,
    _clock,
    _day_start,
    _middle_hours,
    _Problems,
    _read_rows,
    _Row,
    _time,
)
from freightlab.atomic import atomic_write_text
from freightlab.errors import InputErrors

E = TypeVar("E", bound=StrEnum)
R = TypeVar("R")


class TruckType(StrEnum):
    OPEN = "open"
    CONTAINER = "container"
    TRAILER = "trailer"
    REEFER = "reefer"


class LoadStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class TruckStatus(StrEnum):
    IDLE = "idle"
    EN_ROUTE_TO_PICKUP = "en_route_to_pickup"
    LOADED = "loaded"
    OFF_DUTY = "off_duty"


@dataclass
class Truck:
    id: str
    location: str  # map node id
    capacity_t: float
    truck_type: TruckType
    available_at: float = 0.0  # hours from day start
    status: TruckStatus = TruckStatus.IDLE


@dataclass
class Load:
    id: str
    origin: str  # map node id
    destination: str  # map node id
    weight_t: float
    truck_type: TruckType
    pickup_earliest: float  # hours from day start
    pickup_latest: float  # hours from day start
    price: float
    status: LoadStatus = LoadStatus.OPEN
    truck_id: str | None = None  # the truck it is assigned to, if any
    #: When the lifecycle steps happened (ISO 8601 stamps, set by dispatcher.status).
    picked_up_at: str | None = None
    in_transit_at: str | None = None
    delivered_at: str | None = None


# --- one field table per record ------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One field of a record: its CSV column, its SQL column and whether a dispatcher may
    edit it. The CSV header, the store's table layout and statements, the editable set and
    the table views all come from these tables, so a field is written down once."""

    name: str
    sql: str  # the column's SQL type and constraints
    csv: Literal["required", "extra"]  # extra: written, optional when read
    editable: bool
    kind: Literal["text", "number", "enum", "optional"] = "text"
    enum: type[StrEnum] | None = None

    def to_sql(self, value: Any) -> Any:
        if self.kind == "number":
            return float(value)
        return str(value) if self.kind == "enum" else value

    def from_sql(self, raw: Any) -> Any:
        return self.enum(raw) if self.enum is not None else raw

    def to_csv(self, value: Any) -> str:
        if self.kind == "number":
            return _num(value)
        if self.kind == "enum":
            return str(value.value)
        return value or ""


TRUCK_FIELDS: tuple[Field, ...] = (
    Field("id", "TEXT PRIMARY KEY", "required", False),
    Field("location", "TEXT NOT NULL", "required", True),
    Field("capacity_t", "REAL NOT NULL", "required", True, "number"),
    Field("truck_type", "TEXT NOT NULL", "required", True, "enum", TruckType),
    Field("available_at", "REAL NOT NULL", "required", True, "number"),
    Field("status", "TEXT NOT NULL", "extra", True, "enum", TruckStatus),
)
LOAD_FIELDS: tuple[Field, ...] = (
    Field("id", "TEXT PRIMARY KEY", "required", False),
    Field("origin", "TEXT NOT NULL", "required", True),
    Field("destination", "TEXT NOT NULL", "required", True),
    Field("weight_t", "REAL NOT NULL", "required", True, "number"),
    Field("truck_type", "TEXT NOT NULL", "required", True, "enum", TruckType),
    Field("pickup_earliest", "REAL NOT NULL", "required", True, "number"),
    Field("pickup_latest", "REAL NOT NULL", "required", True, "number"),
    Field("price", "REAL NOT NULL", "required", True, "number"),
    Field("status", "TEXT NOT NULL", "extra", True, "enum", LoadStatus),
    Field("truck_id", "TEXT REFERENCES trucks(id)", "extra", False, "optional"),
    Field("picked_up_at", "TEXT", "extra", False, "optional"),
    Field("in_transit_at", "TEXT", "extra", False, "optional"),
    Field("delivered_at", "TEXT", "extra", False, "optional"),
)


def names(fields: Iterable[Field], csv: str | None = None) -> tuple[str, ...]:
    """Field names in table order; with ``csv``, only that kind of CSV column."""
    return tuple(f.name for f in fields if csv is None or f.csv == csv)


def editable(fields: Iterable[Field]) -> tuple[str, ...]:
    return tuple(f.name for f in fields if f.editable)


def sql_values(fields: Iterable[Field], obj: object) -> tuple[Any, ...]:
    """The object's fields as the store writes them, in table order."""
    return tuple(f.to_sql(getattr(obj, f.name)) for f in fields)


def csv_values(fields: Iterable[Field], obj: object) -> list[str]:
    return [f.to_csv(getattr(obj, f.name)) for f in fields]


def from_sql(cls: type[R], fields: Sequence[Field], row: Sequence[Any]) -> R:
    """A record from a row holding its fields in table order (extra columns ignored)."""
    return cls(*(f.from_sql(raw) for f, raw in zip(fields, row, strict=False)))


# --- CSV import/export --------------------------------------------------------------------

TRUCK_COLUMNS = names(TRUCK_FIELDS, "required")
LOAD_COLUMNS = names(LOAD_FIELDS, "required")
#: Optional columns we write so that a save/load round trip keeps the whole object.
TRUCK_EXTRA_COLUMNS = names(TRUCK_FIELDS, "extra")
LOAD_EXTRA_COLUMNS = names(LOAD_FIELDS, "extra")
#: Fields a dispatcher may edit in the tables (ids and the truck a load is on are not).
TRUCK_EDITABLE = editable(TRUCK_FIELDS)
LOAD_EDITABLE = editable(LOAD_FIELDS)
ASSIGNMENT_COLUMNS = ("truck", "load", "deadhead_km", "cost", "pickup_at")

#: Words a cut-short file cannot shorten into another valid word (no value is a prefix of
#: another), so a last row ending in one of them is complete.
_CUT_SAFE_WORDS = frozenset(m.value for kind in (TruckType, TruckStatus, LoadStatus) for m in kind)


class _HasNodes(Protocol):
    def has_node(self, node_id: str) -> bool: ...


def _positive(
    row: _Row, column: str, problems: _Problems, *, allow_zero: bool = False
) -> float | None:
    value = row.cells.get(column, "")
    try:
        x = float(value)
    except ValueError:
        problems.add(row.line, column, f"{value!r} is not a number" if value else "missing value")
        return None
    if not math.isfinite(x) or x < 0 or (x == 0 and not allow_zero):
        need = ">= 0" if allow_zero else "> 0"
        problems.add(row.line, column, f"{value!r} must be a finite number {need}")
        return None
    return x


def _enum(
    row: _Row, column: str, kind: type[E], problems: _Problems, default: E | None = None
) -> E | None:
    value = row.cells.get(column, "")
    if value == "" and default is not None:
        return default
    try:
        return kind(value.lower())
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        problems.add(row.line, column, f"{value!r} is not one of {allowed}")
        return None


def _node(row: _Row, column: str, graph: _HasNodes | None, problems: _Problems) -> str | None:
    value = row.cells.get(column, "")
    if not value:
        problems.add(row.line, column, "missing city id")
        return None
    if graph is not None and not graph.has_node(value):
        problems.add(row.line, column, f"unknown city {value!r} (not on the map)")
        return None
    return value


def _ident(row: _Row, seen: dict[str, int], problems: _Problems) -> str | None:
    value = row.cells.get("id", "")
    if not value:
        problems.add(row.line, "id", "missing id")
        return None
    if value in seen:
        problems.add(row.line, "id", f"duplicate id {value!r} (first on line {seen[value]})")
        return None
    seen[value] = row.line
    return value


def parse_truck(
    row: _Row, graph: _HasNodes | None, seen: dict[str, int], clock: _Clock, problems: _Problems
) -> Truck | None:
    """One row of a trucks file (or of the truck form): the truck, or None with every bad
    cell in ``problems``. The CSV loader and the form share it, so they say the same."""
    before = len(problems.items)
    tid = _ident(row, seen, problems)
    location = _node(row, "location", graph, problems)
    capacity = _positive(row, "capacity_t", problems)
    ttype = _enum(row, "truck_type", TruckType, problems)
    available = _time(row, "available_at", clock, problems)
    status = _enum(row, "status", TruckStatus, problems, TruckStatus.IDLE)
    if len(problems.items) != before:
        return None
    assert tid and location and capacity is not None and ttype and status
    assert available is not None
    return Truck(tid, location, capacity, ttype, available, status)


def parse_load(
    row: _Row, graph: _HasNodes | None, seen: dict[str, int], clock: _Clock, problems: _Problems
) -> Load | None:
    """One row of a loads file (or of the load form): the load, or None (see parse_truck)."""
    before = len(problems.items)
    lid = _ident(row, seen, problems)
    origin = _node(row, "origin", graph, problems)
    destination = _node(row, "destination", graph, problems)
    weight = _positive(row, "weight_t", problems)
    ttype = _enum(row, "truck_type", TruckType, problems)
    earliest = _time(row, "pickup_earliest", clock, problems)
    latest = _time(row, "pickup_latest", clock, problems)
    price = _positive(row, "price", problems, allow_zero=True)
    status = _enum(row, "status", LoadStatus, problems, LoadStatus.OPEN)
    truck_id = row.cells.get("truck_id", "") or None
    if origin and destination and origin == destination:
        problems.add(row.line, "destination", f"same as origin {origin!r}")
    if earliest is not None and latest is not None and latest < earliest:
        problems.add(
            row.line,
            "pickup_latest",
            f"window closes before it opens ({latest:g} h < {earliest:g} h)",
        )
    if len(problems.items) != before:
        return None
    assert lid and origin and destination and ttype and status
    assert weight is not None and price is not None
    assert earliest is not None and latest is not None
    return Load(lid, origin, destination, weight, ttype, earliest, latest, price, status, truck_id)


_TIMES = ("available_at", "pickup_earliest", "pickup_latest")


def _any_rows(path: str | os.PathLike[str]) -> list[_Row]:
    """The rows of a trucks or a loads file, unchecked (to find the files' shared clock)."""
    columns = TRUCK_COLUMNS + TRUCK_EXTRA_COLUMNS + LOAD_COLUMNS + LOAD_EXTRA_COLUMNS
    return _read_rows(path, (), columns)[1]


def fleet_day_start(*paths: str | os.PathLike[str]) -> datetime | None:
    """Midnight of the earliest ISO time in any of these fleet files (None if none has one).

    Pass it as ``day_start`` to both readers so trucks and loads share one clock even when
    the trucks file starts a day earlier than the loads file.
    """
    starts: list[datetime] = []
    for path in paths:
        day0 = _day_start(_any_rows(path), _TIMES)
        if day0 is not None:
            starts.append(day0)
    try:
        return min(starts) if starts else None
    except TypeError:  # naive and aware days: each reader reports the mix itself
        return None


@dataclass(frozen=True)
class Fleet:
    trucks: list[Truck]
    loads: list[Load]
    day_start: datetime | None  # hour 0.0 of both files' clock


def read_fleet(
    trucks_path: str | os.PathLike[str],
    loads_path: str | os.PathLike[str],
    graph: _HasNodes | None = None,
) -> Fleet:
    """Both files of a dispatch day on one clock; every bad row of either file is reported."""
    day0 = fleet_day_start(trucks_path, loads_path)
    around = _middle_hours(
        [row for path in (trucks_path, loads_path) for row in _any_rows(path)], _TIMES, day0
    )
    problems: list[str] = []
    trucks: list[Truck] = []
    loads: list[Load] = []
    try:
        trucks = read_trucks_csv(trucks_path, graph, day_start=day0, around_h=around)
    except InputErrors as exc:
        problems += exc.problems
    try:
        loads = read_loads_csv(loads_path, graph, day_start=day0, around_h=around)
    except InputErrors as exc:
        problems += exc.problems
    if problems:
        names = " and ".join(os.path.basename(os.fspath(p)) for p in (trucks_path, loads_path))
        raise InputErrors(names, problems)
    return Fleet(trucks, loads, day0)


def read_trucks_csv(
    path: str | os.PathLike[str],
    graph: _HasNodes | None = None,
    *,
    day_start: datetime | None = None,
    around_h: float | None = None,
) -> list[Truck]:
    """Parse and validate a trucks file; raises InputErrors listing every bad row.

    ISO times become hours from ``day_start`` (default: midnight of the file's earliest day).
    A time more than ``FAR_FROM_OTHERS_DAYS`` from ``around_h`` (default: the median time of
    the file) is refused as a typo.
    """
    _, rows, problems = _read_rows(path, TRUCK_COLUMNS, TRUCK_EXTRA_COLUMNS, _CUT_SAFE_WORDS)
    day0 = day_start or _day_start(rows, ("available_at",))
    clock = _clock(rows, ("available_at",), day0, around_h)
    seen: dict[str, int] = {}
    trucks = [t for row in rows if (t := parse_truck(row, graph, seen, clock, problems))]
    problems.raise_if_any()
    return trucks


def read_loads_csv(
    path: str | os.PathLike[str],
    graph: _HasNodes | None = None,
    *,
    day_start: datetime | None = None,
    around_h: float | None = None,
) -> list[Load]:
    """Parse and validate a loads file; raises InputErrors listing every bad row.

    ISO times become hours from ``day_start`` (default: midnight of the file's earliest day).
    A time more than ``FAR_FROM_OTHERS_DAYS`` from ``around_h`` (default: the median time of
    the file) is refused as a typo.
    """
    _, rows, problems = _read_rows(path, LOAD_COLUMNS, LOAD_EXTRA_COLUMNS, _CUT_SAFE_WORDS)
    day0 = day_start or _day_start(rows, ("pickup_earliest", "pickup_latest"))
    clock = _clock(rows, ("pickup_earliest", "pickup_latest"), day0, around_h)
    seen: dict[str, int] = {}
    loads = [ld for row in rows if (ld := parse_load(row, graph, seen, clock, problems))]
    problems.raise_if_any()
    return loads


def _num(x: float) -> str:
    """Shortest text that parses back to the same float (round trips exactly)."""
    return repr(float(x)) if x != int(x) or abs(x) >= 1e16 else str(int(x))


def write_trucks_csv(path: str | os.PathLike[str], trucks: Iterable[Truck]) -> None:
    _write_records(path, TRUCK_FIELDS, trucks)


def write_loads_csv(path: str | os.PathLike[str], loads: Iterable[Load]) -> None:
    _write_records(path, LOAD_FIELDS, loads)


def _write_records(
    path: str | os.PathLike[str], fields: Sequence[Field], records: Iterable[object]
) -> None:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(names(fields))
    for record in records:
        w.writerow(csv_values(fields, record))
    atomic_write_text(path, out.getvalue())


class _AssignmentLike(Protocol):
    @property
    def truck_id(self) -> str: ...
    @property
    def load_id(self) -> str: ...
    @property
    def deadhead_km(self) -> float: ...
    @property
    def cost(self) -> float: ...
    @property
    def pickup_at(self) -> float: ...


def write_assignments_csv(
    path: str | os.PathLike[str], assignments: Iterable[_AssignmentLike]
) -> None:
    """Columns: truck,load,deadhead_km,cost,pickup_at (hours from day start)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(ASSIGNMENT_COLUMNS)
    for a in assignments:
        w.writerow(
            [a.truck_id, a.load_id, f"{a.deadhead_km:.1f}", f"{a.cost:.3f}", f"{a.pickup_at:.3f}"]
        )
    atomic_write_text(path, out.getvalue())
