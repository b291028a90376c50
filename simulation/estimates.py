"""Back-of-envelope estimates checked against theory or against the reference's simulation.

Each question names a ``source``: a rule (in ``SOURCES``) that computes the true value from
the exercise (theory: rates, Che's approximation for caches, bytes x requests) or from a
simulated run of the exercise's reference design (Little's law on what was measured). The
candidate's answer is judged by the factor it is off: back-of-envelope means the right order
of magnitude, so within 2x is good and within 4x is in the ballpark.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from designs.exercise import EstimateQuestion, Exercise
from designs.trial import mean_rate
from freightlab import numbers as fmt
from freightlab.errors import InputError
from simulation.results import ComponentStats, SimResult
from simulation.theory.cache import lru_hit_ratio, zipf_popularity
from simulation.theory.queues import erlang_c
from simulation.theory.roots import brentq

GOOD_FACTOR, BALLPARK_FACTOR = 2.0, 4.0
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class EstimateCheck:
    name: str
    question: str
    unit: str
    answer: float | None  # None: not answered
    truth: float
    basis: str  # "theory" or "simulation"
    how: str  # how the true value was found, in words

    @property
    def factor(self) -> float | None:
        """How many times off (>= 1), None when unanswered; inf for a zero against non-zero."""
        if self.answer is None:
            return None
        a, t = abs(self.answer), abs(self.truth)
        if a == t:
            return 1.0
        if a == 0 or t == 0:
            return math.inf
        return max(a / t, t / a)

    @property
    def verdict(self) -> str:
        f = self.factor
        if f is None:
            return "not answered"
        if f <= GOOD_FACTOR:
            return "good"
        return "ballpark" if f <= BALLPARK_FACTOR else "off"

    def short(self) -> str:
        """The verdict in a line: 'good: 1.3x too high (about 233 workers)'."""
        return self.describe(with_how=False)

    def describe(self, with_how: bool = True) -> str:
        f = self.factor
        if f is None:
            return f"not answered (it is about {fmt.num(self.truth)} {self.unit})"
        side = "high" if (self.answer or 0) > self.truth else "low"
        off = "spot on" if f < 1.05 else f"{f:,.1f}x too {side}"
        how = f", {self.how}" if with_how else ""
        return f"{self.verdict}: {off} (about {fmt.num(self.truth)} {self.unit}{how})"


Rule = Callable[[EstimateQuestion, Exercise, SimResult | None], tuple[float, str, str]]


def _share(q: EstimateQuestion, exercise: Exercise) -> float:
    mix = exercise.traffic.mix
    if q.request_class is None or not mix:
        return 1.0
    if q.request_class not in mix:
        raise InputError(
            f"estimate '{q.name}', field 'request_class': '{q.request_class}' is not in the mix"
        )
    return mix[q.request_class] / sum(mix.values())


def _peak(q: EstimateQuestion, ex: Exercise, _r: SimResult | None) -> tuple[float, str, str]:
    """The highest rate the traffic reaches: the top of a burst, else the peak."""
    burst = ex.traffic.burst_factor if ex.traffic.shape == "burst" else 1.0
    return ex.requirements.rate_rps * burst * _share(q, ex), "theory", "the traffic's peak"


def _component(q: EstimateQuestion, result: SimResult | None) -> ComponentStats:
    if result is None:
        raise InputError(f"estimate '{q.name}' needs the reference's simulated run")
    stats = result.components.get(q.component or "")
    if stats is None:
        raise InputError(
            f"estimate '{q.name}', field 'component': the reference has no '{q.component}'"
        )
    return stats


def _busy(q: EstimateQuestion, _ex: Exercise, r: SimResult | None) -> tuple[float, str, str]:
    s = _component(q, r)
    busy = s.arrival_rate_rps * s.mean_hold_ms / 1000.0
    return busy, "simulation", "arrival rate x hold time in the reference's run"


def _inside(q: EstimateQuestion, _ex: Exercise, r: SimResult | None) -> tuple[float, str, str]:
    s = _component(q, r)
    return s.mean_in_system, "simulation", "Little's law, L = lambda W, in the reference's run"


def _entries(q: EstimateQuestion, ex: Exercise, _r: SimResult | None) -> tuple[float, str, str]:
    keys = ex.traffic.keys
    if keys is None:
        raise InputError(f"estimate '{q.name}': the exercise's traffic has no keys")
    popularity = zipf_popularity(keys.count, keys.s if keys.dist == "zipf" else 0.0)
    entries = lru_entries_for(popularity, float(q.hit_ratio or 0.0))
    return float(entries), "theory", "Che's approximation for an LRU cache under these keys"


def lru_entries_for(p: np.ndarray, target: float) -> int:
    """The smallest LRU capacity whose hit ratio (Che) reaches ``target``: one root-find for
    the characteristic time T with sum p_i (1 - e^(-p_i T)) = target, then the capacity
    sum (1 - e^(-p_i T)) rounded up (fast enough to check as the candidate types)."""

    def hits(t: float) -> float:
        return float(np.sum(p * -np.expm1(-p * t))) - target

    high = 1.0 / float(p.max())
    while hits(high) < 0:
        high *= 2.0
    t = brentq(hits, 0.0, high, xtol=1e-9)
    entries = min(len(p), math.ceil(float(np.sum(-np.expm1(-p * t))) - 1e-9))
    while entries < len(p) and lru_hit_ratio(p, entries) < target:
        entries += 1
    return entries


def _storage(q: EstimateQuestion, ex: Exercise, _r: SimResult | None) -> tuple[float, str, str]:
    per_day = mean_rate(ex) * _share(q, ex) * SECONDS_PER_DAY
    gb = per_day * float(q.bytes_per_request or 0.0) / 1e9
    return gb, "theory", "mean rate x 86,400 s x bytes per request"


def _load(q: EstimateQuestion, ex: Exercise) -> float:
    """Busy servers at the peak (Little's law: rate x time held), in erlangs."""
    ms = q.service_ms or ex.requirements.fixed_service_ms.get(q.component or "")
    if ms is None:
        raise InputError(
            f"estimate '{q.name}': give 'service_ms' (the exercise fixes no time for"
            f" '{q.component}')"
        )
    rate, _, _ = _peak(q, ex, None)
    return rate * ms / 1000.0


def _offered(q: EstimateQuestion, ex: Exercise, _r: SimResult | None) -> tuple[float, str, str]:
    return _load(q, ex), "theory", "Little's law: peak rate x time each request holds one"


def _servers(q: EstimateQuestion, ex: Exercise, _r: SimResult | None) -> tuple[float, str, str]:
    load, most = _load(q, ex), float(q.wait_ratio or 0.0)
    servers = max(1, math.floor(load) + 1)
    while erlang_c(servers, load) > most:
        servers += 1
    how = f"Erlang C: the fewest servers with at most {most:.0%} of requests waiting"
    return float(servers), "theory", how


SOURCES: dict[str, Rule] = {
    "peak_rps": _peak,
    "busy_workers": _busy,
    "concurrent": _inside,
    "cache_entries": _entries,
    "storage_gb_per_day": _storage,
    "offered_load": _offered,
    "servers_needed": _servers,
}

NEEDS_SIMULATION = frozenset({"busy_workers", "concurrent"})


def needs_simulation(exercise: Exercise) -> bool:
    return any(q.source in NEEDS_SIMULATION for q in exercise.estimates)


def check_estimates(
    exercise: Exercise, answers: dict[str, float | None], reference: SimResult | None
) -> list[EstimateCheck]:
    """The exercise's questions with the candidate's answer and the true value; without the
    reference's run, only those theory answers (the others wait for a simulation)."""
    out = []
    for q in exercise.estimates:
        if reference is None and q.source in NEEDS_SIMULATION:
            continue
        truth, basis, how = SOURCES[q.source](q, exercise, reference)
        out.append(
            EstimateCheck(q.name, q.question, q.unit, answers.get(q.name), truth, basis, how)
        )
    return out


@functools.lru_cache(maxsize=64)
def _theory_truth(exercise_json: str, name: str) -> tuple[float, str, str]:
    exercise = Exercise.model_validate_json(exercise_json)
    q = next(q for q in exercise.estimates if q.name == name)
    return SOURCES[q.source](q, exercise, None)


def live_check(exercise: Exercise, name: str, answer: float | None) -> EstimateCheck | None:
    """The check of one answer as it is typed, when theory alone gives the true value (None
    for the questions answered by the reference's simulation, checked at scoring). The true
    value is computed once per exercise and question."""
    q = next((q for q in exercise.estimates if q.name == name), None)
    if q is None or q.source in NEEDS_SIMULATION:
        return None
    truth, basis, how = _theory_truth(exercise.model_dump_json(), name)
    return EstimateCheck(q.name, q.question, q.unit, answer, truth, basis, how)
