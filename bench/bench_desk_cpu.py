"""UI-thread CPU time of the desk's actions: accept all, undo, redo (no board file), and one
drag-and-drop assignment written through to a board file.

CPU time of the UI thread (``time.thread_time``), repaint included, median of 7: unlike the
wall-clock stalls of bench_ui_responsiveness.py it barely moves when other programs load the
machine, so it compares two versions of the desk fairly on a busy machine.

Run: .venv/bin/python bench/bench_desk_cpu.py [N_TRUCKS N_LOADS]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication

from dispatcher.board import Board
from dispatcher.documents import Loaded
from dispatcher.matching import MatchSettings, OptimalMatcher
from dispatcher.routes import RouteGraph
from dispatcher.synthetic import random_day
from dispatcher.ui.desk import DispatchDesk
from freightlab.resources import default_map_path

RUNS = 7


def main(n_trucks: int, n_loads: int) -> None:
    app = QApplication.instance() or QApplication([])
    graph = RouteGraph.load(default_map_path())
    trucks, loads = random_day(graph, n_trucks, n_loads, seed=n_trucks)
    desk = DispatchDesk(autoload=False)
    desk.resize(1400, 860)
    desk.show()
    desk.set_board(Loaded(graph, Board(trucks, loads), None, "bench"))
    app.processEvents()
    board = desk.board
    result = OptimalMatcher().match(board.free_trucks(), board.open_loads(), graph, MatchSettings())
    desk._on_suggestions(result)
    app.processEvents()
    items = list(desk.suggestion_model.items)

    def cpu(fn: Callable[[], object]) -> float:
        t = time.thread_time()
        fn()
        app.processEvents()
        return (time.thread_time() - t) * 1000

    accept, undo, redo = [], [], []
    for _ in range(RUNS):
        desk.suggestion_model.set_items(items)
        accept.append(cpu(desk.accept_all))
        undo.append(cpu(desk.undo))
        redo.append(cpu(desk.redo))
        cpu(desk.undo)
    drops = []
    with tempfile.TemporaryDirectory() as tmp:
        desk.save_board(Path(tmp) / "bench.fboard", wait=True)
        app.processEvents()
        for _ in range(RUNS):
            free = [t.id for t in desk.board.free_trucks()]
            pairs = [
                (ld.id, t)
                for ld, t in zip(desk.board.open_loads(), free, strict=False)
                if desk.why_not(ld.id, t) is None
            ][:10]
            t0 = time.thread_time()
            for load_id, truck_id in pairs:
                desk.assign_by_hand(load_id, truck_id)
            app.processEvents()
            drops.append((time.thread_time() - t0) * 1000 / max(1, len(pairs)))
            for _ in pairs:
                desk.undo()
            app.processEvents()
        desk.close_store()
    m = statistics.median
    print(
        f"{n_trucks} trucks x {n_loads} loads, {len(items)} suggestions: UI-thread CPU "
        f"accept all {m(accept):.1f} ms, undo {m(undo):.1f} ms, redo {m(redo):.1f} ms "
        f"(no board file); one drop written through {m(drops):.2f} ms (median of {RUNS})"
    )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]] or [1000, 2000]
    main(*args)
