"""`simulate` and `compare` subcommands. Heavy imports happen inside the handlers."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from freightlab.errors import InputError
from simulation import cli_compare

if TYPE_CHECKING:
    from designs.schema import Design
    from freightlab.progress import Progress
    from simulation.results import Comparison, ComponentStats, LatencyStats, SimResult


MAX_REPLICATIONS = 1_000


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "simulate",
        help="simulate a design under its workload",
        description="Simulate a design; prints per-class latency, per-component utilisation "
        "and the bottleneck. Exit 0 also for an 'unstable' verdict (that is a result).",
    )
    p.add_argument("design", metavar="DESIGN.toml")
    p.add_argument("--duration", type=float, metavar="S", help="simulated seconds")
    p.add_argument("--seed", type=int, metavar="N")
    p.add_argument("--json", metavar="OUT.json", help="write the result as JSON ('-': stdout)")
    p.add_argument("--charts", metavar="DIR", help="write PNG charts into DIR")
    p.add_argument(
        "--replications",
        type=int,
        metavar="N",
        help="run N seeds (the base seed is replication 0), report 95%% CIs",
    )
    _add_parallel_options(p, "replications", default=None)
    _add_max_events(p)
    p.set_defaults(handler=_run_simulate)

    c = subparsers.add_parser(
        "compare",
        help="compare designs over a list of offered rates",
        description="Run each design at each total offered rate with common random numbers "
        "and report throughput, p99 and the saturation knee.",
    )
    c.add_argument("designs", nargs="*", metavar="DESIGN.toml")
    c.add_argument("--rates", help="comma-separated total rates, e.g. 100,200")
    c.add_argument("--duration", type=float, metavar="S")
    c.add_argument("--seed", type=int, metavar="N")
    c.add_argument(
        "--slo-p99", type=float, metavar="MS", help="a rate whose p99 exceeds MS is past the knee"
    )
    _add_parallel_options(c, "simulations", default=1)
    cli_compare.add_options(c)
    c.add_argument("--json", metavar="OUT.json")
    c.add_argument("--charts", metavar="DIR")
    _add_max_events(c)
    c.set_defaults(handler=_run_compare)

    from simulation import cli_size, cli_slo

    cli_slo.register(subparsers, _add_parallel_options)  # `slo`: the SLO search
    cli_size.register(subparsers)  # `size-backend`: a matcher design for a board


def _add_parallel_options(p: argparse.ArgumentParser, what: str, default: int | None) -> None:
    cpus = "one per CPU" if default is None else str(default)
    p.add_argument(
        "--processes",
        type=int,
        default=default,
        metavar="N",
        help=f"run the {what} in N local processes (default {cpus})",
    )
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help=f"run the {what} on this Dask cluster instead (pip install 'freightlab[cluster]')",
    )


@contextlib.contextmanager
def terminal_progress(command: str) -> Iterator[Progress | None]:
    """Runs finishing one by one, on a terminal's stderr (nothing when stderr is not one)."""
    if not sys.stderr.isatty():
        yield None
        return
    from freightlab.progress import Progress
    from freightlab.terminal import TerminalProgress

    with TerminalProgress(command) as printer:
        yield Progress(printer)


def _parallel(args: argparse.Namespace) -> tuple[int, str | None]:
    """(processes, scheduler) from the options, checked."""
    from simulation.executors import available_cpus

    processes = available_cpus() if args.processes is None else args.processes
    if processes < 1:
        raise InputError(f"--processes must be >= 1, got {processes}")
    scheduler = args.scheduler
    if scheduler is not None:
        from simulation.cluster import check_address

        check_address(scheduler)
    return processes, scheduler


def _add_max_events(p: argparse.ArgumentParser) -> None:
    from designs.bounds import DEFAULT_MAX_EVENTS

    p.add_argument(
        "--max-events",
        type=int,
        metavar="N",
        help="refuse a run estimated to need more engine events than N "
        f"(default {DEFAULT_MAX_EVENTS:,}, or the design's workload.max_events)",
    )


