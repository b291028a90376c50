"""Back-of-envelope answers are checked against theory or the reference's simulation."""

from __future__ import annotations

import math

import pytest

from designs.exercise import EXERCISES, catalog_exercises, load_exercise
from simulation.estimates import EstimateCheck, check_estimates, needs_simulation
from simulation.scorecard import score_design


def _check(answer: float | None, truth: float) -> EstimateCheck:
    return EstimateCheck("x", "?", "requests/s", answer, truth, "theory", "the peak")


def test_factor_off_and_verdicts() -> None:
    assert _check(30.0, 30.0).factor == 1.0
    assert _check(60.0, 30.0).factor == pytest.approx(2.0)
    assert _check(10.0, 30.0).factor == pytest.approx(3.0)
    assert _check(0.0, 30.0).factor == math.inf
    assert [_check(a, 30.0).verdict for a in (45.0, 100.0, 300.0, None)] == [
        "good",
        "ballpark",
        "off",
        "not answered",
    ]
    assert "3.0x too low" in _check(10.0, 30.0).describe()


def test_theory_answers_need_no_simulation() -> None:
    exercise = load_exercise(EXERCISES / "url_shortener.toml")
    checks = {c.name: c for c in check_estimates(exercise, {"peak_rps": 486.0}, None)}
    assert checks["peak_rps"].truth == 500.0 and checks["peak_rps"].verdict == "good"
    # 1% of 500/s creates x 86,400 s x 500 bytes = 0.216 GB a day.
    assert checks["storage"].truth == pytest.approx(0.216)
    entries = checks["cache_entries"].truth
    assert 1_000 < entries < 50_000  # Zipf 1.1 over 200,000 links: a few per cent for 80%


def test_the_burst_top_is_the_peak_of_a_bursty_exercise() -> None:
    exercise = load_exercise(EXERCISES / "rate_limiter.toml")
    peak = next(c for c in check_estimates(exercise, {}, None) if c.name == "peak_rps")
    assert peak.truth == pytest.approx(90.0)


def test_simulated_answers_come_from_the_reference_run() -> None:
    exercise = load_exercise(EXERCISES / "monday_peak.toml")
    assert needs_simulation(exercise)
    assert [c.name for c in check_estimates(exercise, {}, None)] == ["peak_rps"]
    run = score_design(exercise.reference_design(), exercise, replications=1).result
    busy = check_estimates(exercise, {"busy_matchers": 6}, run)[1]
    # 30 requests/s x 200 ms = 6 busy matchers (Little's law), within sampling noise.
    assert busy.truth == pytest.approx(6.0, rel=0.1) and busy.verdict == "good"


def test_every_exercise_has_estimates_and_follow_ups_that_load() -> None:
    for path in catalog_exercises():
        exercise = load_exercise(path)
        assert exercise.estimates, path.name
        assert exercise.follow_ups, path.name
        for i in range(len(exercise.follow_ups)):
            harder = exercise.follow_up(i)
            assert harder.requirements.rate_rps >= exercise.requirements.rate_rps
