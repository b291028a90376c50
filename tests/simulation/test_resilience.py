"""Failures, retries, breakers, autoscaling, dead letters and cost: closed forms on long
runs, the mechanisms' behaviour, and determinism under a seed."""

from __future__ import annotations

import random

import pytest

from designs.loader import loads_design
from designs.resilience import CircuitBreaker, Retry
from simulation.flow import flow
from simulation.resilience import JITTERS, Breaker, RetryPolicy
from simulation.runner import simulate

CALLER = """
name = "retry algebra"
[workload]
duration_s = DURATION
warmup_s = 50
seed = 4
[[workload.classes]]
name = "req"
entry = "api"
arrival = { process = "poisson", rate_rps = RATE }
[[components]]
name = "api"
kind = "service"
workers = 64
service_ms = { dist = "deterministic", mean = 1.0 }
calls = ["dep"]
API_EXTRA
[[components]]
name = "dep"
kind = "service"
workers = 16
service_ms = { dist = "exponential", mean = 10.0 }
DEP_EXTRA
"""


def _caller(
    api: str = "", dep: str = "", rate: float = 100.0, duration: float = 2050.0, tail: str = ""
) -> str:
    return (
        CALLER.replace("API_EXTRA", api)
        .replace("DEP_EXTRA", dep)
        .replace("RATE", str(rate))
        .replace("DURATION", str(duration))
        + tail
    )


@pytest.mark.parametrize(("p", "n"), [(0.3, 3), (0.5, 2)])
def test_retries_multiply_visits_and_fail_p_to_the_n(p: float, n: int) -> None:
    text = _caller(api=f"retry = {{ attempts = {n}, backoff_ms = 5.0 }}", dep=f"fail_ratio = {p}")
    d = loads_design(text)
    r = simulate(d)
    visits = sum(p**i for i in range(n))  # 1 + p + ... + p^(n-1)
    dep = r.components["dep"]
    assert dep.visits == pytest.approx(visits, rel=0.01)
    assert dep.arrivals == pytest.approx(visits * r.classes["req"].offered, rel=0.01)
    cls = r.classes["req"]
    offered = cls.offered
    sigma = (offered * p**n * (1 - p**n)) ** 0.5
    assert abs(cls.failed - offered * p**n) < 4 * sigma + 5, (cls.failed, offered * p**n)
    assert cls.success_ratio == pytest.approx(cls.completed / offered)
    api = r.components["api"]
    assert api.retries == pytest.approx(dep.arrivals - api.arrivals, rel=0.01)
    # theory's flow says the same, exactly
    f = flow(d)
    assert f.components["dep"].visits == pytest.approx(visits)
    assert f.classes["req"].failed_fraction == pytest.approx(p**n)
    assert f.components["dep"].utilization == pytest.approx(100.0 * visits * 0.010 / 16)
    assert dep.utilization == pytest.approx(f.components["dep"].utilization, rel=0.05)


def test_without_retry_a_failed_visit_fails_its_request() -> None:
    r = simulate(loads_design(_caller(dep="fail_ratio = 0.2", duration=650.0)))
    cls = r.classes["req"]
    assert cls.failed / cls.offered == pytest.approx(0.2, abs=0.015)
    assert r.components["dep"].failed == pytest.approx(0.2 * r.components["dep"].arrivals, rel=0.1)


def test_dead_letters_follow_the_redelivery_algebra() -> None:
    text = """
name = "dlq"
[workload]
duration_s = 2000
warmup_s = 50
seed = 2
[[workload.classes]]
name = "m"
entry = "bus"
arrival = { process = "poisson", rate_rps = 50.0 }
[[components]]
name = "bus"
kind = "queue"
partitions = 8
consumers = "worker"
max_deliveries = 3
dead_letter = "dlq"
[[components]]
name = "worker"
kind = "service"
replicas = 8
workers = 1
service_ms = { dist = "exponential", mean = 5.0 }
fail_ratio = 0.4
[[components]]
name = "dlq"
kind = "queue"
consumers = "ops"
[[components]]
name = "ops"
kind = "service"
workers = 4
service_ms = { dist = "deterministic", mean = 1.0 }
"""
    d = loads_design(text)
    r = simulate(d)
    q, n = 0.4, 3
    published = r.components["bus"].arrivals
    assert r.components["worker"].visits == pytest.approx(1 + q + q * q, rel=0.02)
    assert r.components["bus"].dead_lettered == pytest.approx(published * q**n, rel=0.08)
    assert r.components["ops"].arrivals == pytest.approx(published * q**n, rel=0.08)
    assert r.classes["m"].e2e_failed == pytest.approx(published * q**n, rel=0.08)
    assert flow(d).classes["m"].dead_lettered_fraction == pytest.approx(q**n)


