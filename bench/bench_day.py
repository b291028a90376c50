"""How long a simulated day takes as the fleet grows, and how big it gets. Prints numbers.

    .venv/bin/python bench/bench_day.py [--scales 1,3,10,30] [--windows 0,5,15,30]

Scale k is ``random_day(100 k trucks, 300 k loads)`` on the India map (x1 is the size of the
shipped sample day). Each scale runs in a fresh subprocess (one BLAS thread): the batching
comparison (one ``simulate_day`` per window, CPU seconds each), its peak RSS, and one replay
lookup (``DayReplay.positions_at``, what a slider move in the desk costs). Then how the time
grows from scale to scale (the exponent b in time ~ scale^b), and a day on a 10,000-city grid
map where a few trucks drive corner to corner: the distance cache stays bounded.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_scale(scale: int, windows: list[float]) -> dict[str, Any]:
    from dispatcher.day_replay import DayReplay
    from dispatcher.operations import DaySettings, simulate_day
    from dispatcher.routes import RouteGraph
    from dispatcher.synthetic import random_day
    from freightlab.resources import default_map_path

    graph = RouteGraph.load(default_map_path())
    trucks, loads = random_day(graph, 100 * scale, 300 * scale, seed=1)
    before = rss_mb()
    rows = []
    for w in windows:
        c0 = time.process_time()
        r = simulate_day(graph, trucks, loads, DaySettings(batch_minutes=w))
        cpu = time.process_time() - c0
        replay = DayReplay(r)
        t0 = time.perf_counter()
        for i in range(50):
            replay.positions_at(r.end_h * i / 50)
        lookup_ms = 1000 * (time.perf_counter() - t0) / 50
        k = r.kpis
        rows.append(
            {
                "window": w,
                "cpu": cpu,
                "runs": k.matcher_runs,
                "delivered": k.loads_delivered,
                "deadhead_pct": k.deadhead_pct,
                "lookup_ms": lookup_ms,
            }
        )
    return {"rows": rows, "rss_before": before, "rss_peak": rss_mb()}


def grid_map(side: int) -> Any:
    import networkx as nx
    import numpy as np

    from dispatcher.routes import RouteGraph

    g = nx.Graph(name=f"grid {side}x{side}")
    rng = np.random.default_rng(side)
    for x, y in itertools.product(range(side), range(side)):
        g.add_node(f"n{x}-{y}", name=f"N{x}-{y}", lat=10 + 0.05 * y, lon=70 + 0.05 * x)
        for dx, dy in ((-1, 0), (0, -1)):
            if x + dx >= 0 and y + dy >= 0:
                g.add_edge(f"n{x + dx}-{y + dy}", f"n{x}-{y}", km=float(rng.uniform(5, 15)))
    return RouteGraph.from_networkx(g)


def child_big_map(side: int) -> dict[str, Any]:
    from dispatcher.fleet import Load, Truck, TruckType
    from dispatcher.operations import DaySettings, simulate_day

    graph = grid_map(side)
    nodes = graph.nodes
    before = rss_mb()
    n = len(nodes)
    trucks = [Truck(f"T{i}", nodes[(i * 2741) % n], 20.0, TruckType.OPEN, 0.0) for i in range(30)]
    loads = [
        Load(
            f"L{j}",
            nodes[(j * 7919) % n],
            nodes[(j * 104729) % n],
            5.0,
            TruckType.OPEN,
            1.0 + 0.1 * j,
            30.0 + 0.1 * j,
            1000.0,
        )
        for j in range(200)
    ]
    c0 = time.process_time()
    r = simulate_day(graph, trucks, loads, DaySettings(batch_minutes=15, max_hours=2000.0))
    driven = {f.node for frames in r.timeline.values() for f in frames}
    return {
        "cities": len(nodes),
        "driven_nodes": len(driven),
        "cpu": time.process_time() - c0,
        "delivered": r.kpis.loads_delivered,
        "km": r.kpis.deadhead_km + r.kpis.loaded_km,
        "cached_rows": graph.cached_rows,
        "cache_rows": graph.cache_rows,
        "rss_before": before,
        "rss_peak": rss_mb(),
    }


def child_dense(n: int, windows: list[float]) -> dict[str, Any]:
    """A day on ``dense_day`` (every truck can take every load), one row per window."""
    from dispatcher.operations import DaySettings, simulate_day
    from dispatcher.routes import RouteGraph
    from dispatcher.synthetic import dense_day
    from freightlab.resources import default_map_path

    graph = RouteGraph.load(default_map_path())
    trucks, loads = dense_day(graph, n, n, seed=1)
    before = rss_mb()
    rows = []
    for w in windows:
        c0 = time.process_time()
        r = simulate_day(graph, trucks, loads, DaySettings(batch_minutes=w))
        rows.append(
            {
                "window": w,
                "cpu": time.process_time() - c0,
                "runs": r.kpis.matcher_runs,
                "delivered": r.kpis.loads_delivered,
            }
        )
    return {"rows": rows, "rss_before": before, "rss_peak": rss_mb()}


def _window(w: float) -> str:
    return "instant" if w == 0 else f"{w:g} min"


def run_child(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{proc.stderr}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        if sys.argv[2] in ("scale", "dense"):
            windows = [float(w) for w in sys.argv[4].split(",")]
            fn = child_scale if sys.argv[2] == "scale" else child_dense
            print(json.dumps(fn(int(sys.argv[3]), windows)))
        else:
            print(json.dumps(child_big_map(int(sys.argv[3]))))
        return
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scales", default="1,3,10,30")
    ap.add_argument("--windows", default="0,5,15,30")
    ap.add_argument("--grid-side", type=int, default=100, help="0 to skip the big map")
    ap.add_argument("--dense", type=int, default=5000, help="N x N dense day; 0 to skip")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()} (shared machine)")
    print(
        f"{'scale':>5} {'trucks':>6} {'loads':>6} {'window':>7} {'CPU s':>7} {'runs':>6} "
        f"{'deliv':>6} {'dh %':>5} {'lookup ms':>9}"
    )
    totals: dict[int, float] = {}
    for scale in (int(s) for s in args.scales.split(",")):
        r = run_child("scale", str(scale), args.windows)
        for row in r["rows"]:
            w = row["window"]
            print(
                f"{'x' + str(scale):>5} {100 * scale:>6} {300 * scale:>6} "
                f"{_window(w):>7} {row['cpu']:>7.2f} "
                f"{row['runs']:>6} {row['delivered']:>6} {row['deadhead_pct']:>5.1f} "
                f"{row['lookup_ms']:>9.2f}"
            )
        totals[scale] = sum(row["cpu"] for row in r["rows"])
        print(
            f"{'':>5} comparison total {totals[scale]:.2f} CPU s; peak RSS "
            f"{r['rss_peak']:.0f} MB ({r['rss_before']:.0f} MB before the first day)",
            flush=True,
        )
    scales = sorted(totals)
    for a, b in itertools.pairwise(scales):
        growth = math.log(totals[b] / totals[a]) / math.log(b / a)
        print(
            f"x{a} -> x{b}: time x{totals[b] / totals[a]:.1f} for a x{b / a:g} fleet "
            f"(~scale^{growth:.2f})"
        )
    if args.dense:
        d = run_child("dense", str(args.dense), args.windows)
        cells = ", ".join(
            f"{_window(row['window'])} {row['cpu']:.2f} s ({row['runs']} runs, "
            f"{row['delivered']} delivered)"
            for row in d["rows"]
        )
        print(
            f"\ndense day {args.dense:,} x {args.dense:,} (every pair feasible): {cells}; "
            f"peak RSS {d['rss_peak']:.0f} MB ({d['rss_before']:.0f} MB before)"
        )
    if args.grid_side:
        g = run_child("big", str(args.grid_side))
        print(
            f"\n{g['cities']:,}-city grid map, 30 trucks, 200 loads: {g['cpu']:.1f} CPU s, "
            f"{g['delivered']} delivered over {g['km']:,.0f} km through {g['driven_nodes']:,} "
            f"cities (a row per city driven through would be "
            f"{g['driven_nodes'] * g['cities'] * 12 / 2**20:,.0f} MB); distance cache "
            f"{g['cached_rows']} rows (bound {g['cache_rows']}); peak RSS {g['rss_peak']:.0f} MB "
            f"({g['rss_before']:.0f} MB with the map loaded)"
        )


if __name__ == "__main__":
    main()
