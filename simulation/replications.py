"""Independent replications with 95% confidence intervals, run in parallel.

One long run gives one number per statistic with no honest error bar (its observations are
correlated); n runs on different seeds give n independent estimates, and Student's t turns
their spread into a confidence interval, also for p99, which has no simple variance formula.
Replication 0 is the base run (the design's seed, or the one given): callers show it as the
single-run result instead of simulating it twice. Where the runs happen (this process, local
processes, a Dask cluster) is simulation/executors.py's business; the numbers do not change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from designs.schema import Design
from freightlab.progress import Progress
from simulation.executors import Job, available_cpus, run_jobs
from simulation.results import (
    ClassEstimate,
    ComponentEstimate,
    ReplicationResult,
    SimResult,
)
from simulation.student_t import confidence_interval


def replicate(
    design: Design,
    n: int,
    *,
    seeds: Sequence[int] | None = None,
    processes: int | None = None,
    duration_s: float | None = None,
    base_seed: int | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
    on_result: Callable[[int, SimResult], None] | None = None,
) -> ReplicationResult:
    """Run ``n`` replications (seeds base, base+1, ... unless given) and summarise.

    ``runs[0]`` is the base run. They run in ``processes`` local processes (default: one per
    CPU this process may use) or, given ``scheduler`` (tcp://HOST:PORT), on a Dask cluster;
    ``on_result`` hears each as it ends.
    """
    if seeds is None:
        base = design.workload.seed if base_seed is None else base_seed
        seeds = [base + i for i in range(n)]
    seeds = list(seeds)
    if len(seeds) < 1:
        raise ValueError("replicate needs at least one seed")
    data = design.model_dump()
    jobs = [Job(data, s, duration_s) for s in seeds]
    procs = available_cpus() if processes is None else processes
    runs = run_jobs(jobs, procs, progress, scheduler=scheduler, on_result=on_result)
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
