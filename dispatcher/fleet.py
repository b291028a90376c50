"""Trucks and loads: the freight domain objects and their statuses.

Times are float hours from the start of the dispatch day (0.0 = 00:00 on day one);
CSV parsing turns ISO 8601 stamps into that scale.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from freightlab.atomic import atomic_write_text
from freightlab.errors import InputError, InputErrors

E = TypeVar("E", bound=StrEnum)


class TruckType(StrEnum):
    OPEN = "open"
    CONTAINER = "container"
    TRAILER = "trailer"
    REEFER = "reefer"


class LoadStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
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


# --- CSV import/export --------------------------------------------------------------------

TRUCK_COLUMNS = ("id", "location", "capacity_t", "truck_type", "available_at")
LOAD_COLUMNS = (
    "id",
    "origin",
    "destination",
    "weight_t",
    "truck_type",
    "pickup_earliest",
    "pickup_latest",
    "price",
)
#: Optional columns we write so that a save/load round trip keeps the whole object.
TRUCK_EXTRA_COLUMNS = ("status",)
LOAD_EXTRA_COLUMNS = ("status", "truck_id")
ASSIGNMENT_COLUMNS = ("truck", "load", "deadhead_km", "cost", "pickup_at")

#: A time this far from the median of the times in the same files is a typo (year 0001,
#: 2062 for 2026), not a plan: a dispatch board spans days. Left in, one such row would move
#: the shared clock of the whole day (hour 0 is midnight of the earliest time).
FAR_FROM_OTHERS_DAYS = 60.0

#: Words a cut-short file cannot shorten into another valid word (no value is a prefix of
#: another), so a last row ending in one of them is complete.
_CUT_SAFE_WORDS = frozenset(m.value for kind in (TruckType, TruckStatus, LoadStatus) for m in kind)


class _HasNodes(Protocol):
    def has_node(self, node_id: str) -> bool: ...


@dataclass
class _Row:
    line: int
    cells: dict[str, str]


class _Problems:
    """Collects every bad cell so the user fixes a file in one pass, not one error at a time."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, line: int, column: str | None, reason: str) -> None:
        col = f" column '{column}':" if column else ""
        self.items.append(f"{self.path}:{line}:{col} {reason}")

    def raise_if_any(self) -> None:
        if self.items:
            raise InputErrors(self.path, self.items)


