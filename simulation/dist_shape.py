"""The shape of a service-time distribution, for the small preview in the properties panel.

Draws a few thousand times from the engine's own sampler (simulation.distributions), seeded,
and bins them up to the 99th percentile so a long tail does not squash the body. Cheap enough
to redo on every keystroke (bench/bench_dist_shape.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from designs.schema import Distribution
from simulation.distributions import sampler, stream

DRAWS = 2000
BINS = 32


@dataclass(frozen=True)
class Shape:
    """A histogram density over ``edges`` (ms); ``spike`` when every draw is the same
    time (a deterministic distribution), drawn as one bar at ``mean_ms``."""

    edges: tuple[float, ...]
    density: tuple[float, ...]
    mean_ms: float
    p50_ms: float
    p99_ms: float
    spike: bool

    def peak(self) -> float:
        return max(self.density, default=0.0)


def distribution_shape(
    dist: Distribution, draws: int = DRAWS, bins: int = BINS, seed: int = 0
) -> Shape:
    """The preview histogram of ``dist`` from ``draws`` seeded draws."""
    draw = sampler(dist, stream(seed, "preview", dist.dist), scale=1.0, batch=draws)
    values = np.fromiter((draw() for _ in range(draws)), dtype=float, count=draws)
    lo, p50, p99 = (float(x) for x in np.quantile(values, [0.0, 0.5, 0.99]))
    mean = float(values.mean())
    if p99 - lo <= 1e-12 * max(1.0, abs(p99)):
        return Shape((lo, lo), (1.0,), mean, p50, p99, spike=True)
    start = 0.0 if lo < 0.25 * p99 else lo
    density, edges = np.histogram(values, bins=bins, range=(start, p99), density=True)
    return Shape(
        tuple(float(e) for e in edges),
        tuple(float(d) for d in density),
        mean,
        p50,
        p99,
        spike=False,
    )
