"""Replica slicing: simulate 1/k of a large design exactly, then scale the totals back up.

Why it is exact. A ``random`` load balancer sends each request to a replica chosen uniformly
and independently of everything else. Splitting a Poisson stream of rate lambda that way over
N replicas gives N *independent* Poisson streams of rate lambda/N (the thinning property);
the same holds for a time-varying (diurnal) Poisson stream, and for a bursty one each share
is the same bursty process at 1/N of the rates. So the design is k identical, independent
*cells*: cell g gets a random 1/k of the requests and owns 1/k of the replicas of every tier
behind a random balancer, and a cell at lambda/k has exactly the distribution of the whole
design's per-replica behaviour. Latency percentiles, utilisation and wait times of the cell
are the design's; counts, rates, replicas and cost are k times the cell's.

What it holds for, precisely (checked by ``plan``, which refuses everything else and says
why):
- a tier with several replicas ("partitioned") must be reached only through ``random``
  balancers; round robin, least connections, power of two and consistent hashing couple the
  replicas (a replica's share depends on the others), and a multi-replica service called
  directly is round robin;
- every other component on the way must be load-independent: a pure delay (a balancer, a
  gateway without workers or rate limit, a cache with a fixed ``hit_ratio``). A single
  instance with workers, a rate limit, a broker, a matcher's batches, a key-driven cache
  (its hit ratio after the warm-up depends on how many keys it has seen) or a circuit
  breaker (its window counts every replica's calls) would see the whole rate, so a slice
  would understate it;
- replica counts (and autoscale min/max) divisible by k, faults on every replica at once.

Two tiers behind random balancers (an API calling read replicas) are exact for the *cell
deployment*: each API replica reads from the replicas of its own cell (zone-affine routing,
as cloud balancers offer to avoid cross-zone traffic). One global pool, where any API
replica reads from any database replica, is another system: a cell's database never has
more reads in flight than its cell's API workers, a global one can have all of them, so
with few callers per cell the global pool queues more. ``SlicePlan.nested`` names such
tiers and the note says so. tests/simulation/test_slicing.py checks the slice against the
cells written out in full (p50 and p99 within their 95% intervals), one tier against M/M/c
theory, and measures the global pool's difference; bench/bench_slicing.py measures the 1M
requests/min exercise whole (global pool) against its cells.

An autoscaler is per cell in the slice (each cell sizes its own 1/k of the replicas, min
and max divided by k): exact for k cells each with its own autoscaler (tested against the
cells written out in full). One global autoscaler over all replicas is another controller:
it rounds once where k cells round up k times, so it runs closer to its target. On the 1M
requests/min exercise's reference (bench/bench_slicing.py, one seed) the global one paid
$9.74/h at p99 175 ms where 16 per-cell autoscalers paid $10.49/h at p99 53 ms: the
exercise therefore states that its API runs in cells, each scaling itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from designs.schema import Component, Design
from freightlab.errors import InputError
from freightlab.progress import Progress
from simulation.bottleneck import failure_note, find_bottleneck
from simulation.results import ClassStats, ComponentStats, LatencyStats, SimResult, Timeseries

SPLITTABLE_KINDS = frozenset({"service", "database"})  # replicas that are plain FCFS stations
THINNED_PROCESSES = frozenset({"poisson", "diurnal", "bursty"})


class SliceError(InputError):
    """The design cannot be sliced exactly; the message names the component and why."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


@dataclass(frozen=True)
class SlicePlan:
    k: int  # the design runs as k identical cells; one is simulated
    partitioned: frozenset[str]  # components whose replicas are split among the cells
    why_not_more: str = ""  # what kept k below the largest allowed
    # Partitioned tiers reached from another one's replicas: exact for the cell deployment
    # (a replica calls its own cell's), not for one global pool (see the module docstring).
    nested: frozenset[str] = frozenset()

    def describe(self) -> str:
        tiers = ", ".join(f"'{n}'" for n in sorted(self.partitioned))
        text = (
            f"simulated as 1 of {self.k} identical cells (random balancing splits the traffic"
            f" into independent Poisson shares; {tiers} split {self.k} ways), totals x{self.k}"
        )
        if self.nested:
            inner = ", ".join(f"'{n}'" for n in sorted(self.nested))
            text += f"; callers reach {inner} of their own cell"
        return text


