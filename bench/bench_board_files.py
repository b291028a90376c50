"""What the board-file checks cost: create, a clean open, and an open after a crash (the -wal
left beside the board is tried on private copies before SQLite may apply it).

Prints numbers (no pass/fail).

    .venv/bin/python bench/bench_board_files.py [--sizes 300,3000,20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispatcher.fleet import Load, Truck, TruckType  # noqa: E402
from dispatcher.store import BoardSnapshot, BoardStore  # noqa: E402
from freightlab.atomic import atomic_write_text  # noqa: E402

_CRASH = """
import os, sys
from dispatcher.store import BoardStore
s = BoardStore.open(sys.argv[1])
for i in range(20):
    s.assign(f"L{i}", f"T{i}", 1.0)
os.kill(os.getpid(), 9)
"""


def _snap(n: int) -> BoardSnapshot:
    trucks = [Truck(f"T{i}", "pune", 20.0, TruckType.OPEN) for i in range(n)]
    loads = [
        Load(f"L{i}", "pune", "mumbai", 5.0, TruckType.OPEN, 1.0, 3.0, 900.0) for i in range(n)
    ]
    return BoardSnapshot(name="bench", trucks=trucks, loads=loads)


def _create(board: Path, snap: BoardSnapshot) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{board}{suffix}").unlink(missing_ok=True)
    BoardStore.create(board, snap).close()


def _open_close(board: Path) -> None:
    BoardStore.open(board).close()


def _ms(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="300,3000,20000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{'trucks+loads':>13} {'file KB':>8} {'create ms':>10} {'open ms':>8} "
        f"{'open after crash ms':>20} {'wal KB':>7}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            board = Path(tmp, f"b{n}.fboard")
            create = functools.partial(_create, board, _snap(n))
            create_ms = _ms(create, args.repeat)
            open_ms = _ms(functools.partial(_open_close, board), args.repeat)
            crashed: list[float] = []
            wal_kb = 0.0
            for _ in range(args.repeat):
                create()
                subprocess.run([sys.executable, "-c", _CRASH, str(board)], cwd=ROOT)
                wal_kb = os.path.getsize(f"{board}-wal") / 1024
                t0 = time.perf_counter()
                BoardStore.open(board).close()
                crashed.append((time.perf_counter() - t0) * 1000)
            size_kb = board.stat().st_size / 1024
            print(
                f"{2 * n:>13} {size_kb:>8.0f} {create_ms:>10.1f} {open_ms:>8.1f} "
                f"{statistics.median(crashed):>20.1f} {wal_kb:>7.0f}"
            )
        out = Path(tmp, "r.json")
        text = "x" * 100_000
        print(
            f"atomic_write_text 100 KB: {_ms(lambda: atomic_write_text(out, text), 20):.2f} ms"
            f" (temp + fsync + rename + folder fsync)"
        )


if __name__ == "__main__":
    main()
