"""The batching trade-off of a matcher, at the system level and beside the day's quality.

A compare over ``--vary MATCHER.batch_window_ms=...`` gives, per window and rate, the
bulk-service side: bigger batches, fewer and longer solves, higher latency, more requests
per second of solver time. Beside it, the day simulation (dispatcher.operations) runs the
same board with its matcher every window (the window in minutes) and measures the matching
quality that batching buys: deadhead %, on-time pickups and the wait to be matched. This is
the Dispatch desk's batching chart, now with the backend's cost in the same table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from freightlab.progress import Progress
from simulation.results import Comparison


@dataclass(frozen=True)
class WindowPoint:
    window_ms: float
    rate_rps: float
    verdict: str
    mean_batch: float
    solves_per_s: float
    mean_solve_ms: float
    latency_mean_ms: float
    latency_p99_ms: float
    per_worker_rps: float  # requests per second of solver time
    utilization: float


@dataclass(frozen=True)
class DayQuality:
    window_ms: float
    deadhead_pct: float
    on_time_pickup_pct: float
    wait_to_match_min: float


def window_points(
    comparison: Comparison, component: str, windows_ms: Sequence[float]
) -> list[WindowPoint]:
    """One point per (window, rate) of a compare whose designs are the window variants."""
    points = []
    for window, sweep in zip(windows_ms, comparison.sweeps, strict=True):
        for p in sweep.points:
            r = p.result
            c = r.components[component]
            lat = [x.latency_ms for x in r.classes.values()]
            span = max(r.duration_s - r.warmup_s, 1e-9)
            points.append(
                WindowPoint(
                    window_ms=float(window),
                    rate_rps=p.rate_rps,
                    verdict=r.verdict,
                    mean_batch=c.mean_batch_size or 0.0,
                    solves_per_s=(c.batches or 0) / span,
                    mean_solve_ms=c.mean_solve_ms or 0.0,
                    latency_mean_ms=max((x.mean for x in lat), default=0.0),
                    latency_p99_ms=max((x.p99 for x in lat), default=0.0),
                    per_worker_rps=c.per_worker_rps or 0.0,
                    utilization=c.utilization,
                )
            )
    return points


def day_quality(
    windows_ms: Sequence[float], *, seed: int = 1, progress: Progress | None = None
) -> list[DayQuality]:
    """The sample India board's day at each window (ms -> the day's batching minutes)."""
    from dispatcher.fleet import read_fleet
    from dispatcher.operations import DaySettings, compare_batching
    from dispatcher.routes import RouteGraph
    from freightlab.resources import asset_path, default_map_path

    graph = RouteGraph.load(default_map_path())
    fleet = read_fleet(
        asset_path("samples", "india_trucks.csv"), asset_path("samples", "india_loads.csv"), graph
    )
    minutes = [w / 60_000.0 for w in windows_ms]
    days = compare_batching(
        graph, fleet.trucks, fleet.loads, minutes, DaySettings(seed=seed), progress=progress
    )
    return [
        DayQuality(
            window_ms=float(w),
            deadhead_pct=d.kpis.deadhead_pct,
            on_time_pickup_pct=d.kpis.on_time_pickup_pct,
            wait_to_match_min=d.kpis.avg_wait_to_match_min,
        )
        for w, d in zip(windows_ms, days, strict=True)
    ]


def to_json(points: list[WindowPoint], quality: list[DayQuality]) -> dict[str, Any]:
    return {
        "system": [asdict(p) for p in points],
        "day": [asdict(q) for q in quality],
    }


def format_tradeoff(points: list[WindowPoint], quality: list[DayQuality]) -> str:
    by_window = {q.window_ms: q for q in quality}
    lines = [
        "batching trade-off (system: this design; day: the sample India board, same window)",
        f"{'window':>10}{'rate/s':>8}{'batch':>9}{'solves/h':>10}{'solve ms':>10}"
        f"{'mean s':>9}{'p99 s':>9}{'req/s/solver':>14}{'util':>7}  {'day: deadhead %':>15}"
        f"{'on time %':>10}{'wait min':>9}",
    ]
    for p in points:
        q = by_window.get(p.window_ms)
        day = (
            f"{q.deadhead_pct:>15.1f}{q.on_time_pickup_pct:>10.1f}{q.wait_to_match_min:>9.1f}"
            if q
            else ""
        )
        flag = "" if p.verdict == "stable" else f"  {p.verdict}"
        lines.append(
            f"{_window(p.window_ms):>10}{p.rate_rps:>8g}{p.mean_batch:>9.1f}"
            f"{3600 * p.solves_per_s:>10.0f}{p.mean_solve_ms:>10.1f}"
            f"{p.latency_mean_ms / 1000:>9.2f}{p.latency_p99_ms / 1000:>9.2f}"
            f"{p.per_worker_rps:>14.0f}{p.utilization:>7.1%}  {day}{flag}"
        )
    return "\n".join(lines)


def _window(ms: float) -> str:
    if ms >= 60_000:
        return f"{ms / 60_000:g} min"
    if ms >= 1000:
        return f"{ms / 1000:g} s"
    return f"{ms:g} ms"
