"""Field descriptors: what the properties panel shows for each field of a component kind, a
request class, a fault and the workload, derived from the data that already defines them.

The kind registry (``designs.kinds``) says which fields a kind accepts; the pydantic models
(``designs.schema``, ``designs.resilience``, ``designs.calibration``) give each field's type,
whether it may be left out and its choices (the ``Literal`` types: strategies, cache policies,
jitter, ...); the bounds table (``designs.bounds``) gives the range and often the unit. The one
thing written here is the words: a label, a tooltip and a section per field (``_TEXT``), and
the value a field starts at when the panel turns it on (``_START``). A field the registry
accepts but ``_TEXT`` does not describe is missing from its kind's table, and the test that
compares the two fails (tests/designs/test_fields.py).

Qt-free; the panel (freightlab/ui/properties_panel.py) turns descriptors into widgets.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from designs import bounds
from designs.calibration import Calibration
from designs.kinds import KINDS, kind_spec
from designs.resilience import FAULT_FIELDS, Autoscale, CircuitBreaker, Retry
from designs.schema import (
    ARRIVAL_PARAMS,
    DIST_PARAMS,
    Arrival,
    Component,
    Distribution,
    Fault,
    Keys,
    RequestClass,
    Workload,
)

Widget = Literal[
    "int", "float", "choice", "text", "name", "names", "numbers", "distribution", "arrival", "table"
]

# Fields shown in the panel's header rather than as a form row (renaming and changing a kind
# are structural edits: designs/editing.py).
HEADER_FIELDS = frozenset({"name", "kind"})

# Sections in the order the panel shows them.
SECTIONS = ("Capacity", "Service time", "Routing", "Resilience", "Cost", "About")

# Units by how a field's name ends (the design language's naming convention: schema.py).
_UNIT_SUFFIX = (("_ms", "ms"), ("_rps", "req/s"), ("_per_hour", "$/h"), ("_s", "s"))

# Fields that hold a component's name (a reference), beside lists of them.
_REFERENCES = frozenset({"then", "on_miss", "consumers", "dead_letter", "entry", "component"})

# label, tooltip and (component fields only) section; "Model.field" entries win over "field".
_TEXT: dict[str, tuple[str, str, str]] = {
    "description": ("Description", "Free text: what this is for", "About"),
    "cost_per_hour": (
        "Per replica",
        "Price of one replica per hour; empty = the kind's documented default",
        "Cost",
    ),
    "replicas": ("Replicas", "Identical copies, each with its own queue and workers", "Capacity"),
    "workers": ("Workers", "Requests served at once per replica", "Capacity"),
    "pool_size": ("Pool size", "Connections per replica; each query holds one", "Capacity"),
    "partitions": ("Partitions", "Each delivers one message at a time to a consumer", "Capacity"),
    "Component.capacity": (
        "Capacity",
        "Entries held (a cache) or messages held (a broker)",
        "Capacity",
    ),
    "queue_limit": ("Queue limit", "Requests waiting beyond this are dropped", "Capacity"),
    "fanout": ("Fan-out", "Notifications sent in parallel per request", "Capacity"),
    "rate_limit_rps": ("Rate limit", "Token-bucket refill rate; beyond it: rejected", "Capacity"),
    "burst": ("Burst", "Token-bucket size: requests let through at once", "Capacity"),
    "strategy": ("Strategy", "How requests are spread over the targets' replicas", "Routing"),
    "policy": ("Policy", "Which entry a full cache evicts", "Capacity"),
    "ttl_s": ("Time to live", "Entries expire after this long (policy ttl)", "Capacity"),
    "hit_ratio": ("Fixed hit ratio", "A shortcut: hits by this share, not by keys", "Capacity"),
    "batch_window_ms": ("Batch window", "Gather requests this long after the first", "Capacity"),
    "batch_max": ("Batch max", "Close a batch at this many requests", "Capacity"),
    "calibration": (
        "Calibration",
        "Solve time by batch size (python main.py calibrate)",
        "Capacity",
    ),
    "service_ms": ("Distribution", "Time one request takes here, in ms", "Service time"),
    "timeout_ms": ("Timeout", "Give up on a request after this long here", "Service time"),
    "calls": ("Calls", "Called in order while holding a worker", "Routing"),
    "then": ("Then", "Handed to this one after finishing (worker released)", "Routing"),
    "targets": ("Targets", "Services whose replicas share the load", "Routing"),
    "on_miss": ("On miss", "Called when the key is not cached", "Routing"),
    "consumers": ("Consumers", "The service that handles the messages", "Routing"),
    "dead_letter": ("Dead letter", "Where a message goes after its last delivery", "Routing"),
    "max_deliveries": ("Deliveries", "Attempts to deliver a message before giving up", "Routing"),
    "fail_ratio": (
        "Fail ratio",
        "Share of visits that fail after their service time",
        "Resilience",
    ),
    "retry": ("Retry", "Repeat a failed synchronous call", "Resilience"),
    "circuit_breaker": ("Circuit breaker", "Fail fast while a callee keeps failing", "Resilience"),
    "autoscale": ("Autoscale", "Add and remove replicas toward a target utilization", "Resilience"),
    # sub-tables
    "attempts": ("Attempts", "Attempts in all, the first one included", ""),
    "backoff_ms": ("Backoff", "Wait before the first retry", ""),
    "multiplier": ("Multiplier", "Each further wait is this many times longer", ""),
    "jitter": ("Jitter", "Randomise the waits: none, full or equal", ""),
    "Retry.timeout_ms": ("Attempt timeout", "The caller's wait per attempt", ""),
    "failure_ratio": ("Opens at", "Failure ratio over the window that opens it", ""),
    "window_s": ("Window", "Calls counted over the last this long", ""),
    "open_s": ("Open for", "Calls fail at once this long, then probes", ""),
    "half_open_probes": ("Probes", "Calls let through to test the callee", ""),
    "min_calls": ("Min calls", "Fewer calls in the window never open it", ""),
    "min": ("Min replicas", "Never fewer", ""),
    "max": ("Max replicas", "Never more", ""),
    "target_utilization": ("Target busy", "Share of busy workers to aim at", ""),
    "interval_s": ("Every", "How often the autoscaler acts", ""),
    "Autoscale.warmup_s": ("Warm-up", "A new replica serves only after this long", ""),
    "sizes": ("Batch sizes", "Measured batch sizes, increasing", ""),
    "ms": ("Solve times", "Median solve time per size", ""),
    "spread": ("Spread", "Lognormal sigma per size (0 = always the median)", ""),
    # distributions
    "dist": ("Distribution", "The shape of the time", ""),
    "mean": ("Mean", "Average time", ""),
    "cv": ("Variability (cv)", "Standard deviation / mean", ""),
    "k": ("Phases (k)", "Erlang phases: more = more regular", ""),
    "low": ("Low", "Shortest time", ""),
    "high": ("High", "Longest time", ""),
    "samples": ("Samples", "Measured times drawn at random", ""),
    # workload, classes, arrivals, keys
    "duration_s": ("Duration", "Simulated time", ""),
    "Workload.warmup_s": ("Warm-up", "Excluded from every statistic", ""),
    "seed": ("Seed", "Same seed, same numbers", ""),
    "max_in_system": ("Max in flight", "Beyond this many requests in flight: unstable", ""),
    "max_events": ("Event budget", "Work budget of one run (events)", ""),
    "slices": (
        "Slices",
        "Run as up to this many identical cells, one simulated (exact when the design splits)",
        "",
    ),
    "entry": ("Entry", "The component that receives the requests", ""),
    "arrival": ("Arrivals", "How requests arrive", ""),
    "keys": ("Keys", "Request keys (lanes): caches and hashing use them", ""),
    "process": ("Process", "Poisson, bursty (MMPP), diurnal or a trace", ""),
    "rate_rps": ("Rate", "Mean arrivals per second (quiet rate when bursty)", ""),
    "burst_rate_rps": ("Burst rate", "Arrivals per second while bursting", ""),
    "burst_every_s": ("Quiet for", "Mean quiet period between bursts", ""),
    "burst_duration_s": ("Bursts last", "Mean burst length", ""),
    "amplitude": ("Amplitude", "rate x (1 + amplitude x sin(2 pi t / period))", ""),
    "period_s": ("Period", "Length of one day cycle", ""),
    "times_s": ("Times", "Recorded arrival instants", ""),
    "Keys.dist": ("Popularity", "Zipf (skewed) or uniform", ""),
    "count": ("Keys", "Distinct keys", ""),
    "s": ("Zipf s", "Skew: 0 = uniform, 1 = classic Zipf", ""),
    # faults
    "component": ("Component", "The component the fault hits", ""),
    "Fault.kind": ("Fault", "outage, slowdown, crash or cache_flush", ""),
    "at_s": ("At", "When it starts", ""),
    "Fault.duration_s": ("Lasts", "How long it lasts", ""),
    "replica": ("Replica", "Only this replica (empty = every replica)", ""),
    "factor": ("Factor", "Service times multiplied by this", ""),
}

# The value a field starts at when the panel turns it on (beside a kind's palette defaults).
_START: dict[str, Any] = {
    "retry": {"attempts": 3, "backoff_ms": 100.0, "multiplier": 2.0, "jitter": "none"},
    "circuit_breaker": {"failure_ratio": 0.5, "window_s": 10.0, "open_s": 5.0},
    "autoscale": {"min": 1, "max": 8, "target_utilization": 0.6, "interval_s": 30.0},
    "keys": {"dist": "zipf", "count": 1000, "s": 1.0},
    "timeout_ms": 1000.0,
    "queue_limit": 100,
    "rate_limit_rps": 100.0,
    "burst": 10,
    "ttl_s": 60.0,
    "hit_ratio": 0.5,
    "fail_ratio": 0.0,
    "max_deliveries": 3,
    "duration_s": 60.0,
    "factor": 2.0,
    "replica": 0,
}


# What leaving an optional field out means, where it means more than "not set".
_UNSET: dict[str, Any] = {
    "cost_per_hour": lambda kind: f"default {KINDS[kind].cost_per_hour:g}" if kind else "",
    "queue_limit": lambda kind: "no limit",
    "timeout_ms": lambda kind: "no timeout",
    "fail_ratio": lambda kind: "never fails",
    "max_in_system": lambda kind: "no cap",
    "max_events": lambda kind: "default budget",
    "replica": lambda kind: "every replica",
    "Retry.timeout_ms": lambda kind: "waits for the callee",
}


def unset_text(name: str, kind: str | None = None, model: str = "") -> str:
    """What the panel shows for an optional field left out ('' = just "not set")."""
    found = _UNSET.get(f"{model}.{name}") or _UNSET.get(name)
    return str(found(kind)) if found is not None else ""


@dataclass(frozen=True)
class FieldSpec:
    """One editable field: ``name`` is its key in its TOML table.

    widget: int/float (a spin box with ``unit``), choice (``choices``), text, name (one
    component), names (a list of components), numbers (a list), distribution / arrival (a
    dist or process picker plus its parameters), table (a sub-form of ``subfields``).
    optional: the key may be left out (``default`` is then its value; None = "not set" means
    something of its own, e.g. no limit). low/high: the valid range (None: unbounded).
    """

    name: str
    label: str
    widget: Widget
    tooltip: str = ""
    section: str = ""
    unit: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    optional: bool = True
    default: Any = None
    subfields: tuple[FieldSpec, ...] = ()
    model: str = ""

    @property
    def path(self) -> str:
        return self.name

    def start_value(self, kind: str | None = None) -> Any:
        """What the field becomes when switched on (a kind's palette default first)."""
        if kind is not None and self.name in KINDS[kind].defaults:
            return KINDS[kind].defaults[self.name]
        if self.name in _START:
            return _START[self.name]
        if self.default is not None:
            return self.default
        if self.widget == "choice":
            return self.choices[0]
        low = 1 if self.low is None else self.low
        return int(max(low, 1)) if self.widget == "int" else float(max(low, 1.0))

    def range_text(self) -> str:
        """'1 – 100,000 ms' for a tooltip; empty when unbounded."""
        if self.low is None and self.high is None:
            return ""
        lo = "" if self.low is None else _num(self.low)
        hi = "" if self.high is None else _num(self.high)
        unit = f" {self.unit}" if self.unit else ""
        return f"{lo} – {hi}{unit}"


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


# --- deriving descriptors from the models -----------------------------------------------


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """(base type, constraint metadata, optional) of a pydantic field annotation."""
    optional = False
    metadata: list[Any] = []
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0]
    while typing.get_origin(annotation) is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        for item in extra:
            metadata.extend(getattr(item, "metadata", [item]))
        annotation = base
    return annotation, metadata, optional


