"""The trainer's rules without a window: the interview clock, the reference card, history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from designs.history import Attempt, AttemptStore
from designs.interview import METHOD, InterviewClock, clock_text
from designs.progress_chart import progress_figure
from designs.reference_card import downtime, nines_table, rate_conversions
from freightlab.errors import InputError


def test_clock_counts_pauses_out_and_records_step_splits() -> None:
    clock = InterviewClock()
    assert clock.total_s == 45 * 60 and clock.elapsed(10.0) == 0.0
    clock.start(100.0)
    assert clock.running and clock.elapsed(160.0) == 60.0
    clock.pause(160.0)
    assert not clock.running and clock.elapsed(1000.0) == 60.0
    clock.resume(1000.0)
    clock.next_step(1240.0)  # left step 1 after 300 s of interview
    assert clock.step == 1 and clock.splits == [300.0]
    assert clock.step_times(1300.0) == [300.0, 60.0]
    assert clock_text(clock.remaining(1300.0)) == "39:00"
    assert not clock.over(1300.0) and clock.over(100.0 + 45 * 60 + 840.0)


def test_method_splits_fill_the_interview() -> None:
    assert len(METHOD) == 4
    assert sum(s.share for s in METHOD) == pytest.approx(1.0)
    assert [round(InterviewClock().planned_s(i) / 60) for i in range(4)] == [5, 5, 15, 20]


def test_reference_card_rows_are_computed() -> None:
    rates = dict(rate_conversions())
    assert rates["1 M a day"] == "about 12 a second"
    assert rates["1 M a minute"] == "about 16,700 a second"
    assert downtime(3) == ("99.9%", "8.8 hours", "43.8 minutes")
    assert [row[0] for row in nines_table()] == ["99%", "99.9%", "99.99%", "99.999%"]


def _attempt(exercise: str = "monday_peak", score: float = 80.0, passed: bool = False) -> Attempt:
    return Attempt(
        exercise=exercise,
        exercise_name=exercise.replace("_", " "),
        seconds_used=1234.5,
        hints_used=1,
        score=score,
        max_score=90.0,
        grade="B",
        passed=passed,
        design_name="mine",
        design_toml='name = "mine"\n',
        scorecard={"grade": "B", "requirements": [{"name": "p99", "met": False}]},
        estimates=[{"name": "peak_rps", "answer": 30.0}],
    )


def test_history_keeps_attempts_across_reopening(tmp_path: Path) -> None:
    path = tmp_path / "data" / "attempts.sqlite"
    store = AttemptStore(path)
    first = store.add(_attempt())
    second = store.add(_attempt("url_shortener", 90.0, True))
    assert first.id is not None and second.id == first.id + 1 and first.finished_at
    again = AttemptStore(path)
    assert [a.exercise for a in again.attempts()] == ["monday_peak", "url_shortener"]
    assert [a.id for a in again.attempts("url_shortener")] == [second.id]
    got = again.get(first.id)
    assert got.scorecard["requirements"][0]["name"] == "p99"
    assert got.design_toml == 'name = "mine"\n' and got.hints_used == 1
    with pytest.raises(InputError, match="no attempt 99"):
        again.get(99)


def test_history_refuses_a_newer_schema_and_a_non_database(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite"
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(InputError, match="newer Freightlab"):
        AttemptStore(newer)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match=r"junk\.sqlite"):
        AttemptStore(junk)


def test_progress_chart_has_a_line_per_exercise(tmp_path: Path) -> None:
    attempts = [_attempt(score=40.0), _attempt(score=85.0, passed=True), _attempt("url_shortener")]
    fig = progress_figure(attempts)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["monday peak", "url shortener"]
    fig.savefig(tmp_path / "p.png")
    assert progress_figure([]).axes[0].texts[0].get_text() == "No attempts yet"
