"""What the board clock adds to every board change and clock tick on a big board. Prints numbers.

    .venv/bin/python bench/bench_clock.py [N_TRUCKS N_LOADS]

A ``random_day`` board (default 3,000 trucks, 6,000 loads) on the India map with 1,000 loads
delivered, 1,500 on trucks (500 of them in transit) and the clock at 12:00: the desk runs
``clock_figures`` (overdue, on-time %, deadhead %) and ``road_positions`` (where loads on the
road are) after each change, on the UI thread. Median of 20 runs each.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from dispatcher.board import Board
    from dispatcher.clock import BoardClock, clock_figures, road_positions
    from dispatcher.fleet import LoadStatus
    from dispatcher.routes import RouteGraph
    from dispatcher.store import BoardAssignment
    from dispatcher.synthetic import random_day
    from freightlab.resources import default_map_path

    n_trucks, n_loads = (int(a) for a in sys.argv[1:3]) if len(sys.argv) > 2 else (3000, 6000)
    graph = RouteGraph.load(default_map_path())
    trucks, loads = random_day(graph, n_trucks, n_loads, seed=1)
    board = Board(trucks, loads, day_start="2026-11-23T00:00:00")
    clock = BoardClock.for_board(board.day_start).set(12.0)
    for ld in loads[:1000]:
        ld.status, ld.delivered_at = LoadStatus.DELIVERED, clock.stamp(20.0)
    for truck, ld in zip(trucks, loads[1000:2500], strict=False):
        board.assign(BoardAssignment(ld.id, truck.id, 50.0))
    for ld in loads[1000:1500]:
        board.advance(ld.id, "pick_up", clock.stamp(8.0))
        board.advance(ld.id, "depart", clock.stamp(9.0))
    print(f"{n_trucks:,} trucks, {n_loads:,} loads (1,000 delivered, 1,500 on trucks)")
    for name, fn in (
        ("clock_figures", lambda: clock_figures(board, graph, clock, 60.0)),
        ("road_positions", lambda: road_positions(board, graph, clock, 60.0)),
    ):
        fn()
        times = []
        for _ in range(20):
            c0 = time.thread_time()
            fn()
            times.append(1000 * (time.thread_time() - c0))
        print(f"  {name:<16} CPU median {statistics.median(times):6.1f} ms")


if __name__ == "__main__":
    main()
