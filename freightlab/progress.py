"""Progress and cancellation for long core work, without Qt.

Core functions that may run long take an optional ``Progress``; they call ``update`` now and
then, which reports a fraction in [0, 1] and raises ``Cancelled`` once someone asked to stop.
The UI worker wraps this in Qt signals; the CLI passes nothing (or a printer).

Besides the fraction, long work may ``publish`` partial results (a running simulation's
newest time-series buckets) for a listener that asked for them (``partial=``); work checks
``wants_partial`` first, so nobody pays for snapshots no one reads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Cancelled(Exception):
    """Raised inside long work after ``Progress.cancel()``."""


class Progress:
    def __init__(
        self,
        report: Callable[[float, str], None] | None = None,
        partial: Callable[[object], None] | None = None,
    ) -> None:
        self._report = report
        self._partial = partial
        self._cancel = threading.Event()

    @property
    def wants_partial(self) -> bool:
        """Someone listens for partial results."""
        return self._partial is not None

    def publish(self, payload: object) -> None:
        """Hand a partial result to the listener (no-op without one)."""
        if self._partial is not None:
            self._partial(payload)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def update(self, fraction: float, message: str = "") -> None:
        if self._cancel.is_set():
            raise Cancelled()
        if self._report is not None:
            self._report(min(1.0, max(0.0, fraction)), message)


def check(progress: Progress | None, fraction: float, message: str = "") -> None:
    """``progress.update`` when a Progress was given; a no-op otherwise."""
    if progress is not None:
        progress.update(fraction, message)


class ThrottledProgress(Progress):
    """Forwards at most one report per percent: a chatty solver cannot flood the UI thread."""

    def __init__(self, outer: Progress) -> None:
        super().__init__(None)
        self._outer = outer
        self._last = -1

    @property
    def wants_partial(self) -> bool:
        return self._outer.wants_partial

    def publish(self, payload: object) -> None:
        self._outer.publish(payload)

    def update(self, fraction: float, message: str = "") -> None:
        if self._outer.cancelled:
            self._outer.update(fraction, message)  # raises Cancelled
        pct = int(fraction * 100)
        if pct != self._last:
            self._last = pct
            self._outer.update(fraction, message)
