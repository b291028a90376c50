"""kind = "matcher": the calibration table, the design checks, and the bulk-service queue
against exact gathering theory (Poisson arrivals, one replica; simulation/theory/batching.py).
"""

from __future__ import annotations

import math

import pytest

from designs.calibration import Calibration
from designs.loader import loads_design
from designs.schema import Design
from freightlab.errors import InputError
from simulation.runner import simulate
from simulation.theory.batching import gathering

CAL = "{ sizes = [1, 10, 100], ms = [5.0, 20.0, 300.0]%s }"


def _design(batching: str, *, rate: float = 20.0, workers: int = 50, spread: str = "") -> Design:
    cal = CAL % (f", spread = [{spread}]" if spread else "")
    return loads_design(
        f"""
name = "matcher under theory"
[workload]
duration_s = 5000
warmup_s = 100
seed = 5
[[workload.classes]]
name = "match"
entry = "matcher"
arrival = {{ process = "poisson", rate_rps = {rate} }}
[[components]]
name = "matcher"
kind = "matcher"
workers = {workers}
{batching}
calibration = {cal}
"""
    )


# --- the calibration table ------------------------------------------------------------


def test_calibration_interpolates_on_log_log_axes() -> None:
    cal = Calibration(sizes=[10, 100, 1000], ms=[1.0, 4.0, 64.0], spread=[0.1, 0.3, 0.5])
    assert cal.median_ms(10) == pytest.approx(1.0)
    assert cal.median_ms(100) == pytest.approx(4.0)
    assert cal.median_ms(math.sqrt(10 * 100)) == pytest.approx(2.0)  # geometric midpoint
    assert cal.median_ms(3) == 1.0  # never cheaper than the smallest measured batch
    assert cal.median_ms(10_000) == pytest.approx(64.0 * 16.0)  # the last power law goes on
    assert cal.sigma(math.sqrt(10 * 100)) == pytest.approx(0.2)
    assert cal.sigma(1) == 0.1 and cal.sigma(10**6) == 0.5
    assert cal.mean_ms(100) == pytest.approx(4.0 * math.exp(0.3**2 / 2))
    one = Calibration(sizes=[50], ms=[10.0])
    assert one.median_ms(20) == 10.0 and one.median_ms(100) == pytest.approx(20.0)
    assert one.sigma(100) == 0.0


@pytest.mark.parametrize(
    ("batching", "fragment"),
    [
        ("batch_max = 10\ncalibration = { sizes = [10, 5], ms = [1.0, 2.0] }", "increasing"),
        ("batch_max = 10\ncalibration = { sizes = [10, 50], ms = [1.0] }", "'ms' has 1"),
        ("batch_max = 10\ncalibration = { sizes = [10], ms = [0.0] }", "greater than 0"),
        ("batch_max = 10", "needs field 'calibration'"),
        ("calibration = { sizes = [10], ms = [1.0] }", "'batch_window_ms' or 'batch_max'"),
        (
            "batch_max = 5\ncalibration = { sizes = [10], ms = [1.0] }\n"
            'service_ms = { dist = "exponential", mean = 1.0 }',
            "field 'service_ms' does not apply to a matcher",
        ),
    ],
)
def test_bad_matchers_are_refused_naming_the_component_and_field(
    batching: str, fragment: str
) -> None:
    text = f"""
name = "bad"
[workload]
[[workload.classes]]
name = "match"
entry = "matcher"
arrival = {{ process = "poisson", rate_rps = 1.0 }}
[[components]]
name = "matcher"
kind = "matcher"
{batching}
"""
    with pytest.raises(InputError) as info:
        loads_design(text, source="bad.toml")
    message = str(info.value)
    assert message.startswith("bad.toml") and "matcher" in message
    assert fragment in message


# --- against bulk-service theory ------------------------------------------------------


