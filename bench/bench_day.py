"""How long a simulated day and its replay take, by fleet size and batching window.

Prints numbers (no pass/fail): wall time of ``simulate_day``, matcher runs, and the cost of
one replay lookup (``DayReplay.positions_at``), which runs on every slider move in the desk.

    .venv/bin/python bench/bench_day.py [--sizes 100x300,1000x2000] [--windows 0,5,30]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispatcher.day_replay import DayReplay
from dispatcher.operations import DaySettings, simulate_day
from dispatcher.routes import RouteGraph
from dispatcher.synthetic import random_day
from freightlab.resources import default_map_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100x300,1000x2000")
    parser.add_argument("--windows", default="0,5,30")
    args = parser.parse_args()
    graph = RouteGraph.load(default_map_path())
    print(f"map: {graph}")
    print(
        f"{'trucks':>7} {'loads':>6} {'window':>7} {'sim s':>7} {'runs':>6} "
        f"{'deliv':>6} {'dh %':>5} {'lookup ms':>10}"
    )
    for size in args.sizes.split(","):
        n_trucks, n_loads = (int(x) for x in size.split("x"))
        trucks, loads = random_day(graph, n_trucks, n_loads, seed=1)
        for window in (float(w) for w in args.windows.split(",")):
            t0 = time.perf_counter()
            result = simulate_day(graph, trucks, loads, DaySettings(batch_minutes=window))
            sim_s = time.perf_counter() - t0
            replay = DayReplay(result)
            steps = 200
            t0 = time.perf_counter()
            for i in range(steps):
                replay.positions_at(result.end_h * i / steps)
            lookup_ms = 1000 * (time.perf_counter() - t0) / steps
            k = result.kpis
            print(
                f"{n_trucks:>7} {n_loads:>6} {window:>7g} {sim_s:>7.2f} {k.matcher_runs:>6} "
                f"{k.loads_delivered:>6} {k.deadhead_pct:>5.1f} {lookup_ms:>10.2f}"
            )


if __name__ == "__main__":
    main()
