"""The closed forms against textbook tables and hand-computed cases (no simulation engine)."""

from __future__ import annotations

import json
import math
import random
from collections import OrderedDict

import numpy as np
import pytest
from scipy import integrate

from designs.loader import dump_design, loads_design
from designs.schema import Design
from simulation.analytic import (
    Prediction,
    coverage_gaps,
    predict,
    predict_or_explain,
)
from simulation.results import ClassStats, ComponentStats, LatencyStats, SimResult, Timeseries
from simulation.theory import (
    ClassFlow,
    ServiceMoments,
    Station,
    StationDemand,
    bottleneck_bound,
    che_characteristic_time,
    erlang_b,
    erlang_c,
    fifo_hit_ratio,
    gi_g_c_approx,
    gi_m1,
    lfu_hit_ratio,
    lru_hit_ratio,
    mg1,
    mgc,
    mmc,
    round_robin_m1,
    round_robin_mc,
    solve_jackson,
    ttl_hit_ratio,
    visit_counts,
    zipf_popularity,
)
from simulation.theory_check import compare_to_theory

# --- Erlang B / C ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("servers", "load", "expected"),
    [
        # Erlang B table values (e.g. any teletraffic handbook), 4 significant digits.
        (1, 1.0, 0.5),
        (5, 3.0, 0.1101),
        (10, 8.0, 0.1217),
        (10, 5.0, 0.01838),
        (20, 15.0, 0.04562),
    ],
)
def test_erlang_b_matches_tables(servers: int, load: float, expected: float) -> None:
    assert erlang_b(servers, load) == pytest.approx(expected, rel=2e-3)


def test_erlang_b_matches_factorial_formula() -> None:
    for c in (1, 2, 7, 15):
        for a in (0.3, 2.0, 9.5):
            num = a**c / math.factorial(c)
            den = sum(a**k / math.factorial(k) for k in range(c + 1))
            assert erlang_b(c, a) == pytest.approx(num / den, rel=1e-12)


@pytest.mark.parametrize(
    ("servers", "load", "expected"),
    [
        (1, 0.7, 0.7),  # M/M/1: P(wait) = rho
        (2, 1.0, 1.0 / 3.0),  # hand: C = a^2/2 / ((1-rho)(1+a) + a^2/2) = 0.5/1.5
        (10, 8.0, 0.4092),
        (3, 2.7, 0.8171),
    ],
)
def test_erlang_c_matches_tables(servers: int, load: float, expected: float) -> None:
    assert erlang_c(servers, load) == pytest.approx(expected, rel=1e-3)


def test_erlang_c_is_stable_for_hundreds_of_servers() -> None:
    c = erlang_c(500, 490.0)
    assert 0.0 < c < 1.0 and math.isfinite(c)
    # Halfin-Whitt: with beta = (1-rho) sqrt(c), C -> [1 + beta Phi(beta)/phi(beta)]^-1.
    from scipy.stats import norm

    beta = (1 - 490 / 500) * math.sqrt(500)
    hw = 1.0 / (1.0 + beta * norm.cdf(beta) / norm.pdf(beta))
    assert c == pytest.approx(hw, rel=0.05)
    assert erlang_c(800, 900.0) == 1.0  # unstable: everyone waits


# --- M/M/c ------------------------------------------------------------------------------


def test_mm1_closed_forms() -> None:
    q = mmc(0.8, 1.0, 1)
    assert q.utilization == pytest.approx(0.8)
    assert q.mean_response == pytest.approx(1 / (1.0 - 0.8))
    assert q.mean_wait == pytest.approx(0.8 / (1.0 - 0.8))
    assert q.mean_queue_len == pytest.approx(0.8**2 / 0.2)
    assert q.mean_in_system == pytest.approx(0.8 / 0.2)
    # M/M/1 response is Exp(mu - lambda): p99 = ln(100) / 0.2.
    assert q.response_percentile(0.99) == pytest.approx(math.log(100) / 0.2, rel=1e-9)
    assert q.response_tail(3.0) == pytest.approx(math.exp(-0.2 * 3.0), rel=1e-12)


