"""Runs around the engine: progress and cancel, time series, replications, sweeps (CRN)."""

from __future__ import annotations

import pytest
from test_engine_designs import design, mm1, poisson, service

from freightlab.progress import Cancelled, Progress
from simulation import compare, replicate, simulate, sweep
from simulation.replications import confidence_interval


def test_progress_reported_and_cancel_stops() -> None:
    seen: list[float] = []
    simulate(mm1(duration=1000, warmup=200), progress=Progress(lambda f, _m: seen.append(f)))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert seen == sorted(seen) and len(seen) > 50
    assert any(0 < f < 0.2 for f in seen)  # also during the warm-up

    p = Progress()

    def report(f: float, _m: str) -> None:
        if f > 0.3:
            p.cancel()

    p = Progress(report)
    with pytest.raises(Cancelled):
        simulate(mm1(duration=1000), progress=p)


def test_timeseries_agrees_with_totals() -> None:
    r = simulate(mm1(rate=3.0, mean_ms=250.0, duration=1200, warmup=200))
    ts = r.timeseries
    n = len(ts.time_s)
    assert n == 1000 and ts.bucket_s == 1.0
    thr = sum(ts.throughput_rps["req"]) / n
    assert thr == pytest.approx(r.classes["req"].throughput_rps, rel=0.02)
    q = sum(ts.queue_len["s"]) / n
    assert q == pytest.approx(r.components["s"].mean_queue_len, rel=1e-6)
    u = sum(ts.utilization["s"]) / n
    assert u == pytest.approx(r.components["s"].utilization, rel=1e-6)
    p99 = [x for x in ts.latency_p99_ms["req"] if x is not None]
    assert p99 and max(p99) <= r.classes["req"].latency_ms.max + 1e-9


def test_long_runs_widen_buckets_to_bound_memory() -> None:
    r = simulate(mm1(rate=0.2, mean_ms=100.0, duration=30000, warmup=0))
    assert r.timeseries.bucket_s == 5.0
    assert len(r.timeseries.time_s) == 6000


def test_confidence_interval() -> None:
    est = confidence_interval([1.0, 2.0, 3.0, 4.0])
    assert est.mean == 2.5
    # t(0.975, 3) = 3.182; s = 1.291; half = 3.182 * 1.291 / 2
    assert est.half_width == pytest.approx(2.054, abs=0.01)
    assert est.low < 2.5 < est.high


def test_replications_in_parallel_processes() -> None:
    d = mm1(rate=0.5, mean_ms=1000.0, duration=3000, warmup=200)
    rep = replicate(d, 4, processes=2)
    assert rep.seeds == [1, 2, 3, 4]
    assert len({r.classes["req"].latency_ms.mean for r in rep.runs}) == 4
    # The same seeds in this process give the same runs: workers are deterministic.
    assert rep.runs[1].to_json() == simulate(d, seed=2).to_json()
    lat = rep.classes["req"].latency_mean_ms
    assert lat.n == 4 and lat.low < lat.mean < lat.high
    assert rep.components["s"].utilization.mean == pytest.approx(0.5, abs=0.05)
    assert rep.classes["req"].latency_p99_ms.half_width > 0
    assert rep.verdict == "stable" and rep.bottleneck == "s"


def test_sweep_finds_knee_and_capacity() -> None:
    d = design(service("s", 100, workers=2), poisson("s", 1.0), duration=600, warmup=50)
    s = sweep(d, [15.0, 5.0, 25.0, 10.0])
    assert s.rates == [5.0, 10.0, 15.0, 25.0]
    assert s.knee_rps == 25.0  # 2 workers x 10/s = 20/s capacity
    assert s.last_healthy_rps == 15.0
    assert s.capacity_estimate_rps == pytest.approx(20.0, rel=0.1)
    assert s.points[-1].result.verdict == "unstable"


def test_compare_uses_common_random_numbers() -> None:
    a = design(service("s", 100, workers=2), poisson("s", 1.0), duration=400, warmup=50)
    b = design(service("s", 100, workers=2), poisson("s", 1.0), duration=400, warmup=50)
    b = b.model_copy(update={"name": "b"})
    c = compare([a, b], [5.0, 10.0])
    ra, rb = (s.points[1].result for s in c.sweeps)
    # Same arrivals and service draws: identical apart from the name.
    assert ra.classes["req"] == rb.classes["req"]
    faster = design(service("s", 50, workers=2), poisson("s", 1.0), duration=400, warmup=50)
    c2 = compare([a, faster.model_copy(update={"name": "fast"})], [5.0, 10.0, 30.0])
    assert c2.best_design == "fast"
    assert c2.sweeps[0].points[0].result.classes["req"].offered == (
        c2.sweeps[1].points[0].result.classes["req"].offered
    )


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in __import__("designs.loader").loader.catalog_paths()),
)
def test_catalog_designs_run_with_consistent_books(name: str) -> None:
    from designs.loader import catalog_paths, load_design

    path = next(p for p in catalog_paths() if p.name == name)
    r = simulate(load_design(path), duration_s=400)
    assert r.verdict in ("stable", "unstable")
    assert r.bottleneck in r.components and r.bottleneck_explanation
    for c in r.classes.values():
        ended = c.completed + c.rejected + c.dropped + c.timed_out + c.failed
        assert c.offered == ended + c.in_flight
        lat = c.latency_ms
        assert lat.p50 <= lat.p95 <= lat.p99 <= lat.max * (1 + 1e-9)
    for s in r.components.values():
        assert 0.0 <= s.utilization <= 1.0
        assert s.mean_queue_len >= 0 and s.mean_wait_ms >= 0
    if name == "database_direct.toml":
        assert r.verdict == "unstable"
    else:
        assert r.verdict == "stable", name
