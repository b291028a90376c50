"""The engine against queueing theory: the spine of the simulator's credibility.

Every design here is TOML text run through the real ``simulate``. Each statistic is estimated
from independent replications (fixed seeds, so the test is deterministic), and the tolerance
is honest rather than hand-tuned:

    |mean over replications - theory| <= t(0.999, n-1) * standard error (+ a stated floor)

i.e. a 99.8% two-sided confidence band. A second assertion checks the test's own power: the
band must be narrower than a stated fraction of theory's value (``power``), so a real bias
of that size in the engine could not hide inside a wide band. Run lengths were chosen so the
whole file takes well under a minute on a loaded 2-core machine.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from scipy import stats

from designs.loader import loads_design
from designs.schema import Design
from simulation.analytic import Prediction, predict
from simulation.replications import summarise_runs
from simulation.results import SimResult
from simulation.runner import simulate
from simulation.theory import (
    lru_hit_ratio,
    mmc,
    round_robin_m1,
    ttl_hit_ratio,
    zipf_popularity,
)
from simulation.theory_check import compare_to_theory

CONFIDENCE = 0.999  # one-sided t quantile: a 99.8% two-sided band
# The bias each check is long enough to see (band <= power x theory):
POWER_UTIL = 0.025  # utilisation
POWER_WAIT = 0.12  # mean wait and mean queue length (the noisiest means)
POWER_MEAN = 0.08  # mean response
POWER_PCTL = 0.10  # p50 / p95
POWER_P99 = 0.15  # p99 (a tail quantile: most replications needed)


@dataclass(frozen=True)
class Replicated:
    design: Design
    prediction: Prediction
    runs: list[SimResult]


def replicate(text: str, n: int, first_seed: int) -> Replicated:
    """n runs on seeds first_seed, first_seed + 1, ...; each test uses its own seed range so
    the tests' random streams (keyed by seed and class name) are independent of each other."""
    design = loads_design(text)
    prediction = predict(design)
    assert prediction is not None, "theory should cover this design"
    runs = [simulate(design, seed=first_seed + i) for i in range(n)]
    for r in runs:
        assert r.verdict == "stable", r.stop_reason
    return Replicated(design, prediction, runs)


def agrees(
    values: Sequence[float],
    theory: float,
    what: str,
    *,
    power: float,
    floor: float = 0.0,
) -> None:
    """Assert the replications' mean matches theory within the 99.8% band, and that the band
    is narrower than ``power`` x theory (the test could see a bias that large)."""
    n = len(values)
    mean = statistics.fmean(values)
    se = statistics.stdev(values) / math.sqrt(n)
    band = float(stats.t.ppf(CONFIDENCE, n - 1)) * se + floor
    detail = (
        f"{what}: simulated {mean:.5g} +/- {band:.3g} (n={n}, se={se:.3g}), "
        f"theory {theory:.5g} ({(mean - theory) / theory:+.2%})"
    )
    print(detail, f"band/theory {band / abs(theory):.2%} (power {power:.0%})")
    assert abs(mean - theory) <= band, "engine disagrees with theory. " + detail
    assert band <= power * abs(theory), "run too short to detect a real bias. " + detail


def comp(runs: list[SimResult], name: str, metric: str) -> list[float]:
    return [float(getattr(r.components[name], metric)) for r in runs]


def lat(runs: list[SimResult], cls: str, metric: str) -> list[float]:
    return [float(getattr(r.classes[cls].latency_ms, metric)) for r in runs]


def workload(rate: float, duration: float, warmup: float, entry: str, extra: str = "") -> str:
    return f"""
name = "theory check"
[workload]
duration_s = {duration}
warmup_s = {warmup}
seed = 1
[[workload.classes]]
name = "req"
entry = "{entry}"
arrival = {{ process = "poisson", rate_rps = {rate} }}
{extra}
"""


def service(
    name: str, mean_ms: float, workers: int = 1, dist: str = "", then: str = "", replicas: int = 1
) -> str:
    spec = dist or f'dist = "exponential", mean = {mean_ms}'
    then_line = f'then = "{then}"' if then else ""
    return f"""
[[components]]
name = "{name}"
kind = "service"
replicas = {replicas}
workers = {workers}
service_ms = {{ {spec} }}
{then_line}
"""


