"""The run's verdict, in three honest values.

- ``unstable``: the offered load exceeds capacity in steady state (a component is saturated,
  or the backlog kept growing with nothing disturbed; see ``simulation.backlog``). Latencies of
  such a run describe the few requests that got through, not the design: ``Overload`` says
  what can be said instead (backlog growth, capacity against offered, the oldest wait).
- ``degraded``: stable in steady state, but inside a fault or burst window (and its recovery)
  the run broke its own expectations - its worst latency rose above ``LATENCY_FACTOR`` x its
  normal level, or failures rose well above normal. Each such stretch is a ``DegradedSpan``.
- ``stable``: neither.

"Normal" is the run's own level outside every window: the median over buckets of the worst
latency signal (a bucket's p99, or the age of the oldest request still waiting at its end -
that one sees a request stuck behind an outage while it is stuck, not only once it is done).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from designs.schema import Design
from freightlab import numbers as fmt
from simulation.results import DegradedSpan, Overload, SimResult, Timeseries, Window

LATENCY_FACTOR = 5.0
LATENCY_FLOOR_MS = 10.0  # a rise smaller than this is never "broken"
FAILED_SHARE = 0.05  # failures above normal + this share of arrivals in a bucket
MERGE_GAP_BUCKETS = 5  # broken buckets closer than this form one span
MIN_SPAN_BUCKETS = 2
BURST_SMOOTHING = 5  # buckets averaged before a burst is told from quiet arrivals
MIN_NORMAL_BUCKETS = 20
STUCK_SHARE = 0.01  # waiting requests that make the oldest wait count as the tail
MIN_SPAN_REQUESTS = 100  # a span covers at least this many requests (or MIN_SPAN_BUCKETS)

# What to do about a degradation, by the kind of window that caused it.
ADVICE: dict[str, str] = {
    "outage": (
        "The slow requests are those sent to the component while it was down, not a lack of"
        " capacity: route around a dead replica (least_connections or health checks on the"
        " load balancer), or give callers a timeout so waiting requests fail fast instead."
    ),
    "slowdown": (
        "The backlog built while it was slow and drained afterwards: more headroom there"
        " shortens the recovery, and a timeout with a queue limit sheds load instead of"
        " letting every request wait."
    ),
    "burst": (
        "Bursts above capacity queue up and drain between them: headroom for the burst rate"
        " (or autoscaling, or a rate limit at the gateway) keeps the tail short."
    ),
}
DEFAULT_ADVICE = "Headroom at the affected component shortens the recovery."


@dataclass(frozen=True)
class Judgement:
    verdict: str
    degraded: list[DegradedSpan]


def burst_windows(design: Design, ts: Timeseries) -> list[Window]:
    """Stretches where a bursty class's smoothed offered rate was nearer its burst rate."""
    out: list[Window] = []
    for rc in design.workload.classes:
        a = rc.arrival
        if a.process != "bursty" or not ts.time_s:
            continue
        mid = (float(a.rate_rps or 0.0) + float(a.burst_rate_rps or 0.0)) / 2.0
        series = ts.offered_rps.get(rc.name, [])
        k = BURST_SMOOTHING
        smooth = [
            sum(series[max(0, i - k + 1) : i + 1]) / min(k, i + 1) for i in range(len(series))
        ]
        marks = [v > mid for v in smooth]
        for i, j in _runs(marks, 0):
            start = ts.time_s[i] - ts.bucket_s * k
            out.append(Window(max(0.0, start), ts.time_s[j], f"burst of '{rc.name}'", "burst"))
    return out


def _runs(marks: Sequence[bool], gap: int) -> list[tuple[int, int]]:
    """Index ranges [i, j] of True marks, merging runs separated by at most ``gap`` False."""
    runs: list[tuple[int, int]] = []
    for i, m in enumerate(marks):
        if not m:
            continue
        if runs and i - runs[-1][1] <= gap + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _mean_rate(series: dict[str, list[float]]) -> float:
    return sum(sum(v) / len(v) for v in series.values() if v)


