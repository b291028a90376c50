"""Score a candidate's design against an exercise by simulating it under the exercise's traffic.

The exercise fixes the traffic (designs.trial); the design runs on ``replications`` seeds and
each requirement is judged on the mean over them, reported with its 95% interval. Each
requirement has points; partial credit only where "close" means something (a p99 within 1.5x
of the target). The total is out of 100; hints taken cost points (``HINT_COST``).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from designs.exercise import Exercise
from designs.schema import Design
from designs.trial import trial_design
from freightlab import numbers as fmt
from freightlab.progress import Progress
from simulation.bottleneck import capacity_rps
from simulation.replications import confidence_interval
from simulation.results import SimResult
from simulation.slicing import SlicePlan, scoring_plan, simulate_sliced

NEAR_MISS = 1.5  # a p99 within this factor of the target earns half its points
HINT_COST = 5.0  # points a revealed hint costs an attempt
GRADES = ((0.9, "A"), (0.75, "B"), (0.6, "C"), (0.4, "D"))

Sense = Literal["max", "min"]  # measured must stay at most / at least the target


@dataclass(frozen=True)
class Check:
    """One requirement: ``name`` is its stable id (JSON, tests), ``label`` its title."""

    name: str
    label: str
    passed: bool
    points: float
    max_points: float
    detail: str
    target: float | None = None
    measured: float | None = None
    half_width: float | None = None  # 95% interval over the replications
    unit: str = ""
    sense: Sense = "max"

    def shortfall(self) -> str:
        """'met', or by how much it was missed ('+35% over', '0.4x short')."""
        if self.passed:
            return "met"
        if self.target is None or self.measured is None or not self.target:
            return "missed"
        ratio = self.measured / self.target
        if self.sense == "max":
            return f"{ratio - 1:+.0%} over" if ratio < 10 else f"{ratio:.0f}x over"
        return f"{1 - ratio:.0%} short"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "target": _finite(self.target),
            "measured": _finite(self.measured),
            "ci95": _finite(self.half_width),
            "unit": self.unit,
            "sense": self.sense,
            "met": self.passed,
            "points": self.points,
            "max_points": self.max_points,
            "detail": self.detail,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Check:
        """A requirement back from a saved scorecard (the attempt history)."""
        return cls(
            name=str(data["name"]),
            label=str(data.get("label", data["name"])),
            passed=bool(data["met"]),
            points=float(data.get("points", 0.0)),
            max_points=float(data.get("max_points", 0.0)),
            detail=str(data.get("detail", "")),
            target=data.get("target"),
            measured=data.get("measured"),
            half_width=data.get("ci95"),
            unit=str(data.get("unit", "")),
            sense="min" if data.get("sense") == "min" else "max",
        )


@dataclass
class Scorecard:
    exercise: str
    design: str
    checks: list[Check]
    result: SimResult  # the first replication (charts, the diagram)
    advice: str
    runs: list[SimResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.checks)

    @property
    def grade(self) -> str:
        return grade_for(self.score, self.max_score)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.passed]

    @property
    def bottleneck(self) -> str:
        runs = self.runs or [self.result]
        return Counter(r.bottleneck for r in runs).most_common(1)[0][0]

    @property
    def seeds(self) -> list[int]:
        return [r.seed for r in (self.runs or [self.result])]

    @property
    def cost_per_hour(self) -> float | None:
        """What the design costs under the traffic (time-averaged under autoscaling), the
        mean over the replications; None where the engine reports no cost."""
        costs = [_run_cost(r) for r in (self.runs or [self.result])]
        known = [c for c in costs if c is not None]
        return sum(known) / len(known) if known else None

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "design": self.design,
            "passed": self.passed,
            "grade": self.grade,
            "score": self.score,
            "max_score": self.max_score,
            "requirements": [c.to_json() for c in self.checks],
            "cost_per_hour": _finite(self.cost_per_hour),
            "bottleneck": self.bottleneck,
            "advice": self.advice,
            "seeds": self.seeds,
            "verdicts": [r.verdict for r in (self.runs or [self.result])],
            "notes": list(self.notes),
        }


def grade_for(score: float, max_score: float) -> str:
    share = score / max_score if max_score else 0.0
    return next((letter for floor, letter in GRADES if share >= floor), "F")


def attempt_score(card: Scorecard, hints_used: int) -> float:
    """The scorecard's points less what the hints cost, never below zero."""
    return max(0.0, card.score - HINT_COST * hints_used)


