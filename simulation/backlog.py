"""Requests in flight: the one place that decides when a growing backlog means "unstable".

A backlog that grows during a fault (or a burst) and drains afterwards is the transient the
user wants to see, not instability; a backlog that keeps growing while nothing is disturbed
means the offered load exceeds capacity. ``BacklogGuard`` tells the two apart on every
time-series tick:

- below ``soft_cap`` requests in flight nothing is decided (a few seconds of arrivals);
- above it, the run stops as unstable only when the backlog grew over the last
  ``growth_window_s`` while no disturbance window was open (a fault, or a burst cycle of the
  arrival process) - a draining backlog, or one built inside a fault, runs on;
- ``hard_cap`` bounds memory whatever happens (about 450 bytes per request in flight, so the
  default, at most 400,000, is under 200 MB); reaching it stops the run at once.

``simulation.budget`` estimates a run's work with the soft cap: where a run whose backlog must
grow stops.

The engine calls ``over_hard_cap`` on every arrival and ``on_tick`` on every bucket.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from designs.schema import Design
from simulation.results import Window

DEFAULT_SOFT_CAP = 20_000
MAX_AUTO_SOFT_CAP = 200_000  # the automatic soft cap never goes past this
HARD_CAP_FACTOR = 20
MAX_AUTO_HARD_CAP = 400_000  # nor the automatic memory bound (about 180 MB of requests)
SOFT_CAP_SECONDS = 30.0  # 30 s of arrivals in flight: by Little's law, a mean response > 30 s
GROWTH_WINDOW_S = 30.0


def fault_windows(design: Design) -> list[Window]:
    out = []
    for f in design.faults:
        where = f.component if f.replica is None else f"{f.component} replica {f.replica}"
        what = f"{f.factor:g}x slowdown" if f.kind == "slowdown" and f.factor else f.kind
        out.append(Window(f.at_s, f.end_s(), f"{what} of {where}", f.kind))
    return out


def growth_window_s(design: Design) -> float:
    """How far back growth is judged: long enough to span a burst cycle of the arrivals."""
    longest = GROWTH_WINDOW_S
    for rc in design.workload.classes:
        a = rc.arrival
        if a.process == "bursty":
            longest = max(longest, 2.0 * float((a.burst_every_s or 0) + (a.burst_duration_s or 0)))
        elif a.process == "diurnal":
            longest = max(longest, float(a.period_s or 0) / 2.0)
    return min(longest, max(GROWTH_WINDOW_S, design.workload.duration_s / 4.0))


@dataclass(frozen=True)
class Caps:
    soft: int
    hard: int


def caps_for(design: Design, override: int | None = None) -> Caps:
    """``override`` (or the workload's ``max_in_system``) is the hard cap; otherwise the soft
    cap is 20,000 or 30 s of arrivals, whichever is more (at most 200,000), and the hard cap
    20 times that, at most 400,000: in-flight requests are memory."""
    rate = min(design.workload.total_rate(), 1e9)
    soft = min(MAX_AUTO_SOFT_CAP, max(DEFAULT_SOFT_CAP, int(SOFT_CAP_SECONDS * rate)))
    hard = override or design.workload.max_in_system
    if hard is not None:
        return Caps(min(soft, hard), hard)
    return Caps(soft, max(soft, min(MAX_AUTO_HARD_CAP, soft * HARD_CAP_FACTOR)))


class BacklogGuard:
    def __init__(self, caps: Caps, windows: list[Window], growth_window: float) -> None:
        self.soft = caps.soft
        self.hard = caps.hard
        self.windows = windows
        self.growth_window = growth_window
        self.history: deque[tuple[float, int]] = deque()
        self.peak = 0

    def disturbed(self, now: float) -> bool:
        return any(w.start_s <= now <= w.end_s for w in self.windows)

    def over_hard_cap(self, in_flight: int) -> bool:
        return in_flight > self.hard

    def hard_cap_reason(self, now: float) -> str:
        during = next((w.label for w in self.windows if w.start_s <= now <= w.end_s), None)
        where = f" during the {during}" if during else ""
        return (
            f"more than {self.hard:,} requests in flight at t={now:,.0f} s{where}: "
            "the memory bound of the run was reached"
        )

    def on_tick(self, now: float, in_flight: int) -> str | None:
        """The reason to stop as unstable, or None to run on."""
        self.peak = max(self.peak, in_flight)
        hist = self.history
        hist.append((now, in_flight))
        while len(hist) > 1 and hist[1][0] <= now - self.growth_window:
            hist.popleft()
        if in_flight <= self.soft or self.disturbed(now):
            return None
        t0, n0 = hist[0]
        if now - t0 < self.growth_window - 1e-9 or in_flight <= n0:
            return None
        if any(w.start_s <= now and w.end_s >= t0 for w in self.windows):
            return None  # the window looked back into a fault: let it drain first
        growth = (in_flight - n0) / (now - t0)
        return (
            f"{in_flight:,} requests in flight at t={now:,.0f} s and growing by"
            f" {growth:,.1f} per second with no fault active: the offered load exceeds capacity"
        )
