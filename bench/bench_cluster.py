"""Scale-out benchmark: one 64-replication sweep on 1 process, 2 local processes and a
2-worker Dask cluster on 127.0.0.1 (a LocalCluster: scheduler + two worker processes).

Every way runs the same jobs (the catalog's M/M/3 monolith, seeds 1..N) and must give the
same numbers: the script checks that and says so. It prints wall time, speed-up over one
process and parallel efficiency (speed-up / workers). Start-up (spawning local processes,
starting the cluster) is timed apart from the sweep; the local pool's spawn is inside its
sweep, because a pool lives for one sweep. CPU seconds are this process plus its ended
children (pool workers; for the cluster, its nannies and workers, counted once the cluster
is closed, so cluster start-up and shut-down CPU are in that figure). On a shared machine
wall time follows the other load; CPU seconds say what the sweep itself cost.
Prints numbers; asserts nothing.

    .venv/bin/python bench/bench_cluster.py [--replications 64] [--duration 3600]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=64)
    ap.add_argument("--duration", type=float, default=3600.0, help="simulated s per run")
    ap.add_argument("--design", default=str(ROOT / "designs" / "catalog" / "monolith.toml"))
    args = ap.parse_args()

    from distributed import LocalCluster

    from designs.loader import load_design
    from simulation.replications import replicate

    design = load_design(args.design)
    n = args.replications
    print(f"{design.name}: {n} replications of {args.duration:g} simulated s")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")

    def timed(label: str, **kw: object) -> tuple[float, str]:
        t0 = time.perf_counter()
        rep = replicate(design, n, duration_s=args.duration, **kw)  # type: ignore[arg-type]
        wall = time.perf_counter() - t0
        print(f"  {label:<28} {wall:7.2f} s", flush=True)
        return wall, json.dumps([r.to_json() for r in rep.runs], sort_keys=True)

    rows: list[tuple[str, int, float, float, str]] = []
    c0 = _cpu()
    wall, ref = timed("1 process", processes=1)
    rows.append(("1 process", 1, wall, _cpu() - c0, ref))
    c0 = _cpu()
    wall, out = timed("2 local processes", processes=2)
    rows.append(("2 local processes", 2, wall, _cpu() - c0, out))
    c0 = _cpu()
    t0 = time.perf_counter()
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    )
    start_s = time.perf_counter() - t0
    try:
        wall, out = timed("2-worker Dask cluster", scheduler=cluster.scheduler_address)
    finally:
        cluster.close()
    rows.append(("2-worker Dask cluster", 2, wall, _cpu() - c0, out))
    print(f"  (cluster start-up, not in the sweep's wall time: {start_s:.2f} s)")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print()
    print("| way | workers | wall s | speed-up | efficiency | CPU s | same numbers |")
    print("|---|---|---|---|---|---|---|")
    base = rows[0][2]
    for label, workers, wall, cpu, out in rows:
        speed = base / wall
        same = "yes" if out == ref else "**NO**"
        print(
            f"| {label} | {workers} | {wall:.2f} | {speed:.2f}x | {speed / workers:.0%} "
            f"| {cpu:.1f} | {same} |"
        )


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


if __name__ == "__main__":
    main()
