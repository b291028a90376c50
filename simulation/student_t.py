"""Student-t quantiles without scipy.stats (whose import alone costs about 0.6 CPU-s, paid by
every CLI run, sweep point and replication process).

For integer degrees of freedom the t distribution function has a closed form (Abramowitz &
Stegun 26.7.3-4, a finite sum in theta = atan(t / sqrt(df))); the quantile is found by Newton's
method from the Cornish-Fisher expansion (A&S 26.7.5), to about 1e-12. Fractional degrees
of freedom fall back on the expansion alone (within about 1e-3 for df >= 3).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

from simulation.results import Estimate

_NEWTON_STEPS = 50


def t_cdf(t: float, df: int) -> float:
    """P(T <= t) for integer ``df`` >= 1."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    theta = math.atan(abs(t) / math.sqrt(df))
    s, c = math.sin(theta), math.cos(theta)
    if df % 2 == 1:
        term, total = c, c if df > 1 else 0.0
        for k in range(1, (df - 3) // 2 + 1):
            term *= c * c * (2 * k) / (2 * k + 1)
            total += term
        a = 2.0 / math.pi * (theta + s * total)
    else:
        term, total = 1.0, 1.0
        for k in range(1, (df - 2) // 2 + 1):
            term *= c * c * (2 * k - 1) / (2 * k)
            total += term
        a = s * total
    return 0.5 + 0.5 * a if t >= 0 else 0.5 - 0.5 * a


def t_pdf(t: float, df: float) -> float:
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))


def _cornish_fisher(p: float, df: float) -> float:
    z = NormalDist().inv_cdf(p)
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def t_ppf(p: float, df: float) -> float:
    """The p-quantile of Student's t with ``df`` degrees of freedom."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"probability must be in (0, 1), got {p}")
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    t = _cornish_fisher(p, df)
    if df != int(df):
        return t
    n = int(df)
    for _ in range(_NEWTON_STEPS):
        step = (t_cdf(t, n) - p) / t_pdf(t, n)
        t -= step
        if abs(step) <= 1e-13 * max(1.0, abs(t)):
            break
    return t


def confidence_interval(values: Sequence[float], level: float = 0.95) -> Estimate:
    """Mean and Student-t interval over independent samples (replications, days); with one
    sample the interval is infinite, with none the mean is 0 and n is 0."""
    n = len(values)
    if n == 0:
        return Estimate(0.0, math.inf, -math.inf, math.inf, 0)
    mean = sum(values) / n
    if n == 1:
        return Estimate(mean, math.inf, -math.inf, math.inf, 1)
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = t_ppf(0.5 + level / 2.0, n - 1) * math.sqrt(var / n)
    return Estimate(mean, half, mean - half, mean + half, n)
