"""How long does the desk's UI thread stall while suggestions are computed?

A 5 ms QTimer runs on the UI thread and records the gap between its ticks while the desk
runs the optimal matcher in its worker on a big synthetic day. A gap much longer than 5 ms
means the UI thread could not run (the window would freeze for that long). Target: the
longest stall stays under 50 ms. Also reports the UI-thread cost of the actions that follow
(showing the suggestions, "Accept all", undo), which are user actions, not background work.

Then the same board is saved to a board file, so every action is written through to SQLite
(one transaction per action, "Accept all" included, written by a worker): the longest UI
stall (same 5 ms timer) from clicking "accept all" / "undo" until the step is committed and
shown, the 2-second revision check, and the longest stall while the desk takes in another
desk's "Accept all" (a second store commits the same assignments; the desk's poll reads them
in a worker and applies the differences). Each figure is the median of 5 runs.

Run: .venv/bin/python bench/bench_ui_responsiveness.py [N_TRUCKS N_LOADS ...]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from dispatcher.board import Board
from dispatcher.documents import Loaded
from dispatcher.fleet import write_loads_csv
from dispatcher.routes import RouteGraph
from dispatcher.store import AssignOp, BoardStore, UnassignOp
from dispatcher.synthetic import random_day
from dispatcher.ui.desk import DispatchDesk
from freightlab.resources import default_map_path


def run(app: QApplication, n_trucks: int, n_loads: int, wide: bool) -> None:
    graph = RouteGraph.load(default_map_path())
    trucks, loads = random_day(graph, n_trucks, n_loads, seed=n_trucks)
    if wide:  # every window spans two days: many feasible pairs, a much harder solve
        for ld in loads:
            ld.pickup_latest = ld.pickup_earliest + 48.0
    desk = DispatchDesk(autoload=False)
    desk.resize(1400, 860)
    desk.show()
    desk.set_board(Loaded(graph, Board(trucks, loads), None, "bench"))
    app.processEvents()

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    shown: list[float] = []
    original = desk._on_suggestions

    def timed(result: object) -> None:  # the UI-thread share: turning results into rows
        t = time.perf_counter()
        original(result)  # type: ignore[arg-type]
        shown.append((time.perf_counter() - t) * 1000)

    desk._on_suggestions = timed  # type: ignore[method-assign]
    timer.start()
    t0 = time.perf_counter()
    desk.suggest()
    while desk.busy():
        app.processEvents()
        time.sleep(0.0005)
    total = time.perf_counter() - t0
    timer.stop()
    gaps_during = gaps[1:]  # the first gap includes starting the timer

    items = list(desk.suggestion_model.items)
    accept_ms, undo_ms = _accept_and_undo(app, desk, items)
    n = len(desk.board.trucks)
    label = f"{n_trucks} trucks x {n_loads} loads{' (wide windows)' if wide else ''}"
    print(
        f"{label:<42} matcher {total:6.2f} s, {len(gaps_during):5d} ticks, "
        f"longest UI stall {max(gaps_during, default=0):6.1f} ms, "
        f"p99 {statistics.quantiles(gaps_during, n=100)[98] if len(gaps_during) > 2 else 0:5.1f} ms"
        f", showing the result {shown[0] if shown else 0:5.1f} ms"
    )
    print(
        f"{'':<42} suggestions {len(items)}, "
        f"accept all {accept_ms:6.1f} ms, undo {undo_ms:6.1f} ms (UI-thread actions, n={n}, "
        "no board file)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        _write_through(app, desk, items, Path(tmp) / "bench.fboard", label)
    desk.close()
    desk.deleteLater()
    app.processEvents()


def _accept_and_undo(app: QApplication, desk: DispatchDesk, items: list) -> tuple[float, float]:
    """Median UI-thread ms of "Accept all" and its undo (each followed by the repaint)."""
    accepts, undos = [], []
    for _ in range(5):
        desk.suggestion_model.set_items(items)
        t1 = time.perf_counter()
        desk.accept_all()
        app.processEvents()
        accepts.append((time.perf_counter() - t1) * 1000)
        t2 = time.perf_counter()
        desk.undo()
        app.processEvents()
        undos.append((time.perf_counter() - t2) * 1000)
    return statistics.median(accepts), statistics.median(undos)


class _StallMeter:
    """A 5 ms QTimer on the UI thread: the longest gap between its ticks is the longest
    time the window could not respond."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)
        self._last = 0

    def _tick(self) -> None:
        now = self._clock.nsecsElapsed()
        self.gaps.append((now - self._last) / 1e6)
        self._last = now

    def run(self, app: QApplication, action: object, done: object) -> tuple[float, float]:
        """(longest stall ms, wall ms) from calling ``action()`` until ``done()`` holds and
        the repaint that follows ran."""
        self.gaps.clear()
        self._clock.start()
        self._last = self._clock.nsecsElapsed()
        self._timer.start()
        for _ in range(3):  # let a few ticks pass first: the action starts from a running loop
            app.processEvents()
            time.sleep(0.005)
        t = time.perf_counter()
        action()  # type: ignore[operator]
        while not done():  # type: ignore[operator]
            app.processEvents()
            time.sleep(0.0005)
        wall = (time.perf_counter() - t) * 1000
        for _ in range(3):  # the repaint and the ticks after the last piece of work
            app.processEvents()
            time.sleep(0.005)
        self._timer.stop()
        return max(self.gaps, default=0.0), wall


