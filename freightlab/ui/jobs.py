"""The one job runner every area uses: a worker, a progress bar, Cancel, a busy state.

A :class:`~freightlab.jobs.Job` (Qt-free) says what to run and what to do with its outcome;
:class:`JobRunner` runs it in the thread pool (``freightlab.ui.worker.Task``), shows its
progress on the area's bar, enables the area's Cancel button, reports ``busy_changed`` and
calls the job back on the UI thread, never after the area was destroyed. One foreground
job at a time (``run``); ``background`` jobs (a board-file read) run beside it, barless.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QAbstractButton, QProgressBar, QWidget
from shiboken6 import isValid

from freightlab.jobs import Job, deliver
from freightlab.ui.worker import Task, start

#: Bar texts at the end of a job, for areas that keep their bar visible (None: unchanged).
END_TEXTS = {"done": "%p%  done", "cancelled": "cancelled", "failed": "failed"}


class JobRunner(QObject):
    """Runs an area's jobs. ``bar``/``cancel``: the area's widgets (optional);
    ``hide_when_idle``: show them only while a job runs (the desk) instead of keeping them
    (the Lab, Rehearse); ``messages``: put the job's progress messages on the bar;
    ``end_texts``: what the bar says once a job is done, cancelled or failed (e.g.
    :data:`END_TEXTS`); ``notify``: where a failure without a handler goes."""

    busy_changed = Signal(bool)

    def __init__(
        self,
        owner: QWidget,
        bar: QProgressBar | None = None,
        cancel: QAbstractButton | None = None,
        *,
        hide_when_idle: bool = False,
        messages: bool = False,
        end_texts: Mapping[str, str] | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(owner)
        self._owner = owner
        self.bar = bar
        self.cancel_button = cancel
        self.hide_when_idle = hide_when_idle
        self.messages = messages
        self.end_texts = end_texts
        self.notify = notify or (lambda _message: None)
        self.task: Task | None = None  # the foreground job's task
        self._stop: Any = None  # what Cancel trips for it
        self._partial: Callable[[Any], None] | None = None  # hears its partial results
        self._background: set[Task] = set()
        if cancel is not None:
            cancel.clicked.connect(self.cancel)
        self._show(False)

    # ---------------------------------------------------------------- state
    def busy(self) -> bool:
        """A foreground job runs."""
        return self.task is not None

    def working(self) -> bool:
        """Any job of this runner runs (foreground or background)."""
        return self.task is not None or bool(self._background)

    def cancel(self) -> None:
        """Cancel the foreground job (a write stops only before its commit point)."""
        if self._stop is not None:
            self._stop.cancel()
        elif self.task is not None:
            self.task.cancel()

    # ---------------------------------------------------------------- running
    def run(self, job: Job[Any]) -> Task:
        """Run ``job`` as the foreground job (the caller checks ``busy()`` first)."""
        task = Task(job.work, partial=job.partial is not None)
        self.task, self._stop = task, job.stop
        if self.bar is not None:
            self.bar.setRange(0, 100)
            self.bar.setValue(0)
            self.bar.setFormat(job.bar or job.text.rstrip("…") + " %p%")
        task.signals.progress.connect(self._on_progress)
        self._partial = job.partial
        if job.partial is not None:
            task.signals.partial.connect(self._on_partial)  # a slot here: runs on the UI thread
        self._connect(task, job, foreground=True)
        self._show(True)
        self.busy_changed.emit(True)
        return start(task)

    def background(self, job: Job[Any]) -> Task:
        task = Task(job.work)
        self._background.add(task)
        self._connect(task, job, foreground=False)
        return start(task)

    def _connect(self, task: Task, job: Job[Any], foreground: bool) -> None:
        s = task.signals
        s.done.connect(lambda result: self._ended(task, job, "done", result, foreground))
        s.failed.connect(lambda message: self._ended(task, job, "failed", message, foreground))
        s.cancelled.connect(lambda: self._ended(task, job, "cancelled", None, foreground))

    def _ended(self, task: Task, job: Job[Any], kind: str, value: Any, foreground: bool) -> None:
        if not isValid(self._owner) or not isValid(self):  # the area was destroyed meanwhile
            return
        if foreground and self.task is task:
            self.task, self._stop = None, None
            if self.bar is not None and self.end_texts is not None:
                self.bar.setFormat(self.end_texts[kind])
                if kind == "done":
                    self.bar.setValue(100)
            self._show(False)
            self.busy_changed.emit(False)
        self._background.discard(task)
        deliver(job, kind, value, self.notify)

    def _on_partial(self, payload: Any) -> None:
        """A partial result of the foreground job (not of one that ended or was cancelled)."""
        task = self.task
        if task is None or not isValid(self._owner) or task.progress.cancelled:
            return
        if self.sender() is task.signals and self._partial is not None:
            self._partial(payload)

    def _on_progress(self, percent: int, message: str) -> None:
        if self.bar is None or not isValid(self.bar):
            return
        self.bar.setValue(percent)
        if self.messages and message:
            self.bar.setFormat(f"%p%  {message}")

    def _show(self, busy: bool) -> None:
        if self.cancel_button is not None:
            if self.hide_when_idle:
                self.cancel_button.setVisible(busy)
            else:
                self.cancel_button.setEnabled(busy)
        if self.bar is not None and self.hide_when_idle:
            self.bar.setVisible(busy)


__all__ = ["JobRunner"]
