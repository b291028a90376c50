"""Replica slicing is exact: one of k cells against the whole design and against M/M/c."""

from __future__ import annotations

import math

import pytest

from designs.loader import loads_design
from designs.schema import Design
from simulation.replications import confidence_interval
from simulation.results import SimResult
from simulation.runner import simulate
from simulation.slicing import SliceError, plan, scoring_plan, simulate_sliced
from simulation.theory.jackson import hypoexp_tail
from simulation.theory.queues import erlang_c

TWO_TIERS = """
name = "two tiers"
[workload]
duration_s = 100
warmup_s = 10
seed = 1
[[workload.classes]]
name = "read"
entry = "edge"
arrival = {{ process = "poisson", rate_rps = {rate} }}
[[components]]
name = "edge"
kind = "load_balancer"
strategy = "{strategy}"
targets = ["api"]
service_ms = {{ dist = "deterministic", mean = 0.5 }}
[[components]]
name = "api"
kind = "service"
replicas = {api}
workers = 2
service_ms = {{ dist = "exponential", mean = 10.0 }}
calls = ["db_lb"]
[[components]]
name = "db_lb"
kind = "load_balancer"
strategy = "random"
targets = ["db"]
[[components]]
name = "db"
kind = "database"
replicas = 8
pool_size = 1
service_ms = {{ dist = "exponential", mean = 8.0 }}
"""


def _two_tiers(rate: float = 400.0, strategy: str = "random", api: int = 8) -> Design:
    return loads_design(TWO_TIERS.format(rate=rate, strategy=strategy, api=api))


def _ci(runs: list[SimResult], pick: str) -> tuple[float, float]:
    est = confidence_interval([getattr(r.classes["read"].latency_ms, pick) for r in runs])
    return est.mean, est.half_width


def test_plan_splits_the_random_tiers_by_the_largest_common_divisor() -> None:
    cells = plan(_two_tiers(api=12), 16)
    assert cells.k == 4 and cells.partitioned == {"api", "db"}
    assert "'api' replicas = 12" in cells.why_not_more
    assert plan(_two_tiers(), 8).k == 8


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (('strategy = "random"', 'strategy = "round_robin"', 1), "strategy 'round_robin'"),
        (('calls = ["db_lb"]', 'calls = ["db"]', 1), "reached by api (field 'calls')"),
        (("replicas = 8\npool", "replicas = 1\npool", 1), "'db' (database) is one instance"),
        (
            ('process = "poisson", rate_rps = 400.0', 'process = "trace", times_s = [1.0]', 1),
            "'trace' arrival",
        ),
    ],
)
def test_plan_refuses_what_a_slice_would_get_wrong(
    change: tuple[str, str, int], words: str
) -> None:
    old, new, count = change
    text = TWO_TIERS.format(rate=400.0, strategy="random", api=8)
    design = loads_design(text.replace(old, new, count))
    with pytest.raises(SliceError, match="cannot be sliced") as info:
        plan(design, 8)
    assert words in str(info.value)
    cells, note = scoring_plan(design, 8)
    assert cells is None and note.startswith("simulated whole") and words in note


def test_a_key_driven_cache_and_a_rate_limit_are_refused() -> None:
    text = TWO_TIERS.format(rate=400.0, strategy="random", api=8).replace(
        'entry = "edge"', 'entry = "front"'
    )
    gate = (
        '[[components]]\nname = "front"\nkind = "gateway"\nrate_limit_rps = 500.0\nthen = "edge"\n'
    )
    with pytest.raises(SliceError, match="'front' has field 'rate_limit_rps'"):
        plan(loads_design(text + gate), 8)
    cache = '[[components]]\nname = "front"\nkind = "cache"\ncapacity = 100\non_miss = "edge"\n'
    keyed = text.replace('name = "read"\n', 'name = "read"\nkeys = { count = 1000 }\n') + cache
    with pytest.raises(SliceError, match="cache 'front' learns from the keys"):
        plan(loads_design(keyed), 8)


