"""A job as data: long work, and what to do with its outcome, without Qt.

Core code that needs work done off the caller's thread (the dispatch session's board-file
writes and reads) describes it as a :class:`Job` and hands it to a :class:`Jobs` runner. The
desktop app's runner (``freightlab.ui.jobs.JobRunner``) runs it in a worker thread, with a
progress bar and a Cancel button, and calls back on the UI thread; tests and scripts use
:class:`RunNow`, which runs it on the spot, so the same logic is tested without a display.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from freightlab.errors import InputError
from freightlab.progress import Cancelled, Progress

R = TypeVar("R")


@dataclass
class Job(Generic[R]):
    """``work(progress)`` in a worker, then ``done(result)`` (or ``failed(message)`` /
    ``cancelled()``) where the job was started. ``stop``: what Cancel trips instead of the
    job's own progress (a write that may only stop before its commit point). ``partial``:
    called with each partial result the work publishes (``Progress.publish``) while it runs."""

    text: str
    work: Callable[[Progress], R]
    done: Callable[[R], None]
    failed: Callable[[str], None] | None = None
    cancelled: Callable[[], None] | None = None
    stop: Progress | None = None
    bar: str | None = None  # the progress bar's text while it runs (default: ``text %p%``)
    partial: Callable[[Any], None] | None = None  # hears what the work publishes, on the UI side


class Jobs(Protocol):
    """Runs jobs: ``run`` in the one foreground slot (progress bar, Cancel, busy state),
    ``background`` beside it (no bar: a board-file read)."""

    def run(self, job: Job[Any]) -> object: ...

    def background(self, job: Job[Any]) -> object: ...


def outcome(job: Job[Any], progress: Progress) -> tuple[str, Any]:
    """Run the work; ("done", result), ("failed", message) or ("cancelled", None)."""
    try:
        result = job.work(progress)
    except Cancelled:
        return "cancelled", None
    except InputError as exc:
        return "failed", str(exc)
    if progress.cancelled:
        return "cancelled", None
    return "done", result


def deliver(job: Job[Any], kind: str, value: Any, notify: Callable[[str], None]) -> None:
    """Hand an outcome to the job's callbacks; a failure nobody handles goes to ``notify``."""
    if kind == "done":
        job.done(value)
    elif kind == "failed":
        (job.failed or notify)(value)
    elif job.cancelled is not None:
        job.cancelled()


class RunNow:
    """Runs every job at once on the calling thread (tests, scripts). ``hold`` keeps
    background jobs until :meth:`release`, so a test can act while a read is "in flight"."""

    def __init__(self, hold_background: bool = False) -> None:
        self.hold_background = hold_background
        self.held: list[Job[Any]] = []
        self.failures: list[str] = []

    def run(self, job: Job[Any]) -> None:
        kind, value = outcome(job, Progress(None, job.partial))
        deliver(job, kind, value, self.failures.append)

    def background(self, job: Job[Any]) -> None:
        if self.hold_background:
            self.held.append(job)
        else:
            self.run(job)

    def release(self) -> None:
        held, self.held = self.held, []
        for job in held:
            self.run(job)


__all__ = ["Job", "Jobs", "RunNow", "deliver", "outcome"]
