"""What one Day replay frame costs on the UI thread at scale. Prints numbers.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_replay.py [SCALE]

Scale k = ``random_day(100 k trucks, 300 k loads)`` on the India map (default x30: 3,000
trucks, 9,000 loads), one simulated day (30 min batching). Then, per replay moment (60
moments over the day):

- the lookups alone: the old per-truck bisect (kept here as the reference), the vectorised
  ``DayReplay.positions_at``, and ``DayReplay.frame_at`` (positions + load phases + the
  figures so far, what a slider move now computes);
- a whole frame as the desk runs it: the Day panel's slider moves (lookup, now-line, replay
  KPI strip, signals), the map lays out its markers from the positions and repaints a
  1278x798 viewport; scrubbing (80 min jumps: most statuses change) and playing at 1 h/s
  (2.4 min per 40 ms tick: mostly positions change). Target: < 50 ms per frame.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from bisect import bisect_right
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _bisect_positions(result, times_of: dict, t: float) -> dict:  # the old lookup
    out = {}
    for tid, frames in result.timeline.items():
        times = times_of[tid]
        i = bisect_right(times, t) - 1
        if i < 0 or i + 1 >= len(frames):
            k = frames[max(i, 0)]
            out[tid] = (k.lat, k.lon, k.activity)
            continue
        k, n = frames[i], frames[i + 1]
        f = (t - k.t) / (n.t - k.t) if n.t > k.t else 0.0
        out[tid] = (k.lat + f * (n.lat - k.lat), k.lon + f * (n.lon - k.lon), k.activity)
    return out


def _ms(fn, moments: list[float]) -> tuple[float, float, float]:
    """(median, p95) of the UI thread's CPU time and the median wall time, in ms (the machine
    is shared: wall time includes waiting for a core)."""
    cpu, wall = [], []
    for t in moments:
        w0, c0 = time.perf_counter(), time.thread_time()
        fn(t)
        cpu.append(1000 * (time.thread_time() - c0))
        wall.append(1000 * (time.perf_counter() - w0))
    cpu.sort()
    return statistics.median(cpu), cpu[int(0.95 * (len(cpu) - 1))], statistics.median(wall)


def main() -> None:
    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    from PySide6.QtWidgets import QApplication

    from dispatcher.board import Board
    from dispatcher.day_replay import DayReplay
    from dispatcher.operations import DaySettings, simulate_day
    from dispatcher.routes import RouteGraph
    from dispatcher.synthetic import random_day
    from dispatcher.ui.day_panel import DayPanel
    from dispatcher.ui.map_view import MapView
    from freightlab.resources import default_map_path

    app = QApplication.instance() or QApplication([])
    graph = RouteGraph.load(default_map_path())
    trucks, loads = random_day(graph, 100 * scale, 300 * scale, seed=1)
    c0 = time.process_time()
    result = simulate_day(graph, trucks, loads, DaySettings(batch_minutes=30))
    print(
        f"x{scale}: {len(trucks):,} trucks, {len(loads):,} loads; day simulated in "
        f"{time.process_time() - c0:.1f} CPU s, replay over {result.end_h:.1f} h"
    )
    replay = DayReplay(result, graph)
    times_of = {tid: [k.t for k in fr] for tid, fr in result.timeline.items()}
    moments = [result.end_h * i / 60 for i in range(60)]
    for name, fn in (
        ("bisect per truck (before)", lambda t: _bisect_positions(result, times_of, t)),
        ("DayReplay.positions_at", replay.positions_at),
        ("DayReplay.frame_at (all)", replay.frame_at),
    ):
        med, p95, wall = _ms(fn, moments)
        print(f"  {name:<28} CPU median {med:6.1f} ms  p95 {p95:6.1f} ms  (wall {wall:.1f})")

    view = MapView()
    view.resize(1278, 798)
    view.set_graph(graph)
    view.set_board(Board(trucks, loads))
    view.show()
    panel = DayPanel()
    panel.set_board(graph, trucks, loads)
    panel.set_result(result)
    got: dict[str, object] = {}
    panel.positions_changed.connect(lambda p: got.__setitem__("p", p))
    panel.loads_changed.connect(lambda p: got.__setitem__("l", p))
    app.processEvents()

    def frame(t: float) -> None:
        panel.slider.setValue(round(t * 60))
        view.set_replay(got.get("p"), got.get("l"))  # what DayTab does, once per move
        view.viewport().repaint()

    frame(moments[1])
    play = [10.0 + k * 0.04 for k in range(100)]  # 1 h/s: 40 ms ticks of 2.4 simulated min
    for name, times in (("whole frame, scrubbing", moments[1:]), ("whole frame, playing", play)):
        med, p95, wall = _ms(frame, times)
        print(
            f"  {name:<28} CPU median {med:6.1f} ms  p95 {p95:6.1f} ms  (wall {wall:.1f})"
            "  target < 50"
        )


if __name__ == "__main__":
    main()