def _caught_up(desk: DispatchDesk, revision: int) -> object:
    return lambda: not desk.busy() and desk.revision == revision


def _write_through(
    app: QApplication, desk: DispatchDesk, items: list, path: Path, label: str
) -> None:
    desk.save_board(path, wait=True)
    assert desk.store is not None, desk.notice.text()
    meter = _StallMeter()
    idle = lambda: not desk.busy()  # noqa: E731
    accepts, undos, accept_walls, undo_walls = [], [], [], []
    for _ in range(5):
        desk.suggestion_model.set_items(items)
        n = len(desk.board.assignments)
        stall, wall = meter.run(app, desk.accept_all, idle)
        assert len(desk.board.assignments) == n + len(items), desk.notice.text()
        accepts.append(stall)
        accept_walls.append(wall)
        stall, wall = meter.run(app, desk.undo, idle)
        assert len(desk.board.assignments) == n, desk.notice.text()
        undos.append(stall)
        undo_walls.append(wall)
    polls = []
    for _ in range(200):
        t = time.perf_counter()
        desk.poll_store()
        polls.append((time.perf_counter() - t) * 1e6)
    other = BoardStore.open(path, owner="bench other desk")
    ops = [
        AssignOp(s.assignment.load_id, s.assignment.truck_id, s.assignment.deadhead_km)
        for s in items
    ]
    takes, take_walls, commits = [], [], []
    for _ in range(5):
        t = time.perf_counter()
        other.apply(ops)
        commits.append((time.perf_counter() - t) * 1000)
        stall, wall = meter.run(app, desk.poll_store, _caught_up(desk, other.revision))
        takes.append(stall)
        take_walls.append(wall)
        other.apply([UnassignOp(op.load_id, op.truck_id) for op in ops])
        meter.run(app, desk.poll_store, _caught_up(desk, other.revision))
    other.close()
    loads_csv = path.with_suffix(".loads.csv")
    write_loads_csv(loads_csv, desk.board.loads.values())
    imports = []
    for _ in range(3):
        stall, wall = meter.run(app, lambda: desk.import_loads(loads_csv), idle)
        assert "Imported" in desk.notice.text(), desk.notice.text()
        imports.append((stall, wall))
        meter.run(app, desk.undo, idle)
    med = statistics.median
    print(
        f"{'':<42} with a board file (writes and reads in workers), longest UI stall: "
        f"accept all {med(accepts):5.1f} ms (max {max(accepts):5.1f}; committed and shown "
        f"after {med(accept_walls):5.1f} ms), undo {med(undos):5.1f} ms (max {max(undos):5.1f}; "
        f"{med(undo_walls):5.1f} ms)"
    )
    print(
        f"{'':<42} another desk's accept all: its commit {med(commits):6.1f} ms; taking it in "
        f"here: longest UI stall {med(takes):5.1f} ms (max {max(takes):5.1f}; shown after "
        f"{med(take_walls):5.1f} ms); revision check {med(polls):5.0f} µs"
    )
    print(
        f"{'':<42} import the {len(desk.board.loads)} loads again (whole-board save): longest "
        f"UI stall {med(i[0] for i in imports):5.1f} ms (max {max(i[0] for i in imports):5.1f};"
        f" shown after {med(i[1] for i in imports):5.1f} ms)"
    )
    desk.close_store()


def main(argv: list[str]) -> None:
    app = QApplication.instance() or QApplication([])
    sizes = [(1000, 2000, False), (2000, 4000, False), (3000, 3000, True)]
    if len(argv) >= 2:
        sizes = [(int(argv[i]), int(argv[i + 1]), False) for i in range(0, len(argv) - 1, 2)]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; timer interval 5 ms")
    for n_trucks, n_loads, wide in sizes:
        run(app, n_trucks, n_loads, wide)


if __name__ == "__main__":
    main(sys.argv[1:])
