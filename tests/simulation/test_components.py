"""Building blocks: strategies, cache policies, arrival processes, distributions."""

from __future__ import annotations

import random

import numpy as np
import pytest

from designs.schema import Arrival, Distribution, Keys
from simulation.arrivals import arrival_times
from simulation.caches import LFU, LRU, TTL
from simulation.distributions import key_sampler, sampler, stream, zipf_probabilities
from simulation.strategies import ConsistentHash, LeastConnections, PowerOfTwo, RoundRobin


def test_round_robin_cycles() -> None:
    rr = RoundRobin(3)
    assert [rr.pick(None, i) for i in range(7)] == [0, 1, 2, 0, 1, 2, 0]


def test_least_connections_picks_min_and_rotates_ties() -> None:
    loads = [3, 0, 5]
    lc = LeastConnections(3, lambda i: loads[i])
    assert {lc.pick(None, i) for i in range(6)} == {1}
    idle = LeastConnections(3, lambda i: 0)
    assert sorted(idle.pick(None, i) for i in range(3)) == [0, 1, 2]


def test_power_of_two_prefers_less_loaded_of_two() -> None:
    loads = [0, 5, 5]
    p2 = PowerOfTwo(3, lambda i: loads[i], random.Random(1))
    picks = [p2.pick(None, i) for i in range(3000)]
    # Replica 0 wins whenever it is one of the two candidates: 2/3 of the time.
    assert picks.count(0) / len(picks) == pytest.approx(2 / 3, abs=0.03)
    two = PowerOfTwo(2, lambda i: [9, 1][i], random.Random(2))
    assert {two.pick(None, i) for i in range(50)} == {1}


def test_consistent_hash_sticky_and_moves_few_keys() -> None:
    ring4 = ConsistentHash([f"r{i}" for i in range(4)])
    ring5 = ConsistentHash([f"r{i}" for i in range(5)])
    keys = range(4000)
    a = [ring4.pick(k, 0) for k in keys]
    assert a == [ring4.pick(k, 99) for k in keys]  # sticky
    assert set(a) == {0, 1, 2, 3}
    moved = sum(1 for k in keys if ring5.pick(k, 0) != a[k])
    assert 0.1 < moved / len(keys) < 0.35  # about 1/5 move to the new replica


def test_lru_evicts_least_recent() -> None:
    c = LRU(2)
    assert [c.lookup(k, 0) for k in (1, 2, 1, 3, 2, 1)] == [False, False, True, False, False, False]


def test_lfu_keeps_frequent() -> None:
    c = LFU(2)
    for k in (1, 1, 1, 2):
        c.lookup(k, 0)
    assert c.lookup(3, 0) is False  # evicts 2 (freq 1), keeps 1 (freq 3)
    assert c.lookup(1, 0) is True
    assert c.lookup(2, 0) is False


def test_ttl_expires() -> None:
    c = TTL(10, ttl_s=5.0)
    assert c.lookup(1, 0.0) is False
    assert c.lookup(1, 4.0) is True
    assert c.lookup(1, 5.5) is False
    assert c.lookup(1, 6.0) is True


def _rate(arrival: Arrival, horizon: float) -> float:
    n = 0
    for t in arrival_times(arrival, stream(3, "arrival", "x")):
        if t > horizon:
            break
        n += 1
    return n / horizon


def test_arrival_processes_have_their_mean_rates() -> None:
    poisson = Arrival(process="poisson", rate_rps=20.0)
    assert _rate(poisson, 5000) == pytest.approx(20.0, rel=0.02)
    bursty = Arrival(
        process="bursty",
        rate_rps=5.0,
        burst_rate_rps=50.0,
        burst_every_s=60.0,
        burst_duration_s=10.0,
    )
    assert bursty.mean_rate() == pytest.approx((5 * 60 + 50 * 10) / 70)
    assert _rate(bursty, 50000) == pytest.approx(bursty.mean_rate(), rel=0.05)
    diurnal = Arrival(process="diurnal", rate_rps=10.0, amplitude=0.8, period_s=100.0)
    assert _rate(diurnal, 10000) == pytest.approx(10.0, rel=0.03)
    trace = Arrival(process="trace", times_s=[0.5, 1.0, 1.0, 7.0])
    assert list(arrival_times(trace, stream(1, "arrival", "x"))) == [0.5, 1.0, 1.0, 7.0]


def test_diurnal_rate_follows_the_sine() -> None:
    a = Arrival(process="diurnal", rate_rps=10.0, amplitude=1.0, period_s=100.0)
    times = np.array(list(_take(arrival_times(a, stream(1, "arrival", "d")), 100000)))
    phase = times % 100.0
    peak = np.sum((phase > 15) & (phase < 35))
    trough = np.sum((phase > 65) & (phase < 85))
    assert peak > 5 * trough


def _take(it, n):  # type: ignore[no-untyped-def]
    for i, x in enumerate(it):
        if i >= n:
            return
        yield x


def test_scaled_arrivals_reuse_random_numbers() -> None:
    a = Arrival(process="poisson", rate_rps=2.0)
    t1 = list(_take(arrival_times(a, stream(1, "arrival", "c")), 50))
    t2 = list(_take(arrival_times(a.scaled(2.0), stream(1, "arrival", "c")), 50))
    assert t2 == pytest.approx([t / 2 for t in t1])


@pytest.mark.parametrize(
    "dist",
    [
        Distribution(dist="exponential", mean=10.0),
        Distribution(dist="deterministic", mean=10.0),
        Distribution(dist="uniform", low=5.0, high=15.0),
        Distribution(dist="lognormal", mean=10.0, cv=1.5),
        Distribution(dist="gamma", mean=10.0, cv=0.5),
        Distribution(dist="erlang", mean=10.0, k=4),
        Distribution(dist="empirical", samples=[2.0, 8.0, 20.0]),
    ],
    ids=lambda d: d.dist,
)
def test_samplers_match_declared_moments(dist: Distribution) -> None:
    draw = sampler(dist, stream(1, "service", dist.dist), scale=1.0)
    x = np.array([draw() for _ in range(200_000)])
    assert x.mean() == pytest.approx(dist.mean_value(), rel=0.02)
    assert x.var() == pytest.approx(dist.variance(), rel=0.1, abs=1e-9)
    assert (x >= 0).all()


def test_zipf_keys_follow_their_probabilities() -> None:
    keys = Keys(dist="zipf", count=50, s=1.0)
    draw = key_sampler(keys, stream(1, "keys", "k"))
    x = np.array([draw() for _ in range(100_000)])
    freq = np.bincount(x, minlength=50) / len(x)
    p = zipf_probabilities(keys)
    assert freq[0] == pytest.approx(p[0], rel=0.03)
    assert freq[9] == pytest.approx(p[9], rel=0.1)
    assert x.min() >= 0 and x.max() < 50