def _limits(metadata: list[Any], bound: bounds.Bound | None) -> tuple[float | None, float | None]:
    lows = [getattr(m, a) for m in metadata for a in ("ge", "gt") if hasattr(m, a)]
    highs = [getattr(m, a) for m in metadata for a in ("le", "lt") if hasattr(m, a)]
    if bound is not None:
        lows.append(bound.low)
        highs.append(bound.high)
    low = max(lows) if lows else None
    high = min(highs) if highs else None
    return low, high


# A base type -> its widget (BaseModel subclasses are sub-tables, Literals choices).
_WIDGET_OF: dict[Any, Widget] = {
    int: "int",
    float: "float",
    str: "text",
    Distribution: "distribution",
    Arrival: "arrival",
}


def _widget(name: str, base: Any) -> Widget:
    if typing.get_origin(base) is Literal:
        return "choice"
    if typing.get_origin(base) is list:
        item, _, _ = _unwrap(typing.get_args(base)[0])
        return "names" if item is str else "numbers"
    if base is str and name in _REFERENCES:
        return "name"
    if base in _WIDGET_OF:
        return _WIDGET_OF[base]
    if isinstance(base, type) and issubclass(base, BaseModel):
        return "table"
    raise TypeError(f"no widget for field '{name}' of type {base!r}")


