"""Writing a dispatch step to the board file (no Qt): the ops, the cancel points, the job.

A step is two captures (before, after); :func:`store_ops` turns them into
store operations, committed in one transaction (or, for a whole-board step, one
revision-guarded save). Small steps are written where they happen; big ones
(``ASYNC_MIN_OBJECTS``) by a job (:func:`write_work`) on the store's own connection.
"""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from dispatcher.board import Capture
from dispatcher.fleet import LOAD_EDITABLE, TRUCK_EDITABLE, Load, Truck
from dispatcher.status import lifecycle_pair, load_unassigned, truck_unassigned
from dispatcher.store import (
    AssignOp,
    BoardConflict,
    BoardSnapshot,
    BoardStore,
    LifecycleOp,
    LoadEdit,
    StoreOp,
    TruckEdit,
    UnassignOp,
)
from dispatcher.store_rows import LoadAdd, LoadDelete, TruckAdd, TruckDelete
from freightlab.errors import InputError
from freightlab.progress import Progress

#: A step touching at least this many trucks + loads (about 20 assignments) is written to the
#: board file by a job; smaller ones (a drop, an edit: 1-3 ms) are written on the spot.
ASYNC_MIN_OBJECTS = 40


@dataclass
class Written:
    """What a board-file write job hands back: committed (``refused`` None) or not."""

    refused: str | None = None
    moved: bool = False  # other desks committed too: read the board again
    by_board: bool = False  # refused by the board's rules: the file was not touched
    before: Capture | None = None  # the step, as the job captured it
    after: Capture | None = None
    shown: Capture | None = None  # a copy of the new state for the board to adopt


#: Runs in the job: the (before, after) of the step, or the board's refusal.
Prepare = Callable[[], "tuple[Capture, Capture] | str"]


class _CancelPoints(Progress):
    """The cancel points of a board-file write: the desk's Cancel, or the app quitting (the
    job's own progress). Not the job's progress itself: a Cancel that comes after the commit
    must not turn a committed write into a "cancelled" one the board would not show."""

    def __init__(self, stop: Progress, job_progress: Progress) -> None:
        super().__init__(None)
        self._stop = stop
        self._job_progress = job_progress

    def update(self, fraction: float, message: str = "") -> None:
        self._stop.update(fraction, message)
        self._job_progress.update(fraction, message)


def store_ops(src: Capture, dst: Capture) -> list[StoreOp] | None:
    """What the store must do to turn the captured objects from ``src`` into ``dst``: the
    write-through of a desk action, its undo (``dst`` = before) or its redo. ``None`` when the
    change reshapes the board (an import): that needs a whole-board save (``snapshot_of``).
    A truck or load that appears or vanishes (a new one, a deletion) is an add or a delete.

    Assignment changes become Unassign/Assign ops (a reassign is both); other field changes
    become compare-and-set edits. Statuses that follow from an assignment (open/assigned
    loads, idle/en-route trucks) are the assignment's business, not an edit."""
    if src.full or dst.full:
        return None
    moves = _moves(src, dst)
    done_loads = {m.before.id for m in moves}
    done_trucks = {t.id for m in moves for t in (m.truck_before, m.truck_after) if t}
    src, dst = _without(src, done_loads, done_trucks), _without(dst, done_loads, done_trucks)
    ops: list[StoreOp] = []
    assigns: list[StoreOp] = []
    for lid in src.loads.keys() | dst.loads.keys():
        a0, a1 = src.assignments.get(lid), dst.assignments.get(lid)
        if a0 != a1:
            if a0 is not None:
                ops.append(UnassignOp(lid, a0.truck_id))
            if a1 is not None:
                assigns.append(AssignOp(lid, a1.truck_id, a1.deadhead_km))
    edits = _edits(src.loads, dst.loads, LoadEdit) + _edits(src.trucks, dst.trucks, TruckEdit)
    records = _records(src, dst)
    return records + sorted(ops, key=_op_key) + sorted(assigns, key=_op_key) + edits + moves


def _moves(src: Capture, dst: Capture) -> list[LifecycleOp]:
    """The loads of the step that took a lifecycle step (or its undo), with their truck."""
    out: list[LifecycleOp] = []
    for lid in sorted(src.loads.keys() & dst.loads.keys()):
        old, new = src.loads[lid], dst.loads[lid]
        if old is None or new is None or not lifecycle_pair(old.status, new.status):
            continue
        a = src.assignments.get(lid) or dst.assignments.get(lid)
        tid = a.truck_id if a is not None else None
        out.append(
            LifecycleOp(
                old,
                new,
                src.trucks.get(tid) if tid else None,
                dst.trucks.get(tid) if tid else None,
                a.deadhead_km if a is not None else None,
            )
        )
    return out


def _without(cap: Capture, loads: set[str], trucks: set[str]) -> Capture:
    """The capture without the objects a lifecycle op already writes."""
    if not loads:
        return cap
    return Capture(
        trucks={k: v for k, v in cap.trucks.items() if k not in trucks},
        loads={k: v for k, v in cap.loads.items() if k not in loads},
        assignments={k: v for k, v in cap.assignments.items() if k not in loads},
    )


