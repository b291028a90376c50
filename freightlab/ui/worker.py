"""Run long core work off the UI thread, with progress signals and a cancel that works.

Usage::

    task = Task(lambda progress: match(trucks, loads, graph, progress=progress))
    task.signals.progress.connect(bar.setValue)        # 0..100
    task.signals.done.connect(on_result)               # the function's return value
    task.signals.failed.connect(show_error)            # a one-line message
    task.signals.cancelled.connect(on_cancelled)
    start(task)                                        # QThreadPool.globalInstance()
    task.cancel()                                      # from the UI, any time
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

from freightlab.errors import InputError
from freightlab.progress import Cancelled, Progress


class TaskSignals(QObject):
    progress = Signal(int, str)  # percent 0..100, message
    partial = Signal(object)  # a partial result the work published (Progress.publish)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()  # after done/failed/cancelled: lets start() drop its reference


class Task(QRunnable):
    """A QRunnable around ``fn(progress) -> result``; signals arrive on the UI thread."""

    def __init__(self, fn: Callable[[Progress], Any], partial: bool = False) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the owner keeps a reference; signals outlive run()
        self.signals = TaskSignals()
        self._fn = fn
        self.progress = Progress(self._report, self.signals.partial.emit if partial else None)

    def _report(self, fraction: float, message: str) -> None:
        self.signals.progress.emit(round(fraction * 100), message)

    def cancel(self) -> None:
        self.progress.cancel()

    def run(self) -> None:
        try:
            self._run()
        except RuntimeError as exc:
            # The signals' receivers were torn down (the app is quitting): nobody is
            # listening any more, so there is nothing to report to.
            if "deleted" not in str(exc):
                raise
            return
        self.signals.finished.emit()

    def _run(self) -> None:
        try:
            result = self._fn(self.progress)
        except Cancelled:
            self.signals.cancelled.emit()
        except InputError as exc:
            self.signals.failed.emit(str(exc))
        except Exception as exc:  # surfaced in an error dialog, trace kept on stderr
            traceback.print_exc()
            self.signals.failed.emit(f"Internal error: {exc}")
        else:
            if self.progress.cancelled:
                self.signals.cancelled.emit()
            else:
                self.signals.done.emit(result)


class _Keeper(QObject):
    """Holds every started task until it finishes, so a caller that drops (or replaces) its
    reference cannot delete a running task's signals. Lives on the UI thread, so the release
    slot runs there too."""

    def __init__(self) -> None:
        super().__init__()
        self.running: set[Task] = set()

    def keep(self, task: Task) -> None:
        self.running.add(task)
        task.signals.finished.connect(
            lambda: self.running.discard(task), Qt.ConnectionType.QueuedConnection
        )


_keeper: _Keeper | None = None


def start(task: Task) -> Task:
    global _keeper
    if _keeper is None:
        _keeper = _Keeper()
    _keeper.keep(task)
    QThreadPool.globalInstance().start(task)
    return task


def shutdown(timeout_ms: int = 5000) -> bool:
    """Cancel every running task and wait for the pool; call when the app quits."""
    if _keeper is not None:
        for task in list(_keeper.running):
            task.cancel()
    return QThreadPool.globalInstance().waitForDone(timeout_ms)


def running_tasks() -> int:
    """How many started tasks have not finished (tests wait for 0)."""
    return len(_keeper.running) if _keeper is not None else 0
