"""How big and how extreme a design may be, and why: one table the schema checks every field
against, and the limits the loader checks before it parses a file at all.

The limits come from what the engine can simulate on a laptop: every replica is its own
station with its own random stream, every key's popularity is held in memory, every
notification of a fan-out is its own job. Past these numbers a run would take minutes or
gigabytes, or a float would overflow to infinity somewhere in the statistics; the reason says
so in words, instead of a traceback after ten minutes. Floats must also be finite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# --- the file as a whole (checked before parsing) --------------------------------------
MAX_FILE_BYTES = 2_000_000
MAX_NESTING = 20  # [ ] / { } nesting inside one value
MAX_KEY_PARTS = 20  # parts of a dotted key (a.b.c)
MAX_DEPTH = 40  # tables inside tables, all told, after parsing
MAX_COMPONENTS = 1_000
MAX_CLASSES = 100
MAX_FAULTS = 1_000
MAX_TRACE_POINTS = 200_000
MAX_SAMPLES = 100_000
MAX_LINKS = 1_000  # names in one component's calls / targets
MAX_STATIONS = 20_000  # replicas (and partitions) summed over the design
MAX_TOTAL_KEYS = 2_000_000  # keys.count summed over the request classes

SEED_MAX = 2**63 - 1
DEFAULT_MAX_EVENTS = 3_000_000  # work budget of one run: ~10 s on a laptop core (budget.py)
_DAY_MS = 86_400_000.0
_HUNDRED_YEARS_S = 3.2e9

DIFFERENT_SIMULATION = "a design larger than that is a different simulation"
_MEM = "each is simulated on its own, and more would take minutes and gigabytes"
_FLOAT = "a figure past that overflows the statistics"


@dataclass(frozen=True)
class Bound:
    """Inclusive ``low``..``high``; ``tiny`` is the least positive value allowed (0 may still
    be allowed by ``low``: a zero-time step is fine, a 1e-322 ms one is a typo)."""

    low: float
    high: float
    reason: str
    tiny: float | None = None
    unit: str = ""

    def problem(self, field: str, value: float) -> str | None:
        if isinstance(value, float) and not math.isfinite(value):
            return f"{field} must be a finite number, got {value}"
        u = f" {self.unit}" if self.unit else ""
        if value < self.low or value > self.high:
            return (
                f"{field} must be between {_num(self.low)} and {_num(self.high)}{u}: {self.reason}"
            )
        if self.tiny is not None and 0 < value < self.tiny:
            return (
                f"{field} must be 0 or at least {_num(self.tiny)}{u}, got {value:g}: "
                "a smaller positive figure is below what the clock resolves"
            )
        return None


def _num(x: float) -> str:
    if isinstance(x, int):
        return f"{x:,}"
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:g}"


_SERVICE_MS = Bound(0, _DAY_MS, "a step longer than a day is not a request", tiny=1e-6, unit="ms")
_RATE = Bound(
    1e-6,
    1e6,
    "faster arrivals would take hours to simulate (slower ones never arrive)",
    unit="requests/s",
)
_PERIOD_S = Bound(
    1e-3, _HUNDRED_YEARS_S, "shorter periods switch faster than requests arrive", unit="s"
)
_TIME_S = Bound(0, _HUNDRED_YEARS_S, _FLOAT, unit="s")

# Keyed "Model.field" (that model only) or "field" (any model). Integers and floats alike.
BOUNDS: dict[str, Bound] = {
    "replicas": Bound(1, 10_000, DIFFERENT_SIMULATION),
    "workers": Bound(1, 100_000, "more concurrent workers than any server runs"),
    "pool_size": Bound(1, 100_000, "more connections than any database accepts"),
    "partitions": Bound(1, 10_000, f"partitions are stations: {_MEM}"),
    "fanout": Bound(1, 1_000, f"notifications are jobs: {_MEM}"),
    "queue_limit": Bound(0, 10_000_000, "a longer line is no limit at all"),
    "Component.capacity": Bound(1, 100_000_000, "entries are held in memory"),
    "burst": Bound(1, 1_000_000_000, "a bigger bucket is no limit at all"),
    "timeout_ms": Bound(1e-3, _DAY_MS, "a timeout longer than a day never fires", unit="ms"),
    "rate_limit_rps": Bound(1e-6, 1e9, "a faster limit is no limit", unit="requests/s"),
    "ttl_s": Bound(1e-3, _HUNDRED_YEARS_S, _FLOAT, unit="s"),
    "hit_ratio": Bound(0, 1, "a ratio"),
    "Distribution.mean": _SERVICE_MS,
    "Distribution.low": _SERVICE_MS,
    "Distribution.high": _SERVICE_MS,
    "Distribution.samples": _SERVICE_MS,
    "Distribution.cv": Bound(1e-3, 100, "variability past that is numerically meaningless"),
    "Distribution.k": Bound(1, 10_000, "more phases are a deterministic time"),
    "rate_rps": _RATE,
    "burst_rate_rps": _RATE,
    "burst_every_s": _PERIOD_S,
    "burst_duration_s": _PERIOD_S,
    "period_s": _PERIOD_S,
    "amplitude": Bound(0, 1, "the rate would go negative"),
    "times_s": _TIME_S,
    "Keys.count": Bound(1, 1_000_000, "every key's popularity is held in memory"),
    "Keys.s": Bound(0, 10, "a steeper Zipf law is one key"),
    "Workload.duration_s": Bound(1e-3, _HUNDRED_YEARS_S, _FLOAT, unit="s"),
    "Workload.warmup_s": _TIME_S,
    "seed": Bound(0, SEED_MAX, "seeds are non-negative 63-bit integers"),
    "max_in_system": Bound(1, 1_000_000, "in-flight requests are held in memory"),
    "max_events": Bound(1, 1e12, "more would run for days"),
    "Fault.at_s": _TIME_S,
    "Fault.duration_s": Bound(1e-3, _HUNDRED_YEARS_S, _FLOAT, unit="s"),
    "Fault.replica": Bound(0, 10_000, DIFFERENT_SIMULATION),
    "Fault.factor": Bound(1e-3, 1e3, "a bigger slowdown is an outage"),
    # Failures, resilience, cost and the matcher kind (DESIGN.md), wherever they are modelled.
    "fail_ratio": Bound(0, 1, "a probability"),
    "failure_ratio": Bound(0, 1, "a ratio"),
    "attempts": Bound(1, 100, "each attempt is simulated, and more is a retry storm"),
    "backoff_ms": Bound(0, _DAY_MS, "a wait longer than a day is no retry", unit="ms"),
    "multiplier": Bound(1, 100, "backoff past that overflows within a few retries"),
    "window_s": _PERIOD_S,
    "open_s": _PERIOD_S,
    "half_open_probes": Bound(1, 1_000_000, "a bigger probe is no breaker"),
    "min": Bound(0, 10_000, DIFFERENT_SIMULATION),
    "max": Bound(1, 10_000, DIFFERENT_SIMULATION),
    "target_utilization": Bound(1e-3, 1, "a share of busy workers"),
    "interval_s": Bound(1, _HUNDRED_YEARS_S, "an autoscaler acts at most once a second", unit="s"),
    "warmup_s": _TIME_S,
    "cost_per_hour": Bound(0, 1e9, "a price past that overflows the totals"),
    "batch_window_ms": _SERVICE_MS,
    "batch_max": Bound(1, 1_000_000, "a bigger batch is not solved in memory"),
    "sizes": Bound(1, 1_000_000, "a bigger batch is not solved in memory"),
    "ms": _SERVICE_MS,
}

# Longest lists, by field.
LIST_LIMITS: dict[str, int] = {
    "times_s": MAX_TRACE_POINTS,
    "samples": MAX_SAMPLES,
    "calls": MAX_LINKS,
    "targets": MAX_LINKS,
    "components": MAX_COMPONENTS,
    "sizes": 1_000,
    "ms": 1_000,
    "classes": MAX_CLASSES,
    "faults": MAX_FAULTS,
}


def bound_for(model: str, field: str) -> Bound | None:
    return BOUNDS.get(f"{model}.{field}") or BOUNDS.get(field)


def check_field(model: str, field: str, value: Any) -> None:
    """Raise ValueError (the schema turns it into a field error) when ``value`` is out of
    bounds; lists are checked for length and every number in them."""
    if isinstance(value, list):
        most = LIST_LIMITS.get(field)
        if most is not None and len(value) > most:
            raise ValueError(f"{field} may hold at most {most:,} entries, got {len(value):,}")
        bound = bound_for(model, field)
        numbers = [v for v in value if isinstance(v, int | float) and not isinstance(v, bool)]
        if bound is not None and numbers:
            for v in _extremes(numbers):
                _raise(bound, field, v)
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    bound = bound_for(model, field)
    if bound is None:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{field} must be a finite number, got {value}")
        return
    _raise(bound, field, value)


def _extremes(numbers: list[float]) -> list[float]:
    """The entries that decide a list's bounds check: non-finite ones, least, greatest, and
    least positive."""
    bad = [v for v in numbers if not math.isfinite(v)]
    if bad:
        return bad[:1]
    positive = [v for v in numbers if v > 0]
    return [min(numbers), max(numbers), *([min(positive)] if positive else [])]


def _raise(bound: Bound, field: str, value: float) -> None:
    problem = bound.problem(field, value)
    if problem is not None:
        raise ValueError(problem)