def _cells_design(k: int = 8) -> Design:
    """The two tiers deployed as k cells written out in full: API replica g reads only from
    database replica g (zone-affine routing); the front balancer still picks at random."""
    head = TWO_TIERS.format(rate=400.0, strategy="random", api=8).split("[[components]]")[0]
    apis = ", ".join(f'"api_{g}"' for g in range(k))
    parts = [
        head,
        f'[[components]]\nname = "edge"\nkind = "load_balancer"\nstrategy = "random"\n'
        f'targets = [{apis}]\nservice_ms = {{ dist = "deterministic", mean = 0.5 }}\n',
    ]
    for g in range(k):
        parts.append(
            f'[[components]]\nname = "api_{g}"\nkind = "service"\nworkers = 2\n'
            f'service_ms = {{ dist = "exponential", mean = 10.0 }}\ncalls = ["db_{g}"]\n'
            f'[[components]]\nname = "db_{g}"\nkind = "database"\npool_size = 1\n'
            f'service_ms = {{ dist = "exponential", mean = 8.0 }}\n'
        )
    return loads_design("".join(parts))


def _agree(full: list[SimResult], sliced: list[SimResult]) -> list[tuple[str, float, float]]:
    """(percentile, full, sliced) pairs that differ by more than their combined interval."""
    out = []
    for pick in ("p50", "p99"):
        (a, ha), (b, hb) = _ci(full, pick), _ci(sliced, pick)
        if abs(a - b) > math.hypot(ha, hb):
            out.append((pick, a, b))
    return out


def test_one_cell_reproduces_the_cell_deployment_at_400_per_second() -> None:
    """Eight cells written out in full (each API replica reads from its own database
    replica, both behind random choices) against 1 of 8 cells given 8x the time (as many
    requests, three seeds each): p50 and p99 agree within their 95% intervals; totals scale
    back up."""
    design = _two_tiers()
    cells = plan(design, 8)
    assert cells.nested == {"db"}
    sliced = [simulate_sliced(design, cells, duration_s=400.0, seed=s) for s in range(3)]
    written_out = [simulate(_cells_design(), duration_s=50.0, seed=s) for s in range(3)]
    assert _agree(written_out, sliced) == []
    one = sliced[0]
    assert one.slices == 8
    assert one.classes["read"].throughput_rps == pytest.approx(400.0, rel=0.03)
    assert one.components["api"].replicas == 8 and one.components["api"].workers == 16
    assert one.components["db"].replicas == 8
    util = [r.components[f"api_{g}"].utilization for r in written_out for g in range(8)]
    assert one.components["api"].utilization == pytest.approx(sum(util) / 24, rel=0.05)
    # One global pool instead (any API replica reads from any database replica) is another
    # system: with 2 callers per cell a cell's database never queues more than 2 reads, the
    # global one can queue 16, so the global p50 is measurably higher (documented limit).
    pooled = [simulate(design, duration_s=50.0, seed=s) for s in range(3)]
    assert "p50" in [pick for pick, a, b in _agree(pooled, sliced) if a > b]
    assert one.cost_per_hour == pytest.approx(pooled[0].cost_per_hour)


def _mmc_quantile(q: float, lam: float, mu: float, c: int) -> float:
    """Response-time quantile of M/M/c FCFS: S ~ Exp(mu) plus, with probability C, a wait
    ~ Exp(c mu - lam)."""
    wait = erlang_c(c, lam / mu)
    theta = c * mu - lam

    def tail(t: float) -> float:
        return (1 - wait) * math.exp(-mu * t) + wait * hypoexp_tail([mu, theta], t)

    low, high = 0.0, 100.0 / mu
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if tail(mid) > 1 - q else (low, mid)
    return low


def test_one_cell_matches_mmc_theory() -> None:
    """4 replicas x 3 workers behind a random balancer at 400/s: each replica is M/M/3 at
    100/s (mean service 20 ms, 67% busy); one of 4 cells must give its percentiles."""
    text = """
name = "one tier"
[workload]
duration_s = 1000
warmup_s = 50
[[workload.classes]]
name = "read"
entry = "lb"
arrival = { process = "poisson", rate_rps = 400.0 }
[[components]]
name = "lb"
kind = "load_balancer"
strategy = "random"
targets = ["api"]
[[components]]
name = "api"
kind = "service"
replicas = 4
workers = 3
service_ms = { dist = "exponential", mean = 20.0 }
"""
    design = loads_design(text)
    result = simulate_sliced(design, plan(design, 4), seed=3)
    assert result.slices == 4 and result.components["api"].workers == 12
    assert result.components["api"].utilization == pytest.approx(2 / 3, rel=0.03)
    lat = result.classes["read"].latency_ms
    for q, got in ((0.5, lat.p50), (0.99, lat.p99)):
        assert got == pytest.approx(1000 * _mmc_quantile(q, 100.0, 50.0, 3), rel=0.05)


