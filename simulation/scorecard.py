"""Score a candidate's design against an exercise by simulating it at the exercise's peak.

Each check is a plain measurement with points; partial credit only where "close" means
something (a p99 within 1.5x of the target). The total is out of 100.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from designs.exercise import Exercise
from designs.schema import Design
from freightlab import numbers as fmt
from freightlab.progress import Progress
from simulation.bottleneck import capacity_rps
from simulation.results import SimResult
from simulation.runner import simulate

NEAR_MISS = 1.5  # a p99 within this factor of the target earns half its points


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    points: float
    max_points: float
    detail: str


@dataclass
class Scorecard:
    exercise: str
    design: str
    checks: list[Check]
    result: SimResult
    advice: str
    notes: list[str] = field(default_factory=list)

    @property
    def cost_per_hour(self) -> float:
        """What the design costs at the peak (time-averaged under autoscaling)."""
        return self.result.cost_per_hour

    @property
    def score(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.checks)

    @property
    def grade(self) -> str:
        share = self.score / self.max_score if self.max_score else 0.0
        for floor, letter in ((0.9, "A"), (0.75, "B"), (0.6, "C"), (0.4, "D")):
            if share >= floor:
                return letter
        return "F"


def worker_count(design: Design) -> int:
    """Workers and connections the design pays for (brokers and caches hold none)."""
    total = 0
    for c in design.components:
        if not c.spec().pays_workers:
            continue
        servers = c.servers()
        if servers is not None:
            total += servers * c.max_replicas()  # an autoscaler may use its max
    return total


def honesty_problems(design: Design, exercise: Exercise) -> list[str]:
    """Service times the exercise fixes but the design shortened or left out."""
    names = set(design.component_names())
    problems = []
    for name, least_ms in exercise.requirements.fixed_service_ms.items():
        if name not in names:
            problems.append(f"component '{name}' is missing (the exercise's work must be done)")
            continue
        mean = design.component(name).mean_service_ms()
        if mean < least_ms * 0.99:
            problems.append(
                f"'{name}' takes {fmt.ms(mean)} but the exercise fixes {fmt.ms(least_ms)}"
            )
    return problems


def _graded(name: str, ok: bool, max_points: float, detail: str) -> Check:
    return Check(name, ok, max_points if ok else 0.0, max_points, detail)


def score_design(design: Design, exercise: Exercise, progress: Progress | None = None) -> Scorecard:
    req = exercise.requirements
    problems = honesty_problems(design, exercise)
    run_design = design.model_copy(
        update={
            "workload": design.workload.model_copy(
                update={"warmup_s": min(req.warmup_s, req.duration_s / 2)}
            )
        }
    )
    result = simulate(
        run_design,
        duration_s=req.duration_s,
        seed=req.seed,
        rate_rps=req.rate_rps,
        progress=progress,
    )
    checks = [
        _graded(
            "Honest service times",
            not problems,
            10,
            "; ".join(problems) or "the fixed work is all there",
        ),
        _graded(
            "Stable at the peak",
            result.verdict == "stable",
            15,
            f"{result.verdict} at {fmt.rate(req.rate_rps, 'requests/s')}"
            + (f" ({result.stop_reason})" if result.stopped_early else ""),
        ),
    ]
    offered = sum(c.offered for c in result.classes.values())
    completed = sum(c.completed for c in result.classes.values())
    success = completed / offered if offered else 0.0
    checks.append(
        _graded(
            "Nothing lost",
            success >= req.min_success,
            15,
            f"{fmt.pct(success, 4)} of {fmt.count(offered)} requests completed"
            f" (need {fmt.pct(req.min_success, 4)})"
            if offered
            else f"nothing measured: the run stopped at {fmt.seconds(result.duration_s)}, "
            f"before the {fmt.seconds(result.warmup_s)} warm-up ended",
        )
    )
    checks.append(_latency_check("Response p99", req.p99_ms, _worst(result, "latency"), 25))
    if req.e2e_p99_ms is not None:
        checks.append(_latency_check("End-to-end p99", req.e2e_p99_ms, _worst(result, "e2e"), 10))
    capacities = [
        cap for cap in (capacity_rps(c) for c in result.components.values()) if cap is not None
    ]
    if capacities:
        capacity = min(capacities)
        headroom = capacity / req.rate_rps
        checks.append(
            _graded(
                "Headroom",
                headroom >= req.min_headroom,
                15,
                f"the bottleneck carries about {fmt.rate(capacity, 'requests/s')}"
                f" = {headroom:.2f}x the peak (need {req.min_headroom:.2f}x)",
            )
        )
    else:
        checks.append(Check("Headroom", False, 0.0, 15, "not measurable: nothing was served"))
    if req.max_workers is not None:
        workers = worker_count(design)
        checks.append(
            _graded(
                "Within budget",
                workers <= req.max_workers,
                10,
                f"{workers} workers and connections (budget {req.max_workers})",
            )
        )
    return Scorecard(
        exercise=exercise.name,
        design=design.name,
        checks=checks,
        result=result,
        advice=result.bottleneck_explanation,
    )


def _worst(result: SimResult, which: str) -> float | None:
    values = []
    for stats in result.classes.values():
        latency = stats.latency_ms if which == "latency" else stats.e2e_latency_ms
        if latency is not None and latency.count:
            values.append(latency.p99)
    return max(values) if values else None


def _latency_check(name: str, target_ms: float, p99: float | None, max_points: float) -> Check:
    if p99 is None:
        return Check(name, False, 0.0, max_points, "no request completed this path")
    if p99 <= target_ms:
        return Check(name, True, max_points, max_points, f"{fmt.ms(p99)} ≤ {fmt.ms(target_ms)}")
    near = p99 <= target_ms * NEAR_MISS
    return Check(
        name,
        False,
        max_points / 2 if near else 0.0,
        max_points,
        f"{fmt.ms(p99)} > {fmt.ms(target_ms)}" + (" (close: half marks)" if near else ""),
    )
