"""SQLite plumbing of board files: transactions, statements, the header sniff and board ids.

Kept apart from ``store`` (which holds what a board *means*) so that module stays readable.
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

from dispatcher import board_file
from dispatcher.store_rows import _SCHEMA_V1, BoardSnapshot, _log, _set_meta, _write_board
from freightlab.errors import InputError

APPLICATION_ID = 0x46524C42  # "FRLB": marks a file as a Freightlab board


class BoardConflict(InputError):
    """Another desk changed the board first (e.g. it already assigned that load)."""


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection, begin: str = "BEGIN IMMEDIATE") -> Iterator[None]:
    """A real SQLite transaction (the connection runs in autocommit mode otherwise).

    A board another program keeps locked past the busy timeout is a conflict the user can
    retry, not a crash."""
    try:
        conn.execute(begin)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BoardConflict(f"the board is busy in another program ({exc}); try again") from exc
        raise
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _looks_like_board(path: Path) -> bool:
    """Read from the header alone: SQLite never sees the file (nor a -wal beside it)."""
    if board_file.open_here(path):
        return True
    try:
        with open(path, "rb") as fh:
            header = board_file.Header.parse(fh.read(100))
    except OSError:
        return False
    return header is not None and header.application_id == APPLICATION_ID


def _ensure_board_id(conn: sqlite3.Connection) -> None:
    """Boards made before board ids get one (it ties a -wal to its board)."""
    if conn.execute("SELECT 1 FROM meta WHERE key = 'board_id'").fetchone() is None:
        with _transaction(conn):
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('board_id', ?)",
                (uuid.uuid4().hex,),
            )


def _columns(select: str) -> list[str]:
    """The column names of one of the SELECTs above, in order."""
    return [c.strip() for c in select.split("SELECT", 1)[1].split("FROM", 1)[0].split(",")]


def _build(snap: BoardSnapshot, who: str, version: int) -> bytes:
    """A complete new board file, built in memory (a create killed midway leaves nothing)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        with _transaction(conn):
            for statement in _statements(_SCHEMA_V1):
                conn.execute(statement)
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version={version}")
            _write_board(conn, snap, 1)
            _log(conn, 1, who, "create", None, None, snap.name)
            _set_meta(conn, "revision", "1")
            _set_meta(conn, "board_id", uuid.uuid4().hex)
        return conn.serialize()
    finally:
        conn.close()
