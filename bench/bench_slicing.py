"""Replica slicing: the 1M requests/min exercise scored whole against one of k cells.

Prints, for the exercise's reference design under its diurnal traffic (one replication,
the exercise's seed): wall and CPU seconds, engine events, p50/p99, API utilisation and the
cost, simulated whole (k = 1, the work budget lifted) and as one of k cells.
Run: .venv/bin/python bench/bench_slicing.py [--cells 1,4,16] [--duration S]
"""

from __future__ import annotations

import argparse
import time

from designs.exercise import EXERCISES, load_exercise
from designs.trial import trial_design
from simulation.slicing import plan, simulate_sliced


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", default="1,4,16")
    ap.add_argument("--duration", type=float, default=None)
    args = ap.parse_args()
    exercise = load_exercise(EXERCISES / "api_1m_per_minute.toml")
    design, _ = trial_design(exercise.reference_design(), exercise)
    duration = args.duration or exercise.requirements.duration_s
    big = design.workload.model_copy(update={"max_events": 10**9})
    design = design.model_copy(update={"workload": big})
    print(
        f"{'cells':>5} {'wall s':>7} {'cpu s':>7} {'events':>11} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'api util':>8} {'$/h':>6}"
    )
    for k in (int(x) for x in args.cells.split(",")):
        cells = plan(design, k)
        wall, cpu = time.perf_counter(), time.process_time()
        r = simulate_sliced(design, cells, duration_s=duration, seed=exercise.requirements.seed)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        lat = r.classes["read"].latency_ms
        print(
            f"{cells.k:>5} {wall:>7.1f} {cpu:>7.1f} {r.events:>11,} {lat.p50:>7.1f}"
            f" {lat.p99:>7.1f} {r.components['api'].utilization:>8.3f}"
            f" {r.cost_per_hour:>6.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
