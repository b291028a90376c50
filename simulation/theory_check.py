"""Does a simulation agree with theory? The metrics where it does not, and one sentence.

:mod:`simulation.analytic` predicts; this module compares a run (or replications) with the
prediction, allowing for the run's own noise (batch means), and says so in words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from simulation.analytic import Prediction
from simulation.results import ReplicationResult, SimResult


@dataclass(frozen=True)
class Disagreement:
    subject: str  # "component 'matcher'" or "class 'match'" or "design"
    metric: str  # "utilization", "mean_wait_ms", "latency_mean_ms", "latency_p99_ms", ...
    simulated: float
    theory: float
    allowed: float  # the largest |simulated - theory| that would have passed

    @property
    def rel_error(self) -> float:
        if self.theory == 0:
            return math.inf if self.simulated else 0.0
        return (self.simulated - self.theory) / abs(self.theory)

    def __str__(self) -> str:
        return (
            f"{self.subject} {self.metric}: simulated {self.simulated:.4g}, theory says "
            f"{self.theory:.4g} ({self.rel_error:+.1%}; allowed +/- {self.allowed:.3g})"
        )


# --- comparing -------------------------------------------------------------------------


def compare_to_theory(
    result: SimResult | ReplicationResult,
    prediction: Prediction,
    rel_tol: float = 0.1,
    *,
    include_approximate: bool = False,
    percentiles: bool = True,
) -> list[Disagreement]:
    """Metrics where the simulation and theory differ by more than ``rel_tol`` (relative).

    Small absolute slack keeps near-zero figures from tripping the check: 0.01 on utilisation,
    ``rel_tol`` x the mean service time on waits, 0.05 on queue lengths. For a
    ReplicationResult the CI half-width is added to the allowance. Approximate figures are
    skipped unless ``include_approximate``."""
    out: list[Disagreement] = []
    sim_unstable = result.verdict == "unstable"
    if prediction.stable == sim_unstable:
        out.append(
            Disagreement(
                "design",
                "stable",
                0.0 if sim_unstable else 1.0,
                1.0 if prediction.stable else 0.0,
                0.0,
            )
        )
        return out
    if not prediction.stable:
        return out

    def check(subject: str, metric: str, sim: float, hw: float, th: float, floor: float) -> None:
        allowed = rel_tol * abs(th) + floor + hw
        if not math.isfinite(sim) or abs(sim - th) > allowed:
            out.append(Disagreement(subject, metric, sim, th, allowed))

    for name, ct in prediction.components.items():
        if ct.is_delay or not (ct.exact or include_approximate):
            continue
        svc_ms = ct.mean_response_ms - ct.mean_wait_ms
        subject = f"component '{name}'"
        for metric, th, floor in (
            ("utilization", ct.utilization, 0.01),
            ("mean_wait_ms", ct.mean_wait_ms, rel_tol * svc_ms),
            ("mean_queue_len", ct.mean_queue_len, 0.05),
        ):
            sim, hw = _component_metric(result, name, metric)
            if sim is not None:
                check(subject, metric, sim, hw, th, floor)
    for name, cl in prediction.classes.items():
        if not (cl.exact or include_approximate):
            continue
        subject = f"class '{name}'"
        sim, hw = _class_metric(result, name, "mean")
        if sim is not None:
            check(subject, "latency_mean_ms", sim, hw, cl.mean_response_ms, 0.0)
        if percentiles:
            for label, th in cl.percentiles_ms.items():
                sim, hw = _class_metric(result, name, label)
                if sim is not None:
                    check(subject, f"latency_{label}_ms", sim, hw, th, 0.0)
    return out


def _component_metric(
    result: SimResult | ReplicationResult, name: str, metric: str
) -> tuple[float | None, float]:
    if isinstance(result, ReplicationResult):
        est = result.components.get(name)
        if est is None:
            return None, 0.0
        e = getattr(est, metric)
        return e.mean, e.half_width
    stats = result.components.get(name)
    return (None, 0.0) if stats is None else (float(getattr(stats, metric)), 0.0)


def _class_metric(
    result: SimResult | ReplicationResult, name: str, label: str
) -> tuple[float | None, float]:
    if isinstance(result, ReplicationResult):
        est = result.classes.get(name)
        if est is None:
            return None, 0.0
        if label == "mean":
            return est.latency_mean_ms.mean, est.latency_mean_ms.half_width
        if label == "p99":
            return est.latency_p99_ms.mean, est.latency_p99_ms.half_width
        values = [getattr(r.classes[name].latency_ms, label) for r in result.runs]
        return _mean_and_half_width(values)
    cs = result.classes.get(name)
    return (None, 0.0) if cs is None else (float(getattr(cs.latency_ms, label)), 0.0)


def _mean_and_half_width(values: list[float]) -> tuple[float | None, float]:
    """Mean and 95% Student-t half-width over replications (as the engine's estimates)."""
    if not values:
        return None, 0.0
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, 0.0

    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, float(stats.t.ppf(0.975, n - 1)) * math.sqrt(var / n)


def batch_means_relative_half_width(series: Sequence[float], batches: int = 20) -> float | None:
    """95% CI half-width of a time-series mean, relative to the mean, by batch means.

    One run's per-second samples are autocorrelated, so they are grouped into ``batches``
    long batches whose means are close to independent (the method JMT uses for its
    confidence intervals). None when the series is too short or its mean is zero.
    """
    values = [v for v in series if v is not None and math.isfinite(v)]
    if len(values) < batches * 5:
        return None

    chunks = [
        values[i * len(values) // batches : (i + 1) * len(values) // batches]
        for i in range(batches)
    ]
    means = [sum(c) / len(c) for c in chunks]
    grand = sum(means) / batches
    if grand <= 0:
        return None
    var = sum((m - grand) ** 2 for m in means) / (batches - 1)
    half = float(stats.t.ppf(0.975, batches - 1)) * math.sqrt(var / batches)
    return half / grand


def theory_summary(
    result: SimResult | ReplicationResult,
    prediction: Prediction | None,
    gaps: Sequence[str] = (),
    rel_tol: float = 0.1,
) -> str:
    """One sentence for people: does theory cover this, and does the simulation agree?

    For a single run, waits and queue lengths near saturation are noisy; the allowance
    grows by the run's own batch-means uncertainty so a short run is not called wrong.
    """
    if prediction is None:
        why = f" ({gaps[0]})" if gaps else ""
        return f"Theory: outside what closed-form queueing theory covers{why}."
    noise = 0.0
    if isinstance(result, SimResult):
        widths = [
            batch_means_relative_half_width(result.timeseries.queue_len.get(name, []))
            for name in prediction.components
        ]
        noise = max((w for w in widths if w is not None), default=0.0)
    disagreements = [
        d
        # Means only: a p99 from a few thousand requests is too noisy (and biased low in
        # short runs) for a one-line verdict; the table still shows theory's percentiles.
        for d in compare_to_theory(result, prediction, rel_tol=rel_tol, percentiles=False)
        if d.metric in ("stable", "utilization") or abs(d.rel_error) > rel_tol + noise
    ]
    if disagreements:
        shown = "; ".join(str(d) for d in disagreements[:3])
        more = f" (+{len(disagreements) - 3} more)" if len(disagreements) > 3 else ""
        return f"Theory disagrees by more than {rel_tol + noise:.0%}: {shown}{more}."
    models = ", ".join(sorted({c.model for c in prediction.components.values() if not c.is_delay}))
    kind = "exact" if prediction.exact else "approximate"
    margin = f" plus this run's own noise of {noise:.0%} (batch means)" if noise > 0.005 else ""
    advice = "; run longer or replicate for a sharper check" if noise > rel_tol else ""
    return f"Theory ({kind}: {models}) agrees within {rel_tol:.0%}{margin}{advice}."
