"""The desk opening boards that are not what they seem: tampered rows, a -wal of another
board, a map path leading out of the board's folder. Each is one plain sentence naming the
file, never "Internal error", and the file is left as it was."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from test_desk import SHOTS, _wait_idle

from dispatcher.fleet import Load, Truck, TruckType
from dispatcher.store import BoardSnapshot, BoardStore
from dispatcher.ui.desk import DispatchDesk

ROOT = Path(__file__).resolve().parents[2]


def _snap(name: str) -> BoardSnapshot:
    trucks = [Truck(f"T{i}", "pune", 20.0, TruckType.OPEN) for i in range(3)]
    loads = [
        Load(f"L{i}", "pune", "mumbai", 5.0, TruckType.OPEN, 1.0, 3.0, 900.0) for i in range(3)
    ]
    return BoardSnapshot(name=name, trucks=trucks, loads=loads)


@pytest.fixture
def desk(qtbot) -> DispatchDesk:
    d = DispatchDesk(autoload=False)
    qtbot.addWidget(d)
    d.resize(1100, 700)
    d.show()
    return d


def _open(qtbot, d: DispatchDesk, path: Path) -> str:
    d.open_board(path)
    qtbot.waitUntil(lambda: d.notice.isVisible() or d.store is not None, timeout=20_000)
    _wait_idle(qtbot, d)
    return d.notice.text()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_tampered_board_is_one_sentence_naming_the_file(qtbot, desk, tmp_path: Path) -> None:
    board = tmp_path / "west.fboard"
    BoardStore.create(board, _snap("West")).close()
    conn = sqlite3.connect(board)
    conn.execute("UPDATE trucks SET truck_type = 'flying' WHERE id = 'T1'")
    conn.commit()
    conn.close()
    text = _open(qtbot, desk, board)
    assert str(board) in text and "truck_type 'flying'" in text
    assert "Internal error" not in text and desk.store is None
    SHOTS.mkdir(exist_ok=True)
    desk.grab().save(str(SHOTS / "desk_tampered_board.png"))


def test_foreign_wal_is_refused_and_the_board_unchanged(qtbot, desk, tmp_path: Path) -> None:
    a, b = tmp_path / "a.fboard", tmp_path / "b.fboard"
    BoardStore.create(a, _snap("A")).close()
    BoardStore.create(b, _snap("B")).close()
    code = (
        "import os, sys\nfrom dispatcher.store import BoardStore\n"
        "s = BoardStore.open(sys.argv[1]); s.assign('L0', 'T0', 1.0)\nos.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(a)], cwd=ROOT, check=False)
    shutil.copyfile(f"{a}-wal", f"{b}-wal")
    before = _digest(b)
    text = _open(qtbot, desk, b)
    assert "belongs to another board" in text and "moved aside" in text
    assert _digest(b) == before and desk.store is None
    desk.notice.hide()
    _open(qtbot, desk, b)  # the second open takes the board as it is
    assert desk.store is not None and desk.board.assignments == {}


def test_board_map_outside_its_folder_is_refused(qtbot, desk, tmp_path: Path) -> None:
    board = tmp_path / "boards" / "m.fboard"
    board.parent.mkdir()
    snap = _snap("M")
    snap.map_path = "../../../../etc/hostname"
    BoardStore.create(board, snap).close()
    text = _open(qtbot, desk, board)
    assert str(board) in text and "points outside" in text and desk.store is None