BREAKER = (
    "circuit_breaker = { failure_ratio = 0.5, window_s = 5.0, open_s = 3.0, half_open_probes = 2 }"
)
CRASH = '[[faults]]\ncomponent = "dep"\nkind = "crash"\nat_s = 200.0\nduration_s = 60.0\n'


def test_breaker_opens_under_a_failing_dependency_and_closes_after() -> None:
    r = simulate(loads_design(_caller(api=BREAKER, rate=50.0, duration=500.0, tail=CRASH)))
    b = r.breakers["api->dep"]
    assert b.trips >= 2  # it opened, probed a dead dependency, opened again
    first = b.open_spans[0]
    # opens once half the calls of the last 5 s failed: about 2.5 s into the crash
    assert 201.5 <= first[0] <= 203.5
    last = b.open_spans[-1]
    assert last[1] <= 260.0 + 3.0 + 1.0  # closed within one open period of the recovery
    assert b.open_s > 45.0  # open most of the minute the dependency was down
    api = r.components["api"]
    assert api.short_circuited > 0 and r.components["dep"].failed > 0
    ts = r.timeseries
    after = [i for i, t in enumerate(ts.time_s) if t > 270.0]
    assert sum(ts.failed_rps["req"][i] for i in after) == 0.0  # healthy again
    assert all(ts.breaker_open["api->dep"][i] == 0.0 for i in after)
    during = [i for i, t in enumerate(ts.time_s) if 205.0 < t < 255.0]
    assert sum(ts.breaker_open["api->dep"][i] for i in during) / len(during) > 0.7


def test_crash_loses_in_flight_work_and_callers_see_failures() -> None:
    text = _caller(rate=50.0, duration=400.0, tail=CRASH)
    r = simulate(loads_design(text))
    cls = r.classes["req"]
    # about 60 s x 50 requests/s refused or lost, nothing else
    assert 2700 < cls.failed < 3300, cls.failed
    assert r.components["dep"].failed == cls.failed
    ts = r.timeseries
    assert all(ts.failed_rps["req"][i] == 0 for i, t in enumerate(ts.time_s) if t > 262.0)


def test_cache_flush_sends_a_burst_of_misses_to_the_database() -> None:
    text = """
name = "flush"
[workload]
duration_s = 600
warmup_s = 100
seed = 1
[[workload.classes]]
name = "read"
entry = "cache"
arrival = { process = "poisson", rate_rps = 200.0 }
keys = { dist = "zipf", count = 2000, s = 1.1 }
[[components]]
name = "cache"
kind = "cache"
capacity = 1000
on_miss = "db"
service_ms = { dist = "deterministic", mean = 0.5 }
[[components]]
name = "db"
kind = "database"
pool_size = 20
service_ms = { dist = "exponential", mean = 5.0 }
"""
    base = simulate(loads_design(text))
    flushed = simulate(
        loads_design(text + '[[faults]]\ncomponent = "cache"\nkind = "cache_flush"\nat_s = 300\n')
    )
    assert flushed.components["db"].arrivals > base.components["db"].arrivals + 200
    assert flushed.components["cache"].hit_ratio < base.components["cache"].hit_ratio
    ts, tb = flushed.timeseries, base.timeseries
    i = next(i for i, t in enumerate(ts.time_s) if t > 300.0)
    assert ts.utilization["db"][i] > 2 * tb.utilization["db"][i]


AUTOSCALED = """
name = "autoscaled"
[workload]
duration_s = 3000
warmup_s = 600
seed = 9
[[workload.classes]]
name = "req"
entry = "svc"
arrival = { process = "poisson", rate_rps = 100.0 }
[[components]]
name = "svc"
kind = "service"
workers = 4
service_ms = { dist = "exponential", mean = 100.0 }
autoscale = { min = 1, max = 20, target_utilization = 0.5, interval_s = 30.0, warmup_s = 30.0 }
cost_per_hour = 0.25
"""


def test_autoscaling_lands_near_offered_work_over_target_and_cost_follows() -> None:
    r = simulate(loads_design(AUTOSCALED))
    svc = r.components["svc"]
    # offered work: 100/s x 0.1 s = 10 busy workers = 2.5 replicas; at 50% busy: 5 replicas
    assert 4.6 <= svc.replicas_mean <= 6.2, svc.replicas_mean
    assert 0.4 <= svc.utilization <= 0.56, svc.utilization
    assert svc.autoscaled and svc.replicas == 20
    assert svc.cost_per_hour == pytest.approx(0.25 * svc.replicas_mean)
    assert r.cost_per_hour == pytest.approx(svc.cost_per_hour)
    assert r.classes["req"].completed == pytest.approx(r.classes["req"].offered, rel=0.001)
    series = r.timeseries.replicas["svc"]
    assert len(series) == len(r.timeseries.time_s) and min(series) >= 1.0


