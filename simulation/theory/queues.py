"""Single-station queues: M/M/c (Erlang C), M/G/1 (Pollaczek-Khinchine), M/G/c (approximate).

Units are whatever the caller uses consistently (Freightlab uses seconds and requests per
second). Unstable stations (utilisation >= 1) are not an error: they come back with infinite
waits so callers can say "unstable" instead of crashing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

INF = math.inf
_EPSILONS = [0.5**k for k in range(1, 45)]
RECURSION_SERVERS = 500  # Erlang B by its recursion up to here, in closed form past it
MAX_CHAIN_STATES = 1500  # E_R/M/c embedded chain size limit (about rho 0.98 at R = 3)


@dataclass(frozen=True)
class ServiceMoments:
    """A service-time distribution reduced to what P-K needs: its mean and its squared
    coefficient of variation (variance / mean^2)."""

    mean: float
    scv: float

    def __post_init__(self) -> None:
        if not (self.mean > 0 and math.isfinite(self.mean)):
            raise ValueError(f"service mean must be positive and finite, got {self.mean}")
        if not (self.scv >= 0 and math.isfinite(self.scv)):
            raise ValueError(f"service SCV must be >= 0 and finite, got {self.scv}")

    @property
    def second_moment(self) -> float:
        return self.mean * self.mean * (1.0 + self.scv)

    @property
    def is_exponential(self) -> bool:
        return math.isclose(self.scv, 1.0, rel_tol=1e-12)

    @classmethod
    def exponential(cls, mean: float) -> ServiceMoments:
        return cls(mean, 1.0)

    @classmethod
    def deterministic(cls, value: float) -> ServiceMoments:
        return cls(value, 0.0)

    @classmethod
    def uniform(cls, low: float, high: float) -> ServiceMoments:
        if not 0 <= low <= high:
            raise ValueError(f"uniform needs 0 <= low <= high, got {low}, {high}")
        mean = (low + high) / 2.0
        var = (high - low) ** 2 / 12.0
        return cls(mean, var / (mean * mean))

    @classmethod
    def erlang(cls, k: int, mean: float) -> ServiceMoments:
        """Sum of k exponential phases with the given total mean."""
        if k < 1:
            raise ValueError(f"Erlang shape must be >= 1, got {k}")
        return cls(mean, 1.0 / k)

    @classmethod
    def gamma(cls, shape: float, mean: float) -> ServiceMoments:
        if shape <= 0:
            raise ValueError(f"gamma shape must be > 0, got {shape}")
        return cls(mean, 1.0 / shape)

    @classmethod
    def lognormal(cls, mu: float, sigma: float) -> ServiceMoments:
        """From the parameters of the underlying normal (numpy's ``lognormal(mu, sigma)``)."""
        return cls(math.exp(mu + sigma * sigma / 2.0), math.expm1(sigma * sigma))

    @classmethod
    def from_mean_std(cls, mean: float, std: float) -> ServiceMoments:
        return cls(mean, (std / mean) ** 2)

    @classmethod
    def empirical(cls, samples: Sequence[float]) -> ServiceMoments:
        """Moments of drawing uniformly from ``samples`` (population variance, not sample)."""
        if not samples:
            raise ValueError("empirical distribution needs at least one sample")
        n = len(samples)
        mean = sum(samples) / n
        var = sum((x - mean) ** 2 for x in samples) / n
        return cls(mean, var / (mean * mean))


def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of M/M/c/c (Erlang B) by the stable recursion
    B(k) = a B(k-1) / (k + a B(k-1)); fine for hundreds of servers, where the factorial
    form overflows. Past RECURSION_SERVERS it is the Poisson ratio P(N = c) / P(N <= c),
    N ~ Poisson(a), in logs: constant time for a hundred thousand servers."""
    if servers < 0:
        raise ValueError(f"servers must be >= 0, got {servers}")
    if offered_load < 0 or not math.isfinite(offered_load):
        raise ValueError(f"offered load must be >= 0 and finite, got {offered_load}")
    if servers > RECURSION_SERVERS and offered_load > 0:
        from scipy.stats import poisson

        log_b = poisson.logpmf(servers, offered_load) - poisson.logcdf(servers, offered_load)
        return float(min(1.0, math.exp(log_b)))
    b = 1.0
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    return b


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in M/M/c (Erlang C); 1.0 when unstable."""
    if servers < 1:
        raise ValueError(f"servers must be >= 1, got {servers}")
    rho = offered_load / servers
    if rho >= 1.0:
        return 1.0
    b = erlang_b(servers, offered_load)
    return b / (1.0 - rho * (1.0 - b))


@dataclass(frozen=True)
class QueueResult:
    """Steady-state figures of one FCFS station with ``servers`` identical servers.

    ``exact`` is False for approximations (M/G/c by Allen-Cunneen). Tail functions and
    percentiles exist only where the distribution is known in closed form (M/M/c)."""

    model: str
    arrival_rate: float
    service: ServiceMoments
    servers: int
    exact: bool
    utilization: float
    p_wait: float
    mean_wait: float
    mean_response: float
    mean_queue_len: float
    mean_in_system: float
    wait_decay: float | None = (
        None  # rate of the exponential conditional wait, if not c mu - lambda
    )

    @classmethod
    def from_wait(
        cls,
        model: str,
        arrival_rate: float,
        service: ServiceMoments,
        servers: int,
        exact: bool,
        utilization: float,
        p_wait: float,
        mean_wait: float,
        wait_decay: float | None = None,
    ) -> QueueResult:
        """Everything else follows from the mean wait: W = Wq + E[S], and Little's law."""
        response = mean_wait + service.mean
        return cls(
            model,
            arrival_rate,
            service,
            servers,
            exact,
            utilization,
            p_wait,
            mean_wait,
            response,
            arrival_rate * mean_wait,
            arrival_rate * response,
            wait_decay,
        )

    @property
    def stable(self) -> bool:
        return self.utilization < 1.0

    @property
    def has_distribution(self) -> bool:
        return self.exact and self.service.is_exponential and self.stable

    @property
    def _theta(self) -> float:
        """Decay rate of the conditional wait: c*mu - lambda in M/M/c, mu (1 - sigma) in GI/M/1."""
        if self.wait_decay is not None:
            return self.wait_decay
        return self.servers / self.service.mean - self.arrival_rate

    def wait_tail(self, t: float) -> float:
        """P(Wq > t) = C exp(-(c mu - lambda) t) for M/M/c."""
        self._need_distribution()
        if t < 0:
            return 1.0
        return self.p_wait * math.exp(-self._theta * t)

    def response_tail(self, t: float) -> float:
        """P(W > t) for M/M/c: the wait (0 w.p. 1-C, else Exp(theta)) plus an Exp(mu) service."""
        self._need_distribution()
        if t <= 0:
            return 1.0
        mu = 1.0 / self.service.mean
        theta = self._theta
        c = self.p_wait
        no_wait = math.exp(-mu * t)
        d = theta - mu
        if abs(d) * t < 1.0:
            # Exp(theta)+Exp(mu) tail written with expm1 so theta ~= mu does not cancel.
            ratio = t if d == 0 else -math.expm1(-d * t) / d
            hypo = math.exp(-mu * t) * (1.0 + mu * ratio)
        else:
            hypo = (theta * math.exp(-mu * t) - mu * math.exp(-theta * t)) / d
        return (1.0 - c) * no_wait + c * hypo

    def wait_percentile(self, q: float) -> float:
        """The q-quantile (q in (0, 1)) of the time spent queued."""
        self._need_distribution()
        _check_q(q)
        tail = 1.0 - q
        if tail >= self.p_wait:
            return 0.0
        return math.log(self.p_wait / tail) / self._theta

    def response_percentile(self, q: float) -> float:
        """The q-quantile of response time (wait + service), by root finding on the tail."""
        self._need_distribution()
        _check_q(q)
        tail = 1.0 - q
        hi = self.mean_response
        while self.response_tail(hi) > tail:
            hi *= 2.0
        return float(brentq(lambda t: self.response_tail(t) - tail, 0.0, hi, xtol=1e-12))

    def _need_distribution(self) -> None:
        if not self.has_distribution:
            raise ValueError(f"no closed-form time distribution for {self.model}")


def _check_q(q: float) -> None:
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile must be in (0, 1), got {q}")


def _unstable(
    model: str, lam: float, service: ServiceMoments, servers: int, exact: bool
) -> QueueResult:
    return QueueResult(
        model, lam, service, servers, exact, lam * service.mean / servers, 1.0, INF, INF, INF, INF
    )


def _check_inputs(lam: float, servers: int) -> None:
    if lam < 0 or not math.isfinite(lam):
        raise ValueError(f"arrival rate must be >= 0 and finite, got {lam}")
    if servers < 1:
        raise ValueError(f"servers must be >= 1, got {servers}")


def mmc(arrival_rate: float, service_rate: float, servers: int = 1) -> QueueResult:
    """M/M/c: Poisson arrivals, exponential service with rate ``service_rate`` per server."""
    _check_inputs(arrival_rate, servers)
    if service_rate <= 0:
        raise ValueError(f"service rate must be > 0, got {service_rate}")
    service = ServiceMoments.exponential(1.0 / service_rate)
    model = f"M/M/{servers}"
    a = arrival_rate / service_rate
    rho = a / servers
    if rho >= 1.0:
        return _unstable(model, arrival_rate, service, servers, True)
    c_prob = erlang_c(servers, a) if arrival_rate > 0 else 0.0
    wq = c_prob / (servers * service_rate - arrival_rate)
    return QueueResult.from_wait(
        model,
        arrival_rate,
        service,
        servers,
        True,
        rho,
        c_prob,
        wq,
    )


def mg1(arrival_rate: float, service: ServiceMoments) -> QueueResult:
    """M/G/1 by Pollaczek-Khinchine: Wq = lambda E[S^2] / (2 (1 - rho))."""
    _check_inputs(arrival_rate, 1)
    if service.is_exponential:
        return mmc(arrival_rate, 1.0 / service.mean, 1)
    model = "M/G/1"
    rho = arrival_rate * service.mean
    if rho >= 1.0:
        return _unstable(model, arrival_rate, service, 1, True)
    wq = arrival_rate * service.second_moment / (2.0 * (1.0 - rho))
    return QueueResult.from_wait(model, arrival_rate, service, 1, True, rho, rho, wq)


def mgc(arrival_rate: float, service: ServiceMoments, servers: int) -> QueueResult:
    """M/G/c: exact for exponential service (Erlang C) or one server (P-K); otherwise the
    Allen-Cunneen approximation Wq ~= Wq(M/M/c) (1 + SCV) / 2, flagged ``exact=False``."""
    if service.is_exponential:
        return mmc(arrival_rate, 1.0 / service.mean, servers)
    if servers == 1:
        return mg1(arrival_rate, service)
    base = mmc(arrival_rate, 1.0 / service.mean, servers)
    model = f"M/G/{servers} (Allen-Cunneen)"
    if not base.stable:
        return _unstable(model, arrival_rate, service, servers, False)
    wq = base.mean_wait * (1.0 + service.scv) / 2.0
    return QueueResult.from_wait(
        model,
        arrival_rate,
        service,
        servers,
        False,
        base.utilization,
        base.p_wait,
        wq,
    )


def gi_m1(
    interarrival_lst: Callable[[float], float],
    arrival_rate: float,
    service_rate: float,
    model: str = "GI/M/1",
) -> QueueResult:
    """GI/M/1: renewal arrivals (given by the Laplace-Stieltjes transform of the interarrival
    time) and one exponential server. An arrival finds the server busy with probability sigma,
    the root in (0, 1) of sigma = A*(mu (1 - sigma)); the response is Exp(mu (1 - sigma))."""
    _check_inputs(arrival_rate, 1)
    service = ServiceMoments.exponential(1.0 / service_rate)
    rho = arrival_rate / service_rate
    if rho >= 1.0:
        return _unstable(model, arrival_rate, service, 1, True)
    if arrival_rate == 0:
        return mmc(0.0, service_rate, 1)

    def gap(sig: float) -> float:
        return interarrival_lst(service_rate * (1.0 - sig)) - sig

    # gap(0) > 0, gap is convex, gap(1) = 0 with slope 1/rho - 1 > 0 there: so it is negative
    # just left of 1 and the wanted root lies between 0 and the first negative point.
    hi = next((1.0 - e for e in _EPSILONS if gap(1.0 - e) < 0.0), None)
    if hi is None:
        raise ArithmeticError(f"{model}: no root for sigma (rho = {rho})")
    sigma = float(brentq(gap, 0.0, hi, xtol=1e-15))
    decay = service_rate * (1.0 - sigma)
    wq = sigma / decay  # and W = Wq + 1/mu = 1/decay: the response is Exp(decay)
    return QueueResult.from_wait(
        model, arrival_rate, service, 1, True, rho, sigma, wq, wait_decay=decay
    )


def round_robin_m1(total_rate: float, replicas: int, service_rate: float) -> QueueResult:
    """One of ``replicas`` single-server exponential replicas fed round robin from a Poisson
    stream of ``total_rate``: every replicas-th arrival, so Erlang-R interarrivals (E_R/M/1).
    Waits are shorter than M/M/1 at the same load, because the arrivals are more regular."""
    if replicas < 1:
        raise ValueError(f"replicas must be >= 1, got {replicas}")
    if replicas == 1:
        return mmc(total_rate, service_rate, 1)
    lam = total_rate

    def lst(s: float) -> float:
        return float((lam / (lam + s)) ** replicas)

    return gi_m1(lst, total_rate / replicas, service_rate, f"E{replicas}/M/1 (round robin)")


def round_robin_mc(
    total_rate: float, replicas: int, service_rate: float, servers: int
) -> QueueResult:
    """One of ``replicas`` replicas with ``servers`` exponential workers each, fed round robin
    from a Poisson stream of ``total_rate``: an E_R/M/c queue, solved exactly.

    GI/M/c theory: seen at arrival epochs the number in system is a Markov chain. Between
    arrivals the system is a pure-death process (rate min(n, c) mu) with generator Q, and for
    Erlang-R interarrivals of rate-lambda phases E[exp(Q T)] = (lambda (lambda I - Q)^-1)^R, so
    the one-step matrix is exact; it is truncated where the geometric tail (ratio omega, the
    root of omega = A*(c mu (1 - omega))) drops below 1e-13. An arrival finding n >= c waits
    for n - c + 1 departures at rate c mu, and the wait given waiting is Exp(c mu (1 - omega)).
    """
    if servers == 1:
        return round_robin_m1(total_rate, replicas, service_rate)
    if replicas < 1 or servers < 1:
        raise ValueError("replicas and servers must be >= 1")
    lam = total_rate / replicas
    service = ServiceMoments.exponential(1.0 / service_rate)
    model = f"E{replicas}/M/{servers} (round robin)"
    rho = lam / (servers * service_rate)
    if rho >= 1.0:
        return _unstable(model, lam, service, servers, True)
    if replicas == 1:
        return mmc(total_rate, service_rate, servers)
    cmu = servers * service_rate

    def lst(x: float) -> float:
        return float((total_rate / (total_rate + x)) ** replicas)

    # omega from the single-server form of the root equation with rate c mu.
    omega = gi_m1(lst, lam, cmu).p_wait
    tail = math.ceil(math.log(1e-12) / math.log(omega)) if omega > 0 else 1
    n = servers + tail + 2
    if n > MAX_CHAIN_STATES:
        raise ArithmeticError(f"{model}: too close to saturation for the exact solution")
    death = np.minimum(np.arange(n + 1), servers) * service_rate
    q = np.diag(-death) + np.diag(death[1:], -1)  # state k -> k-1 at rate min(k, c) mu
    step = total_rate * np.linalg.inv(total_rate * np.eye(n + 1) - q)
    phases = np.linalg.matrix_power(step, replicas)
    # Found k -> the arrival makes k + 1 (capped at the truncation) -> next arrival finds m.
    trans = phases[np.minimum(np.arange(n + 1) + 1, n)]
    a = trans.T - np.eye(n + 1)
    a[-1, :] = 1.0
    rhs = np.zeros(n + 1)
    rhs[-1] = 1.0
    found = np.clip(np.linalg.solve(a, rhs), 0.0, None)
    found /= found.sum()
    k = np.arange(n + 1)
    waits = k >= servers
    p_wait = float(found[waits].sum())
    wq = float((found[waits] * (k[waits] - servers + 1)).sum() / cmu)
    return QueueResult.from_wait(
        model,
        lam,
        service,
        servers,
        True,
        rho,
        p_wait,
        wq,
        wait_decay=cmu * (1.0 - omega),
    )


def gi_g_c_approx(
    arrival_rate: float, arrival_scv: float, service: ServiceMoments, servers: int
) -> QueueResult:
    """GI/G/c by Allen-Cunneen with the Kraemer/Langenbach-Belz correction:
    Wq ~= g Wq(M/M/c) (ca^2 + cs^2) / 2, where g < 1 trims the known overestimate for regular
    (ca^2 < 1) arrivals and g = 1 for Poisson ones (so M/G/1 stays exactly P-K). An
    approximation, flagged ``exact=False``: a few percent off at moderate to high load."""
    base = mmc(arrival_rate, 1.0 / service.mean, servers)
    model = f"GI/G/{servers} (Allen-Cunneen)"
    if not base.stable:
        return _unstable(model, arrival_rate, service, servers, False)
    ca2, cs2, rho = arrival_scv, service.scv, base.utilization
    if ca2 + cs2 == 0:
        g = 0.0  # D/D/c below saturation never queues
    elif ca2 < 1.0:
        g = math.exp(-2.0 * (1.0 - rho) * (1.0 - ca2) ** 2 / (3.0 * rho * (ca2 + cs2)))
    else:
        g = math.exp(-(1.0 - rho) * (ca2 - 1.0) / (ca2 + 4.0 * cs2))
    wq = g * base.mean_wait * (ca2 + cs2) / 2.0
    return QueueResult.from_wait(
        model,
        arrival_rate,
        service,
        servers,
        False,
        base.utilization,
        base.p_wait,
        wq,
    )
