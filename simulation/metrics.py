"""Statistics without storing every request.

Latency percentiles use a log-bucketed histogram (the DDSketch idea): bucket i holds values in
(gamma^(i-1), gamma^i] with gamma = (1 + a) / (1 - a), and reports 2 gamma^i / (gamma + 1),
which is within relative error ``a`` of every value in the bucket. Memory is fixed (a few
thousand counters cover 1 microsecond to 30 years), a record costs one log and one list
increment, histograms merge by adding counts, and the error bound holds for any
distribution, unlike P2 whose error depends on the shape. The mean and max are exact.
"""

from __future__ import annotations

import math

import numpy as np

from simulation.results import LatencyStats

ALPHA = 0.005  # relative error bound of every percentile
_MIN_MS = 1e-3  # values below (including 0) land in the zero bucket
_MAX_MS = 1e12


class LogHistogram:
    __slots__ = ("_gamma", "_inv_ln_gamma", "_offset", "count", "counts", "max", "total")

    def __init__(self, alpha: float = ALPHA) -> None:
        self._gamma = (1.0 + alpha) / (1.0 - alpha)
        self._inv_ln_gamma = 1.0 / math.log(self._gamma)
        lo = math.floor(math.log(_MIN_MS) * self._inv_ln_gamma)
        hi = math.ceil(math.log(_MAX_MS) * self._inv_ln_gamma)
        self._offset = 1 - lo  # index 0 is the zero bucket
        self.counts = [0] * (hi - lo + 2)
        self.count = 0
        self.total = 0.0
        self.max = 0.0

    def record(self, x: float) -> None:
        self.count += 1
        self.total += x
        if x > self.max:
            self.max = x
        if x <= _MIN_MS:
            self.counts[0] += 1
            return
        i = math.ceil(math.log(x) * self._inv_ln_gamma) + self._offset
        if i >= len(self.counts):
            i = len(self.counts) - 1
        self.counts[i] += 1

    def merge(self, other: LogHistogram) -> None:
        if other._gamma != self._gamma:
            raise ValueError("histograms with different accuracy")
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.count += other.count
        self.total += other.total
        self.max = max(self.max, other.max)

    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    def quantiles(self, qs: list[float]) -> list[float]:
        """Values at ranks ceil(q * n) (the 'inverted CDF' definition), within ALPHA."""
        if not self.count:
            return [0.0] * len(qs)
        cum = np.cumsum(np.asarray(self.counts, dtype=np.int64))
        out = []
        for q in qs:
            rank = max(1, math.ceil(q * self.count))
            i = int(np.searchsorted(cum, rank, side="left"))
            if i == 0:
                out.append(0.0)
            else:
                k = i - self._offset
                out.append(min(2.0 * self._gamma**k / (self._gamma + 1.0), self.max))
        return out

    def stats(self) -> LatencyStats:
        p50, p95, p99 = self.quantiles([0.5, 0.95, 0.99])
        return LatencyStats(
            count=self.count, mean=self.mean(), p50=p50, p95=p95, p99=p99, max=self.max
        )


class ClassRecorder:
    """Counters and histograms of one request class (requests arriving after the warm-up)."""

    __slots__ = (
        "bucket_arrivals",
        "bucket_done",
        "bucket_failed",
        "bucket_lat",
        "completed",
        "dropped",
        "e2e",
        "e2e_failed",
        "e2e_seen",
        "failed",
        "index",
        "latency",
        "name",
        "offered",
        "rejected",
        "timed_out",
    )

    def __init__(self, name: str, index: int) -> None:
        self.name = name
        self.index = index
        self.offered = 0
        self.completed = 0
        self.rejected = 0
        self.dropped = 0
        self.timed_out = 0
        self.failed = 0
        self.e2e_failed = 0
        self.e2e_seen = False
        self.latency = LogHistogram()
        self.e2e = LogHistogram()
        self.bucket_done = 0
        self.bucket_arrivals = 0
        self.bucket_failed = 0
        self.bucket_lat: list[float] = []


def bucket_percentiles(values: list[float]) -> tuple[float | None, float | None]:
    """Exact p50 and p99 of one time bucket (few values: sorting is cheap)."""
    if not values:
        return None, None
    s = sorted(values)
    n = len(s)
    return s[max(0, math.ceil(0.5 * n) - 1)], s[max(0, math.ceil(0.99 * n) - 1)]
