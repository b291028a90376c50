"""Every output path keeps what is at the path: a symlink stays a link (its target gets the
content), a FIFO stays a FIFO (its reader gets the content), a device node stays a device."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from designs.loader import load_design, save_design
from dispatcher.fleet import (
    Load,
    Truck,
    TruckType,
    read_loads_csv,
    write_assignments_csv,
    write_loads_csv,
    write_trucks_csv,
)
from dispatcher.matching import Assignment
from freightlab.atomic import WriteError, atomic_write_text, plan_write
from freightlab.resources import asset_path
from main import main

ROOT = Path(__file__).resolve().parents[2]
MONOLITH = str(ROOT / "designs" / "catalog" / "monolith.toml")
TRUCKS = str(asset_path("samples", "india_trucks.csv"))
LOADS = str(asset_path("samples", "india_loads.csv"))


def _cli(*argv: str) -> Callable[[Path], None]:
    def run(path: Path) -> None:
        assert main([a.replace("{OUT}", str(path)) for a in argv]) == 0

    return run


def _assignment() -> Assignment:
    return Assignment(truck_id="T1", load_id="L1", deadhead_km=12.5, cost=1.0, pickup_at=2.0)


_TRUCK = Truck("T1", "pune", 20.0, TruckType.OPEN)
_LOAD = Load("L1", "pune", "mumbai", 5.0, TruckType.OPEN, 1.0, 3.0, 900.0)

#: name -> (writer of that path, check of the bytes it wrote)
WRITERS: dict[str, tuple[Callable[[Path], None], Callable[[bytes], bool]]] = {
    "simulate --json": (
        _cli("simulate", MONOLITH, "--duration", "300", "--json", "{OUT}"),
        lambda b: json.loads(b)["design"] == "Single matcher, three workers",
    ),
    "compare --json": (
        _cli("compare", MONOLITH, "--rates", "1,2", "--duration", "200", "--json", "{OUT}"),
        lambda b: "sweeps" in json.loads(b) or "designs" in json.loads(b),
    ),
    "match --out": (
        _cli("match", "--trucks", TRUCKS, "--loads", LOADS, "--out", "{OUT}"),
        lambda b: b.startswith(b"truck,load,deadhead_km"),
    ),
    "match --json": (
        _cli("match", "--trucks", TRUCKS, "--loads", LOADS, "--json", "{OUT}"),
        lambda b: "assignments" in json.loads(b),
    ),
    "day --json": (
        _cli("day", "--batch-minutes", "30", "--json", "{OUT}"),
        lambda b: "runs" in json.loads(b),
    ),
    "design save": (
        lambda p: save_design(load_design(MONOLITH), p),
        lambda b: b"Single matcher" in b,
    ),
    "trucks export": (lambda p: write_trucks_csv(p, [_TRUCK]), lambda b: b"T1,pune" in b),
    "loads export": (lambda p: write_loads_csv(p, [_LOAD]), lambda b: b"L1,pune" in b),
    "assignments export": (
        lambda p: write_assignments_csv(p, [_assignment()]),
        lambda b: b"T1,L1,12.5" in b,
    ),
    "simulate --charts": (
        lambda p: _charts("simulate", MONOLITH, "--duration", "300", "--charts", str(p.parent)),
        lambda b: b.startswith(b"\x89PNG"),
    ),
    "compare --charts": (
        lambda p: _charts(
            "compare", MONOLITH, "--rates", "1,2", "--duration", "200", "--charts", str(p.parent)
        ),
        lambda b: b.startswith(b"\x89PNG"),
    ),
}
#: writers whose file name is fixed (a chart in the --charts folder); the others take any name
FILE_NAMES = {"simulate --charts": "latency.png", "compare --charts": "comparison.png"}


def _charts(*argv: str) -> None:
    assert main(list(argv)) == 0


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_symlink_keeps_the_link_and_its_target_gets_the_content(tmp_path: Path, name: str) -> None:
    write, good = WRITERS[name]
    real = tmp_path / "real" / "out.dat"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / FILE_NAMES.get(name, "link.dat")
    link.symlink_to(real)
    write(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert good(real.read_bytes())
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # permissions kept
    assert _litter(tmp_path) == []


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_fifo_stays_a_fifo_and_its_reader_gets_the_content(tmp_path: Path, name: str) -> None:
    write, good = WRITERS[name]
    fifo = tmp_path / FILE_NAMES.get(name, "pipe.dat")
    os.mkfifo(fifo)
    with _reader(fifo) as got:
        write(fifo)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert good(got[0])
    assert _litter(tmp_path) == []


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_device_node_stays_a_device(tmp_path: Path, name: str) -> None:
    write, _ = WRITERS[name]
    node = _mknod(tmp_path / FILE_NAMES.get(name, "null"), 3)
    write(node)
    st = node.lstat()
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
    assert _litter(tmp_path) == []


def test_full_device_is_reported_and_stays(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    node = _mknod(tmp_path / "full", 7)
    with pytest.raises(WriteError, match=r"full: the disk is full"):
        atomic_write_text(node, "x" * 100_000)
    assert main(["simulate", MONOLITH, "--duration", "300", "--json", str(node)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(node) in err[0] and "disk is full" in err[0]
    assert stat.S_ISCHR(node.lstat().st_mode)


def test_dev_stdout_and_dev_null_are_streams(tmp_path: Path) -> None:
    assert plan_write("/dev/null").how == "stream"
    assert plan_write("/dev/stdout").how == "stream"
    atomic_write_text("/dev/null", "nothing")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("kind", ["folder", "socket"])
def test_folders_and_sockets_are_refused(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "t"
    if kind == "folder":
        target.mkdir()
    else:
        import socket

        s = socket.socket(socket.AF_UNIX)
        s.bind(str(target))
        s.close()
    with pytest.raises(WriteError, match=f"it is a {kind}"):
        atomic_write_text(target, "x")


def test_read_only_file_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("keep")
    target.chmod(0o444)
    with _unwritable(target):
        with pytest.raises(WriteError, match="read-only"):
            atomic_write_text(target, "new")
        assert target.read_text() == "keep"


@contextmanager
def _unwritable(path: Path) -> Iterator[None]:
    """0444 stops a normal user; root needs the immutable flag (chattr +i) to be stopped."""
    if os.access(path, os.W_OK):
        import shutil
        import subprocess

        if shutil.which("chattr") is None:
            pytest.skip("root and no chattr: cannot make a file unwritable")
        if subprocess.run(["chattr", "+i", str(path)], check=False).returncode != 0:
            pytest.skip("this file system has no immutable flag")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        return
    yield


def test_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic_write_text(tmp_path / "n.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "n.txt").stat().st_mode) == 0o640


def test_failure_midway_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    from freightlab.atomic import atomic_open

    target = tmp_path / "a.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write("half")
        raise RuntimeError("crash")
    assert target.read_text() == "old" and _litter(tmp_path) == []


def test_temp_of_a_killed_writer_is_swept(tmp_path: Path) -> None:
    import subprocess
    import sys

    target = tmp_path / "a.csv"
    code = (
        "import os, sys\n"
        "from freightlab.atomic import atomic_open\n"
        "with atomic_open(sys.argv[1]) as fh:\n"
        "    fh.write('half'); fh.flush(); os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(target)], cwd=ROOT, check=False)
    assert len(_litter(tmp_path)) == 1  # SIGKILL: nobody could clean up
    atomic_write_text(target, "new")
    assert target.read_text() == "new" and _litter(tmp_path) == []


def test_loads_export_round_trips_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "loads.csv"
    link = tmp_path / "l.csv"
    link.symlink_to(real)
    write_loads_csv(link, [_LOAD])
    assert read_loads_csv(link)[0].price == 900.0 and link.is_symlink()


# ---------------------------------------------------------------------------- helpers
def _litter(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


def _mknod(path: Path, minor: int) -> Path:
    if os.geteuid() != 0:
        pytest.skip("mknod of a device needs root")
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
        with open(path, "w"):
            pass
    except PermissionError:
        pytest.skip("this file system does not allow device nodes (nodev)")
    return path


class _Reader(threading.Thread):
    def __init__(self, fifo: Path) -> None:
        super().__init__(daemon=True)
        self.fifo = fifo
        self.got: list[bytes] = []

    def run(self) -> None:
        with open(self.fifo, "rb") as fh:
            self.got.append(fh.read())


@contextmanager
def _reader(fifo: Path) -> Iterator[list[bytes]]:
    reader = _Reader(fifo)
    reader.start()
    try:
        yield reader.got
    finally:
        reader.join(timeout=60)
        if reader.is_alive():  # the writer never opened the FIFO: unblock the reader
            with open(fifo, "wb"):
                pass
            reader.join(timeout=5)


def test_json_to_dev_stdout_redirected_into_a_file_keeps_what_it_held(tmp_path: Path) -> None:
    import subprocess
    import sys

    log = tmp_path / "log.txt"
    log.write_text("earlier run\n")
    with open(log, "a") as out:
        code = subprocess.run(
            [sys.executable, "main.py", "simulate", MONOLITH, "--json", "/dev/stdout"],
            cwd=ROOT,
            stdout=out,
            check=False,
        ).returncode
    text = log.read_text()
    assert code == 0 and text.startswith("earlier run\n") and "bottleneck" in text
    assert json.loads(text[text.index("\n{") :])["design"] == "Single matcher, three workers"
    assert not log.is_symlink() and _litter(tmp_path) == []


def test_write_error_is_an_oserror_with_a_short_strerror(tmp_path: Path) -> None:
    with pytest.raises(OSError) as caught:
        atomic_write_text(tmp_path / "gone" / "x.csv", "data")
    err = caught.value
    assert isinstance(err, WriteError)
    assert (
        str(err) == f"could not write {tmp_path}/gone/x.csv: its folder does not exist; "
        "nothing was written"
    )
    assert err.strerror == "its folder does not exist; nothing was written"


def test_symlink_loop_is_refused_in_words(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(WriteError, match="too many symbolic links"):
        atomic_write_text(a, "x")
    assert a.is_symlink() and b.is_symlink()


def test_root_saving_a_users_file_keeps_its_owner(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can hand a file to another owner")
    target = tmp_path / "theirs.json"
    target.write_text("old")
    os.chown(target, 1234, 2345)
    atomic_write_text(target, "new")
    st = target.stat()
    assert (st.st_uid, st.st_gid) == (1234, 2345) and target.read_text() == "new"