def test_mm3_lambda_2_7() -> None:
    q = mmc(2.7, 1.0, 3)
    assert q.utilization == pytest.approx(0.9)
    assert q.p_wait == pytest.approx(0.81706, rel=1e-4)
    assert q.mean_queue_len == pytest.approx(7.3535, rel=1e-4)
    assert q.mean_wait == pytest.approx(7.3535 / 2.7, rel=1e-4)
    assert q.mean_response == pytest.approx(q.mean_wait + 1.0)
    assert q.mean_in_system == pytest.approx(2.7 * q.mean_response)  # Little


@pytest.mark.parametrize(("lam", "mu", "c"), [(2.7, 1.0, 3), (0.5, 1.0, 1), (9.0, 1.0, 10)])
def test_mmc_tails_integrate_to_means(lam: float, mu: float, c: int) -> None:
    q = mmc(lam, mu, c)
    w_mean, _ = integrate.quad(q.response_tail, 0, math.inf, limit=200)
    wq_mean, _ = integrate.quad(q.wait_tail, 0, math.inf, limit=200)
    assert w_mean == pytest.approx(q.mean_response, rel=1e-6)
    assert wq_mean == pytest.approx(q.mean_wait, rel=1e-6)


def test_mmc_response_tail_when_theta_equals_mu() -> None:
    # c mu - lambda == mu: the hypoexponential degenerates to Erlang-2; no 0/0.
    q = mmc(1.0, 1.0, 2)
    c = q.p_wait
    t = 1.7
    expected = (1 - c) * math.exp(-t) + c * math.exp(-t) * (1 + t)
    assert q.response_tail(t) == pytest.approx(expected, rel=1e-12)


def test_mmc_percentiles_invert_the_tails() -> None:
    q = mmc(2.7, 1.0, 3)
    for p in (0.5, 0.95, 0.99):
        assert q.response_tail(q.response_percentile(p)) == pytest.approx(1 - p, rel=1e-8)
    # The wait is 0 with probability 1 - C = 0.18, so its median is > 0 but p10 is 0.
    assert q.wait_percentile(0.1) == 0.0
    assert q.wait_tail(q.wait_percentile(0.99)) == pytest.approx(0.01, rel=1e-9)


def test_mmc_response_percentile_against_monte_carlo() -> None:
    q = mmc(2.7, 1.0, 3)
    rng = np.random.default_rng(7)
    n = 200_000
    waits = np.where(rng.random(n) < q.p_wait, rng.exponential(1 / (3 - 2.7), n), 0.0)
    resp = waits + rng.exponential(1.0, n)
    assert float(np.quantile(resp, 0.95)) == pytest.approx(q.response_percentile(0.95), rel=0.02)


def test_unstable_station_reports_infinite_waits() -> None:
    q = mmc(3.5, 1.0, 3)
    assert not q.stable
    assert q.utilization == pytest.approx(3.5 / 3)
    assert math.isinf(q.mean_wait) and math.isinf(q.mean_response)
    with pytest.raises(ValueError):
        q.response_percentile(0.99)


def test_idle_station() -> None:
    q = mmc(0.0, 2.0, 4)
    assert q.mean_wait == 0.0 and q.mean_response == pytest.approx(0.5) and q.p_wait == 0.0


# --- M/G/1 and service moments -----------------------------------------------------------


def test_md1_pollaczek_khinchine() -> None:
    q = mg1(0.8, ServiceMoments.deterministic(1.0))
    # M/D/1: Wq = rho / (2 mu (1 - rho)) = half the M/M/1 wait.
    assert q.mean_wait == pytest.approx(0.8 / (2 * 0.2))
    assert q.mean_wait == pytest.approx(mmc(0.8, 1.0, 1).mean_wait / 2)
    assert q.mean_queue_len == pytest.approx(0.8 * q.mean_wait)
    assert not q.has_distribution


def test_mg1_with_exponential_service_is_mm1() -> None:
    a = mg1(0.6, ServiceMoments.exponential(1.0))
    b = mmc(0.6, 1.0, 1)
    assert a.mean_response == pytest.approx(b.mean_response)
    assert a.has_distribution