def test_autoscaling_starts_small_and_grows_after_warmup_delay() -> None:
    text = AUTOSCALED.replace("warmup_s = 600", "warmup_s = 0").replace(
        "duration_s = 3000", "duration_s = 400"
    )
    r = simulate(loads_design(text))
    series = r.timeseries.replicas["svc"]
    assert series[0] == 1.0  # one replica until the first decision at 30 s
    assert max(series) >= 4.0


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    text = _caller(
        api=BREAKER
        + '\nretry = { attempts = 3, backoff_ms = 20.0, multiplier = 2.0, jitter = "full" }',
        dep="fail_ratio = 0.3",
        rate=40.0,
        duration=300.0,
        tail=CRASH.replace("200.0", "100.0"),
    )
    d = loads_design(text)
    a, b = simulate(d).to_json(), simulate(d).to_json()
    assert a == b
    c = simulate(d, seed=5).to_json()
    assert c["classes"] != a["classes"]


@pytest.mark.parametrize("jitter", sorted(JITTERS))
def test_jitter_schemes_stay_within_the_backoff(jitter: str) -> None:
    policy = RetryPolicy(
        Retry(attempts=5, backoff_ms=100.0, multiplier=2.0, jitter=jitter),
        random.Random(3),  # type: ignore[arg-type]
    )
    for k in (1, 2, 3):
        base = 0.1 * 2 ** (k - 1)
        waits = [policy.wait_s(k) for _ in range(2000)]
        low = {"none": base, "full": 0.0, "equal": base / 2}[jitter]
        assert min(waits) >= low - 1e-12 and max(waits) <= base + 1e-12
        mean = sum(waits) / len(waits)
        expected = {"none": base, "full": base / 2, "equal": 0.75 * base}[jitter]
        assert mean == pytest.approx(expected, rel=0.05)


def test_breaker_state_machine() -> None:
    b = Breaker(
        "a->b",
        CircuitBreaker(
            failure_ratio=0.5, window_s=10.0, open_s=5.0, half_open_probes=2, min_calls=4
        ),
    )
    for t in range(3):
        b.record(float(t), False)
    assert b.allow(3.0)  # three calls are below min_calls
    b.record(3.0, True)  # 3 of 4 failed: opens
    assert not b.allow(4.0) and b.trips == 1
    assert b.allow(8.1) and b.allow(8.2) and not b.allow(8.3)  # two probes only
    b.record(8.5, True)
    b.record(8.6, True)
    assert b.allow(9.0) and b.state == 0  # closed again
    assert b.open_time(0.0, 20.0) == pytest.approx(8.1 - 3.0)


def test_flow_follows_failures_through_hand_offs_and_cache_misses() -> None:
    text = """
name = "chain"
[workload]
duration_s = 1500
warmup_s = 50
seed = 8
[[workload.classes]]
name = "r"
entry = "front"
arrival = { process = "poisson", rate_rps = 60.0 }
keys = { count = 100 }
[[components]]
name = "front"
kind = "service"
workers = 8
service_ms = { dist = "exponential", mean = 5.0 }
fail_ratio = 0.1
then = "cache"
[[components]]
name = "cache"
kind = "cache"
hit_ratio = 0.7
on_miss = "db"
[[components]]
name = "db"
kind = "database"
pool_size = 8
service_ms = { dist = "exponential", mean = 5.0 }
fail_ratio = 0.2
"""
    d = loads_design(text)
    f = flow(d)
    assert f.components["cache"].visits == pytest.approx(0.9)
    assert f.components["db"].visits == pytest.approx(0.9 * 0.3)
    expected_failed = 0.1 + 0.9 * 0.3 * 0.2
    assert f.classes["r"].failed_fraction == pytest.approx(expected_failed)
    r = simulate(d)
    cls = r.classes["r"]
    assert r.components["db"].visits == pytest.approx(0.27, rel=0.03)
    assert cls.failed / cls.offered == pytest.approx(expected_failed, rel=0.04)


@pytest.mark.parametrize(("lam", "mu", "c"), [(2.7, 1.0, 3), (10.0, 4.0, 4), (1.0, 2.0, 1)])
def test_advice_p99_matches_the_theory_module(lam: float, mu: float, c: int) -> None:
    from simulation.bottleneck import mmc_p99_s
    from simulation.theory.queues import mmc

    assert mmc_p99_s(lam, mu, c) == pytest.approx(mmc(lam, mu, c).response_percentile(0.99))
    assert mmc_p99_s(c * mu, mu, c) is None


def test_worker_budget_counts_the_autoscale_max() -> None:
    from simulation.scorecard import worker_count

    assert worker_count(loads_design(AUTOSCALED)) == 4 * 20