def latency_signal(ts: Timeseries, normal_backlog: float = 0.0) -> list[float | None]:
    """Per bucket, the worst latency seen (ms): the worst class p99, or the age of the oldest
    request still waiting when enough requests are stuck for that age to be a tail and not
    one unlucky request (the backlog above normal is at least ``STUCK_SHARE`` of the
    arrivals over that age)."""
    rate = _mean_rate(ts.offered_rps)
    out: list[float | None] = []
    for i in range(len(ts.time_s)):
        p99s = [x for v in ts.latency_p99_ms.values() if i < len(v) and (x := v[i]) is not None]
        age = ts.oldest_wait_s[i] if i < len(ts.oldest_wait_s) else 0.0
        stuck = (ts.backlog[i] if i < len(ts.backlog) else 0) - normal_backlog
        oldest = age * 1000.0 if stuck >= max(1.0, STUCK_SHARE * rate * age) else 0.0
        out.append(max([*p99s, oldest]) if p99s or oldest > 0 else None)
    return out


def _failed_share(ts: Timeseries) -> list[float]:
    """Per bucket, the share of requests ending there that did not complete. (Not failures
    over arrivals: under retries and timeouts requests that arrived earlier end in a later
    bucket, and that ratio reads above 100 %.)"""
    out = []
    for i in range(len(ts.time_s)):
        done = sum(v[i] for v in ts.throughput_rps.values() if i < len(v))
        failed = sum(v[i] for v in ts.failed_rps.values() if i < len(v))
        out.append(failed / (failed + done) if failed + done > 0 else 0.0)
    return out


def _in_window(t_end: float, bucket_s: float, windows: Sequence[Window]) -> bool:
    return any(t_end > w.start_s and t_end - bucket_s < w.end_s for w in windows)


def _normal_buckets(ts: Timeseries, windows: Sequence[Window]) -> list[int]:
    """Buckets that show the run's normal level: those before the first window when there
    are enough of them (the recovery after a window is not normal), else all outside one."""
    first = min(w.start_s for w in windows)
    before = [i for i, t in enumerate(ts.time_s) if t <= first]
    if len(before) >= MIN_NORMAL_BUCKETS:
        return before
    return [i for i, t in enumerate(ts.time_s) if not _in_window(t, ts.bucket_s, windows)]


def degraded_spans(ts: Timeseries, windows: Sequence[Window]) -> list[DegradedSpan]:
    """Stretches, touching a window, where the run broke its own normal level."""
    if not windows or not ts.time_s:
        return []
    quiet = _normal_buckets(ts, windows)
    normal_backlog = (
        statistics.median([ts.backlog[i] for i in quiet]) if quiet and ts.backlog else 0.0
    )
    lat = latency_signal(ts, normal_backlog)
    fail = _failed_share(ts)
    per_bucket = _mean_rate(ts.offered_rps) * ts.bucket_s
    min_span = max(MIN_SPAN_BUCKETS, math.ceil(MIN_SPAN_REQUESTS / max(per_bucket, 1e-9)))
    normal_lat = statistics.median([lat[i] or 0.0 for i in quiet]) if quiet else 0.0
    normal_fail = statistics.median([fail[i] for i in quiet]) if quiet else 0.0
    limit = max(LATENCY_FACTOR * normal_lat, normal_lat + LATENCY_FLOOR_MS)
    broken = [
        (lat[i] or 0.0) > limit or fail[i] > normal_fail + FAILED_SHARE for i in range(len(lat))
    ]
    spans = []
    for i, j in _runs(broken, MERGE_GAP_BUCKETS):
        if j - i + 1 < min_span:
            continue
        start, end = ts.time_s[i] - ts.bucket_s, ts.time_s[j]
        causes = [w.label for w in windows if start <= w.end_s + ts.bucket_s and end >= w.start_s]
        if not causes:
            continue
        spans.append(
            DegradedSpan(
                start_s=start,
                end_s=end,
                causes=list(dict.fromkeys(causes)),
                worst_latency_ms=max((lat[k] or 0.0) for k in range(i, j + 1)),
                normal_latency_ms=normal_lat,
                worst_failed_share=max(fail[i : j + 1]),
            )
        )
    return spans


