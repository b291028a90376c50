"""The distribution preview's histogram follows the distribution and is seeded."""

from __future__ import annotations

import pytest

from designs.schema import Distribution
from simulation.dist_shape import distribution_shape


def _d(**kw: object) -> Distribution:
    return Distribution.model_validate(kw)


def test_exponential_density_falls_and_its_mean_is_right() -> None:
    s = distribution_shape(_d(dist="exponential", mean=20.0), draws=4000)
    assert not s.spike and s.edges[0] == 0.0
    assert s.density[0] > s.density[len(s.density) // 2] > s.density[-1]
    assert s.mean_ms == pytest.approx(20.0, rel=0.08)


def test_deterministic_is_a_spike_and_uniform_is_flat() -> None:
    s = distribution_shape(_d(dist="deterministic", mean=5.0))
    assert s.spike and s.mean_ms == 5.0
    u = distribution_shape(_d(dist="uniform", low=10.0, high=20.0), draws=8000, bins=10)
    assert u.edges[0] >= 10.0 - 1e-9
    assert max(u.density) / min(u.density) < 1.4


def test_erlang_peaks_away_from_zero() -> None:
    s = distribution_shape(_d(dist="erlang", mean=10.0, k=8))
    peak = s.density.index(s.peak())
    assert 0 < peak < len(s.density) - 1


def test_same_seed_same_shape_and_shapes_differ() -> None:
    a = distribution_shape(_d(dist="lognormal", mean=40.0, cv=1.0), seed=3)
    assert a == distribution_shape(_d(dist="lognormal", mean=40.0, cv=1.0), seed=3)
    assert a != distribution_shape(_d(dist="lognormal", mean=40.0, cv=0.2), seed=3)
