"""Verdicts that tell the truth: stable, degraded (with its span) or unstable (with what can
be said instead of latencies), and theory agreement only where both sides are comparable."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_engine_designs import design, poisson, service

from designs.loader import load_design
from simulation import simulate
from simulation.analytic import predict_or_explain
from simulation.backlog import BacklogGuard, Caps
from simulation.cli import format_result
from simulation.results import Window
from simulation.theory_check import Disagreement, compare_to_theory, theory_summary

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"
SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")


def test_unstable_summary_says_unstable_without_fake_latencies_or_agreement() -> None:
    d = load_design(CATALOG / "monolith.toml")
    r = simulate(d, rate_rps=30.0)
    assert r.verdict == "unstable" and r.overload is not None
    o = r.overload
    assert o.capacity_rps == pytest.approx(3.0, rel=0.1)
    assert o.offered_rps == pytest.approx(30.0, rel=0.05)
    assert 20.0 < o.growth_rps < 30.0  # about offered minus capacity
    assert o.oldest_wait_s > 60.0
    text = format_result(r)
    assert "UNSTABLE" in text and "no latency figures" in text
    row = next(line for line in text.splitlines() if line.startswith("match"))
    assert "—" in row and " 0 ms" not in row and "0.0" not in row
    prediction, gaps = predict_or_explain(d.with_rate(30.0))
    assert prediction is not None and not prediction.stable
    summary = theory_summary(r, prediction, gaps)
    assert "agree" not in summary and "overload" in summary
    assert not SCIENTIFIC.search(text + summary)


def test_replica_outage_reads_degraded_with_the_outage_span() -> None:
    r = simulate(load_design(CATALOG / "replica_outage.toml"))
    assert r.verdict == "degraded"
    assert r.to_json()["verdict"] == "degraded"
    span = r.degraded[0]
    assert 1200.0 <= span.start_s <= 1230.0  # the outage starts at 20:00
    assert span.end_s >= 1800.0  # ... and the stuck requests drain after it ends
    assert span.causes == ["outage of matcher replica 0"]
    assert span.worst_latency_ms > 100 * span.normal_latency_ms
    text = format_result(r)
    assert "DEGRADED" in text and "20:0" in text and "outage of matcher replica 0" in text
    assert "least_connections" in r.bottleneck_explanation  # advice aims at the outage
    assert r.windows and r.windows[0].start_s == 1200.0 and r.windows[0].end_s == 1800.0


def test_without_the_outage_the_same_design_is_stable() -> None:
    text = (CATALOG / "replica_outage.toml").read_text()
    r = simulate(load_design(CATALOG / "replica_outage.toml"), duration_s=1100)
    assert "[[faults]]" in text and r.verdict == "stable" and not r.degraded


SLOW = """
[[faults]]
component = "s"
kind = "slowdown"
factor = 4.0
at_s = 300.0
duration_s = 350.0
"""


def test_transient_slowdown_runs_to_the_end_and_the_backlog_drains() -> None:
    # 100 req/s on 8 workers of 60 ms (75% busy); 4x slower for 350 s the capacity drops to
    # 33 req/s and the backlog builds past the old 20,000 in-flight cap, then drains.
    d = design(service("s", 60.0, workers=8) + SLOW, poisson("s", 100.0), duration=1800)
    r = simulate(d)
    assert not r.stopped_early and r.duration_s == 1800.0
    backlog = r.timeseries.backlog
    assert max(backlog) > 20_000
    assert backlog[-1] < 100  # drained
    assert r.verdict == "degraded"
    assert r.degraded[0].causes == ["4x slowdown of s"]
    assert r.degraded[0].start_s == pytest.approx(300.0, abs=30.0)


def test_the_memory_bound_still_holds_during_a_fault() -> None:
    d = design(service("s", 60.0, workers=8) + SLOW, poisson("s", 100.0), duration=1800)
    r = simulate(d, max_in_system=5_000)
    assert r.stopped_early and r.verdict == "unstable"
    assert "memory bound" in r.stop_reason and "slowdown of s" in r.stop_reason


def test_guard_stops_growth_only_outside_windows() -> None:
    guard = BacklogGuard(Caps(100, 10_000), [Window(50.0, 80.0, "outage of x", "outage")], 10.0)
    quiet = [guard.on_tick(float(t), 50 + t % 3) for t in range(1, 50)]
    built = [guard.on_tick(float(t), 50 * (t - 48)) for t in range(50, 81)]
    assert all(r is None for r in quiet + built)  # below the soft cap, then inside the outage
    draining = [guard.on_tick(float(t), 1600 - 10 * (t - 80)) for t in range(81, 120)]
    assert all(r is None for r in draining)
    growing = [guard.on_tick(float(t), 1210 + 50 * (t - 120)) for t in range(120, 140)]
    assert any(r is not None and "growing" in r for r in growing)


def test_theory_compares_only_finite_figures_and_formats_for_people() -> None:
    d = load_design(CATALOG / "monolith.toml")
    r = simulate(d, duration_s=1200)
    prediction, _ = predict_or_explain(d)
    assert prediction is not None
    assert compare_to_theory(r, prediction) == compare_to_theory(r, prediction)
    text = str(Disagreement("component 'matcher'", "mean_wait_ms", 19370.4, 2530.0, 2040.0))
    assert text == (
        "component 'matcher' mean wait: simulated 19.4 s, theory says 2.53 s"
        " (+666%; allowed ± 2.04 s)"
    )
    util = str(Disagreement("component 'matcher'", "utilization", 0.875, 0.9, 0.01))
    assert "87.5%" in util and "90%" in util


def test_json_carries_windows_degraded_spans_and_overload(tmp_path: Path) -> None:
    from main import main

    out = tmp_path / "r.json"
    assert main(["simulate", str(CATALOG / "replica_outage.toml"), "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["verdict"] == "degraded" and data["overload"] is None
    assert data["degraded"][0]["causes"] == ["outage of matcher replica 0"]
    assert data["windows"][0]["kind"] == "outage"
    assert len(data["timeseries"]["backlog"]) == len(data["timeseries"]["time_s"])


def test_summary_numbers_read_for_people() -> None:
    r = simulate(load_design(CATALOG / "monolith.toml"), duration_s=2000)
    text = format_result(r)
    row = next(line for line in text.splitlines() if line.startswith("match"))
    assert re.search(r"\b\d,\d{3}\b", row)  # thousands separators in the counts
    assert re.search(r"\d(\.\d+)? s\b", row)  # seconds-long latencies read in s, not ms
    assert "%" in text and not SCIENTIFIC.search(text)
    assert re.search(r"holds a worker \d+(\.\d+)? (ms|s) per visit", r.bottleneck_explanation)
