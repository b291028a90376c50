"""The exercise, not the candidate, sets the traffic a design is scored under."""

from __future__ import annotations

import pytest

from designs.exercise import EXERCISES, load_exercise
from designs.trial import arrival_for, mean_rate, trial_design


def test_burst_and_diurnal_shapes_peak_at_the_requirement() -> None:
    exercise = load_exercise(EXERCISES / "rate_limiter.toml")
    burst = arrival_for(exercise.traffic, 30.0, 600.0)
    assert (burst.process, burst.rate_rps, burst.burst_rate_rps) == ("bursty", 30.0, 90.0)
    day = load_exercise(EXERCISES / "ci_pipeline.toml")
    diurnal = arrival_for(day.traffic, 0.05, 86_400.0)
    assert diurnal.process == "diurnal" and diurnal.period_s == 86_400.0
    assert diurnal.rate_rps * (1 + day.traffic.amplitude) == pytest.approx(0.05)
    assert mean_rate(day) == pytest.approx(0.05 / 1.8)


def test_mix_keys_and_faults_are_imposed() -> None:
    exercise = load_exercise(EXERCISES / "marketplace_platform.toml")
    run, problems = trial_design(exercise.reference_design(), exercise)
    assert problems == []
    rates = {c.name: c.arrival.rate_rps for c in run.workload.classes}
    # Diurnal: the mean rate is the peak share / (1 + amplitude).
    assert rates == pytest.approx({"search": 160.0 / 1.5, "post_load": 40.0 / 1.5})
    keys = {c.name: c.keys for c in run.workload.classes}
    assert keys["search"] == exercise.traffic.keys and keys["post_load"] is None  # keys_for
    assert run.workload.duration_s == exercise.requirements.duration_s

    quotes = load_exercise(EXERCISES / "third_party_api.toml")
    run, problems = trial_design(quotes.starter_design(), quotes)
    assert [f.component for f in run.faults] == ["carrier_api"] and problems == []


def test_what_the_design_lacks_is_named() -> None:
    quotes = load_exercise(EXERCISES / "third_party_api.toml")
    chat = load_exercise(EXERCISES / "chat_backend.toml")
    # The chat exercise sends 'message' and 'presence'; the quote design has neither and
    # no 'delivery' component whose service time the exercise fixes.
    _, problems = trial_design(quotes.reference_design(), chat)
    assert "request class 'message' is missing (the exercise sends it)" in problems
    _, problems = trial_design(chat.reference_design(), quotes)
    assert any("'carrier_api' is missing (the exercise fails it" in p for p in problems)
