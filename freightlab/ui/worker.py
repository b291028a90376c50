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

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from freightlab.errors import InputError
from freightlab.progress import Cancelled, Progress


class TaskSignals(QObject):
    progress = Signal(int, str)  # percent 0..100, message
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Task(QRunnable):
    """A QRunnable around ``fn(progress) -> result``; signals arrive on the UI thread."""

    def __init__(self, fn: Callable[[Progress], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the owner keeps a reference; signals outlive run()
        self.signals = TaskSignals()
        self._fn = fn
        self.progress = Progress(self._report)

    def _report(self, fraction: float, message: str) -> None:
        self.signals.progress.emit(round(fraction * 100), message)

    def cancel(self) -> None:
        self.progress.cancel()

    def run(self) -> None:
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


def start(task: Task) -> Task:
    QThreadPool.globalInstance().start(task)
    return task