def _downstream(design: Design, start: str) -> set[str]:
    """Components a request can go on to from ``start`` (not ``start`` itself)."""
    seen: set[str] = set()
    todo = [t for _, t in design.component(start).successors()]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(t for _, t in design.component(name).successors())
    seen.discard(start)
    return seen


def _inbound(design: Design) -> dict[str, list[tuple[str, str]]]:
    """component -> [(who reaches it, by which field)], request-class entries included."""
    into: dict[str, list[tuple[str, str]]] = {c.name: [] for c in design.components}
    for cls in design.workload.classes:
        into[cls.entry].append((f"request class '{cls.name}'", "entry"))
    for c in design.components:
        for fname, target in c.successors():
            into[target].append((c.name, fname))
    return into


def _shared_problem(c: Component) -> str | None:
    """Why a component every cell would share is not load-independent (None: it is)."""
    if c.kind not in ("load_balancer", "gateway", "cache") or c.servers() is not None:
        size = c.servers()
        what = f"{size} workers" if size is not None else "a shared state"
        return (
            f"'{c.name}' ({c.kind}) is one instance with {what} that every cell would share,"
            " so a slice would see only part of its load"
        )
    if c.rate_limit_rps is not None:
        return f"'{c.name}' has field 'rate_limit_rps': one token bucket for the whole rate"
    if c.kind == "cache" and c.hit_ratio is None:
        return (
            f"cache '{c.name}' learns from the keys it sees: a 1/k slice sees k times fewer in"
            " the same time, so its hit ratio is not the whole design's (give it a fixed"
            " 'hit_ratio' to slice)"
        )
    return None


def _partition_problem(c: Component, into: list[tuple[str, str]], design: Design) -> str | None:
    if c.kind not in SPLITTABLE_KINDS:
        return f"'{c.name}' ({c.kind}) has several replicas but is not a plain FCFS tier"
    for who, fname in into:
        if fname != "targets":
            return (
                f"'{c.name}' is reached by {who} (field '{fname}') without a balancer: that"
                " goes round robin over its replicas, which couples them"
            )
        strategy = design.component(who).effective_strategy()
        if strategy != "random":
            return (
                f"balancer '{who}' uses strategy '{strategy}': only 'random' splits a Poisson"
                f' stream into independent shares (set strategy = "random")'
            )
    return None


def _component_problem(c: Component, into: list[tuple[str, str]], design: Design) -> str | None:
    if c.circuit_breaker is not None:
        return f"'{c.name}' has field 'circuit_breaker': its window counts every replica's calls"
    if c.max_replicas() > 1 or c.autoscale is not None:
        return _partition_problem(c, into, design)
    return _shared_problem(c) if into else None


def _design_problems(design: Design, partitioned: set[str]) -> list[str]:
    out = []
    for cls in design.workload.classes:
        if cls.arrival.process not in THINNED_PROCESSES:
            out.append(
                f"request class '{cls.name}': a '{cls.arrival.process}' arrival replays fixed"
                " instants, not a random stream"
            )
    for f in design.faults:
        if f.replica is not None and f.component in partitioned:
            out.append(f"a fault on replica {f.replica} of '{f.component}' hits one cell only")
    return out


def _counts(c: Component) -> list[tuple[str, int]]:
    out = [("replicas", c.replica_count())]
    if c.autoscale is not None:
        out += [("autoscale.min", c.autoscale.min), ("autoscale.max", c.autoscale.max)]
    return out


def plan(design: Design, max_k: int) -> SlicePlan:
    """The largest k <= max_k the design splits into exactly; SliceError when it cannot be
    sliced at all. k = 1 (nothing partitioned, or counts with no common divisor) is exact."""
    into = _inbound(design)
    problems, partitioned = [], set()
    for c in design.components:
        problem = _component_problem(c, into[c.name], design)
        if problem:
            problems.append(problem)
        elif c.max_replicas() > 1 or c.autoscale is not None:
            partitioned.add(c.name)
    problems += _design_problems(design, partitioned)
    if problems:
        raise SliceError(
            f"design '{design.name}' cannot be sliced: " + "; ".join(problems), problems
        )
    counts = [(name, f, n) for name in partitioned for f, n in _counts(design.component(name))]
    k = next((d for d in range(max(1, max_k), 0, -1) if all(n % d == 0 for _, _, n in counts)), 1)
    stuck = [f"'{name}' {f} = {n}" for name, f, n in counts if n % max_k]
    why = f"{', '.join(stuck[:3])}: not a multiple of {max_k}" if k < max_k and stuck else ""
    nested = {n for p in partitioned for n in _downstream(design, p) if n in partitioned}
    return SlicePlan(k if partitioned else 1, frozenset(partitioned), why, frozenset(nested))


