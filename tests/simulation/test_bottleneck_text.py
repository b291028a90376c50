"""The bottleneck paragraph gives advice that is true for the load it saw."""

from __future__ import annotations

import re

from designs.loader import loads_design
from simulation.runner import simulate

ONE_SERVICE = """
name = "one service"
[workload]
duration_s = 600
warmup_s = WARMUP
seed = 2
[[workload.classes]]
name = "match"
entry = "matcher"
arrival = { process = "poisson", rate_rps = RATE }
[[components]]
name = "matcher"
kind = "service"
replicas = 2
workers = 2
service_ms = { dist = "exponential", mean = 100.0 }
"""


def _run(rate: float, warmup: float = 60.0):
    text = ONE_SERVICE.replace("RATE", str(rate)).replace("WARMUP", str(warmup))
    return simulate(loads_design(text))


def test_one_more_replica_is_offered_when_it_would_help() -> None:
    result = _run(30.0)  # 3 busy workers of 4
    assert result.verdict == "stable"
    found = re.search(
        r"Adding one replica \(6 workers\) would bring its utilisation to about (\d+)%",
        result.bottleneck_explanation,
    )
    assert found and 45 <= int(found.group(1)) <= 55  # 30/s x 0.1 s / 6 workers = 50%


def test_a_hopeless_overload_asks_for_enough_replicas() -> None:
    result = _run(200.0, warmup=500.0)  # 20 busy workers needed; stops inside the warm-up
    assert result.verdict == "unstable" and result.stopped_early
    text = result.bottleneck_explanation
    assert "One more replica would not be enough" in text
    assert re.search(r"at least (10|11) replicas of 2", text)  # 200/s x 0.1 s = 20 busy
    # Stopped inside the warm-up, visits still come from the configured rate, not 0.
    assert result.components["matcher"].visits > 0.9


def test_the_replica_trade_reads_as_a_fall_in_p99_with_its_theory_figures() -> None:
    result = _run(30.0)
    found = re.search(
        r"by M/M/2 per replica its p99 would fall about (\d+)% \(([\d.,]+) ms → ([\d.,]+) ms\)",
        result.bottleneck_explanation,
    )
    assert found, result.bottleneck_explanation
    before, after = (float(found.group(i).replace(",", "")) for i in (2, 3))
    assert after < before
    assert abs(int(found.group(1)) - 100 * (1 - after / before)) <= 1.5  # rounded figures
    assert "-%" not in result.bottleneck_explanation
