"""The mock interview's clock and method: four steps with suggested time splits, pausable.

The clock takes the time from its caller (seconds from any monotonic source), so it is
deterministic in tests and knows nothing about timers or threads.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

DEFAULT_MINUTES = 45.0


@dataclass(frozen=True)
class Step:
    title: str
    share: float  # of the whole interview
    what: str


# The four-step method most system-design interviews follow, with the usual time splits.
METHOD: tuple[Step, ...] = (
    Step(
        "Requirements and scope",
        5 / 45,
        "Ask what the system must do and for whom; agree on the numbers that matter (peak "
        "rate, latency, durability, budget) and on what is out of scope.",
    ),
    Step(
        "Estimates",
        5 / 45,
        "Turn the numbers into load: requests per second at the peak, busy workers, "
        "storage a day, cache size. Round boldly; the order of magnitude is the point.",
    ),
    Step(
        "High-level design",
        15 / 45,
        "Draw the boxes and the paths requests take; say which calls are synchronous and "
        "where a queue ends the response. Check it against the numbers.",
    ),
    Step(
        "Deep dive and trade-offs",
        20 / 45,
        "Find the bottleneck and what fixes it; what fails, what retries, what it costs; "
        "what you would do at ten times the traffic.",
    ),
)


@dataclass
class InterviewClock:
    """Elapsed time with pauses, and which step the candidate is on (they move on by hand)."""

    total_s: float = DEFAULT_MINUTES * 60.0
    steps: tuple[Step, ...] = METHOD
    _started: float | None = None
    _paused_at: float | None = None
    _paused_total: float = 0.0
    step: int = 0
    splits: list[float] = field(default_factory=list)  # elapsed time when each step ended

    @property
    def running(self) -> bool:
        return self._started is not None and self._paused_at is None

    @property
    def started(self) -> bool:
        return self._started is not None

    def start(self, now: float) -> None:
        if self._started is None:
            self._started = now

    def pause(self, now: float) -> None:
        if self.running:
            self._paused_at = now

    def resume(self, now: float) -> None:
        if self._paused_at is not None:
            self._paused_total += now - self._paused_at
            self._paused_at = None

    def elapsed(self, now: float) -> float:
        if self._started is None:
            return 0.0
        until = self._paused_at if self._paused_at is not None else now
        return max(0.0, until - self._started - self._paused_total)

    def remaining(self, now: float) -> float:
        return max(0.0, self.total_s - self.elapsed(now))

    def over(self, now: float) -> bool:
        return self.started and self.remaining(now) <= 0.0

    def next_step(self, now: float) -> None:
        """The candidate moves on; the split of the step they leave is recorded."""
        if self.step < len(self.steps):
            self.splits.append(self.elapsed(now))
            self.step += 1

    def planned_s(self, index: int) -> float:
        return self.steps[index].share * self.total_s

    def step_times(self, now: float) -> list[float]:
        """Time spent on each step so far (the current one still counting)."""
        marks = [0.0, *self.splits]
        spent = [b - a for a, b in itertools.pairwise(marks)]
        if self.step < len(self.steps):
            spent.append(self.elapsed(now) - marks[-1])
        return spent


def clock_text(seconds: float) -> str:
    """'44:59' (or '1:02:03' past an hour)."""
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"
