"""One rehearsal attempt, start to end, without a window: score the candidate's design, score
the reference beside it, check the estimates, and turn the lot into a history record.

The Rehearse view only collects inputs (design, answers, hints, time) and shows what this
returns; it runs ``run_attempt`` in a worker.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from designs.exercise import Exercise
from designs.history import Attempt
from designs.loader import dump_design
from designs.schema import Design
from freightlab.progress import Progress
from simulation.estimates import EstimateCheck, check_estimates
from simulation.scorecard import Check, Scorecard, attempt_score, grade_for, score_design


class _Part(Progress):
    """Reports into ``outer`` as the span [start, end] of it (cancelling through it)."""

    def __init__(self, outer: Progress | None, start: float, end: float, label: str) -> None:
        super().__init__()
        self._outer, self._start, self._end, self._label = outer, start, end, label

    def update(self, fraction: float, message: str = "") -> None:
        if self._outer is not None:
            span = self._end - self._start
            self._outer.update(self._start + span * fraction, f"{self._label}: {message}")


@dataclass(frozen=True)
class Outcome:
    exercise: Exercise
    card: Scorecard
    reference: Scorecard | None
    estimates: list[EstimateCheck]
    hints_used: int

    @property
    def score(self) -> float:
        return attempt_score(self.card, self.hints_used)

    @property
    def grade(self) -> str:
        return grade_for(self.score, self.card.max_score)

    def reference_check(self, name: str) -> Check | None:
        """The reference's result for requirement ``name`` (None without one)."""
        if self.reference is None:
            return None
        return next((c for c in self.reference.checks if c.name == name), None)


def run_attempt(
    design: Design,
    exercise: Exercise,
    answers: dict[str, float | None],
    hints_used: int = 0,
    reference: Scorecard | None = None,
    progress: Progress | None = None,
    processes: int = 1,
) -> Outcome:
    """Score ``design``; score the reference too unless ``reference`` is given (a cache).
    ``processes`` > 1: the seeds run in the warm local worker pool (the same numbers)."""
    share = 1.0 if reference is not None or exercise.reference is None else 0.5
    mine = _Part(progress, 0.0, share, "your design")
    card = score_design(design, exercise, mine, processes=processes)
    if reference is None and exercise.reference is not None:
        theirs = _Part(progress, share, 1.0, "the reference")
        reference = score_design(exercise.reference_design(), exercise, theirs, processes=processes)
    checks = check_estimates(exercise, answers, reference.result if reference else None)
    return Outcome(exercise, card, reference, checks, hints_used)


def attempt_record(
    outcome: Outcome, exercise_stem: str, design: Design, seconds_used: float, follow_up: str = ""
) -> Attempt:
    """The history row of an attempt: its scorecard, its design as TOML, the time it took."""
    card = outcome.card
    return Attempt(
        exercise=exercise_stem,
        exercise_name=outcome.exercise.name,
        seconds_used=seconds_used,
        hints_used=outcome.hints_used,
        score=outcome.score,
        max_score=card.max_score,
        grade=outcome.grade,
        passed=card.passed,
        design_name=design.name,
        design_toml=dump_design(design),
        scorecard=card.to_json(),
        estimates=[
            {**asdict(e), "factor": _json_number(e.factor), "verdict": e.verdict}
            for e in outcome.estimates
        ],
        follow_up=follow_up,
    )


def _json_number(x: float | None) -> float | None:
    return x if x is not None and x != float("inf") else None
