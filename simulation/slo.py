"""SLO search: the highest offered rate at which a design still meets a p99 objective.

Each round runs ``points`` rates spread inside the current bracket at once (in local
processes or on a Dask cluster, all on one seed: common random numbers), then narrows the
bracket to (highest rate that met the SLO, lowest that did not). A rate meets it when the
run is stable, completes >= 95% of what was offered and every class's p99 is within the
objective. The first bracket is (0, 1.25 x the bottleneck-bound capacity of a run at the
design's own rate), or up to ``max_rate_rps`` when given. It assumes p99 grows with the rate,
which common random numbers make true in practice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from designs.schema import Design
from freightlab.errors import InputError
from freightlab.progress import Progress, check
from simulation.executors import Job, run_jobs
from simulation.results import SimResult
from simulation.sweeps import GOODPUT_MIN, analyse

HEADROOM = 1.25


@dataclass(frozen=True)
class SloPoint:
    rate_rps: float
    p99_ms: float
    meets: bool
    verdict: str


@dataclass
class SloResult:
    design: str
    p99_slo_ms: float
    best_rps: float | None  # highest rate seen to meet the objective
    first_miss_rps: float | None  # lowest rate seen to miss it
    points: list[SloPoint] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.design,
            "p99_slo_ms": self.p99_slo_ms,
            "best_rps": self.best_rps,
            "first_miss_rps": self.first_miss_rps,
            "points": [p.__dict__ for p in sorted(self.points, key=lambda p: p.rate_rps)],
        }


def _p99(r: SimResult) -> float:
    return max((c.latency_ms.p99 for c in r.classes.values()), default=0.0)


def meets(r: SimResult, p99_slo_ms: float) -> bool:
    offered = sum(c.offered for c in r.classes.values())
    done = sum(c.completed for c in r.classes.values())
    goodput = done / offered if offered else 1.0
    return r.verdict == "stable" and goodput >= GOODPUT_MIN and _p99(r) <= p99_slo_ms


def slo_search(
    design: Design,
    p99_slo_ms: float,
    *,
    max_rate_rps: float | None = None,
    points: int = 4,
    rounds: int = 3,
    duration_s: float | None = None,
    seed: int | None = None,
    processes: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> SloResult:
    if not (p99_slo_ms > 0 and math.isfinite(p99_slo_ms)):
        raise InputError(f"--p99 must be a positive number of ms, got {p99_slo_ms}")
    if points < 1 or rounds < 1:
        raise InputError("--points and --rounds must be >= 1")
    the_seed = design.workload.seed if seed is None else seed
    data = design.model_dump()

    def run(rates: list[float]) -> list[SimResult]:
        jobs = [Job(data, the_seed, duration_s, r) for r in rates]
        return run_jobs(jobs, processes, progress, scheduler=scheduler)

    lo, hi = 0.0, max_rate_rps or _first_ceiling(design, run)
    out = SloResult(design.name, p99_slo_ms, None, None)
    for k in range(rounds):
        check(progress, k / rounds, f"round {k + 1} of {rounds}: {lo:.3g}-{hi:.3g} req/s")
        # the first round reaches the ceiling itself; later ones stay strictly inside
        steps = points if k == 0 else points + 1
        rates = [lo + (hi - lo) * (i + 1) / steps for i in range(points)]
        for rate, r in zip(rates, run(rates), strict=True):
            out.points.append(SloPoint(rate, _p99(r), meets(r, p99_slo_ms), r.verdict))
        _bracket(out)
        lo = out.best_rps or 0.0
        hi = out.first_miss_rps if out.first_miss_rps is not None else hi * 2.0
    check(progress, 1.0, "done")
    return out


def _bracket(out: SloResult) -> None:
    """best = highest rate that met the SLO below the lowest rate that missed it."""
    met = [p.rate_rps for p in out.points if p.meets]
    missed = [p.rate_rps for p in out.points if not p.meets]
    out.first_miss_rps = min(missed) if missed else None
    below = [m for m in met if out.first_miss_rps is None or m < out.first_miss_rps]
    out.best_rps = max(below) if below else None


def _first_ceiling(design: Design, run: Any) -> float:
    """1.25 x the capacity bound measured at the design's own rate (or 2 x that rate)."""
    own = design.workload.total_rate()
    result = run([own])[0]
    cap = analyse(design.name, [own], [result]).capacity_estimate_rps
    return HEADROOM * cap if cap else 2.0 * own


def format_slo(r: SloResult) -> str:
    lines = [f"{r.design}: highest rate with p99 <= {r.p99_slo_ms:g} ms"]
    for p in sorted(r.points, key=lambda p: p.rate_rps):
        mark = "meets" if p.meets else "misses"
        lines.append(
            f"  {p.rate_rps:>10.3f} req/s  p99 {p.p99_ms:>10.1f} ms  {p.verdict:<8} {mark}"
        )
    best = "none of the rates tried" if r.best_rps is None else f"{r.best_rps:.3f} req/s"
    miss = "" if r.first_miss_rps is None else f" (misses from {r.first_miss_rps:.3f} req/s)"
    lines.append(f"meets the SLO up to: {best}{miss}")
    return "\n".join(lines)
