"""Matching benchmark: prints numbers, asserts nothing.

    .venv/bin/python bench/bench_matching.py [--only real-1000,dense-5000,...] [--skip-crossover]

Every measurement runs in a fresh subprocess (BLAS/OpenMP pinned to one thread) so its peak
RSS (``ru_maxrss``) is its own. Instances are synthetic days on the India map:
  real-N   ``random_day`` N x N (realistic windows; ~4.5 % of pairs feasible)
  wide-N   the same with every window open for two days (~24 %: every type/size match)
  dense-N  ``dense_day`` N x N: one body type, every load fits every truck (100 %)
For each: the optimal matcher end to end (fleet to arrays, distances, candidates, solve,
result with reasons; CPU seconds and wall), beside the bare solver on the same instance
(LAPJVsp on the prebuilt sparse matrix for real/wide, ``linear_sum_assignment`` on the plain
N x N deadhead matrix for dense). Then the density crossover (sparse vs dense route on the
same instances as windows widen), a 100,000 x 100,000 refusal, and CSV + sample-day checks.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the targets say

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, TypeVar  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

T = TypeVar("T")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], T]) -> tuple[float, float, T]:
    """(CPU s, wall s, result) of one call."""
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - c0, time.perf_counter() - w0, out


def instance(kind: str, n: int, window_h: float | None = None) -> tuple[Any, list, list]:
    from dispatcher.routes import RouteGraph
    from dispatcher.synthetic import dense_day, random_day
    from freightlab.resources import default_map_path

    graph = RouteGraph.load(default_map_path())
    if kind == "dense":
        trucks, loads = dense_day(graph, n, n, seed=n)
    else:
        trucks, loads = random_day(graph, n, n, seed=n)
    if kind == "wide":
        loads = [replace(ld, pickup_earliest=0.0, pickup_latest=48.0) for ld in loads]
    if window_h is not None:  # dense fleet, windows of this width: density grows with it
        loads = [replace(ld, pickup_earliest=0.0, pickup_latest=window_h) for ld in loads]
    return graph, trucks, loads


def child_match(kind: str, n: int) -> dict[str, Any]:
    """End to end on a fresh map, then the bare solver on the same instance."""
    from dispatcher.matching import OptimalMatcher
    from dispatcher.routes import RouteGraph
    from freightlab.resources import default_map_path

    _, trucks, loads = instance(kind, n)
    before = rss_mb()

    def e2e() -> Any:
        return OptimalMatcher().match(trucks, loads, RouteGraph.load(default_map_path()))

    cpu, wall, r = timed(e2e)
    peak = rss_mb()
    out = {"cpu": cpu, "wall": wall, "rss_before": before, "rss_peak": peak}
    out.update(pairs=r.feasible_pairs, moved=r.moved, deadhead=r.total_deadhead_km)
    out["bare"] = bare_solver(kind, trucks, loads)
    return out


def bare_solver(kind: str, trucks: list, loads: list) -> float:
    """CPU s of the solver alone: LAPJVsp on the prebuilt matrix, or LSA on N x N km."""
    import dispatcher.solvers as solvers
    from dispatcher.costs import MatchSettings, build_candidates
    from dispatcher.routes import RouteGraph
    from dispatcher.solvers import solve_sparse
    from freightlab.resources import default_map_path

    graph = RouteGraph.load(default_map_path())
    if kind == "dense":
        from scipy.optimize import linear_sum_assignment

        km = graph.distances([t.location for t in trucks], [ld.origin for ld in loads])
        cpu, _, _ = timed(lambda: linear_sum_assignment(km))
        return cpu
    cand = build_candidates(trucks, loads, graph, MatchSettings())
    # the scipy call alone, inside solve_sparse (its matrix building is not counted)
    captured: dict[str, Any] = {}
    real = solvers.min_weight_full_bipartite_matching

    def spy(m: Any) -> Any:
        c0 = time.process_time()
        out = real(m)
        captured["cpu"] = time.process_time() - c0
        return out

    solvers.min_weight_full_bipartite_matching = spy
    try:
        solve_sparse(cand, len(trucks), len(loads))
    finally:
        solvers.min_weight_full_bipartite_matching = real
    return float(captured.get("cpu", float("nan")))


def child_crossover(n: int, window_h: float) -> dict[str, Any]:
    """The same instance through the sparse and the dense route (end to end, CPU s)."""
    from dispatcher.matching import OptimalMatcher

    graph, trucks, loads = instance("dense", n, window_h)
    out: dict[str, Any] = {}
    for method in ("sparse", "dense"):
        cpu, _, r = timed(lambda m=method: OptimalMatcher(m).match(trucks, loads, graph))
        out[method] = cpu
        out["pairs"], out[f"cost_{method}"] = r.feasible_pairs, r.total_cost
    out["density"] = out["pairs"] / n / n
    return out


def child_refuse(n: int) -> dict[str, Any]:
    """A 100,000 x 100,000 realistic fleet: how fast it is refused, and with what words."""
    from dispatcher.matching import MatchTooLarge, OptimalMatcher
    from dispatcher.routes import RouteGraph
    from dispatcher.synthetic import random_day
    from freightlab.resources import default_map_path

    graph = RouteGraph.load(default_map_path())
    gen, _, (trucks, loads) = timed(lambda: random_day(graph, n, n, seed=1))
    c0, w0 = time.process_time(), time.perf_counter()
    try:
        OptimalMatcher().match(trucks, loads, graph)
        message = "(not refused)"
    except MatchTooLarge as exc:
        message = str(exc)
    return {
        "gen": gen,
        "cpu": time.process_time() - c0,
        "wall": time.perf_counter() - w0,
        "message": message,
        "rss_peak": rss_mb(),
    }


def run_child(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def report_sizes(specs: list[str]) -> None:
    print(
        f"{'instance':<12} {'pairs':>12} {'density':>8} {'e2e CPU s':>10} {'e2e wall s':>11} "
        f"{'bare solver':>12} {'RSS before':>11} {'peak RSS':>9}  moved / deadhead km"
    )
    for spec in specs:
        kind, n = spec.split("-")
        r = run_child("match", kind, n)
        if "error" in r:
            print(f"{spec:<12} failed: {r['error']}")
            continue
        bare_name = "LSA km" if kind == "dense" else "LAPJVsp"
        print(
            f"{spec:<12} {r['pairs']:>12,} {r['pairs'] / int(n) ** 2:>8.1%} {r['cpu']:>10.2f} "
            f"{r['wall']:>11.2f} {r['bare']:>7.2f} {bare_name:<5}{r['rss_before']:>10.0f}M "
            f"{r['rss_peak']:>8.0f}M  {r['moved']:,} / {r['deadhead']:,.0f}",
            flush=True,
        )


def report_crossover(sizes: list[int], windows: list[float]) -> None:
    print("\ndensity crossover: one body type, windows [0, W] h; end-to-end CPU s by route")
    print(f"{'N':>6} {'W h':>5} {'density':>8} {'sparse':>8} {'dense':>8}  same optimum")
    for n in sizes:
        for w in windows:
            r = run_child("crossover", str(n), str(w))
            if "error" in r:
                print(f"{n:>6} {w:>5g} failed: {r['error']}")
                continue
            same = abs(r["cost_sparse"] - r["cost_dense"]) <= 1e-6 * max(1.0, r["cost_sparse"])
            print(
                f"{n:>6} {w:>5g} {r['density']:>8.1%} {r['sparse']:>8.2f} {r['dense']:>8.2f}  "
                f"{same}",
                flush=True,
            )


def report_refusal(n: int) -> None:
    r = run_child("refuse", str(n))
    if "error" in r:
        print(f"\n{n:,} x {n:,}: failed: {r['error']}")
        return
    print(
        f"\n{n:,} x {n:,} realistic: refused in {r['wall']:.2f} s wall ({r['cpu']:.2f} CPU s; "
        f"generating the fleet took {r['gen']:.1f} s), peak RSS {r['rss_peak']:.0f} MB:\n  "
        f"{r['message']}"
    )


def report_samples() -> None:
    from dispatcher.fleet import read_loads_csv, read_trucks_csv
    from dispatcher.matching import GreedyMatcher, OptimalMatcher
    from dispatcher.routes import RouteGraph
    from freightlab.resources import asset_path

    print()
    for prefix, map_name in (("india", "india.graphml"), ("us", "us_canada.graphml")):
        graph = RouteGraph.load(asset_path("maps", map_name))
        trucks = read_trucks_csv(asset_path("samples", f"{prefix}_trucks.csv"), graph)
        loads = read_loads_csv(asset_path("samples", f"{prefix}_loads.csv"), graph)
        o = OptimalMatcher().match(trucks, loads, graph)
        g = GreedyMatcher().match(trucks, loads, graph)
        saving = 1 - o.total_deadhead_km / g.total_deadhead_km
        print(
            f"sample day {prefix:5}: optimal {o.moved} moved, {o.total_deadhead_km:,.0f} km | "
            f"greedy {g.moved} moved, {g.total_deadhead_km:,.0f} km | saves {saving:.1%}"
        )


def child(args: list[str]) -> None:
    what = args[0]
    if what == "match":
        out = child_match(args[1], int(args[2]))
    elif what == "crossover":
        out = child_crossover(int(args[1]), float(args[2]))
    else:
        out = child_refuse(int(args[1]))
    print(json.dumps(out))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--only", default="real-1000,real-5000,real-10000,wide-5000,dense-5000,dense-2000"
    )
    ap.add_argument("--crossover-sizes", default="2000,5000")
    ap.add_argument("--crossover-windows", default="4,8,12,16,24,48")
    ap.add_argument("--skip-crossover", action="store_true")
    ap.add_argument("--refuse", type=int, default=100_000, help="0 to skip")
    args = ap.parse_args()
    print(f"Python {sys.version.split()[0]}, load average {os.getloadavg()} (shared machine)")
    report_sizes(args.only.split(","))
    if not args.skip_crossover:
        report_crossover(
            [int(s) for s in args.crossover_sizes.split(",")],
            [float(w) for w in args.crossover_windows.split(",")],
        )
    if args.refuse:
        report_refusal(args.refuse)
    report_samples()
    print(f"load average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