def _with_max_events(design: Design, max_events: int | None) -> Design:
    """The design carrying the --max-events override (so worker processes see it too)."""
    if max_events is None:
        return design
    wl = design.workload.model_copy(update={"max_events": max_events})
    return design.model_copy(update={"workload": wl})


def parse_rates(text: str) -> list[float]:
    from simulation.sweeps import parse_rates as parse

    try:
        return parse(text)
    except InputError as exc:
        raise InputError(f"--rates: {exc}") from None


def _check_options(args: argparse.Namespace) -> None:
    from designs.bounds import SEED_MAX

    if args.duration is not None and not 0 < args.duration < math.inf:
        raise InputError(f"--duration must be > 0 seconds, got {args.duration}")
    if args.seed is not None and not 0 <= args.seed <= SEED_MAX:
        raise InputError(f"--seed must be between 0 and {SEED_MAX:,}, got {args.seed}")
    if args.max_events is not None and args.max_events < 1:
        raise InputError(f"--max-events must be >= 1, got {args.max_events}")
    reps = getattr(args, "replications", None)
    if reps is not None and not 2 <= reps <= MAX_REPLICATIONS:
        raise InputError(
            f"--replications must be between 2 and {MAX_REPLICATIONS:,}, got {reps}: "
            "more runs do not narrow a confidence interval usefully"
        )


@contextlib.contextmanager
def _naming(path: str) -> Iterator[None]:
    """Refusals found while running a design name its file, like those found loading it."""
    try:
        yield
    except InputError as exc:
        if path in str(exc):
            raise
        raise InputError(f"{path}: {exc}") from None


def _write_json(target: str, data: dict[str, Any]) -> None:
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    if target == "-":
        sys.stdout.write(text)
        return
    from freightlab.atomic import atomic_write_text

    atomic_write_text(target, text)


def _print_charts(paths: list[Path]) -> None:
    for path in paths:
        print(f"chart: {path}")


def _run_simulate(args: argparse.Namespace) -> int:
    from designs.loader import load_design
    from simulation.analytic import predict_or_explain
    from simulation.flow import flow, flow_summary
    from simulation.theory_check import theory_summary

    _check_options(args)
    processes, scheduler = _parallel(args)
    design = _with_max_events(load_design(args.design), args.max_events)
    with _naming(args.design):
        if args.replications:
            from simulation.budget import check_runs
            from simulation.runner import check_work

            one = check_work(design, duration_s=args.duration).events
            check_runs(design, [one] * args.replications, "--replications")
        result, rep_json = _base_and_replications(args, design, processes, scheduler)
    prediction, gaps = predict_or_explain(design)
    quiet = args.json == "-"
    data = result.to_json()
    data["theory"] = {
        "covered": prediction is not None,
        "gaps": gaps,
        "prediction": prediction.to_json() if prediction else None,
        "summary": theory_summary(result, prediction, gaps),
    }
    flows = flow(design)
    data["theory"]["flow"] = flows.to_json()
    data["theory"]["flow_summary"] = flow_summary(result, flows)
    if rep_json is not None:
        data["replications"] = rep_json
    if not quiet:
        print(format_result(result))
        print(data["theory"]["summary"])
        if data["theory"]["flow_summary"]:
            print(data["theory"]["flow_summary"])
        if rep_json is not None:
            print(format_replications(rep_json))
    if args.json:
        _write_json(args.json, data)
    if args.charts:
        from simulation.charts import write_charts

        _print_charts(write_charts(result, args.charts, prediction))
    return 0


def _base_and_replications(
    args: argparse.Namespace, design: Any, processes: int, scheduler: str | None
) -> tuple[SimResult, dict[str, Any] | None]:
    """The base run and, with --replications, the replications (the base is number 0)."""
    if not args.replications:
        from simulation.runner import simulate

        return simulate(design, duration_s=args.duration, seed=args.seed), None
    from simulation.replications import replicate

    with terminal_progress("simulate") as progress:
        rep = replicate(
            design,
            args.replications,
            duration_s=args.duration,
            base_seed=args.seed,
            processes=processes,
            scheduler=scheduler,
            progress=progress,
        )
    return rep.runs[0], rep.to_json()  # the base seed is replication 0: run once, shown twice