def _unit(name: str, bound: bounds.Bound | None) -> str:
    for suffix, unit in _UNIT_SUFFIX:
        if name.endswith(suffix):
            return unit
    return bound.unit if bound is not None else ""


def _text(model: str, name: str) -> tuple[str, str, str]:
    found = _TEXT.get(f"{model}.{name}") or _TEXT.get(name)
    if found is None:
        raise KeyError(f"designs/fields.py has no label for {model}.{name}")
    return found


@functools.lru_cache(maxsize=512)
def describe_field(model: type[BaseModel], name: str) -> FieldSpec:
    """The descriptor of one field of a pydantic model (models and tables do not change
    while the program runs, so each is worked out once)."""
    info = model.model_fields[name]
    base, metadata, optional = _unwrap(info.annotation)
    bound = bounds.bound_for(model.__name__, name)
    low, high = _limits(metadata, bound)
    widget = _widget(name, base)
    label, tooltip, section = _text(model.__name__, name)
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    spec = FieldSpec(
        name=name,
        label=label,
        widget=widget,
        section=section,
        unit=_unit(name, bound),
        low=low,
        high=high,
        choices=tuple(typing.get_args(base)) if widget == "choice" else (),
        optional=optional or not info.is_required(),
        default=default,
        subfields=model_fields(base) if widget == "table" else (),
        model=model.__name__,
    )
    rng = spec.range_text()
    tip = f"{tooltip} ({rng})" if rng else tooltip
    return FieldSpec(**{**spec.__dict__, "tooltip": tip})