def _read_rows(
    path: str | os.PathLike[str], required: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[str, list[_Row], _Problems]:
    name = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{name}:1: empty file; expected a header {','.join(required)}") from None
    except csv.Error as exc:
        raise InputError(f"{name}:1: {exc}") from None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(
            f"{name}:1: missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"expected {','.join(required)}"
        )
    unknown = [h for h in header if h not in required and h not in optional]
    if unknown:
        raise InputError(f"{name}:1: unknown column(s) {', '.join(repr(c) for c in unknown)}")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError(f"{name}:1: duplicate column(s) {', '.join(repr(c) for c in dupes)}")
    problems = _Problems(name)
    rows: list[_Row] = []
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.add(reader.line_num, None, str(exc))
            break
        line = reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue  # blank lines carry no record
        if len(cells) != len(header):
            problems.add(line, None, f"expected {len(header)} fields, found {len(cells)}")
            continue
        rows.append(_Row(line, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
    if rows and rows[-1].line == reader.line_num and not text.endswith(("\n", "\r")):
        _check_cut_short(rows[-1], header[-1], problems)
    return name, rows, problems


def _check_cut_short(row: _Row, column: str, problems: _Problems) -> None:
    """The rule for a file whose last row has no line break after it (every CSV writer ends
    its rows with one; an interrupted copy or download does not): the row is refused when
    its last value could be a cut-off one that still parses (``1250`` cut to ``12``), i.e.
    anything but one of the fixed words. Adding the line break says "this row is complete"."""
    value = row.cells.get(column, "")
    if value.lower() not in _CUT_SAFE_WORDS:
        problems.add(
            row.line,
            column,
            f"{value!r} ends the file without a line break: the file may have been cut short "
            "(an interrupted copy or download); if the row is complete, end the file with a "
            "line break",
        )


def _stamps(rows: list[_Row], columns: tuple[str, ...]) -> list[datetime]:
    stamps: list[datetime] = []
    for row in rows:
        for col in columns:
            value = row.cells.get(col, "")
            if value and not _is_number(value):
                with contextlib.suppress(ValueError):
                    stamps.append(datetime.fromisoformat(value))
    return stamps


def _day_start(rows: list[_Row], columns: tuple[str, ...]) -> datetime | None:
    """Midnight of the earliest ISO stamp in the file that is not far from the others (those
    are reported by ``_time``): the zero of the hours scale."""
    stamps = _stamps(rows, columns)
    naive = [s for s in stamps if s.tzinfo is None]
    aware = [s for s in stamps if s.tzinfo is not None]
    if naive and aware:
        return None  # mixed; every aware cell is then reported as an error
    if not stamps:
        return None
    middle = sorted(stamps)[len(stamps) // 2]
    first = min(s for s in stamps if _days_between(s, middle) <= FAR_FROM_OTHERS_DAYS)
    return first.replace(hour=0, minute=0, second=0, microsecond=0)


def _days_between(a: datetime, b: datetime) -> float:
    return abs((a - b).total_seconds()) / 86400.0


def _middle_hours(
    rows: list[_Row], columns: tuple[str, ...], day0: datetime | None
) -> float | None:
    """The median ISO time of these rows in hours from ``day0`` (the centre "far" is measured
    from); None when there is none. Plain hours are not dates and are never "far": a board
    exported after weeks of work writes them as they are."""
    hours: list[float] = []
    if day0 is not None:
        for stamp in _stamps(rows, columns):
            with contextlib.suppress(TypeError):  # naive and aware: reported by _raw_time
                hours.append((stamp - day0).total_seconds() / 3600)
    return sorted(hours)[len(hours) // 2] if hours else None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class _Clock:
    """Hour 0 of the files and the median time every time must lie near."""

    day0: datetime | None
    middle_h: float | None

    def check(self, row: _Row, column: str, hours: float, problems: _Problems) -> float | None:
        """``hours`` of an ISO time in ``row``; None (and a problem) when it is far off."""
        if self.middle_h is None or self.day0 is None:
            return hours
        days = abs(hours - self.middle_h) / 24.0
        if days <= FAR_FROM_OTHERS_DAYS:
            return hours
        around = (self.day0 + timedelta(hours=self.middle_h)).date().isoformat()
        problems.add(
            row.line,
            column,
            f"{row.cells[column]!r} is {days:,.0f} days away from the other times in these "
            f"files (around {around}); a mistyped date?",
        )
        return None


def _clock(
    rows: list[_Row], columns: tuple[str, ...], day0: datetime | None, middle: float | None
) -> _Clock:
    return _Clock(day0, _middle_hours(rows, columns, day0) if middle is None else middle)


def _time(row: _Row, column: str, clock: _Clock, problems: _Problems) -> float | None:
    hours = _raw_time(row, column, clock.day0, problems)
    if hours is None or _is_number(row.cells.get(column, "")):
        return hours
    return clock.check(row, column, hours, problems)


def _raw_time(row: _Row, column: str, day0: datetime | None, problems: _Problems) -> float | None:
    value = row.cells.get(column, "")
    if value == "":
        problems.add(row.line, column, "missing time")
        return None
    if _is_number(value):
        hours = float(value)
        if not math.isfinite(hours):
            problems.add(row.line, column, f"{value!r} is not a finite number of hours")
            return None
        return hours
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        problems.add(
            row.line, column, f"{value!r} is neither hours nor an ISO 8601 time (2026-11-22T08:00)"
        )
        return None
    if day0 is None or (stamp.tzinfo is None) != (day0.tzinfo is None):
        problems.add(row.line, column, "mixes times with and without a UTC offset")
        return None
    return (stamp - day0).total_seconds() / 3600.0


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
    _, rows, problems = _read_rows(path, TRUCK_COLUMNS, TRUCK_EXTRA_COLUMNS)
    day0 = day_start or _day_start(rows, ("available_at",))
    clock = _clock(rows, ("available_at",), day0, around_h)
    seen: dict[str, int] = {}
    trucks: list[Truck] = []
    for row in rows:
        before = len(problems.items)
        tid = _ident(row, seen, problems)
        location = _node(row, "location", graph, problems)
        capacity = _positive(row, "capacity_t", problems)
        ttype = _enum(row, "truck_type", TruckType, problems)
        available = _time(row, "available_at", clock, problems)
        status = _enum(row, "status", TruckStatus, problems, TruckStatus.IDLE)
        if len(problems.items) == before:
            assert tid and location and capacity is not None and ttype and status
            assert available is not None
            trucks.append(Truck(tid, location, capacity, ttype, available, status))
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
    _, rows, problems = _read_rows(path, LOAD_COLUMNS, LOAD_EXTRA_COLUMNS)
    day0 = day_start or _day_start(rows, ("pickup_earliest", "pickup_latest"))
    clock = _clock(rows, ("pickup_earliest", "pickup_latest"), day0, around_h)
    seen: dict[str, int] = {}
    loads: list[Load] = []
    for row in rows:
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
        if len(problems.items) == before:
            assert lid and origin and destination and ttype and status
            assert weight is not None and price is not None
            assert earliest is not None and latest is not None
            loads.append(
                Load(
                    lid,
                    origin,
                    destination,
                    weight,
                    ttype,
                    earliest,
                    latest,
                    price,
                    status,
                    truck_id,
                )
            )
    problems.raise_if_any()
    return loads


def _num(x: float) -> str:
    """Shortest text that parses back to the same float (round trips exactly)."""
    return repr(float(x)) if x != int(x) or abs(x) >= 1e16 else str(int(x))


def write_trucks_csv(path: str | os.PathLike[str], trucks: Iterable[Truck]) -> None:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(TRUCK_COLUMNS + TRUCK_EXTRA_COLUMNS)
    for t in trucks:
        w.writerow(
            [
                t.id,
                t.location,
                _num(t.capacity_t),
                t.truck_type.value,
                _num(t.available_at),
                t.status.value,
            ]
        )
    atomic_write_text(path, out.getvalue())


def write_loads_csv(path: str | os.PathLike[str], loads: Iterable[Load]) -> None:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(LOAD_COLUMNS + LOAD_EXTRA_COLUMNS)
    for ld in loads:
        w.writerow(
            [
                ld.id,
                ld.origin,
                ld.destination,
                _num(ld.weight_t),
                ld.truck_type.value,
                _num(ld.pickup_earliest),
                _num(ld.pickup_latest),
                _num(ld.price),
                ld.status.value,
                ld.truck_id or "",
            ]
        )
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