def _check_compare_work(
    args: argparse.Namespace, designs: list[Design], rates: list[float], duration: float | None
) -> None:
    """Refuse a comparison over the work budget before any run starts, naming the design."""
    from simulation.budget import check_runs
    from simulation.runner import check_work

    labels = args.designs if len(args.designs) == len(designs) else [d.name for d in designs]
    events: list[float] = []
    for label, d in zip(labels, designs, strict=True):
        with _naming(label):
            events += [check_work(d, duration_s=duration, rate_rps=r).events for r in rates]
    check_runs(designs[0], events, "compare")


def _run_compare(args: argparse.Namespace) -> int:
    from simulation.sweeps import compare

    _check_options(args)
    if args.slo_p99 is not None and not args.slo_p99 > 0:
        raise InputError(f"--slo-p99 must be > 0 ms, got {args.slo_p99}")
    processes, scheduler = _parallel(args)
    inputs = cli_compare.compare_inputs(args)
    designs = [_with_max_events(d, args.max_events) for d in inputs.designs]
    _check_compare_work(args, designs, inputs.rates, inputs.duration_s)
    with terminal_progress("compare") as progress:
        comparison = compare(
            designs,
            inputs.rates,
            duration_s=inputs.duration_s,
            seed=inputs.seed,
            processes=processes,
            p99_slo_ms=args.slo_p99,
            scheduler=scheduler,
            progress=progress,
        )
    quiet = args.json == "-"
    if not quiet:
        print(format_comparison(comparison))
    batching = cli_compare.batching_report(inputs, comparison, quiet=quiet)
    if args.json:
        doc = comparison.to_json()
        if batching is not None:
            doc["batching"] = batching
        _write_json(args.json, doc)
    if args.charts:
        from simulation.charts import write_comparison_charts

        _print_charts(write_comparison_charts(comparison, args.charts))
    return 0


def _lat_cells(r: SimResult, lat: LatencyStats) -> list[str]:
    from freightlab import numbers as fmt

    if r.verdict == "unstable" or lat.count == 0:
        return ["—"] * 4
    return [fmt.ms(v) for v in (lat.mean, lat.p50, lat.p95, lat.p99)]


def _component_extras(s: ComponentStats) -> str:
    """The figures a component has beyond the common columns, for people."""
    from freightlab import numbers as fmt

    batch = None
    if s.mean_batch_size is not None:
        batch = (
            f"batch {fmt.num(s.mean_batch_size)}, solve {fmt.ms(s.mean_solve_ms or 0.0)},"
            f" {fmt.rate(s.per_worker_rps or 0.0)} per solver"
        )
    counts = (
        ("rejected", s.rejected),
        ("failed", s.failed),
        ("retries", s.retries),
        ("short-circuited", s.short_circuited),
        ("redelivered", s.redelivered),
        ("dead-lettered", s.dead_lettered),
    )
    parts = [f"hit ratio {fmt.pct(s.hit_ratio)}" if s.hit_ratio is not None else None]
    parts += [f"lag {fmt.num(s.mean_lag)} msgs" if s.mean_lag is not None else None, batch]
    parts += [f"{label} {fmt.count(n)}" for label, n in counts if n]
    if s.replicas_mean != s.replicas:
        parts.append(f"{fmt.num(s.replicas_mean)} replicas")
    parts.append(f"{s.cost_per_hour:.3f}/h")
    return ", ".join(p for p in parts if p)


