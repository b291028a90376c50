"""Matching benchmark: prints numbers, asserts nothing.

    .venv/bin/python bench/bench_matching.py [--sizes 100,1000,5000] [--dense-max 5000]

For each N it builds an N-truck x N-load synthetic day on the India map (origins weighted by
population, seeded) and times, on one core:
  distances  - shortest-path rows for the cities involved (fresh map, cold cache)
  candidates - feasibility rules + costs for every pair, kept only where feasible
  solve      - the assignment itself (sparse LAPJVsp, dense linear_sum_assignment, greedy)
  end to end - OptimalMatcher.match on a fresh map, including all of the above
It also times CSV parsing + matching for 1,000 x 1,000, and compares optimal vs greedy
deadhead on the shipped sample days.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the targets say

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TypeVar  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispatcher.costs import build_candidates  # noqa: E402
from dispatcher.fleet import (  # noqa: E402
    read_loads_csv,
    read_trucks_csv,
    write_loads_csv,
    write_trucks_csv,
)
from dispatcher.matching import (  # noqa: E402
    GreedyMatcher,
    MatchSettings,
    OptimalMatcher,
    _solve_dense,
    _solve_sparse,
)
from dispatcher.routes import RouteGraph  # noqa: E402
from dispatcher.synthetic import random_day  # noqa: E402
from freightlab.resources import asset_path, default_map_path  # noqa: E402

T = TypeVar("T")


def timed(fn: Callable[[], T], repeat: int = 1) -> tuple[float, T]:
    """Best wall time of ``repeat`` runs (the machine is shared; the minimum is the signal)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    assert out is not None
    return best, out


def bench_size(n: int, dense_max: int, wide: bool = False) -> None:
    graph = RouteGraph.load(default_map_path())
    trucks, loads = random_day(graph, n, n, seed=n)
    if wide:  # stress case: every window spans two days, so most type/size matches are feasible
        loads = [replace(ld, pickup_earliest=0.0, pickup_latest=48.0) for ld in loads]
    settings = MatchSettings()
    repeat = 3 if n <= 1000 else 1

    def fresh_distances() -> object:
        g = RouteGraph.load(default_map_path())
        return g.distances(
            sorted({t.location for t in trucks}), sorted({ld.origin for ld in loads})
        )

    t_load, _ = timed(lambda: RouteGraph.load(default_map_path()), repeat)
    t_dist, _ = timed(fresh_distances, repeat)
    t_cand, cand = timed(lambda: build_candidates(trucks, loads, graph, settings), repeat)
    t_sparse, _ = timed(lambda: _solve_sparse(cand, n, n), repeat)
    t_dense = float("nan")
    if n <= dense_max:
        t_dense, _ = timed(lambda: _solve_dense(cand, n, n), repeat)

    def end_to_end() -> object:
        g = RouteGraph.load(default_map_path())
        return OptimalMatcher().match(trucks, loads, g, settings)

    t_e2e, opt = timed(end_to_end, repeat)
    t_greedy, greedy = timed(lambda: GreedyMatcher().match(trucks, loads, graph, settings), repeat)
    print(
        f"{'wide ' if wide else '':5}{n:>5} x {n:<5} "
        f"pairs {len(cand):>9,} ({len(cand) / n / n:5.1%})  "
        f"map load {t_load * 1e3:6.1f} ms  distances {t_dist * 1e3:6.1f} ms  "
        f"candidates {t_cand:6.3f} s  solve sparse {t_sparse:6.3f} s  dense {t_dense:6.3f} s  "
        f"| optimal end to end {t_e2e:6.3f} s  greedy {t_greedy:6.3f} s"
    )
    print(
        f"{'':13} optimal moves {opt.moved:,} loads, {opt.total_deadhead_km:,.0f} km deadhead; "
        f"greedy moves {greedy.moved:,}, {greedy.total_deadhead_km:,.0f} km"
    )


def bench_csv(n: int) -> None:
    graph = RouteGraph.load(default_map_path())
    trucks, loads = random_day(graph, n, n, seed=n)
    with tempfile.TemporaryDirectory() as tmp:
        tp, lp = Path(tmp) / "t.csv", Path(tmp) / "l.csv"
        write_trucks_csv(tp, trucks)
        write_loads_csv(lp, loads)

        def run() -> object:
            g = RouteGraph.load(default_map_path())
            return OptimalMatcher().match(read_trucks_csv(tp, g), read_loads_csv(lp, g), g)

        t, _ = timed(run, 3)
    print(f"{n:>5} x {n:<5} CSV read + map load + optimal match: {t:.3f} s")


def bench_samples() -> None:
    for prefix, map_name in (("india", "india.graphml"), ("us", "us_canada.graphml")):
        graph = RouteGraph.load(asset_path("maps", map_name))
        trucks = read_trucks_csv(asset_path("samples", f"{prefix}_trucks.csv"), graph)
        loads = read_loads_csv(asset_path("samples", f"{prefix}_loads.csv"), graph)
        o = OptimalMatcher().match(trucks, loads, graph)
        g = GreedyMatcher().match(trucks, loads, graph)
        saving = 1 - o.total_deadhead_km / g.total_deadhead_km
        print(
            f"sample day {prefix:5}: {len(trucks)} trucks, {len(loads)} loads | "
            f"optimal {o.moved} moved, {o.total_deadhead_km:,.0f} km | "
            f"greedy {g.moved} moved, {g.total_deadhead_km:,.0f} km | "
            f"optimal saves {saving:.1%} deadhead"
        )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="100,1000,5000")
    ap.add_argument("--wide-sizes", default="1000,5000", help="sizes for the wide-window case")
    ap.add_argument("--dense-max", type=int, default=5000, help="skip dense LSA above this N")
    args = ap.parse_args()
    print(
        f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f} (shared machine)"
    )
    for n in (int(s) for s in args.sizes.split(",")):
        bench_size(n, args.dense_max)
    for n in (int(s) for s in args.wide_sizes.split(",") if s):
        bench_size(n, args.dense_max, wide=True)
    bench_csv(1000)
    bench_samples()
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