def _check(design: Design, rate: float, window_s: float | None, batch_max: int | None) -> None:
    """Many solvers, light load: batches never queue, so every figure is exact theory."""
    result = simulate(design)
    comp = design.components[0]
    assert comp.calibration is not None
    cal = comp.calibration
    g = gathering(rate, window_s, batch_max)
    stats = result.components["matcher"]
    assert stats.mean_batch_size == pytest.approx(g.mean_batch, rel=0.01)
    assert stats.mean_wait_ms == pytest.approx(1000 * g.mean_wait_s, rel=0.02)
    solve = g.mean_over_requests(lambda b: cal.mean_ms(b) / 1000.0)
    latency = result.classes["match"].latency_ms.mean
    assert latency == pytest.approx(1000 * (g.mean_wait_s + solve), rel=0.02)
    mean_solve = sum(p * cal.mean_ms(b) for b, p in zip(g.sizes, g.probabilities, strict=True))
    assert stats.mean_solve_ms == pytest.approx(mean_solve, rel=0.03)
    # utilisation = batch rate x mean solve / solvers (operational law, bulk form)
    assert stats.utilization == pytest.approx(g.batch_rate * mean_solve / 1000 / 50, rel=0.03)
    assert stats.per_worker_rps == pytest.approx(g.mean_batch / (mean_solve / 1000), rel=0.03)


def test_batch_max_only_fills_every_batch_and_waits_b_minus_1_over_2_lambda() -> None:
    """Exact: B = 10 always; a request waits for the 10 - j later arrivals: (b-1)/(2 lambda)."""
    design = _design("batch_max = 10")
    result = simulate(design)
    assert result.components["matcher"].mean_batch_size == 10.0
    assert gathering(20.0, None, 10).mean_wait_s == pytest.approx(9 / 40)
    _check(design, 20.0, None, 10)


def test_window_only_gathers_one_plus_lambda_w_with_lognormal_solves() -> None:
    g = gathering(20.0, 0.5, None)
    assert g.mean_batch == pytest.approx(11.0)
    assert g.mean_wait_s == pytest.approx((0.5 + 20 * 0.25 / 2) / 11)
    _check(_design("batch_window_ms = 500.0", spread="0.3, 0.3, 0.3"), 20.0, 0.5, None)


def test_window_and_batch_max_close_at_whichever_comes_first() -> None:
    _check(_design("batch_window_ms = 500.0\nbatch_max = 8"), 20.0, 0.5, 8)


def test_a_zero_window_solves_each_request_alone() -> None:
    result = simulate(_design("batch_window_ms = 0.0"))
    stats = result.components["matcher"]
    assert stats.mean_batch_size == 1.0 and stats.mean_wait_ms == pytest.approx(0.0, abs=0.01)
    assert result.classes["match"].latency_ms.mean == pytest.approx(5.0, rel=0.01)


def test_bigger_windows_trade_latency_for_throughput_per_solver() -> None:
    """One solver at 250 req/s: solving alone (5 ms each) cannot keep up; batching can."""
    rows = []
    for window in (0.0, 20.0, 100.0):
        r = simulate(_design(f"batch_window_ms = {window}", rate=250.0, workers=1), duration_s=400)
        s = r.components["matcher"]
        rows.append((s.mean_batch_size, s.per_worker_rps, r.verdict, r.classes["match"]))
    assert [row[2] for row in rows] == ["unstable", "stable", "stable"]
    assert rows[0][0] < rows[1][0] < rows[2][0]  # bigger batches
    assert rows[0][1] < rows[1][1] < rows[2][1]  # more requests per second of solver time
    assert rows[1][3].latency_ms.mean < rows[2][3].latency_ms.mean  # and longer waits


def test_the_same_seed_gives_the_same_matcher_run() -> None:
    design = _design("batch_window_ms = 50.0", spread="0.2, 0.2, 0.2", rate=40.0, workers=2)
    runs = [simulate(design, seed=s, duration_s=300).to_json() for s in (3, 3, 4)]
    assert runs[0] == runs[1] != runs[2]
