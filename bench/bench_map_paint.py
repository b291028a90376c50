"""Paint time of the desk's map with 1,000 trucks and 2,000 loads, at several zoom levels.

Each frame is a synchronous repaint of the map's viewport (exactly what the window does on
screen: background, roads, city names with collision culling, every marker, assignment and
suggestion lines, legend and scale bar), timed over many frames. A second number renders the
same view into a QImage with QGraphicsView.render. Target: under 16 ms per frame (60 fps).
Also times the UI-thread work after a board change (rebuilding the marker arrays) and a
hover hit test.

Run: .venv/bin/python bench/bench_map_paint.py [N_TRUCKS N_LOADS]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication

from dispatcher.board import Board
from dispatcher.matching import MatchSettings, OptimalMatcher
from dispatcher.routes import RouteGraph
from dispatcher.store import BoardAssignment
from dispatcher.synthetic import random_day
from dispatcher.ui.map_view import MapView
from freightlab.resources import default_map_path

FRAMES = 60
ZOOMS = (1.0, 2.0, 4.0, 8.0, 16.0)


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def main(argv: list[str]) -> None:
    n_trucks, n_loads = (int(argv[0]), int(argv[1])) if len(argv) >= 2 else (1000, 2000)
    app = QApplication.instance() or QApplication([])
    graph = RouteGraph.load(default_map_path())
    trucks, loads = random_day(graph, n_trucks, n_loads, seed=7)
    board = Board(trucks, loads)
    # a realistic board: the matcher's own answer, half accepted (solid truck -> load lines)
    # and half still on offer (dashed suggestion lines)
    result = OptimalMatcher().match(trucks, loads, graph, MatchSettings())
    half = len(result.assignments) // 2
    for a in result.assignments[:half]:
        board.assign(BoardAssignment(a.load_id, a.truck_id, a.deadhead_km))
    view = MapView()
    view.resize(1280, 800)
    view.show()
    view.set_graph(graph)
    view.set_board(board)
    view.set_suggestions([(a.truck_id, a.load_id) for a in result.assignments[half:]])
    view.set_selected("load", loads[0].id)
    app.processEvents()
    image = QImage(view.viewport().size(), QImage.Format.Format_ARGB32_Premultiplied)

    print(
        f"{n_trucks} trucks + {n_loads} loads on {graph.name} ({len(graph)} cities), "
        f"{view.viewport().width()}x{view.viewport().height()} px, {FRAMES} frames per zoom; "
        f"{half} assignment lines, {len(result.assignments) - half} suggestion lines"
    )
    print(f"{'zoom':>6} {'repaint median':>15} {'p95':>8} {'render median':>14} {'p95':>8}")
    for zoom in ZOOMS:
        view.set_zoom(zoom)
        view.center_on_latlon(21.0, 78.0)
        app.processEvents()
        repaint, render = [], []
        for _ in range(FRAMES):  # CPU time of this thread: other busy processes do not count
            t0 = time.thread_time()
            view.viewport().repaint()
            repaint.append(time.thread_time() - t0)
            t0 = time.thread_time()
            painter = QPainter(image)
            view.render(painter)
            painter.end()
            render.append(time.thread_time() - t0)
        (rp, rp95), (rn, rn95) = _ms(repaint), _ms(render)
        print(f"{zoom:>6g} {rp:>12.2f} ms {rp95:>5.2f} ms {rn:>11.2f} ms {rn95:>5.2f} ms")

    rebuild = []
    for _ in range(10):
        t0 = time.perf_counter()
        view.refresh()
        rebuild.append(time.perf_counter() - t0)
    hover = []
    for k in range(200):
        t0 = time.perf_counter()
        view.marker_at(QPoint(100 + k, 100 + k))
        hover.append(time.perf_counter() - t0)
    print(
        f"rebuild markers after a board change: {_ms(rebuild)[0]:.1f} ms median; "
        f"hover hit test: {_ms(hover)[0] * 1000:.0f} us median"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
