"""Open Jackson networks: Poisson arrivals from outside, FCFS stations with exponential service,
probabilistic routing. Jackson's theorem makes each station behave as an independent M/M/c fed
by its total arrival rate, found from the traffic equations lambda = gamma + P^T lambda.

Stations with non-exponential service are still solved (M/G/1 by P-K, M/G/c by Allen-Cunneen on
the Jackson rates) but the result is then an approximation and says so (``exact=False``):
departures from such a station are not Poisson.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from simulation.theory.queues import QueueResult, ServiceMoments, mgc


@dataclass(frozen=True)
class Station:
    """``servers`` None is a pure delay (infinitely many servers: no queue, no saturation)."""

    name: str
    servers: int | None
    service: ServiceMoments


@dataclass(frozen=True)
class ClassFlow:
    """A request class: Poisson arrivals at ``rate`` entering the network at ``entry``."""

    name: str
    rate: float
    entry: str


@dataclass(frozen=True)
class StationResult:
    name: str
    arrival_rate: float
    utilization: float  # busy servers / servers; 0 for a pure delay
    mean_wait: float
    mean_response: float
    mean_queue_len: float
    mean_in_system: float
    exact: bool
    queue: QueueResult | None  # None for a pure delay

    @property
    def stable(self) -> bool:
        return self.utilization < 1.0


@dataclass(frozen=True)
class JacksonResult:
    stations: dict[str, StationResult]
    visits: dict[str, dict[str, float]]  # class -> station -> mean visits per request
    class_response: dict[str, float]  # class -> mean end-to-end response time
    class_rates: dict[str, float]  # class -> external arrival rate
    exact: bool

    @property
    def stable(self) -> bool:
        return all(s.stable for s in self.stations.values())

    @property
    def throughput(self) -> float:
        """Requests per second through the network (all offered load, when stable)."""
        return sum(self.class_rates.values())

    @property
    def mean_response(self) -> float:
        """Mean response over all requests, classes weighted by their rates."""
        total = self.throughput
        if total == 0:
            return 0.0
        return sum(r * self.class_response[c] for c, r in self.class_rates.items()) / total

    def response_tail(self, cls: str, t: float) -> float:
        """P(response > t) for a class whose route is a fixed chain of single-server M/M/1
        stations each visited once: by Burke and Reich the sojourn times are independent
        exponentials, so the sum is phase-type. Raises ValueError for other routes."""
        rates = self._chain_rates(cls)
        return hypoexp_tail(rates, t)

    def response_percentile(self, cls: str, q: float) -> float:
        from simulation.theory.roots import brentq

        if not 0.0 < q < 1.0:
            raise ValueError(f"quantile must be in (0, 1), got {q}")
        rates = self._chain_rates(cls)
        hi = max(self.class_response[cls], 1e-12)
        while hypoexp_tail(rates, hi) > 1.0 - q:
            hi *= 2.0
        return float(brentq(lambda t: hypoexp_tail(rates, t) - (1.0 - q), 0.0, hi, xtol=1e-12))

    def has_distribution(self, cls: str) -> bool:
        try:
            self._chain_rates(cls)
        except ValueError:
            return False
        return True

    def _chain_rates(self, cls: str) -> list[float]:
        rates: list[float] = []
        for name, v in self.visits[cls].items():
            if v == 0.0:
                continue
            st = self.stations[name]
            q = st.queue
            if (
                not math.isclose(v, 1.0, rel_tol=1e-9)
                or q is None
                or q.servers != 1
                or not q.has_distribution
            ):
                raise ValueError(f"class {cls}: no closed-form response distribution")
            rates.append(1.0 / q.mean_response)
        if not rates:
            raise ValueError(f"class {cls}: visits no station")
        return rates


def hypoexp_tail(rates: Sequence[float], t: float) -> float:
    """P(sum of independent Exp(rates) > t) as a phase-type distribution (handles equal rates)."""
    if t <= 0:
        return 1.0
    n = len(rates)
    sub = np.zeros((n, n))
    for i, r in enumerate(rates):
        sub[i, i] = -r
        if i + 1 < n:
            sub[i, i + 1] = r
    alpha = np.zeros(n)
    alpha[0] = 1.0
    from scipy.linalg import expm  # deferred: scipy.linalg costs ~0.25 s to import

    return float(np.clip(alpha @ expm(sub * t) @ np.ones(n), 0.0, 1.0))


def visit_counts(
    names: Sequence[str], routing: Mapping[str, Mapping[str, float]], entry: str
) -> dict[str, float]:
    """Mean visits to each station per request entering at ``entry``: v = e + P^T v."""
    index = {n: i for i, n in enumerate(names)}
    if entry not in index:
        raise ValueError(f"unknown entry station {entry!r}")
    n = len(names)
    p = np.zeros((n, n))
    for src, row in routing.items():
        if src not in index:
            raise ValueError(f"routing from unknown station {src!r}")
        total = 0.0
        for dst, prob in row.items():
            if dst not in index:
                raise ValueError(f"routing from {src!r} to unknown station {dst!r}")
            if prob < 0:
                raise ValueError(f"negative routing probability {src!r} -> {dst!r}")
            p[index[src], index[dst]] += prob
            total += prob
        if total > 1.0 + 1e-9:
            raise ValueError(f"routing probabilities out of {src!r} sum to {total} > 1")
    e = np.zeros(n)
    e[index[entry]] = 1.0
    a = np.eye(n) - p.T
    try:
        v = np.linalg.solve(a, e)
    except np.linalg.LinAlgError as exc:
        raise ValueError("routing has a loop that requests never leave") from exc
    if not np.all(np.isfinite(v)) or np.any(v < -1e-9):
        raise ValueError("routing has a loop that requests never leave")
    return {name: max(0.0, float(v[index[name]])) for name in names}


def solve_jackson(
    stations: Sequence[Station],
    routing: Mapping[str, Mapping[str, float]],
    classes: Sequence[ClassFlow],
) -> JacksonResult:
    """Per-station and per-class steady-state figures of an open network.

    ``routing[a][b]`` is the probability that a request finishing at ``a`` goes to ``b`` next;
    whatever is left of 1 leaves the network. Every class follows the same routing and sees
    the same service time at a station (what product form needs for FCFS stations)."""
    names = [s.name for s in stations]
    if len(set(names)) != len(names):
        raise ValueError("station names must be unique")
    visits = {c.name: visit_counts(names, routing, c.entry) for c in classes}
    used = [
        st
        for st in stations
        if st.servers is not None and any(visits[c.name][st.name] > 0 for c in classes)
    ]
    # Product form needs exponential service everywhere; one M/G/1 alone is exact by P-K.
    exact = all(st.service.is_exponential for st in used) or (
        len(used) == 1 and used[0].servers == 1
    )
    results: dict[str, StationResult] = {}
    for st in stations:
        lam = sum(c.rate * visits[c.name][st.name] for c in classes)
        if st.servers is None:
            s = st.service.mean
            results[st.name] = StationResult(st.name, lam, 0.0, 0.0, s, 0.0, lam * s, True, None)
            continue
        q = mgc(lam, st.service, st.servers)
        results[st.name] = StationResult(
            st.name,
            lam,
            q.utilization,
            q.mean_wait,
            q.mean_response,
            q.mean_queue_len,
            q.mean_in_system,
            q.exact and exact,
            q,
        )
    class_response = {
        c.name: sum(v * results[n].mean_response for n, v in visits[c.name].items() if v > 0)
        for c in classes
    }
    return JacksonResult(results, visits, class_response, {c.name: c.rate for c in classes}, exact)
