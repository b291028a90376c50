"""Run one design: build the engine, run it, and summarise into a SimResult."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from designs.bounds import SEED_MAX
from designs.schema import Design
from freightlab.errors import InputError
from freightlab.progress import Progress, check
from simulation.backlog import caps_for
from simulation.batching import batch_stats
from simulation.bottleneck import capacity_rps, failure_note, find_bottleneck
from simulation.budget import WorkEstimate, check_budget
from simulation.components import Node
from simulation.engine import Engine
from simulation.results import BreakerStats, ClassStats, ComponentStats, SimResult, Timeseries
from simulation.verdict import advice, burst_windows, judge, overload, recovered

HARD_STOP_FACTOR = 3.0  # a run that needs this many times its estimate is stopped


def simulate(
    design: Design,
    *,
    duration_s: float | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
    rate_rps: float | None = None,
    max_in_system: int | None = None,
    max_events: int | None = None,
) -> SimResult:
    """Simulate ``design``; the same design and seed give the same result.

    duration_s / seed override the workload's. A duration shorter than twice the design's
    warm-up shrinks the warm-up to half the run. rate_rps scales every class together to
    that total offered rate (sweeps). Raises InputError for impossible settings, and
    WorkBudgetError (an InputError) when the run would take more than ``max_events`` engine
    events (default: ``workload.max_events``, else budget.DEFAULT_MAX_EVENTS).
    """
    if design.workload.slices is not None:  # opt-in: one of k identical cells (exact)
        from simulation.slicing import run_in_cells

        return run_in_cells(design, duration_s, seed, progress, rate_rps, max_in_system, max_events)
    design, duration, warmup, cap = _prepare(design, duration_s, rate_rps, max_in_system)
    the_seed = int(seed if seed is not None else design.workload.seed)
    if not 0 <= the_seed <= SEED_MAX:
        raise InputError(f"seed must be between 0 and {SEED_MAX:,}, got {the_seed}")
    budget = check_budget(design, duration, cap, max_events)
    # Requests in flight are bounded and judged by simulation.backlog (max_in_system, or the
    # workload's, is the hard cap there).
    engine = Engine(
        design,
        duration_s=duration,
        warmup_s=warmup,
        seed=the_seed,
        max_in_system=max_in_system,
        progress=progress,
        max_events=int(HARD_STOP_FACTOR * max(budget.events, 1.0)) + 100_000,
    )
    end = engine.run()
    result = summarise(engine, end)
    check(progress, 1.0, "done")
    return result


def check_work(
    design: Design,
    *,
    duration_s: float | None = None,
    rate_rps: float | None = None,
    max_events: int | None = None,
) -> WorkEstimate:
    """The work estimate ``simulate`` would check; WorkBudgetError when over the limit."""
    design, duration, _warmup, cap = _prepare(design, duration_s, rate_rps, None)
    return check_budget(design, duration, cap, max_events)


def _prepare(
    design: Design, duration_s: float | None, rate_rps: float | None, max_in_system: int | None
) -> tuple[Design, float, float, int]:
    """(design at the rate, duration, warm-up, in-flight cap) for one run."""
    wl = design.workload
    duration = float(duration_s if duration_s is not None else wl.duration_s)
    if not 0 < duration < math.inf:
        raise InputError(f"duration must be > 0 s, got {duration}")
    warmup = min(wl.warmup_s, duration / 2.0)
    if rate_rps is not None:
        if not 0 < rate_rps < math.inf:
            raise InputError(f"rate must be > 0 requests/s, got {rate_rps}")
        design = design.with_rate(rate_rps)
    # The in-flight backlog where a steadily growing run stops (simulation.backlog's soft cap:
    # 20,000 or 30 s of arrivals, at most 200,000, or max_in_system): the work estimate's.
    cap = caps_for(design, max_in_system).soft
    return design, duration, warmup, cap


def summarise(engine: Engine, end: float) -> SimResult:
    start = engine.warmup if end > engine.warmup else 0.0
    window = max(end - start, 1e-9)
    classes: dict[str, ClassStats] = {}
    total_offered = 0
    for name, c in engine.classes.items():
        total_offered += c.offered
        ended = c.completed + c.rejected + c.dropped + c.timed_out + c.failed
        classes[name] = ClassStats(
            offered=c.offered,
            completed=c.completed,
            rejected=c.rejected,
            dropped=c.dropped,
            timed_out=c.timed_out,
            in_flight=max(0, c.offered - ended),
            throughput_rps=c.completed / window,
            offered_rps=c.offered / window,
            latency_ms=c.latency.stats(),
            e2e_latency_ms=c.e2e.stats() if c.e2e_seen else None,
            e2e_failed=c.e2e_failed,
            failed=c.failed,
        )
    # A run stopped inside its warm-up measured no request (classes count only arrivals after
    # it); per-visit demands still need a request count, so take the configured rate's.
    per_request = total_offered or engine.design.workload.total_rate() * window
    comps: dict[str, ComponentStats] = {}
    for name, node in engine.nodes.items():
        comps[name] = _priced(_component_stats(node, window, per_request), engine, name, window)
    growing = None
    if engine.stop_reason:
        queued = {n: sum(len(st.q) for st in node.stations) for n, node in engine.nodes.items()}
        growing = max(queued, key=lambda n: queued[n])
    offered_rps = per_request / window
    bn = find_bottleneck(comps, offered_rps, growing_queue=growing)
    failed = sum(c.failed + c.dropped + c.timed_out for c in classes.values())
    calls = {c.name: list(c.calls) for c in engine.design.components}
    explanation = bn.explanation + failure_note(failed, total_offered, comps, calls)
    saturated = list(bn.saturated)
    if growing is not None and growing not in saturated:
        saturated.append(growing)
    s = engine.series
    ts = Timeseries(
        bucket_s=engine.bucket_s,
        time_s=list(s.time_s),
        throughput_rps=s.throughput,
        offered_rps=s.offered,
        queue_len=s.queue_len,
        utilization=s.utilization,
        latency_p50_ms=s.p50,
        latency_p99_ms=s.p99,
        failed_rps=s.failed,
        replicas=s.replicas,
        breaker_open=s.breaker_open,
        backlog=s.backlog,
        oldest_wait_s=s.oldest_wait_s,
    )
    windows = engine.guard.windows + burst_windows(engine.design, ts)
    # A fault inflates the measured hold times: a saturated component whose backlog came back
    # to normal after the last fault was overloaded by the fault, not in steady state.
    steady_saturated = bool(saturated) and not recovered(ts, engine.guard.windows)
    judged = judge(bool(engine.stop_reason) or steady_saturated, ts, windows)
    if judged.degraded:
        explanation = advice(judged.degraded, windows) + " " + explanation
    over = None
    if judged.verdict == "unstable":
        cap = capacity_rps(comps[bn.name]) if bn.name in comps else None
        over = overload(ts, offered_rps, cap, engine.in_system, end - engine.oldest_waiting(end))
    return SimResult(
        design=engine.design.name,
        verdict=judged.verdict,
        classes=classes,
        components=comps,
        bottleneck=bn.name,
        bottleneck_explanation=explanation,
        timeseries=ts,
        duration_s=end,
        warmup_s=engine.warmup,
        seed=engine.seed,
        stopped_early=bool(engine.stop_reason),
        stop_reason=engine.stop_reason,
        saturated=saturated,
        events=engine.events,
        cost_per_hour=sum(c.cost_per_hour for c in comps.values()),
        breakers={
            br.name: BreakerStats(
                br.trips,
                br.open_time(0.0, end),
                [(a, min(b, end)) for a, b in br.spans],
            )
            for br in engine.breakers
        },
        windows=windows,
        degraded=judged.degraded,
        overload=over,
    )


def _priced(stats: ComponentStats, engine: Engine, name: str, window: float) -> ComponentStats:
    """Replicas paid for (time-averaged under autoscale) and what they cost per hour."""
    comp = engine.design.component(name)
    scaler = engine.scalers.get(name)
    if scaler is None:
        replicas = float(comp.billed_units())
        util = stats.utilization
    else:
        replicas = scaler.paid_area / window
        busy = stats.utilization * window * (stats.workers or 0)
        util = min(1.0, busy / scaler.capacity_area) if scaler.capacity_area > 0 else 0.0
    return replace(
        stats,
        utilization=util,
        replicas_mean=replicas,
        autoscaled=scaler is not None,
        cost_per_hour=replicas * comp.replica_cost_per_hour(),
    )


def _component_stats(node: Node, window: float, total_offered: float) -> ComponentStats:
    """Sums over the stations a node's figures describe; what only some kinds have (hit
    ratio, rejections, broker lag, dead letters) comes from ``node.extra_stats``."""
    sts = node.measured()
    finite = [st for st in sts if not st.infinite]
    servers = sum(st.servers for st in finite)
    started = sum(st.started for st in sts)
    served = sum(st.served for st in sts)
    arrivals = node.arrivals()
    q_area = sum(st.q_area for st in sts)
    busy_area = sum(st.busy_area for st in sts)
    service_sum, service_count = node.own_service()
    hold_sum = sum(st.hold_sum for st in sts)
    busy_finite = sum(st.busy_area for st in finite)
    mean_queue = q_area / window
    fields: dict[str, Any] = {
        "kind": node.kind,
        "replicas": len(sts),
        "workers": servers if finite else None,
        "arrivals": arrivals,
        "served": served,
        "dropped": sum(st.dropped for st in sts),
        "timed_out": sum(st.timed_out for st in sts),
        "utilization": min(1.0, busy_finite / (window * servers)) if servers else 0.0,
        "mean_wait_ms": 1000.0 * sum(st.wait_sum for st in sts) / started if started else 0.0,
        "mean_queue_len": mean_queue,
        "mean_in_system": (q_area + busy_area) / window,
        "visits": arrivals / total_offered if total_offered else 0.0,
        "mean_service_ms": 1000.0 * service_sum / max(1, service_count) if started else 0.0,
        "mean_hold_ms": 1000.0 * hold_sum / served if served else 0.0,
        "arrival_rate_rps": arrivals / window,
        "failed": sum(st.failed for st in sts),
        "retries": sum(st.retries for st in node.stations),
        "short_circuited": sum(st.short_circuited for st in node.stations),
        "replica_served": [st.served for st in sts],
        "replica_utilization": [
            min(1.0, st.busy_area / (window * st.servers)) if not st.infinite else 0.0 for st in sts
        ],
    }
    fields.update(node.extra_stats(fields))
    batching = batch_stats(node)
    if batching is not None:
        fields.update(
            batches=batching.batches,
            mean_batch_size=batching.mean_batch_size,
            mean_solve_ms=batching.mean_solve_ms,
            per_worker_rps=batching.per_worker_rps,
        )
    return ComponentStats(**fields)