def check_station(
    rep: Replicated,
    name: str,
    *,
    power_util: float = POWER_UTIL,
    power_wait: float = POWER_WAIT,
) -> None:
    th = rep.prediction.components[name]
    agrees(
        comp(rep.runs, name, "utilization"), th.utilization, f"{name} utilization", power=power_util
    )
    agrees(
        comp(rep.runs, name, "mean_wait_ms"), th.mean_wait_ms, f"{name} mean wait", power=power_wait
    )
    agrees(
        comp(rep.runs, name, "mean_queue_len"),
        th.mean_queue_len,
        f"{name} queue length",
        power=power_wait,
    )


# --- single stations -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def mm1() -> Replicated:
    # rho = 0.8; 10 x 450 s x 80/s = 360,000 requests measured.
    return replicate(workload(80.0, 500, 50, "s") + service("s", 10.0), n=10, first_seed=100)


def test_mm1_matches_closed_forms(mm1: Replicated) -> None:
    q = mmc(80.0, 100.0, 1)
    assert mm1.prediction.components["s"].mean_wait_ms == pytest.approx(q.mean_wait * 1e3)
    check_station(mm1, "s")
    agrees(lat(mm1.runs, "req", "mean"), 1e3 * q.mean_response, "mean response", power=POWER_MEAN)
    # Response is Exp(mu - lambda): p50 = ln 2 / 20 s, p99 = ln 100 / 20 s.
    agrees(lat(mm1.runs, "req", "p50"), 1e3 * math.log(2) / 20, "p50", power=POWER_PCTL)
    agrees(lat(mm1.runs, "req", "p99"), 1e3 * math.log(100) / 20, "p99", power=POWER_P99)


@pytest.fixture(scope="module")
def mm3() -> Replicated:
    # The M/M/3 at rho = 0.9: slow to mix, so 16 x 20,000 s (860,000 requests).
    text = workload(2.7, 20500, 500, "s") + service("s", 1000.0, workers=3)
    return replicate(text, n=16, first_seed=200)


def test_mm3_matches_erlang_c(mm3: Replicated) -> None:
    q = mmc(2.7, 1.0, 3)
    check_station(mm3, "s")
    agrees(lat(mm3.runs, "req", "mean"), 1e3 * q.mean_response, "mean response", power=POWER_MEAN)
    # At rho = 0.9 the p99 of one run swings widely: this band is the widest in the file.
    agrees(lat(mm3.runs, "req", "p99"), 1e3 * q.response_percentile(0.99), "p99", power=0.2)


def test_mm3_replication_result_shows_no_disagreement(mm3: Replicated) -> None:
    summary = summarise_runs("mm3", list(range(len(mm3.runs))), mm3.runs)
    assert compare_to_theory(summary, mm3.prediction, rel_tol=0.01) == []
    # ...while theory for a 4% lighter load is rejected: the comparison has teeth.
    lighter = predict(mm3.design.with_rate(2.6))
    assert lighter is not None
    flagged = {d.metric for d in compare_to_theory(summary, lighter, rel_tol=0.01)}
    assert {"utilization", "mean_wait_ms", "latency_mean_ms"} <= flagged


@pytest.mark.parametrize(
    ("dist", "rate", "n"),
    [
        ('dist = "deterministic", mean = 10.0', 80.0, 8),  # M/D/1, SCV 0
        ('dist = "gamma", mean = 10.0, cv = 1.5', 70.0, 12),  # SCV 2.25, rho 0.7
    ],
    ids=["M/D/1", "M/Gamma/1"],
)
def test_mg1_matches_pollaczek_khinchine(dist: str, rate: float, n: int) -> None:
    text = workload(rate, 500, 50, "s") + service("s", 10.0, dist=dist)
    rep = replicate(text, n=n, first_seed=300)
    th = rep.prediction.components["s"]
    assert th.exact and th.model == "M/G/1"
    check_station(rep, "s")
    agrees(
        lat(rep.runs, "req", "mean"),
        rep.prediction.classes["req"].mean_response_ms,
        "mean response",
        power=POWER_MEAN,
    )


# --- networks ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tandem() -> Replicated:
    # a (M/M/1, rho .5) -> b (M/M/2, rho .75) -> c (database, 1 connection, rho .7).
    text = (
        workload(100.0, 450, 50, "a")
        + service("a", 5.0, then="b")
        + service("b", 15.0, workers=2, then="c")
        + """
[[components]]
name = "c"
kind = "database"
pool_size = 1
service_ms = { dist = "exponential", mean = 7.0 }
"""
    )
    return replicate(text, n=8, first_seed=400)


