"""A board file is checked before SQLite may write to it: foreign -wal files, tampered rows,
full disks, unreadable files, permissions of new boards and litter of killed creates."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dispatcher.board_file import ForeignWal
from dispatcher.fleet import Load, Truck, TruckType
from dispatcher.store import AssignOp, BoardSnapshot, BoardStore
from freightlab.atomic import WriteError
from freightlab.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


def _snap(n: int = 3, name: str = "West desk") -> BoardSnapshot:
    trucks = [Truck(f"T{i}", "pune", 20.0, TruckType.OPEN) for i in range(n)]
    loads = [
        Load(f"L{i}", "pune", "mumbai", 5.0, TruckType.OPEN, 1.0, 3.0, 900.0) for i in range(n)
    ]
    return BoardSnapshot(name=name, trucks=trucks, loads=loads)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_KILLED_WRITER = """
import os, sys
from dispatcher.store import BoardStore
store = BoardStore.open(sys.argv[1], owner="crashing desk")
for i in range(int(sys.argv[2])):
    store.assign(f"L{i}", f"T{i}", 1.0 + i)
os.kill(os.getpid(), 9)  # no close: the -wal keeps the assignments, not yet checkpointed
"""


def _crash_after_assigning(board: Path, n: int) -> None:
    subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(board), str(n)], cwd=ROOT)
    assert Path(f"{os.path.realpath(board)}-wal").stat().st_size > 0


def _quietly_open_and_close(board: Path) -> None:
    with BoardStore.open(board):
        pass


# --------------------------------------------------------------------------- foreign -wal
def test_own_wal_after_a_crash_is_applied(tmp_path: Path) -> None:
    board = tmp_path / "a.fboard"
    BoardStore.create(board, _snap()).close()
    _crash_after_assigning(board, 2)
    with BoardStore.open(board) as store:
        assert len(store.load().assignments) == 2  # a crash loses no committed action


def test_foreign_wal_leaves_the_board_byte_identical_and_is_reported(tmp_path: Path) -> None:
    a, b = tmp_path / "a.fboard", tmp_path / "b.fboard"
    BoardStore.create(a, _snap()).close()
    BoardStore.create(b, _snap(name="East desk")).close()
    _crash_after_assigning(a, 2)
    shutil.copyfile(f"{a}-wal", f"{b}-wal")
    shutil.copyfile(f"{a}-shm", f"{b}-shm")
    wal_bytes = Path(f"{b}-wal").read_bytes()
    before = _digest(b)
    with pytest.raises(ForeignWal) as caught:
        BoardStore.open(b)
    message = str(caught.value)
    assert str(b) in message and "belongs to another board" in message
    assert "\n" not in message and "moved aside" in message
    assert _digest(b) == before  # not one byte of the board changed
    assert not Path(f"{b}-wal").exists() and not Path(f"{b}-shm").exists()
    aside = sorted(p.name for p in tmp_path.glob("b.fboard-wal.foreign-*"))
    assert len(aside) == 1 and (tmp_path / aside[0]).read_bytes() == wal_bytes
    with BoardStore.open(b) as store:  # and the board opens as it was
        snap = store.load()
    assert snap.name == "East desk" and snap.assignments == []


def test_wal_of_a_copy_with_another_history_is_refused(tmp_path: Path) -> None:
    """Same board id (a plain file copy), but the copies went separate ways."""
    a = tmp_path / "a.fboard"
    BoardStore.create(a, _snap()).close()
    b = tmp_path / "b.fboard"
    shutil.copyfile(a, b)
    with BoardStore.open(b) as store:
        store.assign("L2", "T2", 9.0)  # b moves on by itself
    _crash_after_assigning(a, 1)
    shutil.copyfile(f"{a}-wal", f"{b}-wal")
    before = _digest(b)
    with pytest.raises(ForeignWal, match="another history"):
        BoardStore.open(b)
    assert _digest(b) == before


def test_restored_backup_beside_a_newer_wal_is_refused(tmp_path: Path) -> None:
    board = tmp_path / "a.fboard"
    BoardStore.create(board, _snap()).close()
    backup = tmp_path / "backup.fboard"
    shutil.copyfile(board, backup)  # revision 1
    with BoardStore.open(board) as store:
        store.assign("L2", "T2", 9.0)  # revision 2, checkpointed on close
    _crash_after_assigning(board, 1)  # revision 3 only in the -wal
    shutil.copyfile(backup, board)  # "restore" the old file; the -wal stays
    before = _digest(board)
    with pytest.raises(ForeignWal, match="revision 1, the -wal starts at revision 3"):
        BoardStore.open(board)
    assert _digest(board) == before


def test_a_live_wal_of_another_desk_is_left_alone(tmp_path: Path) -> None:
    board = tmp_path / "a.fboard"
    BoardStore.create(board, _snap()).close()
    code = (
        "import sys, time\nfrom dispatcher.store import BoardStore\n"
        "s = BoardStore.open(sys.argv[1]); s.assign('L0', 'T0', 1.0)\n"
        "print('ready', flush=True); sys.stdin.readline()\n"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", code, str(board)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "ready"
        with BoardStore.open(board) as store:
            assert [a.load_id for a in store.load().assignments] == ["L0"]
    finally:
        other.communicate("\n", timeout=30)


# ---------------------------------------------------------------------- tampered content
@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("UPDATE trucks SET truck_type = 'flying' WHERE id = 'T1'", "truck 'T1': truck_type"),
        ("UPDATE loads SET status = 'lost' WHERE id = 'L0'", "load 'L0': status 'lost'"),
        ("UPDATE trucks SET capacity_t = 'heavy' WHERE id = 'T0'", "capacity_t 'heavy'"),
        ("UPDATE loads SET price = -5 WHERE id = 'L2'", "price -5"),
        (
            "UPDATE loads SET truck_id = 'T9', deadhead_km = 1, status = 'assigned' "
            "WHERE id = 'L1'",
            "truck 'T9', which is not on the board",
        ),
        (
            "UPDATE loads SET truck_id = 'T0', deadhead_km = 1, status = 'assigned' "
            "WHERE id IN ('L0', 'L1')",
            "truck 'T0' carries several loads",
        ),
        ("UPDATE meta SET value = 'x' WHERE key = 'revision'", "revision 'x'"),
        ("UPDATE meta SET value = 'monday' WHERE key = 'day_start'", "day_start 'monday'"),
    ],
)
def test_tampered_board_gives_one_line_naming_the_file(
    tmp_path: Path, sql: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    board = tmp_path / "t.fboard"
    BoardStore.create(board, _snap()).close()
    conn = sqlite3.connect(board)
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute(sql)
    conn.commit()
    conn.close()
    with pytest.raises(InputError) as caught, BoardStore.open(board) as store:
        store.load()
    message = " ".join(str(caught.value).split())
    assert str(board) in message and expected in message, message


def test_not_a_board_is_refused_before_sqlite_touches_it(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE x (a)")
    conn.commit()
    conn.close()
    before = _digest(other)
    with pytest.raises(InputError, match="SQLite file of another kind"):
        BoardStore.open(other)
    assert _digest(other) == before and not Path(f"{other}-wal").exists()


# ------------------------------------------------------------------- permissions and create
def test_create_uses_the_umask_and_keeps_a_symlink(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        BoardStore.create(tmp_path / "n.fboard", _snap()).close()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "n.fboard").stat().st_mode) == 0o644
    real = tmp_path / "real.fboard"
    real.write_text("not a board yet")
    link = tmp_path / "link.fboard"
    link.symlink_to(real)
    BoardStore.create(link, _snap(), overwrite=True).close()
    assert link.is_symlink()
    with BoardStore.open(real) as store:
        assert store.load().name == "West desk"


def test_create_refuses_devices_and_fifos(tmp_path: Path) -> None:
    fifo = tmp_path / "p.fboard"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="must be a regular file"):
        BoardStore.create(fifo, _snap(), overwrite=True)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    if os.geteuid() == 0:
        node = tmp_path / "null.fboard"
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        with pytest.raises(InputError, match="must be a regular file"):
            BoardStore.create(node, _snap(), overwrite=True)
        assert stat.S_ISCHR(node.lstat().st_mode)
        with pytest.raises(InputError, match="not a board file"):
            BoardStore.open(node)


def test_create_moves_aside_a_stale_wal_instead_of_applying_it(tmp_path: Path) -> None:
    a = tmp_path / "a.fboard"
    BoardStore.create(a, _snap()).close()
    _crash_after_assigning(a, 1)
    new = tmp_path / "new.fboard"
    shutil.copyfile(f"{a}-wal", f"{new}-wal")  # left over from a deleted board
    BoardStore.create(new, _snap(name="Fresh")).close()
    with BoardStore.open(new) as store:
        assert store.load().assignments == []
    assert list(tmp_path.glob("new.fboard-wal.foreign-*"))


_KILLED_CREATE = """
import os, sys
from freightlab import atomic
from dispatcher.store import BoardStore, BoardSnapshot
real_replace = os.replace
def die(src, dst):  # killed between writing the temp file and renaming it
    os.kill(os.getpid(), 9)
