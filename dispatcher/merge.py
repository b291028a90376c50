"""A CSV import that merges into the board, without Qt: what each row would do, then one
undoable change that does it.

:func:`plan_merge` reads a trucks or loads file with the CSV loader's own row parser and
sorts every row: **added** (a new id), **updated** (an id on the board whose fields in the
file differ: field old -> new), **unchanged**, or **rejected** (``file:line: reason``: a bad
cell, or a change the board's rules refuse, such as editing a truck that carries a load).
Only the columns the file has are compared, so a file without a ``status`` column leaves
statuses alone. :func:`merge_change` turns the plan into one whole-board step (one undo,
one transaction on a board file); rejected rows are left out.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from dispatcher.actions import Change, unassigned
from dispatcher.board import Board, BoardError
from dispatcher.costs import format_clock
from dispatcher.csv_rows import _clock, _day_start, _Problems, _read_rows, _Row
from dispatcher.fleet import (
    _CUT_SAFE_WORDS,
    _TIMES,
    Field,
    Truck,
    _HasNodes,
    _num,
    names,
)
from dispatcher.records import KINDS, Record, add_record, update_record
from dispatcher.status import load_unassigned, truck_unassigned


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.name}: {self.old} \u2192 {self.new}"


@dataclass(frozen=True)
class Updated:
    line: int
    record: Record
    changes: tuple[FieldChange, ...]


@dataclass
class MergePlan:
    """What merging a file would do, row by row."""

    kind: str  # "trucks" | "loads"
    path: str
    added: list[Record] = field(default_factory=list)
    updated: list[Updated] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # ids
    rejected: list[str] = field(default_factory=list)  # "file:line: column 'x': reason"
    day_start: str | None = None  # the file's day, for a board that has no clock yet

    def counts(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.rejected)} rejected"
        )

    def empty(self) -> bool:
        return not self.added and not self.updated


def show(f: Field, value: Any) -> str:
    """A value as the preview prints it: times as clock times, numbers shortest."""
    if f.name in _TIMES:
        return format_clock(float(value))
    if f.kind == "number":
        return _num(value)
    return str(getattr(value, "value", value) or "")


def plan_merge(
    kind: str, path: str | os.PathLike[str], graph: _HasNodes | None, board: Board
) -> MergePlan:
    """Sort every row of a trucks (``kind="trucks"``) or loads file against the board. A
    file that cannot be read at all (no header, a missing column) raises InputError."""
    k = KINDS[kind.removesuffix("s")]
    required, extra = names(k.fields, "required"), names(k.fields, "extra")
    _name, rows, problems = _read_rows(path, required, extra, _CUT_SAFE_WORDS)
    plan = MergePlan(kind, str(path), rejected=list(problems.items))
    times = tuple(t for t in _TIMES if t in required)
    day0 = datetime.fromisoformat(board.day_start) if board.day_start else None
    if day0 is None:  # a board without a clock takes the file's (as a replace does)
        day0 = _day_start(rows, times)
        plan.day_start = day0.isoformat() if day0 is not None else None
    clock = _clock(rows, times, day0, None)
    present = set(rows[0].cells) if rows else set()
    compared = [f for f in k.form_fields() if f.name != "id" and f.name in present]
    seen: dict[str, int] = {}
    for row in rows:
        before = len(problems.items)
        record = k.parse(row, graph, seen, clock, problems)
        if record is None:
            plan.rejected += problems.items[before:]
            continue
        _sort_row(plan, board, row, record, compared, problems)
        plan.rejected += problems.items[before:]
    return plan


def _sort_row(
    plan: MergePlan,
    board: Board,
    row: _Row,
    record: Record,
    compared: list[Field],
    problems: _Problems,
) -> None:
    k = KINDS[plan.kind.removesuffix("s")]
    old = k.on(board).get(record.id)
    if old is None:  # a new one arrives unassigned (an exported "assigned" is open)
        free = unassigned(record)
        if free.status not in k.manual:
            problems.add(row.line, "status", k.manual_text)
        else:
            plan.added.append(free)
        return
    new = replace(old, **{f.name: getattr(record, f.name) for f in compared})
    if _folded(new) == _folded(old):
        new = replace(new, status=old.status)  # an assignment's status is not an edit
    changes = tuple(
        FieldChange(f.name, show(f, getattr(old, f.name)), show(f, getattr(new, f.name)))
        for f in compared
        if getattr(old, f.name) != getattr(new, f.name)
    )
    if not changes:
        plan.unchanged.append(record.id)
        return
    scratch = board.shallow()  # its own dicts: the trial edits a copy of the record
    k.on(scratch)[old.id] = copy.copy(old)
    try:
        update_record(scratch, k.name, new)
    except BoardError as exc:
        problems.add(row.line, None, f"{record.id}: {exc}")
        return
    plan.updated.append(Updated(row.line, new, changes))


def _folded(record: Record) -> Record:
    """The record with the status its assignment gave it folded away."""
    if isinstance(record, Truck):
        return replace(record, status=truck_unassigned(record.status))
    return replace(record, status=load_unassigned(record.status))


def merge_change(plan: MergePlan) -> Change:
    """The plan as one whole-board undoable step (adds appended, updates in place)."""
    kind = plan.kind.removesuffix("s")
    added, updated = list(plan.added), [u.record for u in plan.updated]

    day = plan.day_start

    def op(board: Board) -> None:
        if board.day_start is None and day is not None:
            board.day_start = day  # kept by an undo too: it only names hour 0
        for record in updated:
            update_record(board, kind, record)
        for record in added:
            add_record(board, kind, record)

    name = os.path.basename(plan.path)
    text = f"Merge {name} ({len(added)} added, {len(updated)} updated)"
    return Change(text, op, full=True)


__all__ = ["FieldChange", "MergePlan", "Updated", "merge_change", "plan_merge", "show"]
