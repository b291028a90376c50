"""Every file Freightlab writes goes through here: atomic, and never replacing what is not ours.

How a write treats what is already at the path (``plan_write`` decides, ``TARGET_KINDS`` is
the table):

- a **regular file** (or nothing): the content goes to a temp file beside the *real* target
  (symlinks resolved), is fsynced, and is renamed over it. A crash leaves the old file or the
  new one, never half a file. The target keeps its permission bits (and owner, when we may
  set it); a new file gets what the umask gives a plain ``open``. A file we could not open
  for writing (read-only to us) is refused, as a plain ``open`` would, instead of being
  replaced behind its owner's back.
- a **symlink**: followed; the file it points to is replaced and the link stays a link.
  (A file with other hard links is replaced like any other: its other names keep the old
  content. Extended attributes and ACLs are not copied; mode bits and owner are.)
- a **character device or FIFO** (``/dev/null``, ``/dev/stdout``, a named pipe a script
  reads): written directly, never replaced. Why not refuse: ``--json /dev/stdout`` and
  ``--json /dev/null`` are ordinary shell idioms, and a reader on a FIFO expects a stream;
  replacing such a node with a regular file (which a rename would do, and as root would do to
  the system's ``/dev/null``) breaks the machine for everyone. Atomicity means nothing for a
  stream, so nothing is lost by writing straight through. Paths through ``/proc/*/fd`` or
  ``/dev/fd`` (``/dev/stdout`` when stdout is redirected to a file) are streams too: the user
  means "this open descriptor", not "replace the file behind it". Streams are opened for
  appending, so ``>> log`` keeps what the log held and what this run printed before.
- a **folder, block device or socket**: refused with a clear message (a JSON report written
  over a disk is never what anyone meant).

Failures become ``WriteError`` (an ``InputError``: the CLI exits 2 with one line) naming the
file, the reason ("the disk is full") and what it means for the old content. The temp file
is removed on every failure path; one left by a process that was killed mid-write (nothing
can clean up after SIGKILL) carries that process's host and pid in its name and is removed
by the next write to the same target once that process is gone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from freightlab.errors import InputError


class WriteError(InputError, OSError):
    """A file could not be written (disk full, permission, not a file); says what survived.

    An ``InputError`` (the CLI exits 2 with its one line, the UI shows it) and an ``OSError``
    (code that catches a failed save as one keeps working). ``str()`` is the whole sentence;
    ``strerror`` is the part after the file name, for callers that print the path themselves.
    """

    @classmethod
    def about(cls, path: Path, reason: str) -> WriteError:
        err = cls(f"could not write {path}: {reason}")
        err.strerror = reason  # errno and filename stay unset, so str() stays the sentence
        return err


#: errno -> how a person would say it. Anything else is reported with the system's words.
ERRNO_REASONS: dict[int, str] = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EACCES: "permission denied",
    errno.EPERM: "the operation is not permitted (immutable or protected file)",
    errno.EROFS: "the file system is read-only",
    errno.EIO: "a disk input/output error",
    errno.ENOENT: "its folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ELOOP: "too many symbolic links (a loop?)",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EISDIR: "it is a folder",
}


def os_reason(exc: OSError) -> str:
    """A short, human reason for an OSError (no errno numbers, no repeated file name)."""
    if exc.errno in ERRNO_REASONS:
        return ERRNO_REASONS[exc.errno]
    return exc.strerror or str(exc)


@dataclass(frozen=True)
class TargetKind:
    """How one kind of existing path is written: replaced atomically, streamed, or refused."""

    name: str
    test: Callable[[int], bool]
    how: str  # "replace" | "stream" | "refuse"


TARGET_KINDS: tuple[TargetKind, ...] = (
    TargetKind("regular file", stat.S_ISREG, "replace"),
    TargetKind("character device", stat.S_ISCHR, "stream"),
    TargetKind("named pipe (FIFO)", stat.S_ISFIFO, "stream"),
    TargetKind("folder", stat.S_ISDIR, "refuse"),
    TargetKind("block device (a disk)", stat.S_ISBLK, "refuse"),
    TargetKind("socket", stat.S_ISSOCK, "refuse"),
)

_STREAM_PREFIXES = ("/proc/", "/dev/fd/", "/dev/stdout", "/dev/stderr")
_MAX_HOPS = 40


@dataclass(frozen=True)
class WritePlan:
    """Where and how to write: ``real`` is the file to replace (or the stream to write)."""

    asked: Path
    real: Path
    how: str  # "replace" | "stream"
    existing: os.stat_result | None


def plan_write(path: str | os.PathLike[str]) -> WritePlan:
    """Resolve ``path`` (symlinks followed) and decide how it is written; refusals raise."""
    asked = Path(path)
    chain = _link_chain(asked)
    if any(str(p).startswith(_STREAM_PREFIXES) for p in chain):
        return WritePlan(asked, asked, "stream", None)
    real = Path(os.path.realpath(asked))
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return WritePlan(asked, real, "replace", None)
    except OSError as exc:
        raise WriteError.about(asked, os_reason(exc)) from None
    kind = next((k for k in TARGET_KINDS if k.test(st.st_mode)), None)
    if kind is None or kind.how == "refuse":
        what = kind.name if kind else "special file"
        raise WriteError.about(asked, f"it is a {what}, not a file; nothing written")
    if kind.how == "replace" and not os.access(real, os.W_OK):
        raise WriteError.about(asked, "the file is read-only; it was left unchanged")
    return WritePlan(asked, real if kind.how == "replace" else asked, kind.how, st)


def _link_chain(path: Path) -> list[Path]:
    """``path`` and every symlink hop after it (absolute), to spot /proc and /dev/fd streams."""
    chain = [Path(os.path.abspath(path))]
    for _ in range(_MAX_HOPS):
        try:
            nxt = os.readlink(chain[-1])
        except OSError:
            break
        chain.append(Path(os.path.abspath(os.path.join(chain[-1].parent, nxt))))
    return chain


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", **kwargs: object) -> Iterator[IO]:
    """Open ``path`` for writing as the module docstring says; on clean exit the content is
    in place (replaced atomically, or streamed). Errors raise ``WriteError``."""
    plan = plan_write(path)
    if plan.how == "stream":
        with _writing(plan, "nothing else was touched"):
            # append, not truncate: /dev/stdout may be a file the shell opened for >> (or one
            # this run already printed to); on devices and FIFOs the two are the same
            stream = open(plan.real, mode.replace("w", "a"), **kwargs)  # type: ignore[call-overload]  # noqa: SIM115
            with stream as fh:
                yield fh
        return
    survived = "the old file is unchanged" if plan.existing else "nothing was written"
    with _writing(plan, survived), _temp_beside(plan.real) as tmp:
        _copy_permissions(tmp, plan.existing)
        with open(tmp, mode, **kwargs) as fh:  # type: ignore[call-overload]
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, plan.real)
        _sync_folder(plan.real.parent)


@contextlib.contextmanager
def _writing(plan: WritePlan, survived: str) -> Iterator[None]:
    """OSErrors while writing -> one WriteError naming the file and what survived."""
    try:
        yield
    except WriteError:
        raise
    except OSError as exc:
        raise WriteError.about(plan.asked, f"{os_reason(exc)}; {survived}") from exc


@contextlib.contextmanager
def _temp_beside(target: Path) -> Iterator[Path]:
    """A fresh temp file in ``target``'s folder (same file system: the rename is atomic); it is
    removed on every way out unless it was renamed into place."""
    sweep_litter(target)
    fd, name = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _host_tag() -> str:
    return "".join(c for c in socket.gethostname() if c.isalnum())[:16] or "host"


def _temp_prefix(target: Path) -> str:
    return f".{target.name}.{_host_tag()}-{os.getpid()}-"


def sweep_litter(target: str | os.PathLike[str]) -> None:
    """Remove temp files of *dead* processes on this host writing to ``target``."""
    target = Path(target)
    head = f".{target.name}.{_host_tag()}-"
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if not (entry.name.startswith(head) and entry.name.endswith(".tmp")):
                continue
            pid_text = entry.name[len(head) :].split("-", 1)[0]
            if pid_text.isdigit() and not _alive(int(pid_text)):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def new_file_mode() -> int:
    """The mode a plain ``open(path, "w")`` gives a new file under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _copy_permissions(tmp: Path, existing: os.stat_result | None) -> None:
    """mkstemp makes 0600; give the temp file the target's mode (and owner), or the umask's."""
    if existing is None:
        os.chmod(tmp, new_file_mode())
        return
    if os.geteuid() == 0:  # root saving a user's file must not make it root's
        with contextlib.suppress(OSError):
            os.chown(tmp, existing.st_uid, existing.st_gid)
    os.chmod(tmp, stat.S_IMODE(existing.st_mode))


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: some file systems refuse a folder fsync)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    with atomic_open(path, "w", encoding=encoding, newline="") as fh:
        fh.write(text)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)