def test_jackson_tandem_via_then(tandem: Replicated) -> None:
    p = tandem.prediction
    assert p.exact
    expected_ms = 1e3 * (
        mmc(100, 200, 1).mean_response
        + mmc(100, 1 / 0.015, 2).mean_response
        + mmc(100, 1 / 0.007, 1).mean_response
    )
    assert p.classes["req"].mean_response_ms == pytest.approx(expected_ms)
    for name in ("a", "b", "c"):
        check_station(tandem, name)
    agrees(
        lat(tandem.runs, "req", "mean"), expected_ms, "end-to-end mean response", power=POWER_MEAN
    )


def test_littles_law_per_component(tandem: Replicated, mm3: Replicated) -> None:
    """L = lambda W and Lq = lambda Wq on the same sample path: only window-edge effects
    separate the two sides, so the tolerance is tight (1%) and needs no replications."""
    for rep in (tandem, mm3):
        for run in rep.runs[:3]:
            for name, c in run.components.items():
                lq = c.arrival_rate_rps * c.mean_wait_ms / 1e3
                w = (c.mean_wait_ms + c.mean_service_ms) / 1e3
                assert c.mean_queue_len == pytest.approx(lq, rel=0.01), (name, run.seed)
                assert c.mean_in_system == pytest.approx(c.arrival_rate_rps * w, rel=0.01), (
                    name,
                    run.seed,
                )
                busy = c.utilization * (c.workers or 0)
                assert busy == pytest.approx(c.arrival_rate_rps * c.mean_service_ms / 1e3, rel=0.01)


def test_chain_of_mm1_response_percentiles() -> None:
    """gateway (2 ms fixed) -> M/M/1 -> M/M/1: by Burke and Reich the sojourns are
    independent exponentials, so the p50/p99 of the sum are known exactly."""
    text = (
        workload(60.0, 400, 50, "gw")
        + """
[[components]]
name = "gw"
kind = "gateway"
service_ms = { dist = "deterministic", mean = 2.0 }
then = "a"
"""
        + service("a", 10.0, then="b")
        + service("b", 5.0)
    )
    rep = replicate(text, n=8, first_seed=500)
    th = rep.prediction.classes["req"]
    assert set(th.percentiles_ms) == {"p50", "p95", "p99"}
    agrees(lat(rep.runs, "req", "mean"), th.mean_response_ms, "mean response", power=POWER_MEAN)
    for label in ("p50", "p95", "p99"):
        power = POWER_P99 if label == "p99" else POWER_PCTL
        agrees(lat(rep.runs, "req", label), th.percentiles_ms[label], label, power=power)


# --- load balancers ------------------------------------------------------------------------


def _balanced(
    strategy: str, workers: int, mean_ms: float, rate: float, duration: float = 220
) -> str:
    return (
        workload(rate, duration, 20, "lb")
        + f"""
[[components]]
name = "lb"
kind = "load_balancer"
strategy = "{strategy}"
targets = ["s"]
"""
        + service("s", mean_ms, workers=workers, replicas=3)
    )


def test_round_robin_replicas_are_erlang_r_m_1() -> None:
    """Round robin over 3 single-worker replicas gives each one every third request:
    Erlang-3 interarrivals, an exact E3/M/1 queue whose wait (24.6 ms at rho 0.8) is well
    below the M/M/1 a Poisson split would give (40 ms)."""
    rep = replicate(_balanced("round_robin", 1, 10.0, 240.0, 170), n=8, first_seed=600)
    th = rep.prediction.components["s"]
    assert th.exact and th.model.startswith("E3/M/1")
    assert th.mean_wait_ms == pytest.approx(round_robin_m1(240.0, 3, 100.0).mean_wait * 1e3)
    check_station(rep, "s")
    agrees(
        lat(rep.runs, "req", "mean"),
        rep.prediction.classes["req"].mean_response_ms,
        "mean response",
        power=POWER_MEAN,
    )
    agrees(
        lat(rep.runs, "req", "p99"),
        rep.prediction.classes["req"].percentiles_ms["p99"],
        "p99",
        power=POWER_P99,
    )
    poisson_split = mmc(80.0, 100.0, 1).mean_wait * 1e3
    assert statistics.fmean(comp(rep.runs, "s", "mean_wait_ms")) < 0.75 * poisson_split


def test_random_split_replicas_are_mm1() -> None:
    rep = replicate(_balanced("random", 1, 10.0, 240.0), n=10, first_seed=700)
    th = rep.prediction.components["s"]
    assert th.exact and th.model == "M/M/1"
    check_station(rep, "s")
    agrees(
        lat(rep.runs, "req", "mean"),
        rep.prediction.classes["req"].mean_response_ms,
        "mean response",
        power=POWER_MEAN,
    )