def format_result(r: SimResult) -> str:
    from freightlab import numbers as fmt
    from simulation.verdict import verdict_sentences

    lines = [
        f"{r.design}: {r.verdict.upper()}  (simulated {fmt.seconds(r.duration_s)} after a"
        f" {fmt.seconds(r.warmup_s)} warm-up, seed {r.seed})",
        *verdict_sentences(r),
        f"{'class':<16}{'offered':>9}{'done':>9}{'rej':>7}{'drop':>7}{'t/o':>7}{'fail':>7}"
        f"{'req/s':>9}{'mean':>10}{'p50':>10}{'p95':>10}{'p99':>10}",
    ]
    for name, c in r.classes.items():
        cells = "".join(f"{v:>10}" for v in _lat_cells(r, c.latency_ms))
        lines.append(
            f"{name:<16}{fmt.count(c.offered):>9}{fmt.count(c.completed):>9}"
            f"{fmt.count(c.rejected):>7}{fmt.count(c.dropped):>7}{fmt.count(c.timed_out):>7}"
            f"{fmt.count(c.failed):>7}{fmt.num(c.throughput_rps):>9}{cells}"
        )
        if c.e2e_latency_ms is not None:
            cells = "".join(f"{v:>10}" for v in _lat_cells(r, c.e2e_latency_ms))
            lines.append(f"{'  end-to-end':<16}{'':>55}{cells}")
    lines.append(
        f"{'component':<16}{'kind':<14}{'workers':>8}{'util':>8}{'wait':>10}{'queue':>9}"
        f"{'dropped':>8}{'visits':>8}  extra"
    )
    for name, s in r.components.items():
        extra = _component_extras(s)
        workers = "-" if s.workers is None else fmt.count(s.workers)
        mark = " *" if name == r.bottleneck else ""
        lines.append(
            f"{name + mark:<16}{s.kind:<14}{workers:>8}{fmt.pct(s.utilization):>8}"
            f"{fmt.ms(s.mean_wait_ms):>10}{fmt.num(s.mean_queue_len):>9}"
            f"{fmt.count(s.dropped):>8}{fmt.num(s.visits):>8}  {extra}"
        )
    for pair, b in r.breakers.items():
        lines.append(f"breaker {pair}: opened {b.trips} time(s), open {b.open_s:.1f} s")
    lines.append(f"cost: {r.cost_per_hour:.3f} per hour")
    if r.slices > 1:
        lines.append(f"simulated as 1 of {r.slices} identical cells, totals x{r.slices}")
    lines.append(f"bottleneck: {r.bottleneck}")
    lines.append(r.bottleneck_explanation)
    return "\n".join(lines)


def format_replications(rep: dict[str, Any]) -> str:
    from freightlab import numbers as fmt

    lines = [f"{len(rep['seeds'])} replications (95% confidence intervals):"]
    for name, c in rep["classes"].items():
        m, p = c["latency_mean_ms"], c["latency_p99_ms"]
        lines.append(
            f"  {name}: mean {fmt.ms(m['mean'])} ± {fmt.ms(m['half_width'])},"
            f" p99 {fmt.ms(p['mean'])} ± {fmt.ms(p['half_width'])}"
        )
    return "\n".join(lines)


def format_comparison(c: Comparison) -> str:
    from freightlab import numbers as fmt

    lines = [f"rates (requests/s): {', '.join(fmt.num(r) for r in c.rates)}; seed {c.seed}"]
    for s in c.sweeps:
        lines.append(f"{s.design}:")
        for p in s.points:
            thr = sum(x.throughput_rps for x in p.result.classes.values())
            off = sum(x.offered_rps for x in p.result.classes.values())
            p99 = max((x.latency_ms.p99 for x in p.result.classes.values()), default=0.0)
            p99_text = "—" if p.result.verdict == "unstable" else fmt.ms(p99)
            lines.append(
                f"  {fmt.rate(p.rate_rps):>12} (offered {fmt.num(off):>7}) ->"
                f" {fmt.num(thr):>7} done/s  p99 {p99_text:>10}  {p.result.verdict:<8}"
                f"{'' if p.healthy else ' past knee':<10} bottleneck {p.result.bottleneck}"
            )
        knee = "none within the rates" if s.knee_rps is None else fmt.rate(s.knee_rps)
        cap = (
            ""
            if s.capacity_estimate_rps is None
            else f", capacity ~{fmt.rate(s.capacity_estimate_rps)}"
        )
        lines.append(f"  saturation knee: {knee}{cap}")
    lines.append(f"best: {c.best_design}")
    return "\n".join(lines)
