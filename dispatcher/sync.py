"""Reading other desks' changes from a board file, and what differs from this board (no Qt).

Runs in a background job: one read transaction on its own connection (WAL: the desk's
writes go on meanwhile), then :meth:`Board.differences` against a shallow view of the desk's
board. The desk's session applies only what differs.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from dispatcher.board import Board, BoardError, Capture
from dispatcher.store import ActionRecord, BoardStore
from freightlab.errors import InputError


@dataclass
class Synced:
    """What a read job found in the board file, and how it differs from the desk's board."""

    reader: BoardStore | None
    revision: int = 0
    history: list[ActionRecord] = field(default_factory=list)
    trucks: set[str] = field(default_factory=set)
    loads: set[str] = field(default_factory=set)
    reshaped: bool = False
    capture: Capture | None = None  # the differing objects as the file holds them
    error: str | None = None


def read_differences(
    reader: BoardStore | None, path: Path, owner: str, since: int, mine: Board
) -> Synced:
    """Read the board at ``path`` (opening ``reader`` if None) and compare it with ``mine``
    (a shallow view nobody changes meanwhile); the reader comes back for the next read."""
    r = reader
    try:
        if r is None:
            r = BoardStore.open(path, owner=owner, any_thread=True)
        snap = r.load()
        history = r.history(since)
    except (sqlite3.Error, InputError) as exc:
        if r is not None:
            r.close()
        return Synced(None, error=f"Cannot read {path.name}: {exc}")
    try:  # the snapshot's objects are fresh: no copies needed (deepcopy cost 150 ms)
        fresh = Board(snap.trucks, snap.loads, snap.assignments, mine.nodes)
    except BoardError as exc:
        return Synced(r, error=f"{path.name} holds a board this desk cannot show: {exc}")
    trucks, loads, reshaped = mine.differences(fresh)
    # fresh is thrown away: its own objects go to the desk, which adopts them
    cap = fresh.capture_all(copy=False) if reshaped else fresh.capture(trucks, loads, copy=False)
    return Synced(r, snap.revision, history, trucks, loads, reshaped, cap)


__all__ = ["Synced", "read_differences"]