def test_round_robin_multi_worker_replicas_are_erlang_r_m_c() -> None:
    """Two workers per replica fed round robin: an exact E3/M/2 (GI/M/c embedded chain), whose
    wait (21.2 ms) sits below the Poisson-split M/M/2 (35.6 ms)."""
    rep = replicate(_balanced("round_robin", 2, 20.0, 240.0, 150), n=8, first_seed=800)
    th = rep.prediction.components["s"]
    assert th.exact and th.model.startswith("E3/M/2")
    check_station(rep, "s")
    agrees(
        lat(rep.runs, "req", "mean"),
        rep.prediction.classes["req"].mean_response_ms,
        "mean response",
        power=POWER_MEAN,
    )
    assert statistics.fmean(comp(rep.runs, "s", "mean_wait_ms")) < 0.8 * (
        mmc(80.0, 50.0, 2).mean_wait * 1e3
    )


APPROX_ERROR = 0.08  # Allen-Cunneen + KLB on E3/U/1 at rho 0.8: +3% against a Lindley run


def test_round_robin_general_service_vs_approximation() -> None:
    """Round robin with uniform service has no closed form: theory falls back to the
    Allen-Cunneen/KLB approximation and says so. The check is looser by its error budget."""
    rep = replicate(
        workload(240.0, 170, 20, "lb")
        + """
[[components]]
name = "lb"
kind = "load_balancer"
strategy = "round_robin"
targets = ["s"]
"""
        + service("s", 10.0, replicas=3, dist='dist = "uniform", low = 0.0, high = 20.0'),
        n=6,
        first_seed=850,
    )
    th = rep.prediction.components["s"]
    assert not th.exact and not rep.prediction.exact
    agrees(comp(rep.runs, "s", "utilization"), th.utilization, "utilization", power=POWER_UTIL)
    agrees(
        comp(rep.runs, "s", "mean_wait_ms"),
        th.mean_wait_ms,
        "mean wait (approximate theory)",
        power=0.2,
        floor=APPROX_ERROR * th.mean_wait_ms,
    )


# --- caches --------------------------------------------------------------------------------

CHE_ERROR = 0.003  # Che's approximation error budget (measured < 0.0006 at these sizes)


def _cached(policy: str, capacity: int, extra: str = "", duration: float = 150) -> str:
    return (
        workload(
            200.0,
            duration,
            20,
            "cache",
            extra='keys = { dist = "zipf", count = 1000, s = 0.8 }',
        )
        + f"""
[[components]]
name = "cache"
kind = "cache"
capacity = {capacity}
policy = "{policy}"
{extra}
service_ms = {{ dist = "deterministic", mean = 1.0 }}
on_miss = "db"
[[components]]
name = "db"
kind = "database"
pool_size = 4
service_ms = {{ dist = "exponential", mean = 5.0 }}
"""
    )


def _hit_ratios(text: str, n: int, first_seed: int) -> list[float]:
    design = loads_design(text)
    out = []
    for i in range(n):
        r = simulate(design, seed=first_seed + i)
        hr = r.components["cache"].hit_ratio
        assert hr is not None
        out.append(hr)
    return out


def test_lru_hit_ratio_under_zipf_matches_che() -> None:
    che = lru_hit_ratio(zipf_popularity(1000, 0.8), 100)
    hits = _hit_ratios(_cached("lru", 100), n=8, first_seed=900)
    agrees(hits, che, "LRU hit ratio", power=0.04, floor=CHE_ERROR)


def test_ttl_hit_ratio_matches_renewal_theory() -> None:
    """A TTL cache big enough never to evict: key i (Poisson at rate r_i) hits while its entry
    lives, so h_i = r_i T / (1 + r_i T) exactly."""
    hits = _hit_ratios(_cached("ttl", 1000, "ttl_s = 2.0", duration=80), n=6, first_seed=1000)
    expected = ttl_hit_ratio(zipf_popularity(1000, 0.8), 200.0, 2.0)
    agrees(hits, expected, "TTL hit ratio", power=0.03)


# --- beyond capacity -----------------------------------------------------------------------


def test_overload_is_unstable_in_both() -> None:
    design = loads_design(workload(3.5, 3600, 0, "s") + service("s", 1000.0, workers=3))
    p = predict(design)
    assert p is not None and not p.stable and p.saturated == ["s"]
    r = simulate(design, seed=3)
    assert r.verdict == "unstable"
    assert r.bottleneck == "s"
    assert compare_to_theory(r, p) == []
