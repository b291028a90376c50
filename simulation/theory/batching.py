"""Bulk-service gathering under Poisson arrivals: what a matcher's batching window gives.

One replica, Poisson arrivals at rate lambda. A batch opens at an arrival; it closes W after
that first arrival, or when it holds m requests (``batch_max``), whichever is first. With
N ~ Poisson(lambda W) the arrivals after the first within the window:

- batch size B = 1 + min(N, m - 1), so E[B] = 1 + sum_{j=1}^{m-1} P(N >= j);
- the open batch holds n(t) = 1 + N(t) requests until it closes, so the waiting it adds up
  is E[integral n dt] = (1 / lambda) sum_{k=0}^{m-2} (k + 1) P(N >= k + 1) (using
  integral_0^W P(N(t) = k) dt = P(N(W) >= k + 1) / lambda);
- by renewal-reward the mean gathering wait per request is that over E[B]. Special cases:
  window only (m = inf): E[B] = 1 + lambda W, wait = (W + lambda W^2 / 2) / (1 + lambda W);
  batch_max only (W = inf): B = m, wait = (m - 1) / (2 lambda).

These are exact whatever the solvers do (a batch closes on arrivals and its timer only).
When solvers are never all busy (many workers, light load) a request's latency is its
gathering wait plus its batch's solve time, so the mean latency is exact too:
wait + E[B T(B)] / E[B] (a request is in a batch of size b with probability b P(B = b) / E[B]).
With few solvers, batches queue: the batch stream is a renewal process with non-exponential
gaps into c servers (for batch_max only, Erlang-m gaps: E_m/G/c), which has no closed form;
the engine simulates it and the theory does not claim it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_TAIL = 1e-12  # window-only batches: sizes beyond this tail probability are ignored


@dataclass(frozen=True)
class Gathering:
    mean_batch: float
    mean_wait_s: float  # per request, arrival to batch close
    batch_rate: float  # batches per second (lambda / E[B])
    sizes: list[int]  # the support of B ...
    probabilities: list[float]  # ... and P(B = b)

    def mean_over_requests(self, f: Callable[[int], float]) -> float:
        """E[B f(B)] / E[B]: f of the batch a random request is in."""
        num = sum(b * p * f(b) for b, p in zip(self.sizes, self.probabilities, strict=True))
        return num / self.mean_batch


def gathering(rate_rps: float, window_s: float | None, batch_max: int | None) -> Gathering:
    """Exact gathering figures for Poisson arrivals at ``rate_rps`` into one replica."""
    if rate_rps <= 0:
        raise ValueError(f"rate must be > 0, got {rate_rps}")
    if window_s is None and batch_max is None:
        raise ValueError("a batch closes on a window, a size, or both")
    if window_s is None:
        m = int(batch_max or 1)
        return Gathering(float(m), (m - 1) / (2.0 * rate_rps), rate_rps / m, [m], [1.0])
    mu = rate_rps * window_s
    top = _poisson_isf(mu, _TAIL) + 2 if batch_max is None else batch_max - 1
    if batch_max is not None:
        top = min(top, batch_max - 1)
    # P(N >= j) for j = 1..top, and P(N = j) for the size distribution
    tail = _poisson_sf(range(top), mu)
    mean_batch = 1.0 + math.fsum(tail)
    total_wait = math.fsum((k + 1) * tail[k] for k in range(top)) / rate_rps
    probs = _poisson_pmf(range(top + 1), mu)
    if batch_max is not None:
        probs[top] = _poisson_sf([top - 1], mu)[0]
    return Gathering(
        mean_batch=mean_batch,
        mean_wait_s=total_wait / mean_batch,
        batch_rate=rate_rps / mean_batch,
        sizes=list(range(1, top + 2)),
        probabilities=probs,
    )


# Poisson(mu) by scipy.special, the functions scipy.stats.poisson itself evaluates (the same
# numbers), without importing scipy.stats (~0.5 CPU-s) on the way to a batching design.


def _poisson_sf(ks: Sequence[int] | range, mu: float) -> list[float]:
    """P(N > k) for each k."""
    import numpy as np
    from scipy.special import pdtrc

    return [float(v) for v in pdtrc(np.asarray(ks, dtype=float), mu)]


def _poisson_pmf(ks: Sequence[int] | range, mu: float) -> list[float]:
    """P(N = k) for each k."""
    import numpy as np
    from scipy.special import gammaln, xlogy

    k = np.asarray(ks, dtype=float)
    return [float(v) for v in np.exp(xlogy(k, mu) - gammaln(k + 1) - mu)]


def _poisson_isf(mu: float, q: float) -> int:
    """The smallest k with P(N > k) <= q (scipy.stats.poisson.isf for a discrete law)."""
    import numpy as np
    from scipy.special import pdtrc

    hi = int(mu + 12.0 * math.sqrt(mu) + 40.0)
    while True:
        sf = pdtrc(np.arange(hi + 1, dtype=float), mu)
        below = np.flatnonzero(sf <= q)
        if below.size:
            return int(below[0])
        hi *= 2