def duration_text(ms: float) -> str:
    """Milliseconds as people say them: '85 ms', '2.4 s', '19.6 min'."""
    if ms < 1000:
        return f"{ms:,.0f} ms"
    if ms < 120_000:
        return f"{ms / 1000:,.1f} s"
    if ms < 7_200_000:
        return f"{ms / 60_000:,.1f} min"
    return f"{ms / 3_600_000:,.1f} h"


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _run_cost(result: SimResult) -> float | None:
    cost = getattr(result, "cost_per_hour", None)
    return float(cost) if isinstance(cost, int | float) else None


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
    if exercise.requirements.max_cost_per_hour is not None:  # a budget needs real prices
        problems += [
            f"'{c.name}' costs {c.replica_cost_per_hour():.2f} an hour, below a {c.kind}'s"
            f" {c.spec().cost_per_hour:.2f}"
            for c in design.components
            if c.replica_cost_per_hour() < c.spec().cost_per_hour
        ]
    return problems


class _Slice(Progress):
    """Replication i of n reports into the outer progress as the i-th n-th of it."""

    def __init__(self, outer: Progress | None, index: int, count: int) -> None:
        super().__init__()
        self._outer, self._index, self._count = outer, index, count

    def update(self, fraction: float, message: str = "") -> None:
        if self._outer is not None:
            run = f"run {self._index + 1} of {self._count}"
            self._outer.update(
                (self._index + min(1.0, max(0.0, fraction))) / self._count,
                f"{run}: {message}" if message else run,
            )


def _seed_runs(
    design: Design,
    the_plan: SlicePlan,
    seeds: list[int],
    duration_s: float | None,
    processes: int,
    progress: Progress | None,
) -> list[SimResult]:
    """One run per seed: here, or (``processes`` > 1) the cells in the warm worker pool, each
    scaled up here as ``simulate_sliced`` does (the same numbers either way)."""
    if processes <= 1 or len(seeds) <= 1:
        return [
            simulate_sliced(
                design,
                the_plan,
                duration_s=duration_s,
                seed=s,
                progress=_Slice(progress, i, len(seeds)),
            )
            for i, s in enumerate(seeds)
        ]
    from simulation.executors import Job, run_jobs
    from simulation.slicing import scale_up, slice_design

    if the_plan.k > 1:
        cell = slice_design(design, the_plan)
    else:  # the design whole, its slices left to this plan (the runner would take them)
        cell = design.model_copy(
            update={"workload": design.workload.model_copy(update={"slices": None})}
        )
    data = cell.model_dump()
    cells = run_jobs([Job(data, s, duration_s) for s in seeds], processes, progress)
    return [scale_up(r, the_plan, design) for r in cells]


def score_design(
    design: Design,
    exercise: Exercise,
    progress: Progress | None = None,
    *,
    seed: int | None = None,
    replications: int | None = None,
    processes: int = 1,
) -> Scorecard:
    """Simulate ``design`` under the exercise's traffic on ``replications`` seeds and judge
    every requirement on the mean over them; the same seed gives the same scorecard.
    ``processes`` > 1 runs the seeds in the warm local worker pool (the same numbers)."""
    req = exercise.requirements
    run_design, problems = trial_design(design, exercise)
    problems = honesty_problems(design, exercise) + problems
    count = replications or req.replications
    first_seed = req.seed if seed is None else seed
    cells, note = scoring_plan(run_design, exercise.traffic.slices, req.duration_s)
    the_plan = cells or SlicePlan(1, frozenset())
    seeds = [first_seed + i for i in range(count)]
    runs = _seed_runs(run_design, the_plan, seeds, req.duration_s, processes, progress)
    checks = [
        Check(
            "honest",
            "Honest design",
            not problems,
            0.0 if problems else 10.0,
            10,
            "; ".join(problems) or _HONEST,
            0.0,
            float(len(problems)),
            unit="problems",
        ),
        _stable_check(runs, exercise),
        _success_check(runs, req.min_success),
        *_latency_checks(runs, exercise),
        _headroom_check(runs, req.rate_rps, req.min_headroom),
        *_budget_checks(design, runs, exercise),
    ]
    card = Scorecard(exercise.name, design.name, checks, runs[0], "", runs, [note] if note else [])
    card.advice = next(r for r in runs if r.bottleneck == card.bottleneck).bottleneck_explanation
    return card


