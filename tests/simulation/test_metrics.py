"""Percentiles without storing every request: accuracy of the log histogram."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.metrics import ALPHA, LogHistogram, bucket_percentiles

QS = [0.5, 0.9, 0.95, 0.99, 0.999]


@pytest.mark.parametrize("kind", ["lognormal", "exponential", "pareto", "bimodal"])
def test_quantiles_within_relative_error(kind: str) -> None:
    rng = np.random.default_rng(7)
    n = 50_000
    if kind == "lognormal":
        x = rng.lognormal(3.0, 1.5, n)
    elif kind == "exponential":
        x = rng.exponential(250.0, n)
    elif kind == "pareto":
        x = (rng.pareto(1.5, n) + 1) * 10.0
    else:
        x = np.concatenate(
            [rng.normal(5.0, 0.5, n // 2).clip(0.01), rng.normal(5000.0, 100.0, n // 2)]
        )
    h = LogHistogram()
    for v in x.tolist():
        h.record(v)
    exact = np.quantile(x, QS, method="inverted_cdf")
    got = h.quantiles(QS)
    for q, e, g in zip(QS, exact, got, strict=True):
        assert abs(g - e) <= ALPHA * e * 1.0001, (q, e, g)
    assert h.mean() == pytest.approx(float(x.mean()))
    assert h.max == pytest.approx(float(x.max()))


def test_zeros_and_empty() -> None:
    h = LogHistogram()
    assert h.quantiles([0.5]) == [0.0]
    for v in [0.0, 0.0, 0.0, 10.0]:
        h.record(v)
    p50, p99 = h.quantiles([0.5, 0.99])
    assert p50 == 0.0
    assert p99 == pytest.approx(10.0, rel=ALPHA)


def test_merge_equals_recording_everything() -> None:
    rng = np.random.default_rng(1)
    a, b, both = LogHistogram(), LogHistogram(), LogHistogram()
    for i, v in enumerate(rng.exponential(10.0, 2000).tolist()):
        (a if i % 2 else b).record(v)
        both.record(v)
    a.merge(b)
    assert a.quantiles(QS) == both.quantiles(QS)
    assert a.count == both.count


def test_memory_is_fixed() -> None:
    h = LogHistogram()
    size = len(h.counts)
    for v in np.random.default_rng(2).lognormal(0, 4, 10_000).tolist():
        h.record(v)
    assert len(h.counts) == size < 10_000


def test_bucket_percentiles_exact() -> None:
    assert bucket_percentiles([]) == (None, None)
    vals = [float(v) for v in range(1, 101)]
    assert bucket_percentiles(vals) == (50.0, 99.0)