AUTOSCALED = """
name = "autoscaled"
[workload]
duration_s = 300
warmup_s = 20
[[workload.classes]]
name = "read"
entry = "lb"
arrival = { process = "diurnal", rate_rps = 267.0, amplitude = 0.5, period_s = 300.0 }
[[components]]
name = "lb"
kind = "load_balancer"
strategy = "random"
"""
_API = """[[components]]
name = "{name}"
kind = "service"
replicas = {lo}
workers = 2
service_ms = {{ dist = "exponential", mean = 20.0 }}
autoscale = {{ min = {lo}, max = {hi}, target_utilization = 0.6, interval_s = 10.0 }}
"""


def test_per_cell_autoscalers_are_exact() -> None:
    """Autoscaling makes the replica count time-varying; in the slice each cell sizes its own
    1/k (min and max divided by k). Four cells each with its own autoscaler, written out in
    full under a diurnal day peaking at 400/s, against 1 of 4 cells: the percentiles agree
    within their intervals and so do the replicas paid for. (One global autoscaler over all
    replicas is another controller: bench/bench_slicing.py measures the difference.)"""
    design = loads_design(AUTOSCALED + 'targets = ["api"]\n' + _API.format(name="api", lo=4, hi=16))
    cells = plan(design, 4)
    assert cells.k == 4 and cells.partitioned == {"api"}
    sliced = [simulate_sliced(design, cells, duration_s=1200.0, seed=s) for s in range(3)]
    names = [f"api_{g}" for g in range(4)]
    apis = "".join(_API.format(name=n, lo=1, hi=4) for n in names)
    targets = "targets = [" + ", ".join(f'"{n}"' for n in names) + "]\n"
    written_out = [simulate(loads_design(AUTOSCALED + targets + apis), seed=s) for s in range(3)]
    assert _agree(written_out, sliced) == []
    paid = [sum(r.components[n].replicas_mean for n in names) for r in written_out]
    paid_cells = [r.components["api"].replicas_mean for r in sliced]
    assert sum(paid_cells) / 3 == pytest.approx(sum(paid) / 3, rel=0.05)


def test_a_design_can_ask_for_slices_itself() -> None:
    text = TWO_TIERS.format(rate=400.0, strategy="random", api=8)
    design = loads_design(text.replace("seed = 1\n", "seed = 1\nslices = 8\n"))
    result = simulate(design, duration_s=50.0)
    assert result.slices == 8 and result.to_json()["slices"] == 8
    refused = loads_design(
        text.replace("seed = 1\n", "seed = 1\nslices = 8\n").replace('"random"', '"round_robin"', 1)
    )
    with pytest.raises(SliceError, match="strategy 'round_robin'"):
        simulate(refused, duration_s=50.0)


def test_the_1m_exercise_is_scored_on_one_of_16_cells() -> None:
    from designs.exercise import EXERCISES, load_exercise
    from simulation.scorecard import score_design

    exercise = load_exercise(EXERCISES / "api_1m_per_minute.toml")
    card = score_design(exercise.reference_design(), exercise, replications=1)
    assert card.result.slices == 16 and "1 of 16 identical cells" in card.notes[0]
    # Every cell's requests counted: the diurnal rate m (1 + sin(2 pi t / T) / 2), m the
    # 16,667/s peak / 1.5, averaged over the measured window [15 s, 120 s].
    m, period, start = 16_667 / 1.5, 120.0, 15.0
    rise = period / (2 * math.pi) * (math.cos(2 * math.pi * start / period) - 1.0)
    expected = m * (1 + 0.5 * rise / (period - start))
    assert card.result.classes["read"].offered_rps == pytest.approx(expected, rel=0.02)
    assert card.result.components["api"].workers == 64 * 8
    odd = loads_design(exercise.reference_path().read_text().replace("min = 16", "min = 15"))
    with pytest.raises(SliceError, match=r"too big to score whole: 'api' autoscale.min = 15"):
        score_design(odd, exercise)
