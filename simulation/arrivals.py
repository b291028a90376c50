"""Arrival processes as iterators of absolute arrival times (seconds).

Rates only divide unit-rate draws, so a sweep over rates (or two designs) reuses the same
underlying random numbers: common random numbers make comparisons sharper.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from designs.schema import Arrival
from simulation.distributions import BATCH


def _unit_exp(rng: np.random.Generator) -> Iterator[float]:
    while True:
        yield from rng.standard_exponential(BATCH).tolist()


def _unit_uniform(rng: np.random.Generator) -> Iterator[float]:
    while True:
        yield from rng.random(BATCH).tolist()


def arrival_times(arrival: Arrival, rng: np.random.Generator) -> Iterator[float]:
    """Absolute arrival instants for one request class, increasing."""
    if arrival.process == "poisson":
        return _poisson(float(arrival.rate_rps or 0.0), rng)
    if arrival.process == "bursty":
        return _mmpp2(arrival, rng)
    if arrival.process == "diurnal":
        return _diurnal(arrival, rng)
    return iter(list(arrival.times_s or []))


def _poisson(rate: float, rng: np.random.Generator) -> Iterator[float]:
    t = 0.0
    inv = 1.0 / rate
    for e in _unit_exp(rng):
        t += e * inv
        yield t


def _mmpp2(a: Arrival, rng: np.random.Generator) -> Iterator[float]:
    """Two-state Markov-modulated Poisson process: quiet <-> burst, exponential sojourns."""
    gaps = _unit_exp(rng.spawn(1)[0])
    sojourns = _unit_exp(rng.spawn(1)[0])
    rates = (float(a.rate_rps or 0.0), float(a.burst_rate_rps or 0.0))
    means = (float(a.burst_every_s or 1.0), float(a.burst_duration_s or 1.0))
    state = 0
    t = 0.0
    state_end = next(sojourns) * means[0]
    while True:
        t_next = t + next(gaps) / rates[state]
        if t_next < state_end:
            t = t_next
            yield t
        else:  # memoryless: restart the gap at the switch
            t = state_end
            state = 1 - state
            state_end = t + next(sojourns) * means[state]


def _diurnal(a: Arrival, rng: np.random.Generator) -> Iterator[float]:
    """Non-homogeneous Poisson by thinning (Lewis-Shedler)."""
    base, amp = float(a.rate_rps or 0.0), float(a.amplitude or 0.0)
    omega = 2.0 * math.pi / float(a.period_s or 86400.0)
    lam_max = base * (1.0 + amp)
    gaps = _unit_exp(rng.spawn(1)[0])
    accept = _unit_uniform(rng.spawn(1)[0])
    t = 0.0
    while True:
        t += next(gaps) / lam_max
        if next(accept) * lam_max <= base * (1.0 + amp * math.sin(omega * t)):
            yield t