def test_service_moments_of_each_distribution() -> None:
    assert ServiceMoments.uniform(0.0, 2.0).scv == pytest.approx((4 / 12) / 1.0)
    assert ServiceMoments.uniform(0.0, 2.0).second_moment == pytest.approx(4 / 3)
    assert ServiceMoments.erlang(4, 2.0).scv == pytest.approx(0.25)
    assert ServiceMoments.gamma(0.5, 1.0).scv == pytest.approx(2.0)
    ln = ServiceMoments.lognormal(0.0, 0.5)
    rng = np.random.default_rng(3)
    x = rng.lognormal(0.0, 0.5, 400_000)
    assert ln.mean == pytest.approx(float(x.mean()), rel=5e-3)
    assert ln.scv == pytest.approx(float(x.var() / x.mean() ** 2), rel=3e-2)
    emp = ServiceMoments.empirical([1.0, 3.0])
    assert emp.mean == 2.0 and emp.second_moment == pytest.approx(5.0)
    with pytest.raises(ValueError):
        ServiceMoments(0.0, 1.0)


def test_mgc_is_exact_only_where_theory_is() -> None:
    assert mgc(2.7, ServiceMoments.exponential(1.0), 3).exact
    assert mgc(0.5, ServiceMoments.uniform(0.5, 1.5), 1).exact
    approx = mgc(2.7, ServiceMoments.deterministic(1.0), 3)
    assert not approx.exact
    assert approx.mean_wait == pytest.approx(mmc(2.7, 1.0, 3).mean_wait / 2)


# --- Jackson networks --------------------------------------------------------------------


def test_tandem_of_three_mm1() -> None:
    stations = [
        Station("a", 1, ServiceMoments.exponential(0.5)),
        Station("b", 1, ServiceMoments.exponential(0.8)),
        Station("c", 2, ServiceMoments.exponential(1.5)),
    ]
    routing = {"a": {"b": 1.0}, "b": {"c": 1.0}}
    r = solve_jackson(stations, routing, [ClassFlow("x", 1.0, "a")])
    assert r.exact and r.stable
    assert r.stations["a"].mean_response == pytest.approx(1 / (2 - 1))
    assert r.stations["b"].mean_response == pytest.approx(1 / (1.25 - 1))
    assert r.stations["c"].utilization == pytest.approx(0.75)
    expected = 1.0 + 4.0 + mmc(1.0, 1 / 1.5, 2).mean_response
    assert r.class_response["x"] == pytest.approx(expected)
    assert r.mean_response == pytest.approx(expected)


def test_feedback_loop_visits() -> None:
    # After b, 20% go back to a: visits to a and b are 1 / 0.8 = 1.25.
    v = visit_counts(["a", "b"], {"a": {"b": 1.0}, "b": {"a": 0.2}}, "a")
    assert v["a"] == pytest.approx(1.25) and v["b"] == pytest.approx(1.25)
    with pytest.raises(ValueError):
        visit_counts(["a", "b"], {"a": {"b": 1.0}, "b": {"a": 1.0}}, "a")


def test_even_split_over_replicas_and_two_classes() -> None:
    stations = [
        Station("lb", None, ServiceMoments.deterministic(0.001)),
        Station("r0", 2, ServiceMoments.exponential(1.0)),
        Station("r1", 2, ServiceMoments.exponential(1.0)),
        Station("db", 1, ServiceMoments.exponential(0.1)),
    ]
    routing = {"lb": {"r0": 0.5, "r1": 0.5}, "r0": {"db": 1.0}, "r1": {"db": 1.0}}
    classes = [ClassFlow("a", 2.0, "lb"), ClassFlow("b", 1.0, "r0")]
    r = solve_jackson(stations, routing, classes)
    assert r.stations["r0"].arrival_rate == pytest.approx(2.0)
    assert r.stations["r1"].arrival_rate == pytest.approx(1.0)
    assert r.stations["db"].arrival_rate == pytest.approx(3.0)
    assert r.stations["lb"].mean_response == pytest.approx(0.001)
    a_expected = (
        0.001
        + 0.5 * mmc(2.0, 1.0, 2).mean_response
        + 0.5 * mmc(1.0, 1.0, 2).mean_response
        + mmc(3.0, 10.0, 1).mean_response
    )
    assert r.class_response["a"] == pytest.approx(a_expected)
    assert not r.has_distribution("a")


