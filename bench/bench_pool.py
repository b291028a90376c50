"""What local worker processes cost a replication or a sweep, first run and later runs.

In ONE process (as the Design Lab is: the same window runs many times), with
``processes=2``, on the catalog monolith (M/M/3 at 2.7 req/s; each job 1 simulated second
unless ``--duration``):

  1. 5 replications: seconds until the first result streams back, and until all five are in;
  2. the same 5 replications again (what a second click on Run costs);
  3. a 4-point rate sweep, twice in a row.

With a pool per call every row pays starting the workers (a fresh interpreter importing
numpy, SimPy, pydantic: ~1 s each on this machine); with the warm pool only the first does.
Wall seconds (the machine may be shared: the load average is printed). Prints numbers;
asserts nothing.

    .venv/bin/python bench/bench_pool.py [--duration 1] [--processes 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from designs.loader import load_design  # noqa: E402
from simulation.replications import replicate  # noqa: E402
from simulation.sweeps import sweep  # noqa: E402

MONOLITH = ROOT / "designs" / "catalog" / "monolith.toml"


def replications(design, duration: float, processes: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    first: list[float] = []

    def heard(_i: int, _r: object) -> None:
        if not first:
            first.append(time.perf_counter() - start)

    replicate(design, 5, duration_s=duration, processes=processes, on_result=heard)
    return first[0], time.perf_counter() - start


def a_sweep(design, duration: float, processes: int) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    sweep(design, [1.0, 1.5, 2.0, 2.5], duration_s=duration, processes=processes)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    design = load_design(MONOLITH)
    print(f"load average {os.getloadavg()[0]:.1f}; processes={args.processes}")
    for label in ("5 replications, 1st call", "5 replications, 2nd call"):
        first, total = replications(design, args.duration, args.processes)
        print(f"{label}: first result {first:.2f} s, all five {total:.2f} s")
    for label in ("4-point sweep, 1st", "4-point sweep, 2nd"):
        print(f"{label}: {a_sweep(design, args.duration, args.processes):.2f} s")


if __name__ == "__main__":
    main()
