"""Writing a dispatch step to the board file (no Qt): the ops, the cancel points, the job.

A step is two captures (before, after); :func:`~dispatcher.board.store_ops` turns them into
store operations, committed in one transaction (or, for a whole-board step, one
revision-guarded save). Small steps are written where they happen; big ones
(``ASYNC_MIN_OBJECTS``) by a job (:func:`write_work`) on the store's own connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from dispatcher.board import Capture, snapshot_of, store_ops
from dispatcher.store import BoardConflict, BoardStore
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


__all__ = ["ASYNC_MIN_OBJECTS", "Prepare", "Written", "big_step", "write_to", "write_work"]
