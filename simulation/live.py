"""Partial time series of a running simulation, for charts that grow while it runs.

``simulate`` wraps a Progress that ``wants_partial`` in a :class:`LiveFeed`: every time the
engine reports progress (each 1% of simulated time) the feed forwards the report and, at most
``MAX_HZ`` times a second of wall-clock time, publishes a :class:`LiveFrame` holding only the
time-series buckets closed since the previous frame (a few list slices: cheap for the run).
A listener adds the frames to a :class:`LiveSeries`, which holds the run so far. No Qt here:
the desktop app's job runner carries the frames to the UI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from freightlab.progress import Progress

if TYPE_CHECKING:
    from simulation.engine import Engine

MAX_HZ = 4.0  # frames per second of wall-clock time, at most

Values = list[float]
Gappy = list[float | None]  # a bucket without a completion has no latency percentile


@dataclass(frozen=True)
class LiveFrame:
    """Time-series buckets ``start`` .. ``start + len(time_s) - 1`` of a running simulation."""

    design: str
    bucket_s: float
    duration_s: float
    warmup_s: float
    fraction: float  # of simulated time done
    start: int
    time_s: Values
    throughput: dict[str, Values]  # per class, completions per second
    offered: dict[str, Values]  # per class, arrivals per second
    p50: dict[str, Gappy]  # per class, ms
    p99: dict[str, Gappy]
    queue_len: dict[str, Values]  # per component, mean requests waiting


def _extend(
    into: dict[str, list[float | None]], more: dict[str, Values] | dict[str, Gappy]
) -> None:
    for name, values in more.items():
        into.setdefault(name, []).extend(values)


@dataclass
class LiveSeries:
    """Everything a run has shown so far: the frames added together, in order."""

    design: str = ""
    bucket_s: float = 1.0
    duration_s: float = 0.0
    warmup_s: float = 0.0
    fraction: float = 0.0
    time_s: Values = field(default_factory=list)
    throughput: dict[str, list[float | None]] = field(default_factory=dict)
    offered: dict[str, list[float | None]] = field(default_factory=dict)
    p50: dict[str, list[float | None]] = field(default_factory=dict)
    p99: dict[str, list[float | None]] = field(default_factory=dict)
    queue_len: dict[str, list[float | None]] = field(default_factory=dict)
    frames: int = 0

    def add(self, frame: LiveFrame) -> None:
        """Append a frame; one that repeats or skips buckets (out of order) is refused."""
        if frame.start != len(self.time_s):
            raise ValueError(f"frame starts at bucket {frame.start}, have {len(self.time_s)}")
        self.design, self.bucket_s = frame.design, frame.bucket_s
        self.duration_s, self.warmup_s = frame.duration_s, frame.warmup_s
        self.fraction = frame.fraction
        self.time_s.extend(frame.time_s)
        for mine, theirs in (
            (self.throughput, frame.throughput),
            (self.offered, frame.offered),
            (self.p50, frame.p50),
            (self.p99, frame.p99),
            (self.queue_len, frame.queue_len),
        ):
            _extend(mine, theirs)
        self.frames += 1

    def __len__(self) -> int:
        return len(self.time_s)


class LiveFeed(Progress):
    """A Progress around the caller's that also publishes the engine's newest buckets."""

    def __init__(
        self, outer: Progress, max_hz: float = MAX_HZ, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(None)
        self._outer = outer
        self._engine: Engine | None = None
        self._sent = 0
        self._every = 1.0 / max_hz
        self._clock = clock
        self._next = 0.0

    @classmethod
    def around(cls, progress: Progress | None) -> LiveFeed | None:
        """A feed when someone listens for partial results, else None (no cost)."""
        return cls(progress) if progress is not None and progress.wants_partial else None

    def attach(self, engine: Engine) -> None:
        self._engine = engine

    def cancel(self) -> None:
        self._outer.cancel()

    @property
    def cancelled(self) -> bool:
        return self._outer.cancelled

    @property
    def wants_partial(self) -> bool:
        return True

    def publish(self, payload: object) -> None:
        self._outer.publish(payload)

    def update(self, fraction: float, message: str = "") -> None:
        self._outer.update(fraction, message)  # raises Cancelled once asked to stop
        now = self._clock()
        if self._engine is not None and now >= self._next:
            self._next = now + self._every
            frame = self.frame(fraction)
            if frame is not None:
                self._outer.publish(frame)

    def frame(self, fraction: float) -> LiveFrame | None:
        """The buckets closed since the last frame (None when there are none)."""
        eng = self._engine
        if eng is None or len(eng.series.time_s) <= self._sent:
            return None
        s, a = eng.series, self._sent
        self._sent = len(s.time_s)
        return LiveFrame(
            design=eng.design.name,
            bucket_s=eng.bucket_s,
            duration_s=eng.duration,
            warmup_s=eng.warmup,
            fraction=fraction,
            start=a,
            time_s=s.time_s[a:],
            throughput={k: v[a:] for k, v in s.throughput.items()},
            offered={k: v[a:] for k, v in s.offered.items()},
            p50={k: v[a:] for k, v in s.p50.items()},
            p99={k: v[a:] for k, v in s.p99.items()},
            queue_len={k: v[a:] for k, v in s.queue_len.items()},
        )


__all__ = ["MAX_HZ", "LiveFeed", "LiveFrame", "LiveSeries"]
