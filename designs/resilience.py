"""Failure handling and scaling settings of a component (DESIGN.md, "Failures, resilience and
cost"): ``retry``, ``circuit_breaker`` and ``autoscale`` tables.

Each model checks its own fields; rules that need the whole component (a retry needs
``calls``, autoscale bounds against ``replicas``) live in ``component_rules`` below, which the
component model runs, so every error names the component and the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from designs.schema import Component

Jitter = Literal["none", "full", "equal"]
PosFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Ratio = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


# Per fault kind (``[[faults]] kind``): the fields it needs and the optional ones it accepts.
FAULT_FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "outage": (frozenset({"duration_s"}), frozenset({"replica"})),
    "slowdown": (frozenset({"duration_s", "factor"}), frozenset({"replica"})),
    "crash": (frozenset({"duration_s"}), frozenset({"replica"})),
    "cache_flush": (frozenset(), frozenset()),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Retry(_Model):
    """Repeat a failed synchronous call: ``attempts`` in all (the first one included),
    waiting ``backoff_ms * multiplier ** (k - 1)`` before retry k, with ``jitter``:
    none (exactly that), full (uniform in [0, that]) or equal (half of it plus a uniform
    share of the other half), the three schemes of the AWS architecture blog.

    ``timeout_ms`` (an extension of the contract, optional) is the caller's wait per attempt:
    it gives up, and the attempt fails, while the callee goes on with the abandoned work."""

    attempts: Annotated[int, Field(ge=1, le=100)]
    backoff_ms: NonNegFloat = 0.0
    multiplier: Annotated[float, Field(ge=1, le=100, allow_inf_nan=False)] = 1.0
    jitter: Jitter = "none"
    timeout_ms: PosFloat | None = None

    @model_validator(mode="after")
    def _check(self) -> Retry:
        if self.attempts == 1 and (self.backoff_ms > 0 or self.jitter != "none"):
            raise ValueError("backoff_ms and jitter need attempts >= 2 (1 means no retry)")
        return self

    def delay_ms(self, retry: int) -> float:
        """The un-jittered wait before retry number ``retry`` (1, 2, ...)."""
        return self.backoff_ms * self.multiplier ** (retry - 1)


class CircuitBreaker(_Model):
    """Per callee: opens when, over the last ``window_s``, at least ``min_calls`` calls were
    made and the failure ratio reached ``failure_ratio``; then fails calls at once for
    ``open_s``; then lets ``half_open_probes`` calls through: all succeed -> closed, one
    fails -> open again."""

    failure_ratio: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    window_s: PosFloat
    open_s: PosFloat
    half_open_probes: Annotated[int, Field(ge=1, le=1000)] = 1
    min_calls: Annotated[int, Field(ge=1, le=100_000)] = 10


class Autoscale(_Model):
    """Every ``interval_s`` set the replica count toward ``target_utilization`` (busy
    workers / serving workers over the last interval), within [min, max]; a new replica
    serves only after ``warmup_s`` (it is paid for from the start)."""

    min: Annotated[int, Field(ge=1, le=10_000)]
    max: Annotated[int, Field(ge=1, le=10_000)]
    target_utilization: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    interval_s: PosFloat = 30.0
    warmup_s: NonNegFloat = 0.0

    @model_validator(mode="after")
    def _check(self) -> Autoscale:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self


def component_rules(c: Component) -> str | None:
    """Rules between a component's resilience fields and its other fields."""
    if c.retry is not None and not c.calls:
        return "field 'retry' needs 'calls' (it repeats failed synchronous calls)"
    if c.circuit_breaker is not None and not c.calls:
        return "field 'circuit_breaker' needs 'calls' (it guards synchronous calls)"
    if c.autoscale is not None and "replicas" in c.model_fields_set:
        lo, hi = c.autoscale.min, c.autoscale.max
        if not lo <= c.replicas <= hi:
            return f"field 'replicas' ({c.replicas}) must lie within autoscale [{lo}, {hi}]"
    return None


def describe(c: Component) -> list[str]:
    """Short lines for a tooltip: the component's failure, resilience and cost settings."""
    out = []
    if c.fail_ratio:
        out.append(f"fails {c.fail_ratio:.0%} of visits")
    if c.retry is not None:
        r = c.retry
        wait = f", backoff {r.backoff_ms:g} ms x{r.multiplier:g}" if r.backoff_ms else ""
        out.append(f"retry: {r.attempts} attempts{wait}, jitter {r.jitter}")
    if c.circuit_breaker is not None:
        b = c.circuit_breaker
        out.append(
            f"circuit breaker: opens at {b.failure_ratio:.0%} failed in {b.window_s:g} s,"
            f" open {b.open_s:g} s"
        )
    if c.autoscale is not None:
        a = c.autoscale
        out.append(
            f"autoscale {a.min}-{a.max} replicas to {a.target_utilization:.0%} busy"
            f" every {a.interval_s:g} s"
        )
    if c.max_deliveries or c.dead_letter:
        dl = f", then to '{c.dead_letter}'" if c.dead_letter else ""
        out.append(f"up to {c.max_deliveries or 1} deliveries{dl}")
    out.append(f"{c.replica_cost_per_hour():.2f} per replica-hour")
    return out