def model_fields(
    model: type[BaseModel], skip: frozenset[str] = frozenset()
) -> tuple[FieldSpec, ...]:
    """Descriptors of every field of ``model`` but ``skip``, in the model's order; a field
    ``_TEXT`` has no words for is left out (tests/designs/test_fields.py fails on it)."""
    return tuple(
        describe_field(model, n)
        for n in model.model_fields
        if n not in skip and _has_text(model.__name__, n)
    )


# --- the tables the panel uses ----------------------------------------------------------


def component_fields(kind: str) -> tuple[FieldSpec, ...]:
    """The form rows of a component of ``kind``: exactly the fields its KindSpec accepts
    (minus the header's name and kind), each with its words from ``_TEXT``."""
    accepts = kind_spec(kind).accepts()
    return tuple(
        describe_field(Component, n)
        for n in Component.model_fields
        if n in accepts and n not in HEADER_FIELDS and _has_text("Component", n)
    )


def _has_text(model: str, name: str) -> bool:
    return f"{model}.{name}" in _TEXT or name in _TEXT


def by_section(specs: tuple[FieldSpec, ...]) -> list[tuple[str, tuple[FieldSpec, ...]]]:
    """Specs grouped by section, in ``SECTIONS`` order; empty sections left out."""
    groups = [(s, tuple(f for f in specs if f.section == s)) for s in SECTIONS]
    return [(s, fs) for s, fs in groups if fs]