def test_tandem_response_percentile_is_hypoexponential() -> None:
    stations = [
        Station("a", 1, ServiceMoments.exponential(0.5)),
        Station("b", 1, ServiceMoments.exponential(0.8)),
    ]
    r = solve_jackson(stations, {"a": {"b": 1.0}}, [ClassFlow("x", 1.0, "a")])
    # Sojourns Exp(1) and Exp(0.25): tail = (1*e^{-0.25t} - 0.25*e^{-t}) / 0.75.
    t = 6.0
    expected = (math.exp(-0.25 * t) - 0.25 * math.exp(-t)) / 0.75
    assert r.response_tail("x", t) == pytest.approx(expected, rel=1e-9)
    p99 = r.response_percentile("x", 0.99)
    assert r.response_tail("x", p99) == pytest.approx(0.01, rel=1e-6)


def test_non_exponential_network_is_flagged_approximate() -> None:
    stations = [
        Station("a", 1, ServiceMoments.deterministic(0.5)),
        Station("b", 1, ServiceMoments.exponential(0.5)),
    ]
    r = solve_jackson(stations, {"a": {"b": 1.0}}, [ClassFlow("x", 1.0, "a")])
    assert not r.exact
    single = solve_jackson(stations[:1], {}, [ClassFlow("x", 1.0, "a")])
    assert single.exact  # a lone M/D/1 is exact by P-K


# --- bottleneck bound --------------------------------------------------------------------


def test_bottleneck_bound() -> None:
    b = bottleneck_bound(
        [
            StationDemand("gw", None, 0.002),
            StationDemand("matcher", 3, 1.0),  # 3 req/s
            StationDemand("db", 1, 0.2),  # 5 req/s
        ]
    )
    assert b.bottleneck == "matcher"
    assert b.max_throughput == pytest.approx(3.0)
    assert math.isinf(b.capacities["gw"])
    assert bottleneck_bound([]).bottleneck is None


# --- caches ------------------------------------------------------------------------------