_HONEST = "the fixed work, request classes and failed components are all there"


def _estimate(values: list[float]) -> tuple[float, float | None]:
    est = confidence_interval(values)
    return est.mean, (est.half_width if len(values) > 1 else None)


def _stable_check(runs: list[SimResult], exercise: Exercise) -> Check:
    # "degraded" is stable in steady state (it broke its own expectations only inside a fault
    # or burst window, which the latency and success requirements judge): not a failure here.
    stable = [r.verdict != "unstable" for r in runs]
    shape = exercise.traffic.shape
    worst = next((r for r in runs if r.verdict == "unstable"), runs[0])
    detail = f"{sum(stable)} of {len(runs)} runs stable under the {shape} traffic"
    degraded = sum(r.verdict == "degraded" for r in runs)
    if degraded:
        detail += f" ({degraded} degraded during a fault or burst)"
    if worst.stopped_early:
        detail += f" ({worst.stop_reason})"
    ok = all(stable)
    return Check(
        "stable",
        "Stable under the traffic",
        ok,
        15 if ok else 0.0,
        15,
        detail,
        1.0,
        sum(stable) / len(runs),
        None,
        "share of runs",
        "min",
    )


def _success(result: SimResult) -> float | None:
    """Completed (async work after a broker included) over offered. In a stable run the
    requests still in flight at the end are late, not lost, so they are left out; in an
    unstable one they sit in a queue that grows without bound and count as lost."""
    offered = sum(c.offered for c in result.classes.values())
    if result.verdict != "unstable":
        offered -= sum(c.in_flight for c in result.classes.values())
    done = sum(max(0, c.completed - c.e2e_failed) for c in result.classes.values())
    return done / offered if offered > 0 else None


def _success_check(runs: list[SimResult], target: float) -> Check:
    values = [_success(r) for r in runs]
    known = [v for v in values if v is not None]
    if not known:
        return Check(
            "success",
            "Success ratio",
            False,
            0.0,
            15,
            "nothing measured: the runs stopped before the warm-up ended",
            target,
        )
    mean, half = _estimate(known)
    ok = mean >= target
    offered = sum(sum(c.offered for c in r.classes.values()) for r in runs) // len(runs)
    return Check(
        "success",
        "Success ratio",
        ok,
        15 if ok else 0.0,
        15,
        f"{mean:.3%} of about {offered:,} requests a run completed (need {target:.1%})",
        target,
        mean,
        half,
        "ratio",
        "min",
    )


def _p99(result: SimResult, which: str, classes: set[str] | None = None) -> float | None:
    """The worst p99 over ``classes`` (every class when None)."""
    values = []
    for name, stats in result.classes.items():
        latency = stats.latency_ms
        if which == "e2e" and stats.e2e_latency_ms is not None:  # else the response is the end
            latency = stats.e2e_latency_ms
        if (classes is None or name in classes) and latency is not None and latency.count:
            values.append(latency.p99)
    return max(values) if values else None