def workload_fields() -> tuple[FieldSpec, ...]:
    """The run settings (the classes are forms of their own)."""
    return model_fields(Workload, skip=frozenset({"classes"}))


def class_fields() -> tuple[FieldSpec, ...]:
    return model_fields(RequestClass, skip=frozenset({"name"}))


def fault_fields(fault_kind: str) -> tuple[FieldSpec, ...]:
    """The fields of a fault of ``fault_kind``: its target and kind, then what FAULT_FIELDS
    says it needs or accepts."""
    need, optional = FAULT_FIELDS[fault_kind]
    fixed = frozenset({"component", "kind", "at_s"})
    return tuple(
        dataclasses.replace(f, optional=f.name not in need) if f.name not in fixed else f
        for f in model_fields(Fault)
        if f.name in fixed | need | optional
    )


def distribution_params(dist: str) -> tuple[FieldSpec, ...]:
    """The parameters of a service-time distribution (all in ms but cv and k)."""
    return tuple(describe_field(Distribution, n) for n in DIST_PARAMS[dist])


def arrival_params(process: str) -> tuple[FieldSpec, ...]:
    return tuple(describe_field(Arrival, n) for n in ARRIVAL_PARAMS[process])


DIST_CHOICES: tuple[str, ...] = tuple(DIST_PARAMS)
PROCESS_CHOICES: tuple[str, ...] = tuple(ARRIVAL_PARAMS)
FAULT_KINDS: tuple[str, ...] = tuple(FAULT_FIELDS)
SUBTABLE_MODELS: dict[str, type[BaseModel]] = {
    "retry": Retry,
    "circuit_breaker": CircuitBreaker,
    "autoscale": Autoscale,
    "calibration": Calibration,
    "keys": Keys,
}


# --- switching a distribution or an arrival process -------------------------------------

# How a parameter of the new shape follows from the old one's mean m (and its own value).
_DIST_FROM_MEAN: dict[str, Any] = {
    "mean": lambda m, old: m,
    "cv": lambda m, old: old.get("cv", 1.0),
    "k": lambda m, old: old.get("k", 2),
    "low": lambda m, old: 0.0,
    "high": lambda m, old: 2.0 * m,
    "samples": lambda m, old: [m],
}
_ARRIVAL_FROM_RATE: dict[str, Any] = {
    "rate_rps": lambda r, old: r,
    "burst_rate_rps": lambda r, old: old.get("burst_rate_rps", 4.0 * r),
    "burst_every_s": lambda r, old: old.get("burst_every_s", 60.0),
    "burst_duration_s": lambda r, old: old.get("burst_duration_s", 10.0),
    "amplitude": lambda r, old: old.get("amplitude", 0.5),
    "period_s": lambda r, old: old.get("period_s", 3600.0),
}


def switch_distribution(old: Mapping[str, Any], dist: str) -> dict[str, Any]:
    """A ``service_ms`` table of shape ``dist`` with the same mean as ``old`` (parameters
    the old one had, like cv, are kept)."""
    m = _mean_of(old)
    return {"dist": dist, **{p: _DIST_FROM_MEAN[p](m, old) for p in DIST_PARAMS[dist]}}


def switch_process(old: Mapping[str, Any], process: str) -> dict[str, Any]:
    """An ``arrival`` table of ``process`` with the same base rate as ``old``. A trace needs
    recorded times, so it is no process to switch to (ValueError)."""
    if any(p not in _ARRIVAL_FROM_RATE for p in ARRIVAL_PARAMS[process]):
        raise ValueError(f"process '{process}' needs recorded times; it is read from a file")
    rate = _float(old.get("rate_rps"), 1.0)
    return {
        "process": process,
        **{p: _ARRIVAL_FROM_RATE[p](rate, old) for p in ARRIVAL_PARAMS[process]},
    }


def switchable_processes() -> tuple[str, ...]:
    return tuple(p for p, ps in ARRIVAL_PARAMS.items() if all(x in _ARRIVAL_FROM_RATE for x in ps))


def _mean_of(old: Mapping[str, Any]) -> float:
    try:
        m = Distribution.model_validate(dict(old)).mean_value()
    except (ValueError, TypeError):
        m = _float(old.get("mean"), 10.0)
    return m if m > 0 and math.isfinite(m) else 10.0


def _float(value: Any, fallback: float) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok and math.isfinite(value) and value > 0 else fallback