def slice_design(design: Design, the_plan: SlicePlan) -> Design:
    """One cell: 1/k of every class's arrivals and of every partitioned tier's replicas."""
    k = the_plan.k
    comps = []
    for c in design.components:
        if c.name not in the_plan.partitioned:
            comps.append(c)
            continue
        update: dict[str, object] = {"replicas": c.replica_count() // k}
        if c.autoscale is not None:
            a = c.autoscale
            update["autoscale"] = a.model_copy(update={"min": a.min // k, "max": a.max // k})
        comps.append(c.model_copy(update=update))
    wl = design.workload
    classes = [c.model_copy(update={"arrival": c.arrival.scaled(1.0 / k)}) for c in wl.classes]
    cap = math.ceil(wl.max_in_system / k) if wl.max_in_system else None
    workload = wl.model_copy(update={"classes": classes, "max_in_system": cap, "slices": None})
    cell = design.model_copy(update={"workload": workload, "components": comps})
    return Design.model_validate(cell.model_dump())


def _class_up(c: ClassStats, k: int) -> ClassStats:
    def lat(x: LatencyStats | None) -> LatencyStats | None:
        return replace(x, count=x.count * k) if x is not None else None

    return replace(
        c,
        offered=c.offered * k,
        completed=c.completed * k,
        rejected=c.rejected * k,
        dropped=c.dropped * k,
        timed_out=c.timed_out * k,
        in_flight=c.in_flight * k,
        throughput_rps=c.throughput_rps * k,
        offered_rps=c.offered_rps * k,
        latency_ms=lat(c.latency_ms) or c.latency_ms,
        e2e_latency_ms=lat(c.e2e_latency_ms),
        e2e_failed=c.e2e_failed * k,
        failed=c.failed * k,
    )


def _component_up(c: ComponentStats, k: int, split: bool) -> ComponentStats:
    """Every cell's traffic passes here: counts and Little's-law numbers x k; a partitioned
    tier also has k times the replicas, workers and cost; shares and times are the cell's."""
    out = replace(
        c,
        arrivals=c.arrivals * k,
        served=c.served * k,
        dropped=c.dropped * k,
        timed_out=c.timed_out * k,
        rejected=c.rejected * k,
        failed=c.failed * k,
        retries=c.retries * k,
        short_circuited=c.short_circuited * k,
        arrival_rate_rps=c.arrival_rate_rps * k,
        mean_queue_len=c.mean_queue_len * k,
        mean_in_system=c.mean_in_system * k,
    )
    if not split:
        return out
    return replace(
        out,
        replicas=c.replicas * k,
        workers=c.workers * k if c.workers is not None else None,
        replicas_mean=c.replicas_mean * k,
        cost_per_hour=c.cost_per_hour * k,
        replica_served=c.replica_served * k,  # the cells' replicas look alike in distribution
        replica_utilization=c.replica_utilization * k,
    )


def _series_up(ts: Timeseries, k: int, partitioned: frozenset[str]) -> Timeseries:
    def times(d: dict[str, list[float]], only: frozenset[str] | None = None) -> dict:
        return {n: [v * k for v in vs] if only is None or n in only else vs for n, vs in d.items()}

    return replace(
        ts,
        throughput_rps=times(ts.throughput_rps),
        offered_rps=times(ts.offered_rps),
        failed_rps=times(ts.failed_rps),
        queue_len=times(ts.queue_len),
        replicas=times(ts.replicas, partitioned),
        backlog=[b * k for b in ts.backlog],
    )


def scale_up(cell: SimResult, the_plan: SlicePlan, design: Design) -> SimResult:
    """The whole design's result from one cell's: see the module docstring for what scales."""
    k = the_plan.k
    if k == 1:
        return cell
    comps = {n: _component_up(c, k, n in the_plan.partitioned) for n, c in cell.components.items()}
    classes = {n: _class_up(c, k) for n, c in cell.classes.items()}
    offered = sum(c.offered for c in classes.values())
    window = max(cell.duration_s - cell.warmup_s, 1e-9)
    growing = cell.bottleneck if cell.stopped_early else None
    bn = find_bottleneck(comps, offered / window, growing_queue=growing)
    failed = sum(c.failed + c.dropped + c.timed_out for c in classes.values())
    calls = {c.name: list(c.calls) for c in design.components}
    explanation = bn.explanation + failure_note(failed, offered, comps, calls)
    over = cell.overload
    if over is not None:
        cap = over.capacity_rps * k if over.capacity_rps is not None else None
        over = replace(
            over,
            offered_rps=over.offered_rps * k,
            capacity_rps=cap,
            in_flight=over.in_flight * k,
            growth_rps=over.growth_rps * k,
        )
    return replace(
        cell,
        design=design.name,
        classes=classes,
        components=comps,
        bottleneck=bn.name,
        bottleneck_explanation=explanation,
        timeseries=_series_up(cell.timeseries, k, the_plan.partitioned),
        cost_per_hour=sum(c.cost_per_hour for c in comps.values()),
        overload=over,
        slices=k,
    )


def simulate_sliced(
    design: Design,
    the_plan: SlicePlan,
    *,
    duration_s: float | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
    max_events: int | None = None,
) -> SimResult:
    """Simulate one cell of ``design`` and scale it up (k = 1: the design as it is)."""
    from simulation.runner import simulate  # the runner hands workload.slices to us

    cell = slice_design(design, the_plan) if the_plan.k > 1 else _unsliced(design)
    result = simulate(
        cell, duration_s=duration_s, seed=seed, progress=progress, max_events=max_events
    )
    return scale_up(result, the_plan, design)


def run_in_cells(
    design: Design,
    duration_s: float | None,
    seed: int | None,
    progress: Progress | None,
    rate_rps: float | None = None,
    max_in_system: int | None = None,
    max_events: int | None = None,
) -> SimResult:
    """``simulate`` of a design whose workload asks for ``slices``: strict, a design that
    cannot be sliced exactly is refused (SliceError names the component and why)."""
    if rate_rps is not None:
        design = design.with_rate(rate_rps)
    if max_in_system is not None:
        wl = design.workload.model_copy(update={"max_in_system": max_in_system})
        design = design.model_copy(update={"workload": wl})
    cells = plan(design, design.workload.slices or 1)
    return simulate_sliced(
        design, cells, duration_s=duration_s, seed=seed, progress=progress, max_events=max_events
    )


def scoring_plan(
    design: Design, max_k: int | None, duration_s: float | None = None
) -> tuple[SlicePlan | None, str]:
    """Lenient, for the scorer: the plan, or None with the reason when the design cannot be
    sliced (it is then simulated whole: exact, only slower). A design too big for the work
    budget at the k it splits into is refused, saying what would let it split further."""
    if max_k is None or max_k <= 1:
        return None, ""
    try:
        cells: SlicePlan | None = plan(design, max_k)
    except SliceError as exc:
        cells, why = None, "; ".join(exc.problems)
        note = f"simulated whole (slower): {why}"
    else:
        assert cells is not None
        why = cells.why_not_more or "no tier with several replicas behind a random balancer"
        note = cells.describe() if cells.k > 1 else f"simulated whole: {why}"
        if cells.k > 1 and cells.why_not_more:
            note += f" ({cells.why_not_more})"
    _check_fits(design, cells, why, max_k, duration_s)
    return cells, note


def _check_fits(
    design: Design, cells: SlicePlan | None, why: str, max_k: int, duration_s: float | None
) -> None:
    from simulation.budget import WorkBudgetError
    from simulation.runner import check_work

    k = cells.k if cells is not None else 1
    run = slice_design(design, cells) if cells is not None and k > 1 else _unsliced(design)
    try:
        check_work(run, duration_s=duration_s)
    except WorkBudgetError:
        size = "whole" if k == 1 else f"as {k} cells"
        raise SliceError(
            f"design '{design.name}' is too big to score {size}: {why}. Behind random"
            f" balancers, give every tier a multiple of {max_k} replicas (autoscale min and"
            f" max too) so that it splits into {max_k} cells"
        ) from None


def _unsliced(design: Design) -> Design:
    if design.workload.slices is None:
        return design
    return design.model_copy(
        update={"workload": design.workload.model_copy(update={"slices": None})}
    )