atomic.os.replace = die
BoardStore.create(sys.argv[1], BoardSnapshot(name="x"))
"""


def test_killed_create_leaves_no_litter_once_anything_touches_the_board(tmp_path: Path) -> None:
    board = tmp_path / "k.fboard"
    subprocess.run([sys.executable, "-c", _KILLED_CREATE, str(board)], cwd=ROOT)
    assert not board.exists()
    assert len(list(tmp_path.glob("*.tmp"))) == 1  # SIGKILL: no code runs to clean up
    BoardStore.create(board, _snap()).close()
    assert list(tmp_path.glob("*.tmp")) == []


def test_unreadable_board_is_not_called_read_only(tmp_path: Path) -> None:
    board = tmp_path / "z.fboard"
    BoardStore.create(board, _snap()).close()
    board.chmod(0o000)
    if os.geteuid() != 0:
        with pytest.raises(InputError, match=r"cannot read the board: permission denied"):
            BoardStore.open(board)
        return
    tmp_path.chmod(0o755)  # root reads anything: ask as an ordinary user
    for parent in tmp_path.parents:
        if parent == Path("/"):
            break
        if not os.access(parent, os.X_OK, effective_ids=False):
            pytest.skip("the temp folder is closed to other users")
    code = (
        "import sys\nfrom dispatcher.store import BoardStore\n"
        "try:\n    BoardStore.open(sys.argv[1])\nexcept Exception as e:\n    print(e)\n"
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", code, str(board)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            user=65534,
            check=False,
        ).stdout
    except PermissionError:
        pytest.skip("cannot switch to an ordinary user")
    if "No module named" in out or not out:
        pytest.skip("the checkout is not readable by an ordinary user")
    assert "permission denied (mode 0000)" in out and "read-only" not in out


# ------------------------------------------------------------------------------ full disk
@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (root only; skipped otherwise), unmounted afterwards."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def test_full_disk_loses_nothing_and_says_so(small_disk: Path) -> None:
    board = small_disk / "board.fboard"
    BoardStore.create(board, _snap(300)).close()
    store = BoardStore.open(board)
    try:
        store.assign("L0", "T0", 1.0)
        filler = _fill(small_disk)
        ops = [AssignOp(f"L{i}", f"T{i}", 2.0) for i in range(1, 300)]
        with pytest.raises(WriteError) as caught:
            store.apply(ops)
        message = str(caught.value)
        assert f"could not save 299 assignments to {board}" in message
        assert "the disk is full; nothing was lost, free space and retry" in message
        filler.unlink()
        assert [a.load_id for a in store.load().assignments] == ["L0"]
        store.apply(ops)  # after freeing space the same save goes through
    finally:
        store.close()
    with BoardStore.open(board) as again:
        assert len(again.load().assignments) == 300


def test_full_disk_while_writing_an_output_keeps_the_old_file(small_disk: Path) -> None:
    from freightlab.atomic import atomic_write_text

    out = small_disk / "r.json"
    out.write_text("old")
    filler = _fill(small_disk)
    with pytest.raises(WriteError, match="the disk is full; the old file is unchanged"):
        atomic_write_text(out, "x" * 500_000)
    assert out.read_text() == "old" and list(small_disk.glob("*.tmp")) == []
    filler.unlink()


def test_unreadable_and_read_only_are_told_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same checks as above with access() answering as it does for an ordinary user
    (root passes every permission check, so the subprocess version may be skipped)."""
    from dispatcher import board_file

    board = tmp_path / "z.fboard"
    BoardStore.create(board, _snap()).close()
    denied: set[int] = set()
    real_access = os.access

    def access(path: object, mode: int, **kw: object) -> bool:
        if Path(str(path)) == board and mode in denied:
            return False
        return real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(board_file.os, "access", access)
    board.chmod(0o000)
    denied.update({os.R_OK, os.W_OK})
    with pytest.raises(InputError, match=r"permission denied \(mode 0000\)") as caught:
        BoardStore.open(board)
    assert "read-only" not in str(caught.value)
    board.chmod(0o444)
    denied.discard(os.R_OK)
    with pytest.raises(InputError, match=r"read-only \(mode 0444\)"):
        BoardStore.open(board)


