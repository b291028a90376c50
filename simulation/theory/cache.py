"""Cache hit ratios under the independent reference model (IRM): each request picks key i
with a fixed probability p_i, independently. Zipf(s) over N keys is the usual workload.

LRU uses Che's approximation: a key stays in the cache for a "characteristic time" T_C after
its last request, where T_C solves sum_i (1 - exp(-p_i T_C)) = C (time counted in requests).
It is known to be very accurate for Zipf workloads with realistic N and C.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def zipf_popularity(n_keys: int, s: float) -> FloatArray:
    """p_i proportional to i^-s for keys ranked 1..N (s = 0 is uniform), summing to 1."""
    if n_keys < 1:
        raise ValueError(f"need at least one key, got {n_keys}")
    if s < 0:
        raise ValueError(f"Zipf exponent must be >= 0, got {s}")
    weights = np.arange(1, n_keys + 1, dtype=np.float64) ** (-float(s))
    return weights / weights.sum()


def _check(popularity: FloatArray, capacity: int) -> FloatArray:
    p = np.asarray(popularity, dtype=np.float64)
    if p.ndim != 1 or p.size == 0 or np.any(p < 0) or not math.isclose(p.sum(), 1.0, rel_tol=1e-9):
        raise ValueError("popularity must be a non-empty 1-D array of probabilities summing to 1")
    if capacity < 0:
        raise ValueError(f"cache capacity must be >= 0, got {capacity}")
    return p


def _solve_occupancy(occupancy: Callable[[float], float], capacity: int, p: FloatArray) -> float:
    """Find T with occupancy(T) = capacity; occupancy rises from 0 to the number of keys."""
    hi = capacity / float(p.max())
    while occupancy(hi) < capacity:
        hi *= 2.0
    from simulation.theory.roots import brentq

    return float(brentq(lambda t: occupancy(t) - capacity, 0.0, hi, xtol=1e-10, rtol=1e-12))


def che_characteristic_time(popularity: FloatArray, capacity: int) -> float:
    """T_C (in requests) with sum_i (1 - exp(-p_i T_C)) = C; inf when everything fits."""
    p = _check(popularity, capacity)
    positive = int(np.count_nonzero(p))
    if capacity >= positive:
        return math.inf
    if capacity == 0:
        return 0.0
    return _solve_occupancy(lambda t: float(np.sum(-np.expm1(-p * t))), capacity, p)


def lru_hit_ratio(popularity: FloatArray, capacity: int) -> float:
    """Steady-state LRU hit ratio by Che's approximation: sum_i p_i (1 - exp(-p_i T_C))."""
    p = _check(popularity, capacity)
    t = che_characteristic_time(p, capacity)
    if math.isinf(t):
        return 1.0
    return float(np.sum(p * -np.expm1(-p * t)))


def fifo_hit_ratio(popularity: FloatArray, capacity: int) -> float:
    """FIFO and RANDOM eviction share one Che-type approximation: key i is in the cache with
    probability p_i T / (1 + p_i T), T chosen so the expected occupancy is C."""
    p = _check(popularity, capacity)
    if capacity >= int(np.count_nonzero(p)):
        return 1.0
    if capacity == 0:
        return 0.0
    t = _solve_occupancy(lambda t: float(np.sum(p * t / (1.0 + p * t))), capacity, p)
    return float(np.sum(p * (p * t / (1.0 + p * t))))


def lfu_hit_ratio(popularity: FloatArray, capacity: int) -> float:
    """Perfect LFU under IRM keeps the C most popular keys: the hit ratio is their mass.
    (An in-cache LFU with a warm-up approaches this from below.)"""
    p = _check(popularity, capacity)
    if capacity == 0:
        return 0.0
    return float(np.sort(p)[::-1][:capacity].sum())


def ttl_hit_ratio(
    popularity: FloatArray, request_rate: float, ttl: float, reset_on_hit: bool = False
) -> float:
    """Hit ratio of an unbounded TTL cache under Poisson requests at ``request_rate`` in total.

    Key i gets requests at rate r_i = p_i * rate. If the TTL starts only when the entry is
    (re)loaded on a miss, a hit needs a request within ttl of the load: h_i = r_i T / (1 + r_i T).
    If every hit restarts the TTL, a hit needs the previous request within ttl: 1 - exp(-r_i T).
    """
    p = _check(popularity, 0)
    if request_rate < 0 or ttl < 0:
        raise ValueError("request rate and ttl must be >= 0")
    r = p * request_rate
    h = -np.expm1(-r * ttl) if reset_on_hit else r * ttl / (1.0 + r * ttl)
    return float(np.sum(p * h))
