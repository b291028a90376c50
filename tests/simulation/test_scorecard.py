"""Scorecards come from simulating the candidate's design at the exercise's peak."""

from __future__ import annotations

from pathlib import Path

import pytest

from designs.exercise import EXERCISES, catalog_exercises, load_exercise
from designs.loader import load_design, loads_design
from freightlab.errors import InputError
from simulation.scorecard import honesty_problems, score_design, worker_count

ANSWERS = Path(__file__).resolve().parent / "answers"


def _card(stem: str, design_path: Path | None = None):
    exercise = load_exercise(EXERCISES / f"{stem}.toml")
    design = load_design(design_path) if design_path else exercise.starter_design()
    return exercise, score_design(design, exercise)


def _checks(card) -> dict[str, bool]:
    return {c.name: c.passed for c in card.checks}


def test_every_exercise_loads_with_its_starter() -> None:
    paths = catalog_exercises()
    assert len(paths) >= 3
    for path in paths:
        exercise = load_exercise(path)
        assert exercise.starter_design().components
        assert exercise.requirements.rate_rps > 0


@pytest.mark.parametrize("stem", ["monday_peak", "lane_distances", "post_and_notify"])
def test_starter_fails_at_the_peak_and_model_answer_passes(stem: str) -> None:
    _, starter = _card(stem)
    assert not _checks(starter)["Stable at the peak"]
    assert starter.grade in ("D", "F")

    _, answer = _card(stem, ANSWERS / f"{stem}.toml")
    assert all(_checks(answer).values()), [c for c in answer.checks if not c.passed]
    assert answer.score == answer.max_score and answer.grade == "A"
    assert answer.result.verdict == "stable"


def test_shortening_the_fixed_work_is_caught() -> None:
    exercise = load_exercise(EXERCISES / "monday_peak.toml")
    text = (ANSWERS / "monday_peak.toml").read_text().replace("mean = 200.0", "mean = 20.0")
    cheat = loads_design(text)
    assert honesty_problems(cheat, exercise) == [
        "'matcher' takes 20 ms but the exercise fixes 200 ms"
    ]
    card = score_design(cheat, exercise)
    assert not _checks(card)["Honest service times"]
    assert card.grade != "A" or card.score < card.max_score


def test_latency_near_miss_gets_half_marks() -> None:
    exercise = load_exercise(EXERCISES / "monday_peak.toml")
    strict = exercise.model_copy(
        update={"requirements": exercise.requirements.model_copy(update={"p99_ms": 1500.0})}
    )
    card = score_design(load_design(ANSWERS / "monday_peak.toml"), strict)
    p99 = next(c for c in card.checks if c.name == "Response p99")
    # A lognormal(200 ms, cv 2) service alone has p99 ~ 1.7 s: above 1.5 s, within 1.5x.
    assert not p99.passed and p99.points == p99.max_points / 2


def test_worker_count_counts_servers_not_brokers() -> None:
    design = load_design(ANSWERS / "post_and_notify.toml")
    # load_api 2x2 + matcher 3x8 + notifier 12 = 40; the broker's partitions are free.
    assert worker_count(design) == 40


def test_bad_exercise_files_name_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\nbrief = "y"\nstarter = "monolith.toml"\n[requirements]\n'
        "rate_rps = -1\np99_ms = 100\n"
    )
    with pytest.raises(InputError, match=r"bad.toml.*requirements.rate_rps"):
        load_exercise(bad)
    bad.write_text(
        'name = "x"\nbrief = "y"\nstarter = "nope.toml"\n[requirements]\n'
        "rate_rps = 1\np99_ms = 100\n"
    )
    with pytest.raises(InputError, match=r"field 'starter'.*nope.toml"):
        load_exercise(bad)