def test_immutable_board_is_refused_first_and_untouched(tmp_path: Path) -> None:
    board = tmp_path / "i.fboard"
    BoardStore.create(board, _snap()).close()
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(board)]).returncode:
        pytest.skip("no immutable flag here")
    try:
        before = _digest(board)
        with pytest.raises(InputError, match=r"read-only \((immutable|mode \d+)\)"):
            BoardStore.open(board)
        assert _digest(board) == before and not Path(f"{board}-wal").exists()
    finally:
        subprocess.run(["chattr", "-i", str(board)], check=True)


def test_board_through_a_symlink_checks_the_wal_beside_the_real_file(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    a, b = real_dir / "a.fboard", real_dir / "b.fboard"
    BoardStore.create(a, _snap()).close()
    BoardStore.create(b, _snap(name="East desk")).close()
    link = tmp_path / "link.fboard"
    link.symlink_to(b)
    _crash_after_assigning(link, 1)  # SQLite writes the -wal beside the real file
    assert Path(f"{b}-wal").exists() and not Path(f"{link}-wal").exists()
    with BoardStore.open(link) as store:  # its own -wal: applied
        assert len(store.load().assignments) == 1
    _crash_after_assigning(a, 2)
    shutil.copyfile(f"{a}-wal", f"{b}-wal")
    before = _digest(b)
    with pytest.raises(ForeignWal):
        BoardStore.open(link)
    assert _digest(b) == before


def test_open_on_a_full_disk_says_so_not_damaged(small_disk: Path) -> None:
    board = small_disk / "board.fboard"
    BoardStore.create(board, _snap(50)).close()
    before = _digest(board)
    filler = _fill(small_disk)
    try:
        store = BoardStore.open(board)  # may open: SQLite might need no new space yet
    except InputError as exc:
        message = str(exc)
        assert "damaged" not in message and "not a Freightlab board" not in message
        assert f"{board}: could not open the board: the disk is full" in message
    else:
        with store, pytest.raises(WriteError, match="the disk is full; nothing was lost"):
            store.apply([AssignOp(f"L{i}", f"T{i}", 1.0) for i in range(50)])
    finally:
        filler.unlink()
    with BoardStore.open(board) as again:
        assert again.load().assignments == []
    assert _digest(board) == before or Path(f"{board}-wal").exists() is False


def test_no_room_to_check_a_wal_refuses_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from dispatcher import board_file

    board = tmp_path / "a.fboard"
    BoardStore.create(board, _snap()).close()
    _crash_after_assigning(board, 1)
    before, wal = _digest(board), Path(f"{board}-wal").read_bytes()

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(board_file.shutil, "copyfile", full)
    with pytest.raises(InputError, match=r"could not check the a\.fboard-wal file beside it"):
        BoardStore.open(board)
    assert _digest(board) == before and Path(f"{board}-wal").read_bytes() == wal
    monkeypatch.undo()
    with BoardStore.open(board) as store:
        assert len(store.load().assignments) == 1


def _backfill_part(board: Path, fraction: float) -> int:
    """Do what a checkpoint killed midway leaves: the newest copy of the first ``fraction`` of
    the pages in the -wal (in page order, as SQLite copies them) written into the board."""
    import struct

    wal = Path(f"{board}-wal").read_bytes()
    page_size = struct.unpack(">I", wal[8:12])[0]
    salts, newest, offset = wal[16:24], {}, 32
    while offset + 24 + page_size <= len(wal) and wal[offset + 8 : offset + 16] == salts:
        pgno = struct.unpack(">I", wal[offset : offset + 4])[0]
        newest[pgno] = wal[offset + 24 : offset + 24 + page_size]
        offset += 24 + page_size
    pages = sorted(newest)[: int(len(newest) * fraction)]
    with open(board, "r+b") as fh:
        for pgno in pages:
            fh.seek((pgno - 1) * page_size)
            fh.write(newest[pgno])
    return len(pages)


_KILLED_SAVER = """
import os, sys
from dispatcher.fleet import Load, Truck, TruckType
from dispatcher.store import BoardSnapshot, BoardStore
store = BoardStore.open(sys.argv[1], owner="saver")
store._conn.execute("PRAGMA wal_autocheckpoint=0")  # keep every page in the -wal
for n in (1500, 3000, 700, 2500):  # whole saves: pages split, freed and reused
    trucks = [Truck(f"T{i}", "pune", 20.0, TruckType.OPEN) for i in range(50)]
    loads = [Load(f"L{i}-{n}", "pune", "mumbai", 5.0, TruckType.OPEN, 1.0, 3.0, n + 0.5)
             for i in range(n)]
    store.save(BoardSnapshot(name=f"v{n}", trucks=trucks, loads=loads), force=True)
store.assign("L0-2500", "T0", 1.0)
os.kill(os.getpid(), 9)
"""


@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("history", [0, 1])
def test_a_checkpoint_killed_midway_is_not_taken_for_a_foreign_wal(
    tmp_path: Path, history: int, fraction: float
) -> None:
    board = tmp_path / "a.fboard"
    BoardStore.create(board, _snap(400)).close()
    for _ in range(history):
        with BoardStore.open(board) as store:
            store.assign("L399", "T399", 1.0)
    subprocess.run([sys.executable, "-c", _KILLED_SAVER, str(board)], cwd=ROOT, check=False)
    assert _backfill_part(board, fraction) > 2
    with BoardStore.open(board) as store:
        snap = store.load()
    assert snap.name == "v2500" and len(snap.loads) == 2500  # every committed action is there
    assert [a.load_id for a in snap.assignments] == ["L0-2500"]
