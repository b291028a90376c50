"""The batching comparison over several seeds, with 95 % Student-t intervals.

One seed says what one day did; the posting times are a seeded draw, so a single day can
make one window look better by luck. Here every batching window runs the same board on n
seeds (the same n for every window: common random numbers, so differences between windows
are not differences between draws), and each headline figure gets a mean with its 95 %
Student-t interval over the seeds (:func:`interval`; ``simulation.student_t`` for the
quantile). The first seed's days are kept whole, so the chosen window's day can be replayed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from dispatcher.fleet import Load, Truck
from dispatcher.matching import Matcher
from dispatcher.operations import DayKpis, DayResult, DaySettings, simulate_day
from dispatcher.routes import RouteGraph
from freightlab.errors import InputError
from freightlab.progress import Progress, check
from simulation.results import Estimate
from simulation.student_t import confidence_interval as interval

#: The figures compared, from each day's KPIs: name -> (how to read it, what it is).
METRICS: dict[str, tuple[Callable[[DayKpis], float], str]] = {
    "deadhead_pct": (lambda k: k.deadhead_pct, "deadhead, % of km"),
    "wait_min": (lambda k: k.avg_wait_to_match_min, "wait to be matched, min"),
    "delivered": (lambda k: float(k.loads_delivered), "loads delivered"),
    "on_time_pickup_pct": (lambda k: k.on_time_pickup_pct, "on-time pickups, %"),
}
MAX_SEEDS = 50


@dataclass(frozen=True)
class WindowStats:
    """One batching window over the seeds: each day's KPIs and the intervals."""

    batch_minutes: float
    seeds: tuple[int, ...]
    kpis: tuple[DayKpis, ...]
    estimates: dict[str, Estimate]

    def __getitem__(self, metric: str) -> Estimate:
        return self.estimates[metric]


@dataclass(frozen=True)
class SeedComparison:
    windows: list[WindowStats]  # in the order asked for
    days: list[DayResult]  # the first seed's day per window (replayable)

    @property
    def seeds(self) -> tuple[int, ...]:
        return self.windows[0].seeds if self.windows else ()

    def best(self, metric: str) -> WindowStats:
        return min(self.windows, key=lambda w: w[metric].mean)


def seeds_from(first: int, count: int) -> list[int]:
    if not 1 <= count <= MAX_SEEDS:
        raise InputError(f"day seeds: count must be 1..{MAX_SEEDS}, got {count}")
    return [first + k for k in range(count)]


def compare_batching_seeds(
    graph: RouteGraph,
    trucks: Iterable[Truck],
    loads: Iterable[Load],
    windows: Sequence[float],
    seeds: Sequence[int],
    settings: DaySettings | None = None,
    *,
    matcher: Matcher | None = None,
    progress: Progress | None = None,
) -> SeedComparison:
    """Every window on every seed (windows x seeds simulated days; Cancel stops between
    and inside them). Same inputs, same numbers."""
    if not seeds:
        raise InputError("day seeds: at least one seed is needed")
    base = settings or DaySettings()
    truck_list, load_list = list(trucks), list(loads)
    total = len(windows) * len(seeds)
    stats: list[WindowStats] = []
    days: list[DayResult] = []
    for w_index, window in enumerate(windows):
        kpis: list[DayKpis] = []
        for s_index, seed in enumerate(seeds):
            step = w_index * len(seeds) + s_index
            label = f"batching {window:g} min, seed {seed}"
            sub = _part(progress, step, total, label)
            s = dataclasses.replace(base, batch_minutes=float(window), seed=seed)
            day = simulate_day(graph, truck_list, load_list, s, matcher=matcher, progress=sub)
            kpis.append(day.kpis)
            if s_index == 0:
                days.append(day)
        estimates = {m: interval([read(k) for k in kpis]) for m, (read, _t) in METRICS.items()}
        stats.append(WindowStats(float(window), tuple(seeds), tuple(kpis), estimates))
    check(progress, 1.0, "done")
    return SeedComparison(stats, days)


def _part(parent: Progress | None, i: int, n: int, label: str) -> Progress | None:
    if parent is None:
        return None
    return Progress(lambda f, msg: parent.update((i + f) / n, f"{label}: {msg}"))


__all__ = [
    "MAX_SEEDS",
    "METRICS",
    "SeedComparison",
    "WindowStats",
    "compare_batching_seeds",
    "interval",
    "seeds_from",
]
