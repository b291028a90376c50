"""Sweep a design over offered rates and compare designs on common random numbers.

Every run of a sweep, and every design of a comparison, uses the same seed: arrival streams
are keyed by (seed, class name) and rates only rescale unit-rate draws, so differences
between points come from the designs and the rates, not from luck.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from designs.schema import Design
from freightlab.progress import Progress
from simulation.bottleneck import capacity_rps
from simulation.executors import Job, run_jobs
from simulation.results import Comparison, SimResult, SweepPoint, SweepResult

GOODPUT_MIN = 0.95  # completed / offered below this: not healthy
P99_GROWTH_MAX = 5.0  # p99 more than this times the lightest load's: not healthy


def _p99(r: SimResult) -> float:
    return max((c.latency_ms.p99 for c in r.classes.values()), default=0.0)


def _goodput(r: SimResult) -> float:
    offered = sum(c.offered for c in r.classes.values())
    done = sum(c.completed for c in r.classes.values())
    return done / offered if offered else 1.0


def analyse(
    design_name: str,
    rates: Sequence[float],
    results: Sequence[SimResult],
    p99_slo_ms: float | None = None,
) -> SweepResult:
    """Healthy points, the saturation knee and the bottleneck-bound capacity estimate.

    A point is healthy when the run is stable, completes >= 95% of what was offered, its
    p99 is within 5x the lightest rate's, and (if given) within the p99 objective.
    """
    order = sorted(range(len(rates)), key=lambda i: rates[i])
    base_p99 = _p99(results[order[0]]) if results else 0.0
    points: list[SweepPoint] = []
    for i in order:
        r = results[i]
        healthy = (
            r.verdict == "stable"
            and _goodput(r) >= GOODPUT_MIN
            and (base_p99 <= 0 or _p99(r) <= P99_GROWTH_MAX * base_p99)
            and (p99_slo_ms is None or _p99(r) <= p99_slo_ms)
        )
        points.append(SweepPoint(rate_rps=float(rates[i]), result=r, healthy=healthy))
    knee = next((p.rate_rps for p in points if not p.healthy), None)
    below = [p.rate_rps for p in points if p.healthy and (knee is None or p.rate_rps < knee)]
    caps = (
        [
            c
            for c in (capacity_rps(s) for s in points[0].result.components.values())
            if c is not None
        ]
        if points
        else []
    )
    return SweepResult(
        design=design_name,
        rates=[p.rate_rps for p in points],
        points=points,
        knee_rps=knee,
        last_healthy_rps=max(below) if below else None,
        capacity_estimate_rps=min(caps) if caps else None,
    )


def sweep(
    design: Design,
    rates: Sequence[float],
    *,
    duration_s: float | None = None,
    seed: int | None = None,
    processes: int = 1,
    progress: Progress | None = None,
    p99_slo_ms: float | None = None,
    scheduler: str | None = None,
) -> SweepResult:
    """Run ``design`` at each total offered rate (classes scaled together)."""
    _check_rates(rates)
    the_seed = design.workload.seed if seed is None else seed
    data = design.model_dump()
    jobs = [Job(data, the_seed, duration_s, float(r)) for r in rates]
    results = run_jobs(jobs, processes, progress, scheduler=scheduler)
    return analyse(design.name, rates, results, p99_slo_ms)


def compare(
    designs: Sequence[Design],
    rates: Sequence[float],
    *,
    duration_s: float | None = None,
    seed: int | None = None,
    processes: int = 1,
    progress: Progress | None = None,
    p99_slo_ms: float | None = None,
    scheduler: str | None = None,
) -> Comparison:
    """Sweep every design over the same rates with one seed (common random numbers).

    ``scheduler`` (tcp://HOST:PORT) runs the points on a Dask cluster; same numbers.
    """
    _check_rates(rates)
    if not designs:
        raise ValueError("compare needs at least one design")
    the_seed = designs[0].workload.seed if seed is None else seed
    jobs = [Job(d.model_dump(), the_seed, duration_s, float(r)) for d in designs for r in rates]
    results = run_jobs(jobs, processes, progress, scheduler=scheduler)
    n = len(rates)
    sweeps = [
        analyse(d.name, rates, results[i * n : (i + 1) * n], p99_slo_ms)
        for i, d in enumerate(designs)
    ]

    def score(s: SweepResult) -> tuple[float, float, float]:
        knee = math.inf if s.knee_rps is None else s.knee_rps
        top = s.points[-1].result if s.points else None
        return (knee, s.last_healthy_rps or 0.0, -_p99(top) if top else 0.0)

    best = max(sweeps, key=score)
    return Comparison(
        rates=[float(r) for r in rates], seed=the_seed, sweeps=sweeps, best_design=best.design
    )


def _check_rates(rates: Sequence[float]) -> None:
    from freightlab.errors import InputError

    if not rates:
        raise InputError("give at least one rate")
    for r in rates:
        if not (r > 0 and math.isfinite(r)):
            raise InputError(f"rate must be a positive number, got {r}")


def parse_rates(text: str) -> list[float]:
    """'100, 200 400' -> [100.0, 200.0, 400.0]; an InputError names the bad entry."""
    from freightlab.errors import InputError

    rates = []
    for part in text.replace(",", " ").split():
        try:
            rate = float(part)
        except ValueError:
            raise InputError(f"rate {part!r} is not a number") from None
        if not 0 < rate < math.inf:
            raise InputError(f"rate {part!r} must be a positive number of requests/s")
        rates.append(rate)
    if not rates:
        raise InputError("give at least one rate, e.g. 100,200,400")
    return rates
