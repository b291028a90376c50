"""The bottleneck (asymptotic) bound: no design carries more than
min over stations of servers / demand, where demand = visits x mean service time per request.
It holds for any service distribution, which is why it is the first number to look at."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StationDemand:
    """``demand`` is seconds of service one request needs here in total (visits x mean);
    ``servers`` is None for a pure delay (infinite servers), which never saturates."""

    name: str
    servers: int | None
    demand: float


@dataclass(frozen=True)
class BottleneckBound:
    max_throughput: float  # requests per second; inf when no station saturates
    bottleneck: str | None
    capacities: dict[str, float]  # each station's own limit servers / demand


def bottleneck_bound(stations: Sequence[StationDemand]) -> BottleneckBound:
    """Throughput limit of each station and the smallest of them (ties: first listed)."""
    capacities: dict[str, float] = {}
    for st in stations:
        if st.demand < 0:
            raise ValueError(f"{st.name}: demand must be >= 0, got {st.demand}")
        if st.servers is None or st.demand == 0:
            capacities[st.name] = math.inf
        else:
            capacities[st.name] = st.servers / st.demand
    best: str | None = None
    for name, cap in capacities.items():
        if math.isfinite(cap) and (best is None or cap < capacities[best]):
            best = name
    return BottleneckBound(capacities[best] if best else math.inf, best, capacities)