def _edits(
    before: Mapping[str, Any], after: Mapping[str, Any], edit: Callable[[Any, Any], StoreOp]
) -> list[StoreOp]:
    """Compare-and-set edits for the objects whose own fields changed (both ends exist)."""
    out: list[StoreOp] = []
    for key in sorted(before.keys() & after.keys()):
        old, new = before[key], after[key]
        if old is not None and new is not None and _own_fields(old) != _own_fields(new):
            out.append(edit(old, new))
    return out


def _records(src: Capture, dst: Capture) -> list[StoreOp]:
    """Adds for the objects the step brings, deletes for those it takes away. A deleted
    row is compared as the step's unassignment leaves it (they run first in the store)."""
    out: list[StoreOp] = []
    for tid in sorted(src.trucks.keys() | dst.trucks.keys()):
        old, new = src.trucks.get(tid), dst.trucks.get(tid)
        if old is None and new is not None:
            out.append(TruckAdd(new))
        elif old is not None and new is None:
            out.append(TruckDelete(replace(old, status=truck_unassigned(old.status))))
    for lid in sorted(src.loads.keys() | dst.loads.keys()):
        was, now = src.loads.get(lid), dst.loads.get(lid)
        if was is None and now is not None:
            out.append(LoadAdd(now))
        elif was is not None and now is None:
            freed = replace(was, status=load_unassigned(was.status), truck_id=None)
            out.append(LoadDelete(freed))
    return out


def snapshot_of(
    cap: Capture, name: str = "", map_path: str = "", day_start: str | None = None
) -> BoardSnapshot:
    """The whole board a full capture holds, in row order (for a whole-board save).

    ``day_start``: the board's hour 0 (a capture does not hold it; a save without it would
    wipe the file's day and shift every later import by a day)."""
    truck_order = cap.truck_order if cap.truck_order is not None else list(cap.trucks)
    load_order = cap.load_order if cap.load_order is not None else list(cap.loads)
    trucks = [t for t in (cap.trucks.get(i) for i in truck_order) if t is not None]
    loads = [ld for ld in (cap.loads.get(i) for i in load_order) if ld is not None]
    assignments = [cap.assignments[ld.id] for ld in loads if cap.assignments.get(ld.id)]
    return BoardSnapshot(
        name=name,
        map_path=map_path,
        day_start=day_start,
        trucks=copy.deepcopy(trucks),
        loads=copy.deepcopy(loads),
        assignments=[a for a in assignments if a is not None],
    )


def _op_key(op: StoreOp) -> str:
    return getattr(op, "load_id", "")


def _own_fields(obj: Truck | Load) -> tuple[Any, ...]:
    """The fields an edit changes: assignment-driven statuses folded away."""
    if isinstance(obj, Truck):
        return tuple(
            truck_unassigned(obj.status) if name == "status" else getattr(obj, name)
            for name in TRUCK_EDITABLE
        )
    return tuple(
        load_unassigned(obj.status) if name == "status" else getattr(obj, name)
        for name in LOAD_EDITABLE
    )


def big_step(before: Capture, after: Capture) -> bool:
    """A step worth a job when written to a board file (accept all, imports)."""
    if before.full or after.full:
        return True
    return len(before.trucks) + len(before.loads) >= ASYNC_MIN_OBJECTS


def write_to(
    store: BoardStore,
    src: Capture,
    dst: Capture,
    name: str,
    map_path: str,
    day_start: str | None,
    progress: Progress | None = None,
) -> str | None:
    """Commit ``src`` -> ``dst`` to the board file; the refusal, or None. Touches only the
    store and the captures (nobody changes a capture), so a job may run it.

    Assignments and edits are one ``BoardStore.apply`` (one transaction, however many loads);
    a whole-board step (import, its undo) is a revision-guarded whole save."""
    try:
        ops = store_ops(src, dst)
        if ops is None:
            snap = snapshot_of(dst, name, map_path, day_start)
            store.save(snap, progress=progress)  # refused if another desk committed since
        elif ops:
            store.apply(ops, progress=progress)
    except (BoardConflict, InputError) as exc:
        return str(exc)
    except sqlite3.Error as exc:
        return f"could not write {store.path.name}: {exc}"
    return None


def write_work(
    store: BoardStore,
    prepare: Prepare,
    stop: Progress,
    name: str,
    map_path: str,
    day_start: str | None,
) -> Callable[[Progress], Written]:
    """The job that prepares a step, writes it and copies its new state for the board."""

    def work(progress: Progress) -> Written:
        step = prepare()
        if isinstance(step, str):
            return Written(step, by_board=True)
        src, dst = step
        points = _CancelPoints(stop, progress)
        reason = write_to(store, src, dst, name, map_path, day_start, points)
        if reason is not None:
            return Written(reason)
        try:  # committed: nothing below may turn it into a refusal
            moved = store.current_revision() != store.revision
        except sqlite3.Error:
            moved = True
        return Written(None, moved, before=src, after=dst, shown=dst.copied())

    return work


__all__ = [
    "ASYNC_MIN_OBJECTS",
    "Prepare",
    "Written",
    "big_step",
    "snapshot_of",
    "store_ops",
    "write_to",
    "write_work",
]
