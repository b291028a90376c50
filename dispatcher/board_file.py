"""Checks on a board file made *before* SQLite may write to it, and errors said in words.

Why before: SQLite applies a ``-wal`` file it finds beside a database on open and checkpoints
it into the database on close. The WAL format (https://sqlite.org/fileformat2.html#walformat:
a 32-byte header with magic, page size, checkpoint sequence and two salts, then frames of
whole pages, each checksummed in a chain seeded by the header) says nothing about *which*
database it belongs to: a ``-wal`` copied beside another board is "valid" and gets written into
it. So a board is opened only after:

1. the file itself is checked without SQLite: a regular file, readable and writable (an
   unreadable mode-0000 file and an immutable or read-only one are told apart), with the
   SQLite header, our ``application_id`` and a format version we know;
2. a ``-wal`` that no live connection is using is tried on *private copies*: the database
   alone and the database with the ``-wal`` are opened in a temp folder. The ``-wal`` belongs
   when the copy with it is sound (quick_check), carries the same board id (``meta.board_id``,
   written at creation) and continues the same history (the file's last logged action is in
   the copy unchanged: the log is append-only). Otherwise it is moved aside (never deleted,
   never applied) with its ``-shm`` and the open is refused saying why. The board itself is
   not touched: byte for byte what it was.

A ``-shm`` alone (no ``-wal``) is harmless: the first connection rebuilds it. What the rows
must hold is checked after SQLite opened the file (``dispatcher/board_checks.py``).

A ``-wal`` in use by a live connection (a lock on the ``-shm`` or the database, read from
``/proc/locks`` so no descriptor of ours is opened and closed: closing one would drop this
process's SQLite locks, https://sqlite.org/howtocorrupt.html#_posix_advisory_locks_canceled_by
_a_separate_thread_doing_close_) was checked by whoever opened it and is left alone. So is a
board this process already has open.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import struct
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from freightlab.atomic import WriteError, os_reason
from freightlab.errors import InputError
from freightlab.paths import resolve_inside
from freightlab.resources import asset_path, default_map_path

SQLITE_MAGIC = b"SQLite format 3\x00"
_FS_IOC_GETFLAGS = 0x80086601  # linux/fs.h
_FS_IMMUTABLE_FL = 0x00000010


class ForeignWal(InputError):
    """A ``-wal`` beside a board did not belong to it; it was moved aside, not applied."""


@dataclass(frozen=True)
class Header:
    """What the first 100 bytes of an SQLite file say (https://sqlite.org/fileformat.html)."""

    page_size: int
    user_version: int
    application_id: int

    @classmethod
    def parse(cls, data: bytes) -> Header | None:
        if len(data) < 100 or not data.startswith(SQLITE_MAGIC):
            return None
        page = struct.unpack(">H", data[16:18])[0]
        return cls(
            65536 if page == 1 else page,
            struct.unpack(">I", data[60:64])[0],
            struct.unpack(">I", data[68:72])[0],
        )


# ------------------------------------------------------------------ open in this process
_OPEN: Counter[tuple[int, int]] = Counter()
_OPEN_LOCK = threading.Lock()


def _key(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def register_open(path: Path) -> tuple[int, int] | None:
    """Note that this process holds a connection on ``path`` (``release_open`` undoes it)."""
    key = _key(path)
    if key is not None:
        with _OPEN_LOCK:
            _OPEN[key] += 1
    return key


def release_open(key: tuple[int, int] | None) -> None:
    if key is None:
        return
    with _OPEN_LOCK:
        _OPEN[key] -= 1
        if _OPEN[key] <= 0:
            del _OPEN[key]


def open_here(path: Path) -> bool:
    key = _key(path)
    with _OPEN_LOCK:
        return key is not None and _OPEN[key] > 0


# ------------------------------------------------------------------------ the file itself
def check_file(path: Path) -> Header | None:
    """Refuse, in words, what cannot be a writable board; the header when it was read."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such board file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot open board: {os_reason(exc)}") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: not a board file (it is a folder or a special file)")
    if st.st_size == 0:
        raise InputError(f"{path}: empty file, not a Freightlab board")
    if not os.access(path, os.R_OK):
        mode = stat.S_IMODE(st.st_mode)
        raise InputError(
            f"{path}: cannot read the board: permission denied (mode {mode:04o}); "
            "ask its owner to share it"
        )
    here = open_here(path)  # then no descriptor of ours may be opened and closed on it
    if not os.access(path, os.W_OK):
        flagged = not here and _immutable(path)
        why = "immutable" if flagged else f"mode {stat.S_IMODE(st.st_mode):04o}"
        raise InputError(f"{path}: board file is read-only ({why}); save a copy")
    if not os.access(Path(os.path.realpath(path)).parent, os.W_OK):  # where the -wal goes
        raise InputError(
            f"{path}: its folder is read-only (a board needs to write its -wal beside it); "
            "save a copy elsewhere"
        )
    if here:
        return None  # closing a descriptor of ours on it would drop our SQLite locks
    with open(path, "rb") as fh:
        header = Header.parse(fh.read(100))
    if header is None:
        raise InputError(f"{path}: not a Freightlab board (not an SQLite database)")
    return header


def _immutable(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        import fcntl  # POSIX only, like the immutable flag itself

        buf = fcntl.ioctl(fd, _FS_IOC_GETFLAGS, b"\0" * 8)
        return bool(struct.unpack("I", buf[:4])[0] & _FS_IMMUTABLE_FL)
    except (OSError, ImportError):
        return False
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------- the -wal
def in_use(*paths: Path) -> bool:
    """Does any process (this one included) hold a lock on these files? Unknown -> True."""
    files = {k for p in paths if (k := _key(p))}
    if not files:
        return False
    try:
        text = Path("/proc/locks").read_text()  # Linux; elsewhere we cannot tell
    except OSError:
        return True  # cannot tell: trust SQLite as before rather than move a live -wal
    keys = {(os.major(dev), os.minor(dev), ino) for dev, ino in files}
    for line in text.splitlines():
        for field in line.split():
            parts = field.split(":")
            if len(parts) == 3 and parts[2].isdigit():
                with contextlib.suppress(ValueError):
                    if (int(parts[0], 16), int(parts[1], 16), int(parts[2])) in keys:
                        return True
    return False


def check_wal(path: Path, header: Header | None) -> None:
    """Refuse (and move aside) a ``-wal`` that does not belong to ``path``; see the module."""
    real = Path(os.path.realpath(path))  # SQLite puts the -wal beside the real file
    wal, shm = Path(f"{real}-wal"), Path(f"{real}-shm")
    if header is None or not wal.is_file() or wal.stat().st_size == 0:
        return
    if in_use(real, wal, shm):
        return
    try:
        why = _why_foreign(real, wal, header)
    except OSError as exc:  # no room for the private copies, say: never guess "it fits"
        raise InputError(
            f"{path}: could not check the {wal.name} file beside it ({os_reason(exc)} in "
            f"{tempfile.gettempdir()}); nothing was changed; free space there and retry"
        ) from exc
    if why is None or in_use(real, wal, shm):  # a desk opened it meanwhile: it checked it
        return
    moved = _move_aside(wal, shm)
    raise ForeignWal(
        f"{path}: refused to open: the {wal.name} file beside it {why}; it was not applied "
        f"(the board is unchanged) and was moved aside to {', '.join(moved)}; open the board "
        "again"
    )


_WAL_MAGICS = (0x377F0682, 0x377F0683)
_WAL_HEADER, _FRAME_HEADER = 32, 24


def _why_foreign(path: Path, wal: Path, header: Header) -> str | None:
    """None when ``wal`` belongs to ``path``, else why not (see the module docstring)."""
    with open(wal, "rb") as fh:
        head = fh.read(_WAL_HEADER)
        if len(head) < _WAL_HEADER or struct.unpack(">I", head[:4])[0] not in _WAL_MAGICS:
            return None  # not a WAL SQLite would use: it ignores and resets it
        if struct.unpack(">I", head[8:12])[0] != header.page_size:
            return "has another page size, so it was written for another database"
        first = _first_commit_end(fh, head, header.page_size)
    if first is None:
        return None  # no committed transaction in it: SQLite applies nothing
    with tempfile.TemporaryDirectory(prefix="freightlab-walcheck-") as tmp:
        try:
            mine = _identity(_copy(path, wal, Path(tmp, "alone"), 0), None)
        except sqlite3.Error:
            return None  # the board alone is unreadable: the open reports that itself
        try:
            theirs = _identity(_copy(path, wal, Path(tmp, "all"), -1), mine.last, check=True)
        except sqlite3.Error as exc:
            return f"does not fit this board (applied, it leaves a damaged board: {exc})"
        try:  # the file may be a checkpoint killed midway: only the whole -wal makes it whole,
            # so this copy is no evidence when it is unreadable
            start: _Identity | None = _identity(_copy(path, wal, Path(tmp, "first"), first), None)
        except sqlite3.Error:
            start = None
    if theirs.board_id != mine.board_id:
        return (
            f"belongs to another board (board id {theirs.board_id or 'none'}; "
            f"this board is {mine.board_id or 'none'})"
        )
    later = start is not None and start.revision > mine.revision + 1
    if later or (mine.last and theirs.last != mine.last):
        return (
            "is from another history of this board (a copy or a restored backup): the file "
            f"is at revision {mine.revision}, the -wal starts at revision "
            f"{start.revision if start else '?'}"
            f"{'' if theirs.last == mine.last else ' and rewrites what the file holds'}"
        )
    return None


def _first_commit_end(fh: BinaryIO, head: bytes, page_size: int) -> int | None:
    """Byte length of the WAL up to its first commit frame of the current salts, if any.

    Frames carry copies of the header's salts; a frame with other salts is left over from
    an earlier generation of the WAL and ends it. A commit frame has a non-zero database size.
    """
    salts = head[16:24]
    offset = _WAL_HEADER
    while True:
        fh.seek(offset)
        frame = fh.read(_FRAME_HEADER)
        if len(frame) < _FRAME_HEADER or frame[8:16] != salts:
            return None
        offset += _FRAME_HEADER + page_size
        if struct.unpack(">I", frame[4:8])[0] != 0:
            return offset


def _copy(db: Path, wal: Path, folder: Path, wal_bytes: int) -> Path:
    """A private copy of the board with the first ``wal_bytes`` of the -wal (-1: all)."""
    folder.mkdir()
    copy = folder / "board"
    shutil.copyfile(db, copy)
    if wal_bytes:
        with open(wal, "rb") as src, open(f"{copy}-wal", "wb") as dst:
            if wal_bytes < 0:
                shutil.copyfileobj(src, dst)
            else:
                dst.write(src.read(wal_bytes))
    return copy


@dataclass(frozen=True)
class _Identity:
    board_id: str
    revision: int
    last: tuple[object, ...] | None  # the last action row (or the row at the asked revision)


def _identity(db: Path, same_as: tuple[object, ...] | None, *, check: bool = False) -> _Identity:
    """A private copy's board id, revision and last action row (with ``same_as``, the other
    copy's last row, the row at that revision instead); ``check``: quick_check it first."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        if check:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise sqlite3.DatabaseError(verdict)
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        select = "SELECT revision, at, owner, kind, load_id, truck_id, detail FROM actions "
        if same_as is None:
            row = conn.execute(select + "ORDER BY revision DESC LIMIT 1").fetchone()
        else:
            row = conn.execute(select + "WHERE revision = ?", (same_as[0],)).fetchone()
    finally:
        conn.close()
    try:
        revision = int(meta.get("revision", "0"))
    except ValueError:
        raise sqlite3.DatabaseError(f"revision {meta.get('revision')!r} is not a number") from None
    return _Identity(str(meta.get("board_id", "")), revision, tuple(row) if row else None)


def _move_aside(*files: Path) -> list[str]:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    moved = []
    for f in files:
        if f.exists():
            dest = f.with_name(f"{f.name}.foreign-{stamp}")
            n = 1
            while dest.exists():
                dest, n = f.with_name(f"{f.name}.foreign-{stamp}-{n}"), n + 1
            os.rename(f, dest)
            moved.append(dest.name)
    return moved


def move_aside_leftovers(path: Path) -> list[str]:
    """A new board is about to appear at ``path``: a -wal/-shm already there is somebody
    else's and must not be applied to it; move it aside (not deleted)."""
    return _move_aside(Path(f"{path}-wal"), Path(f"{path}-shm"))


# ------------------------------------------------------------------- SQLite errors in words
@dataclass(frozen=True)
class _Failure:
    reason: str
    advice: str


#: SQLite primary error name -> what it means for a save. Extended names (SQLITE_IOERR_WRITE)
#: fall back to their primary code.
SQLITE_FAILURES: dict[str, _Failure] = {
    "SQLITE_FULL": _Failure("the disk is full", "free space and retry"),
    "SQLITE_READONLY": _Failure("the file became read-only", "check its permissions and retry"),
    "SQLITE_PERM": _Failure("permission denied", "check its permissions and retry"),
    "SQLITE_AUTH": _Failure("permission denied", "check its permissions and retry"),
    "SQLITE_IOERR": _Failure("a disk input/output error", "check the disk and retry"),
    "SQLITE_CANTOPEN": _Failure(
        "the file or its folder can no longer be opened", "check the folder and retry"
    ),
    "SQLITE_CONSTRAINT": _Failure(
        "the board file breaks its own rules (edited outside Freightlab?)", "open a backup copy"
    ),
    "SQLITE_CORRUPT": _Failure("the board file is damaged", "open a backup copy"),
    "SQLITE_NOTADB": _Failure("the board file is damaged", "open a backup copy"),
}


def save_failure(exc: sqlite3.Error, path: Path, what: str) -> InputError | None:
    """``could not save 3 assignments to board.fboard: the disk is full; nothing was lost,
    free space and retry`` -- or None for errors that are not about the file (bugs)."""
    failure = _failure_of(exc, path)
    if failure is None:
        return None
    return WriteError(
        f"could not save {what} to {path}: {failure.reason}; nothing was lost, {failure.advice}"
    )


def open_failure(exc: sqlite3.Error, path: Path) -> InputError:
    """An open that SQLite refused: a damaged file, or the disk/permissions (said as such,
    not as "damaged": a full disk is no reason to think the board is broken)."""
    failure = _failure_of(exc, path)
    if failure is None or failure.advice == "open a backup copy":
        return InputError(f"{path}: not a Freightlab board or damaged: {exc}")
    return InputError(
        f"{path}: could not open the board: {failure.reason}; nothing was changed, {failure.advice}"
    )


def read_failure(exc: sqlite3.Error, path: Path) -> InputError:
    failure = _failure_of(exc, path)
    reason = failure.reason if failure else str(exc)
    return InputError(f"{path}: could not read the board: {reason} ({exc})")


def _failure_of(exc: sqlite3.Error, path: Path) -> _Failure | None:
    name = getattr(exc, "sqlite_errorname", "") or ""
    while name and name not in SQLITE_FAILURES and "_" in name[7:]:
        name = name.rsplit("_", 1)[0]
    if name == "SQLITE_IOERR" and _no_space_left(path):
        name = "SQLITE_FULL"  # SQLite says "I/O error" when the -shm cannot grow on a full disk
    return SQLITE_FAILURES.get(name)


def _no_space_left(path: Path) -> bool:
    try:
        return os.statvfs(Path(os.path.realpath(path)).parent).f_bavail == 0
    except OSError:
        return False


def describe_ops(kinds: list[str]) -> str:
    """["assign", "assign", "edit"] -> "2 assignments and 1 edit"."""
    words = {
        "assign": "assignment",
        "unassign": "unassignment",
        "edit": "edit",
        "add": "addition",
        "delete": "deletion",
    }
    counts = Counter(kinds)
    parts = [f"{n} {words.get(k, k)}{'s' if n != 1 else ''}" for k, n in counts.items()]
    return " and ".join(parts) if parts else "nothing"


# ------------------------------------------------------------------------- the board's map
def board_map(board: Path, stored: str) -> Path:
    """The map file a board names, read only from the board's folder or the shipped maps.

    A relative path is taken from the board's folder. A map that is not where the board says
    (the board was moved, or saved on another machine) is looked for by file name beside the
    board, then among the shipped maps. A path leading anywhere else is refused, not read."""
    if not stored:
        return default_map_path()
    maps = asset_path("maps")
    allowed = (board.parent, maps)
    try:
        found: Path | None = resolve_inside(
            stored, board.parent, allowed, source=board, field="map_path"
        )
        refusal = None
    except InputError as exc:
        found, refusal = None, exc
    if found is not None and found.is_file():
        return found
    name = Path(stored).name
    for folder in allowed:
        if name and (folder / name).is_file():
            with contextlib.suppress(InputError):  # a link from there out is still out
                return resolve_inside(name, folder, allowed, source=board, field="map_path")
    if refusal is not None:
        raise InputError(f"{refusal}; copy the map beside the board to use it") from None
    raise InputError(f"{board}: its map {stored} is missing (looked beside the board too)")
