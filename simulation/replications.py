"""Independent replications with 95% confidence intervals, run in parallel processes.

One long run gives one number per statistic with no honest error bar (its observations are
correlated); n runs on different seeds give n independent estimates, and Student's t turns
their spread into a confidence interval, also for p99, which has no simple variance formula.
Workers are started with 'spawn' (safe with threads and Qt in the parent) and receive the
design as plain data.
"""

from __future__ import annotations

import math
import multiprocessing
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from designs.schema import Design
from freightlab.progress import Progress, check
from simulation.results import (
    ClassEstimate,
    ComponentEstimate,
    Estimate,
    ReplicationResult,
    SimResult,
)


@dataclass(frozen=True)
class Job:
    design: dict[str, Any]  # Design.model_dump(): plain data crosses the process boundary
    seed: int
    duration_s: float | None = None
    rate_rps: float | None = None


def _run_job(job: Job) -> SimResult:
    from simulation.runner import simulate

    return simulate(
        Design.model_validate(job.design),
        duration_s=job.duration_s,
        seed=job.seed,
        rate_rps=job.rate_rps,
    )


def run_jobs(
    jobs: Sequence[Job], processes: int = 2, progress: Progress | None = None
) -> list[SimResult]:
    """Run simulations, in ``processes`` spawned workers when > 1; results keep job order."""
    if processes <= 1 or len(jobs) <= 1:
        out = []
        for i, job in enumerate(jobs):
            check(progress, i / max(1, len(jobs)), f"run {i + 1} of {len(jobs)}")
            out.append(_run_job(job))
        return out
    ctx = multiprocessing.get_context("spawn")
    results: list[SimResult | None] = [None] * len(jobs)
    with ProcessPoolExecutor(max_workers=min(processes, len(jobs)), mp_context=ctx) as pool:
        futures = {pool.submit(_run_job, job): i for i, job in enumerate(jobs)}
        done = 0
        try:
            for fut in _as_completed(futures):
                results[futures[fut]] = fut.result()
                done += 1
                check(progress, done / len(jobs), f"{done} of {len(jobs)} runs done")
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
    return [r for r in results if r is not None]


def _as_completed(futures: dict[Any, int]) -> Any:
    from concurrent.futures import as_completed

    return as_completed(futures)


def confidence_interval(values: Sequence[float], level: float = 0.95) -> Estimate:
    """Student-t interval for the mean of independent replications."""
    from simulation.student_t import t_ppf

    n = len(values)
    if n == 0:
        return Estimate(0.0, math.inf, -math.inf, math.inf, 0)
    mean = sum(values) / n
    if n == 1:
        return Estimate(mean, math.inf, -math.inf, math.inf, 1)
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = t_ppf(0.5 + level / 2.0, n - 1) * math.sqrt(var / n)
    return Estimate(mean, half, mean - half, mean + half, n)


def replicate(
    design: Design,
    n: int,
    *,
    seeds: Sequence[int] | None = None,
    processes: int = 2,
    duration_s: float | None = None,
    base_seed: int | None = None,
    progress: Progress | None = None,
) -> ReplicationResult:
    """Run ``n`` replications (seeds base, base+1, ... unless given) and summarise."""
    if seeds is None:
        base = design.workload.seed if base_seed is None else base_seed
        seeds = [base + i for i in range(n)]
    seeds = list(seeds)
    if len(seeds) < 1:
        raise ValueError("replicate needs at least one seed")
    data = design.model_dump()
    runs = run_jobs([Job(data, s, duration_s) for s in seeds], processes, progress)
    return summarise_runs(design.name, seeds, runs)


def summarise_runs(name: str, seeds: list[int], runs: list[SimResult]) -> ReplicationResult:
    ci = confidence_interval
    classes: dict[str, ClassEstimate] = {}
    for cname, first in runs[0].classes.items():
        per = [r.classes[cname] for r in runs]
        e2e = None
        if first.e2e_latency_ms is not None:
            e2e = ci([c.e2e_latency_ms.mean if c.e2e_latency_ms else 0.0 for c in per])
        classes[cname] = ClassEstimate(
            throughput_rps=ci([c.throughput_rps for c in per]),
            latency_mean_ms=ci([c.latency_ms.mean for c in per]),
            latency_p99_ms=ci([c.latency_ms.p99 for c in per]),
            e2e_mean_ms=e2e,
        )
    comps: dict[str, ComponentEstimate] = {}
    for k in runs[0].components:
        cs = [r.components[k] for r in runs]
        comps[k] = ComponentEstimate(
            utilization=ci([c.utilization for c in cs]),
            mean_wait_ms=ci([c.mean_wait_ms for c in cs]),
            mean_queue_len=ci([c.mean_queue_len for c in cs]),
        )
    # The most severe verdict over the runs: unstable, then degraded, then stable.
    verdict = next(
        (v for v in ("unstable", "degraded") if any(r.verdict == v for r in runs)), "stable"
    )
    bottleneck = Counter(r.bottleneck for r in runs).most_common(1)[0][0]
    return ReplicationResult(
        design=name,
        seeds=seeds,
        runs=runs,
        classes=classes,
        components=comps,
        verdict=verdict,
        bottleneck=bottleneck,
    )