def _simulate_lru(p: np.ndarray, capacity: int, n: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    keys = rng.choice(p.size, size=n, p=p)
    cache: OrderedDict[int, None] = OrderedDict()
    hits = 0
    warm = n // 5
    for i, k in enumerate(keys.tolist()):
        if k in cache:
            cache.move_to_end(k)
            hits += i >= warm
        else:
            cache[k] = None
            if len(cache) > capacity:
                cache.popitem(last=False)
    return hits / (n - warm)


def test_zipf_popularity() -> None:
    p = zipf_popularity(4, 1.0)
    assert p.sum() == pytest.approx(1.0)
    assert p[0] / p[3] == pytest.approx(4.0)
    assert zipf_popularity(5, 0.0) == pytest.approx(np.full(5, 0.2))


def test_che_characteristic_time_fills_the_cache() -> None:
    p = zipf_popularity(1000, 0.8)
    t = che_characteristic_time(p, 100)
    assert float(np.sum(1 - np.exp(-p * t))) == pytest.approx(100, rel=1e-9)
    assert math.isinf(che_characteristic_time(p, 1000))


def test_lru_che_against_a_direct_lru_simulation() -> None:
    p = zipf_popularity(1000, 0.8)
    che = lru_hit_ratio(p, 100)
    sim = _simulate_lru(p, 100, 150_000, seed=11)
    assert sim == pytest.approx(che, abs=0.01)


def test_uniform_popularity_lru_hit_ratio_is_c_over_n() -> None:
    p = zipf_popularity(200, 0.0)
    assert lru_hit_ratio(p, 50) == pytest.approx(0.25, rel=1e-9)
    assert fifo_hit_ratio(p, 50) == pytest.approx(0.25, rel=1e-9)


def test_policy_ordering_under_zipf() -> None:
    p = zipf_popularity(2000, 0.9)
    lfu, lru, fifo = lfu_hit_ratio(p, 200), lru_hit_ratio(p, 200), fifo_hit_ratio(p, 200)
    assert lfu > lru > fifo > 200 / 2000
    assert lru_hit_ratio(p, 2000) == 1.0 and lru_hit_ratio(p, 0) == 0.0


def test_ttl_hit_ratio() -> None:
    p = np.array([1.0])
    # One key at 2 req/s, TTL 1 s set on load: a renewal cycle is 1 miss + Poisson(2) hits.
    assert ttl_hit_ratio(p, 2.0, 1.0) == pytest.approx(2.0 / 3.0)
    assert ttl_hit_ratio(p, 2.0, 1.0, reset_on_hit=True) == pytest.approx(1 - math.exp(-2.0))


def test_ttl_reset_on_load_by_simulation() -> None:
    rng = random.Random(5)
    t, expires, hits, n = 0.0, -1.0, 0, 100_000
    for _ in range(n):
        t += rng.expovariate(2.0)
        if t < expires:
            hits += 1
        else:
            expires = t + 1.0
    assert hits / n == pytest.approx(ttl_hit_ratio(np.array([1.0]), 2.0, 1.0), abs=0.01)


# --- GI/M/1 and round robin ----------------------------------------------------------------


def test_gi_m1_reduces_to_mm1_for_poisson_input() -> None:
    q = gi_m1(lambda s: 0.5 / (0.5 + s), 0.5, 1.0)
    assert q.p_wait == pytest.approx(0.5, rel=1e-9)
    assert q.mean_response == pytest.approx(2.0, rel=1e-9)


def test_d_m1_sigma_matches_the_known_root() -> None:
    # D/M/1 at rho = 0.5: sigma = exp(-2 (1 - sigma)) -> 0.2032.
    q = gi_m1(lambda s: math.exp(-s / 0.5), 0.5, 1.0)
    assert q.p_wait == pytest.approx(0.20319, rel=1e-4)
    assert q.p_wait == pytest.approx(math.exp(-2 * (1 - q.p_wait)), rel=1e-12)


def test_round_robin_replica_against_a_lindley_recursion() -> None:
    # 3 replicas, one exponential worker each, fed round robin from Poisson(2.4): E3/M/1.
    q = round_robin_m1(2.4, 3, 1.0)
    assert q.utilization == pytest.approx(0.8)
    assert q.mean_wait < mmc(0.8, 1.0, 1).mean_wait  # more regular input queues less
    rng = np.random.default_rng(2)
    n = 400_000
    gaps = rng.gamma(3, 1 / 2.4, n)
    service = rng.exponential(1.0, n)
    w, total = 0.0, 0.0
    for a, s in zip(gaps.tolist(), service.tolist(), strict=True):
        w = max(0.0, w + s - a)  # Lindley: wait of the next customer
        total += w
    assert total / n == pytest.approx(q.mean_wait, rel=0.05)
    # Response is exponential with rate mu (1 - sigma): the p99 is ln(100) / that rate.
    assert q.response_percentile(0.99) == pytest.approx(math.log(100) * q.mean_response)


def test_round_robin_heavy_traffic_matches_kingman() -> None:
    q = round_robin_m1(3 * 0.999, 3, 1.0)
    kingman = (1 / 3 + 1) / 2 * 0.999 / 0.001
    assert q.mean_wait == pytest.approx(kingman, rel=0.01)


def _kiefer_wolfowitz_wait(gaps: np.ndarray, service: np.ndarray, servers: int) -> float:
    """Mean FCFS wait of a GI/G/c queue by the Kiefer-Wolfowitz recursion (sorted workloads)."""
    import heapq

    free = [0.0] * servers  # times at which each server is next free
    t, total = 0.0, 0.0
    for a, s in zip(gaps.tolist(), service.tolist(), strict=True):
        t += a
        start = max(t, heapq.heappop(free))
        total += start - t
        heapq.heappush(free, start + s)
    return total / len(gaps)


@pytest.mark.parametrize(("replicas", "servers", "rho"), [(3, 2, 0.8), (2, 4, 0.9)])
def test_round_robin_multi_server_against_kiefer_wolfowitz(
    replicas: int, servers: int, rho: float
) -> None:
    total = replicas * servers * rho  # mu = 1
    q = round_robin_mc(total, replicas, 1.0, servers)
    assert q.exact and q.utilization == pytest.approx(rho)
    rng = np.random.default_rng(4)
    n = 300_000
    sim = _kiefer_wolfowitz_wait(
        rng.gamma(replicas, 1 / total, n), rng.exponential(1.0, n), servers
    )
    assert sim == pytest.approx(q.mean_wait, rel=0.06)
    # Waits given waiting are exponential at c mu (1 - omega): the tail integrates to the mean.
    w_mean, _ = integrate.quad(q.wait_tail, 0, math.inf)
    assert w_mean == pytest.approx(q.mean_wait, rel=1e-6)


def test_round_robin_mc_reduces_to_known_cases() -> None:
    # One replica: Poisson input, Erlang C. One server: E_R/M/1.
    assert round_robin_mc(2.7, 1, 1.0, 3).mean_wait == pytest.approx(mmc(2.7, 1.0, 3).mean_wait)
    assert round_robin_mc(2.4, 3, 1.0, 1).mean_wait == pytest.approx(
        round_robin_m1(2.4, 3, 1.0).mean_wait
    )
    assert not round_robin_mc(6.5, 3, 1.0, 2).stable


def test_allen_cunneen_is_erlang_c_for_poisson_exponential() -> None:
    approx = gi_g_c_approx(2.7, 1.0, ServiceMoments.exponential(1.0), 3)
    assert approx.mean_wait == pytest.approx(mmc(2.7, 1.0, 3).mean_wait)
    assert not approx.exact


# --- predict(design) ---------------------------------------------------------------------


def _design(components: str, rate: float = 2.7, entry: str = "matcher", extra: str = "") -> Design:
    text = f"""
name = "t"
[workload]
duration_s = 100
[[workload.classes]]
name = "match"
entry = "{entry}"
arrival = {{ process = "poisson", rate_rps = {rate} }}
{extra}
{components}
"""
    return loads_design(text)


MATCHER = """
[[components]]
name = "matcher"
kind = "service"
workers = 3
service_ms = { dist = "exponential", mean = 1000.0 }
"""


def test_predict_mm3() -> None:
    p = predict(_design(MATCHER))
    assert p is not None and p.stable and p.exact
    m = p.components["matcher"]
    q = mmc(2.7, 1.0, 3)
    assert m.model == "M/M/3"
    assert m.utilization == pytest.approx(0.9)
    assert m.mean_wait_ms == pytest.approx(q.mean_wait * 1000)
    assert m.mean_queue_len == pytest.approx(q.mean_queue_len)
    cls = p.classes["match"]
    assert cls.mean_response_ms == pytest.approx(q.mean_response * 1000)
    assert cls.percentiles_ms["p99"] == pytest.approx(q.response_percentile(0.99) * 1000)
    assert p.max_throughput_rps == pytest.approx(3.0) and p.bottleneck == "matcher"


def test_predict_md1_and_tandem() -> None:
    md1 = predict(
        _design(
            """
[[components]]
name = "matcher"
kind = "service"
service_ms = { dist = "deterministic", mean = 100.0 }
""",
            rate=8.0,
        )
    )
    assert md1 is not None and md1.exact
    assert md1.components["matcher"].mean_wait_ms == pytest.approx(0.8 / (2 * 0.2) * 100)
    assert md1.classes["match"].percentiles_ms == {}

    tandem = predict(
        _design(
            """
[[components]]
name = "a"
kind = "service"
service_ms = { dist = "exponential", mean = 500.0 }
then = "b"
[[components]]
name = "b"
kind = "service"
service_ms = { dist = "exponential", mean = 800.0 }
then = "c"
[[components]]
name = "c"
kind = "database"
pool_size = 2
service_ms = { dist = "exponential", mean = 1500.0 }
""",
            rate=1.0,
            entry="a",
        )
    )
    assert tandem is not None and tandem.exact
    expected = 1.0 + 4.0 + mmc(1.0, 1 / 1.5, 2).mean_response
    assert tandem.classes["match"].mean_response_ms == pytest.approx(expected * 1000)
    assert tandem.bottleneck == "b"  # 1 / 0.8 s = 1.25/s, below a (2/s) and c (1.33/s)
    assert tandem.max_throughput_rps == pytest.approx(1.25)
    # c has two workers: no closed-form response distribution for the chain.
    assert tandem.classes["match"].percentiles_ms == {}


def test_predict_tandem_of_mm1_has_percentiles() -> None:
    p = predict(
        _design(
            """
[[components]]
name = "gw"
kind = "gateway"
service_ms = { dist = "deterministic", mean = 2.0 }
then = "a"
[[components]]
name = "a"
kind = "service"
service_ms = { dist = "exponential", mean = 500.0 }
then = "b"
[[components]]
name = "b"
kind = "service"
service_ms = { dist = "exponential", mean = 800.0 }
""",
            rate=1.0,
            entry="gw",
        )
    )
    assert p is not None and p.exact
    cls = p.classes["match"]
    assert cls.mean_response_ms == pytest.approx(2.0 + 1000 + 4000)
    # Sojourns Exp(1) + Exp(0.25), shifted by the 2 ms gateway.
    p99 = cls.percentiles_ms["p99"]
    t = (p99 - 2.0) / 1000
    assert (math.exp(-0.25 * t) - 0.25 * math.exp(-t)) / 0.75 == pytest.approx(0.01, rel=1e-6)


LB = """
[[components]]
name = "lb"
kind = "load_balancer"
strategy = "{strategy}"
targets = ["matcher"]
[[components]]
name = "matcher"
kind = "service"
replicas = 3
workers = {workers}
service_ms = {{ dist = "exponential", mean = 1000.0 }}
"""


def test_predict_random_split_is_exact_mmc_per_replica() -> None:
    p = predict(_design(LB.format(strategy="random", workers=1), rate=2.4, entry="lb"))
    assert p is not None and p.exact
    m = p.components["matcher"]
    q = mmc(0.8, 1.0, 1)
    assert m.model == "M/M/1"
    assert m.mean_wait_ms == pytest.approx(q.mean_wait * 1000)
    assert m.mean_queue_len == pytest.approx(3 * q.mean_queue_len)  # summed over replicas
    assert p.classes["match"].percentiles_ms["p99"] == pytest.approx(
        q.response_percentile(0.99) * 1000
    )
    assert p.max_throughput_rps == pytest.approx(3.0)


def test_predict_round_robin_is_erlang_r_per_replica() -> None:
    p = predict(_design(LB.format(strategy="round_robin", workers=1), rate=2.4, entry="lb"))
    assert p is not None and p.exact
    m = p.components["matcher"]
    assert m.model.startswith("E3/M/1")
    assert m.mean_wait_ms == pytest.approx(round_robin_m1(2.4, 3, 1.0).mean_wait * 1000)
    assert any("round robin" in n for n in p.coverage_notes)
    multi = predict(_design(LB.format(strategy="round_robin", workers=2), rate=4.8, entry="lb"))
    assert multi is not None and multi.exact
    m2 = multi.components["matcher"]
    assert m2.model.startswith("E3/M/2")
    assert m2.mean_wait_ms == pytest.approx(round_robin_mc(4.8, 3, 1.0, 2).mean_wait * 1000)
    assert m2.mean_wait_ms < mmc(1.6, 1.0, 2).mean_wait * 1000
    # Right at the edge the exact chain would be too big: Allen-Cunneen, flagged approximate.
    edge = predict(_design(LB.format(strategy="round_robin", workers=2), rate=5.99, entry="lb"))
    assert edge is not None and not edge.exact and edge.stable


def test_predict_unstable() -> None:
    p = predict(_design(MATCHER, rate=3.5))
    assert p is not None and not p.stable
    assert p.saturated == ["matcher"]
    assert math.isinf(p.classes["match"].mean_response_ms)
    assert p.max_throughput_rps == pytest.approx(3.0)
    data = json.loads(json.dumps(p.to_json(), allow_nan=False))
    assert data["classes"]["match"]["mean_response_ms"] is None
    assert data["components"]["matcher"]["utilization"] == pytest.approx(3.5 / 3)


def test_predict_or_explain() -> None:
    p, reasons = predict_or_explain(_design(MATCHER))
    assert p is not None and reasons == []
    none, why = predict_or_explain(
        _design(LB.format(strategy="power_of_two", workers=1), entry="lb")
    )
    assert none is None and "power_of_two" in why[0]


@pytest.mark.parametrize(
    ("components", "extra", "reason"),
    [
        (
            MATCHER.replace("mean = 1000.0 }", "mean = 1000.0 }\nqueue_limit = 10"),
            "",
            "queue_limit",
        ),
        (MATCHER.replace("mean = 1000.0 }", "mean = 1000.0 }\ntimeout_ms = 5000"), "", "timeout"),
        (
            MATCHER.replace("mean = 1000.0 }", 'mean = 1000.0 }\ncalls = ["db"]')
            + '[[components]]\nname = "db"\nkind = "database"\n'
            'service_ms = { dist = "exponential", mean = 10.0 }\n',
            "",
            "synchronous calls",
        ),
        (LB.format(strategy="least_connections", workers=1), "", "least_connections"),
    ],
)
def test_predict_refuses_what_theory_does_not_cover(
    components: str, extra: str, reason: str
) -> None:
    entry = "lb" if "load_balancer" in components else "matcher"
    d = _design(components, entry=entry, extra=extra)
    assert predict(d) is None
    assert any(reason in g for g in coverage_gaps(d))


def test_predict_refuses_bursty_arrivals() -> None:
    d = _design(MATCHER).model_copy()
    text = dump_design(d).replace('process = "poisson"', 'process = "bursty"')
    text = text.replace(
        "rate_rps = 2.7",
        "rate_rps = 2.7, burst_rate_rps = 10.0, burst_every_s = 60.0, burst_duration_s = 5.0",
    )
    bursty = loads_design(text)
    assert predict(bursty) is None
    assert "Poisson" in coverage_gaps(bursty)[0]


def _fake_result(p: Prediction, scale: float = 1.0, verdict: str = "stable") -> SimResult:
    """A SimResult that reports theory's numbers times ``scale``."""
    comps = {
        n: ComponentStats(
            kind="service",
            replicas=1,
            workers=3,
            arrivals=1000,
            served=1000,
            dropped=0,
            timed_out=0,
            utilization=c.utilization * scale,
            mean_wait_ms=c.mean_wait_ms * scale,
            mean_queue_len=c.mean_queue_len * scale,
            mean_in_system=c.mean_in_system * scale,
            visits=c.visits,
            mean_service_ms=1000.0,
            mean_hold_ms=1000.0,
            arrival_rate_rps=c.arrival_rate_rps,
        )
        for n, c in p.components.items()
    }
    classes = {
        n: ClassStats(
            offered=1000,
            completed=1000,
            rejected=0,
            dropped=0,
            timed_out=0,
            in_flight=0,
            throughput_rps=c.offered_rps,
            offered_rps=c.offered_rps,
            latency_ms=LatencyStats(
                count=1000,
                mean=c.mean_response_ms * scale,
                p50=c.percentiles_ms.get("p50", 0.0) * scale,
                p95=c.percentiles_ms.get("p95", 0.0) * scale,
                p99=c.percentiles_ms.get("p99", 0.0) * scale,
                max=0.0,
            ),
        )
        for n, c in p.classes.items()
    }
    ts = Timeseries(1.0, [], {}, {}, {}, {}, {}, {})
    return SimResult("t", verdict, classes, comps, "matcher", "", ts, 100.0, 0.0, 1)


def test_compare_to_theory_flags_only_real_differences() -> None:
    p = predict(_design(MATCHER))
    assert p is not None
    assert compare_to_theory(_fake_result(p), p, rel_tol=0.05) == []
    assert compare_to_theory(_fake_result(p, 1.03), p, rel_tol=0.05) == []
    bad = compare_to_theory(_fake_result(p, 1.2), p, rel_tol=0.05)
    metrics = {d.metric for d in bad}
    assert {"utilization", "mean_wait_ms", "mean_queue_len", "latency_mean_ms"} <= metrics
    assert "latency_p99_ms" in metrics
    assert all(d.rel_error == pytest.approx(0.2) for d in bad)
    assert "theory says" in str(bad[0])
    verdict = compare_to_theory(_fake_result(p, verdict="unstable"), p)
    assert [d.metric for d in verdict] == ["stable"]