def _latency_checks(runs: list[SimResult], exercise: Exercise) -> list[Check]:
    req = exercise.requirements
    own = req.class_p99_ms
    checks = []
    others = set(runs[0].classes) - set(own)
    if others:
        rest = [_p99(r, "latency", others) for r in runs]
        checks.append(_latency_check("p99", "Response p99", req.p99_ms, rest, 25))
    for cls, target in own.items():
        values = [_p99(r, "latency", {cls}) for r in runs]
        checks.append(_latency_check(f"p99.{cls}", f"Response p99 ({cls})", target, values, 15))
    if req.e2e_p99_ms is not None:
        e2e = [_p99(r, "e2e") for r in runs]
        checks.append(_latency_check("e2e_p99", "End-to-end p99", req.e2e_p99_ms, e2e, 10))
    return checks


def _latency_check(
    name: str, label: str, target_ms: float, values: list[float | None], max_points: float
) -> Check:
    known = [v for v in values if v is not None]
    if len(known) < len(values) or not known:
        return Check(
            name,
            label,
            False,
            0.0,
            max_points,
            "no request completed this path",
            target_ms,
            unit="ms",
        )
    p99, half = _estimate(known)
    spread = f" ± {duration_text(half)}" if half is not None else ""
    measured = f"{duration_text(p99)}{spread}"
    if p99 <= target_ms:
        return Check(
            name,
            label,
            True,
            max_points,
            max_points,
            f"{measured} ≤ {duration_text(target_ms)}",
            target_ms,
            p99,
            half,
            "ms",
        )
    near = p99 <= target_ms * NEAR_MISS
    return Check(
        name,
        label,
        False,
        max_points / 2 if near else 0.0,
        max_points,
        f"{measured} > {duration_text(target_ms)}" + (" (close: half marks)" if near else ""),
        target_ms,
        p99,
        half,
        "ms",
    )


def _capacity(result: SimResult) -> float | None:
    caps = [c for c in (capacity_rps(s) for s in result.components.values()) if c is not None]
    return min(caps) if caps else None


def _headroom_check(runs: list[SimResult], rate_rps: float, target: float) -> Check:
    caps = [_capacity(r) for r in runs]
    known = [c for c in caps if c is not None]
    if len(known) < len(caps) or not known:
        return Check(
            "headroom",
            "Headroom",
            False,
            0.0,
            15,
            "not measurable: nothing was served",
            target,
            unit="x",
        )
    capacity, _ = _estimate(known)
    ratios = [c / rate_rps for c in known]
    headroom, half = _estimate(ratios)
    ok = headroom >= target
    return Check(
        "headroom",
        "Headroom",
        ok,
        15 if ok else 0.0,
        15,
        f"the bottleneck carries about {fmt.num(capacity)} requests/s = {headroom:.2f}x "
        f"the peak (need {target:.2f}x)",
        target,
        headroom,
        half,
        "x",
        "min",
    )


def _budget_checks(design: Design, runs: list[SimResult], exercise: Exercise) -> list[Check]:
    req = exercise.requirements
    checks = []
    if req.max_workers is not None:
        workers = worker_count(design)
        ok = workers <= req.max_workers
        checks.append(
            Check(
                "workers",
                "Within worker budget",
                ok,
                10 if ok else 0.0,
                10,
                f"{workers} workers and connections (budget {req.max_workers})",
                float(req.max_workers),
                float(workers),
                None,
                "workers",
            )
        )
    if req.max_cost_per_hour is not None:
        costs = [_run_cost(r) for r in runs]
        known = [c for c in costs if c is not None]
        if not known:
            checks.append(
                Check(
                    "cost",
                    "Within cost budget",
                    False,
                    0.0,
                    10,
                    "the engine reports no cost for this design",
                    req.max_cost_per_hour,
                    unit="$/h",
                )
            )
        else:
            cost, half = _estimate(known)
            ok = cost <= req.max_cost_per_hour
            checks.append(
                Check(
                    "cost",
                    "Within cost budget",
                    ok,
                    10 if ok else 0.0,
                    10,
                    f"${cost:,.2f} an hour (budget ${req.max_cost_per_hour:,.2f})",
                    req.max_cost_per_hour,
                    cost,
                    half,
                    "$/h",
                )
            )
    return checks