def judge(unstable: bool, ts: Timeseries, windows: Sequence[Window]) -> Judgement:
    if unstable:
        return Judgement("unstable", [])
    spans = degraded_spans(ts, windows)
    return Judgement("degraded" if spans else "stable", spans)


def recovered(ts: Timeseries, windows: Sequence[Window]) -> bool:
    """Did the backlog come back to its normal level by the end (after the last window)?"""
    if not windows or not ts.backlog:
        return False
    last_end = max(w.end_s for w in windows)
    normal = statistics.median([ts.backlog[i] for i in _normal_buckets(ts, windows)] or [0])
    tail = [n for t, n in zip(ts.time_s, ts.backlog, strict=False) if t > last_end]
    if len(tail) < 2:
        return False
    draining = tail[-1] < 0.9 * max(tail)  # still on its way down when the run ended
    return tail[-1] <= 2 * normal + 50 or draining


def overload(
    ts: Timeseries, offered_rps: float, capacity: float | None, in_flight: int, oldest_s: float
) -> Overload:
    """Backlog growth over the measured window (in flight at the end minus at its start)."""
    growth = 0.0
    if len(ts.backlog) >= 2 and ts.time_s[-1] > ts.time_s[0]:
        growth = (ts.backlog[-1] - ts.backlog[0]) / (ts.time_s[-1] - ts.time_s[0])
    return Overload(offered_rps, capacity, in_flight, max(0.0, growth), oldest_s)


def advice(spans: Sequence[DegradedSpan], windows: Sequence[Window]) -> str:
    """What helps, by the kind of window the degradation came from."""
    if not spans:
        return ""
    causes = list(dict.fromkeys(c for s in spans for c in s.causes))
    kinds = sorted({w.kind for w in windows if w.label in causes})
    tips = " ".join(ADVICE.get(k, DEFAULT_ADVICE) for k in kinds) or DEFAULT_ADVICE
    return f"The degradation comes from the {', '.join(causes)}. {tips}"


SPANS_SHOWN = 3


def verdict_sentences(r: SimResult) -> list[str]:
    """What the verdict means for this run, in sentences (shared by the CLI and the Lab)."""
    lines: list[str] = []
    if r.stopped_early:
        lines.append(f"Stopped early: {r.stop_reason}.")
    o = r.overload
    if o is not None:
        cap = "" if o.capacity_rps is None else f" against a capacity of {fmt.rate(o.capacity_rps)}"
        lines.append(
            f"Offered {fmt.rate(o.offered_rps)}{cap}: the backlog grew by"
            f" {fmt.rate(o.growth_rps)} to {fmt.count(o.in_flight)} requests in flight, and the"
            f" oldest still waiting had waited {fmt.seconds(o.oldest_wait_s)}. There is no"
            " steady state, so no latency figures are given."
        )
    for d in r.degraded[:SPANS_SHOWN]:
        lines.append(
            f"Degraded {fmt.span(d.start_s, d.end_s)} ({', '.join(d.causes)}): latency up to"
            f" {fmt.ms(d.worst_latency_ms)} against {fmt.ms(d.normal_latency_ms)} normally"
            + (f", {fmt.pct(d.worst_failed_share)} failing" if d.worst_failed_share > 0 else "")
            + "."
        )
    if len(r.degraded) > SPANS_SHOWN:
        more = r.degraded[SPANS_SHOWN:]
        lines.append(
            f"... and {len(more)} more degraded stretches up to {fmt.clock(more[-1].end_s)}"
            f" (latency up to {fmt.ms(max(d.worst_latency_ms for d in more))})."
        )
    return lines
