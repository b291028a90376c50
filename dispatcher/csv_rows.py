"""Fleet CSV rows: reading a file into rows with every bad cell collected, and its clock.

Times in a day's files are hours from midnight of the earliest ISO time; a time far from
the others is reported, not allowed to move that clock (see ``FAR_FROM_OTHERS_DAYS``).
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from freightlab.errors import InputError, InputErrors

#: A time this far from the median of the times in the same files is a typo (year 0001,
#: 2062 for 2026), not a plan: a dispatch board spans days. Left in, one such row would move
#: the shared clock of the whole day (hour 0 is midnight of the earliest time).
FAR_FROM_OTHERS_DAYS = 60.0


@dataclass
class _Row:
    line: int
    cells: dict[str, str]


class _Problems:
    """Collects every bad cell so the user fixes a file in one pass, not one error at a time."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[str] = []
        #: The same problems as (line, column, reason): a form names the field it is about.
        self.cells: list[tuple[int, str | None, str]] = []

    def add(self, line: int, column: str | None, reason: str) -> None:
        col = f" column '{column}':" if column else ""
        self.items.append(f"{self.path}:{line}:{col} {reason}")
        self.cells.append((line, column, reason))

    def raise_if_any(self) -> None:
        if self.items:
            raise InputErrors(self.path, self.items)


def _read_rows(
    path: str | os.PathLike[str],
    required: tuple[str, ...],
    optional: tuple[str, ...],
    safe_words: frozenset[str] = frozenset(),
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
        _check_cut_short(rows[-1], header[-1], problems, safe_words)
    return name, rows, problems


def _check_cut_short(
    row: _Row, column: str, problems: _Problems, safe_words: frozenset[str]
) -> None:
    """The rule for a file whose last row has no line break after it (every CSV writer ends
    its rows with one; an interrupted copy or download does not): the row is refused when
    its last value could be a cut-off one that still parses (``1250`` cut to ``12``), i.e.
    anything but one of the fixed words. Adding the line break says "this row is complete"."""
    value = row.cells.get(column, "")
    if value.lower() not in safe_words:
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
