"""Rehearse's scoring job: everything after the click that is not a widget update, in a worker.

The seeds run in the warm local worker pool (so the simulation does not compete with the UI
thread for the GIL), then, still in the worker, the attempt is saved to the history, the
history read back and its progress chart drawn by Agg; the UI thread only fills tables and
blits the picture (it used to build and draw the chart and write the file itself: 80-150 ms).
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.figure import Figure
from PySide6.QtGui import QImage

from designs.exercise import Exercise
from designs.history import Attempt, AttemptStore
from designs.progress_chart import progress_figure
from designs.schema import Design
from freightlab.errors import InputError
from freightlab.progress import Progress
from simulation.charts import render_rgba
from simulation.executors import available_cpus
from simulation.rehearsal import Outcome, attempt_record, run_attempt
from simulation.scorecard import Scorecard

#: Pixels of the progress chart when the history tab has not been laid out yet.
CHART_PX = (500, 260)


@dataclass(frozen=True)
class Keep:
    """Where and how the attempt goes into the history (None store: it is not kept)."""

    store: AttemptStore | None
    exercise_stem: str
    seconds_used: float
    follow_up: str
    chart_px: tuple[int, int]


@dataclass(frozen=True)
class Scored:
    outcome: Outcome
    attempts: list[Attempt] | None  # the history after this attempt (None: not read)
    save_error: str  # why the attempt was not saved ("" when it was, or was not to be)
    history_error: str  # why the history could not be read
    chart: tuple[Figure, QImage] | None


def score_and_keep(
    design: Design,
    exercise: Exercise,
    answers: dict[str, float | None],
    hints: int,
    reference: Scorecard | None,
    keep: Keep,
    progress: Progress,
) -> Scored:
    """Score (in the worker pool), save the attempt, read the history, draw its chart."""
    processes = min(available_cpus(), exercise.requirements.replications)
    outcome = run_attempt(design, exercise, answers, hints, reference, progress, processes)
    if keep.store is None:
        return Scored(outcome, None, "", "", None)
    record = attempt_record(outcome, keep.exercise_stem, design, keep.seconds_used, keep.follow_up)
    save_error = history_error = ""
    try:
        keep.store.add(record)
    except InputError as exc:
        save_error = str(exc)
    try:
        attempts = keep.store.attempts()
    except InputError as exc:
        return Scored(outcome, None, save_error, str(exc), None)
    figure = progress_figure(attempts)
    return Scored(
        outcome, attempts, save_error, history_error, (figure, chart_image(figure, keep.chart_px))
    )


def chart_image(figure: Figure, size_px: tuple[int, int]) -> QImage:
    """The figure drawn by Agg, as a QImage the raster painter blits as is (any thread)."""
    r = render_rgba(figure, *size_px)
    image = QImage(r.rgba, r.width, r.height, r.width * 4, QImage.Format.Format_RGBA8888)
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
