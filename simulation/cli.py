"""`simulate` and `compare` subcommands. Heavy imports happen inside the handlers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from freightlab.errors import InputError

if TYPE_CHECKING:
    from simulation.results import Comparison, LatencyStats, SimResult


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
        "--replications", type=int, metavar="N", help="also run N seeds, report 95%% CIs"
    )
    p.set_defaults(handler=_run_simulate)

    c = subparsers.add_parser(
        "compare",
        help="compare designs over a list of offered rates",
        description="Run each design at each total offered rate with common random numbers "
        "and report throughput, p99 and the saturation knee.",
    )
    c.add_argument("designs", nargs="+", metavar="DESIGN.toml")
    c.add_argument("--rates", required=True, help="comma-separated total rates, e.g. 100,200")
    c.add_argument("--duration", type=float, metavar="S")
    c.add_argument("--seed", type=int, metavar="N")
    c.add_argument(
        "--slo-p99", type=float, metavar="MS", help="a rate whose p99 exceeds MS is past the knee"
    )
    c.add_argument(
        "--processes", type=int, default=1, metavar="N", help="run N simulations in parallel"
    )
    c.add_argument("--json", metavar="OUT.json")
    c.add_argument("--charts", metavar="DIR")
    c.set_defaults(handler=_run_compare)


def parse_rates(text: str) -> list[float]:
    from simulation.sweeps import parse_rates as parse

    try:
        return parse(text)
    except InputError as exc:
        raise InputError(f"--rates: {exc}") from None


def _check_options(args: argparse.Namespace) -> None:
    if args.duration is not None and not args.duration > 0:
        raise InputError(f"--duration must be > 0 seconds, got {args.duration}")


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
    from simulation.runner import simulate

    _check_options(args)
    from simulation.analytic import predict_or_explain, theory_summary

    design = load_design(args.design)
    result = simulate(design, duration_s=args.duration, seed=args.seed)
    prediction, gaps = predict_or_explain(design)
    quiet = args.json == "-"
    data = result.to_json()
    data["theory"] = {
        "covered": prediction is not None,
        "gaps": gaps,
        "prediction": prediction.to_json() if prediction else None,
        "summary": theory_summary(result, prediction, gaps),
    }
    if args.replications:
        if args.replications < 2:
            raise InputError("--replications needs at least 2")
        from simulation.replications import replicate

        rep = replicate(design, args.replications, duration_s=args.duration, base_seed=args.seed)
        data["replications"] = rep.to_json()
    if not quiet:
        print(format_result(result))
        print(data["theory"]["summary"])
        if args.replications:
            print(format_replications(data["replications"]))
    if args.json:
        _write_json(args.json, data)
    if args.charts:
        from simulation.charts import write_charts

        _print_charts(write_charts(result, args.charts, prediction))
    return 0


def _run_compare(args: argparse.Namespace) -> int:
    from designs.loader import load_design
    from simulation.sweeps import compare

    _check_options(args)
    rates = parse_rates(args.rates)
    if args.slo_p99 is not None and not args.slo_p99 > 0:
        raise InputError(f"--slo-p99 must be > 0 ms, got {args.slo_p99}")
    designs = [load_design(p) for p in args.designs]
    comparison = compare(
        designs,
        rates,
        duration_s=args.duration,
        seed=args.seed,
        processes=max(1, args.processes),
        p99_slo_ms=args.slo_p99,
    )
    if args.json != "-":
        print(format_comparison(comparison))
    if args.json:
        _write_json(args.json, comparison.to_json())
    if args.charts:
        from simulation.charts import write_comparison_charts

        _print_charts(write_comparison_charts(comparison, args.charts))
    return 0


def _lat_cells(r: SimResult, lat: LatencyStats) -> list[str]:
    from freightlab import numbers as fmt

    if r.verdict == "unstable" or lat.count == 0:
        return ["—"] * 4
    return [fmt.ms(v) for v in (lat.mean, lat.p50, lat.p95, lat.p99)]


def format_result(r: SimResult) -> str:
    from freightlab import numbers as fmt
    from simulation.verdict import verdict_sentences

    lines = [
        f"{r.design}: {r.verdict.upper()}  (simulated {fmt.seconds(r.duration_s)} after a"
        f" {fmt.seconds(r.warmup_s)} warm-up, seed {r.seed})",
        *verdict_sentences(r),
        f"{'class':<16}{'offered':>9}{'done':>9}{'rej':>7}{'drop':>7}{'t/o':>7}"
        f"{'req/s':>9}{'mean':>10}{'p50':>10}{'p95':>10}{'p99':>10}",
    ]
    for name, c in r.classes.items():
        cells = "".join(f"{v:>10}" for v in _lat_cells(r, c.latency_ms))
        lines.append(
            f"{name:<16}{fmt.count(c.offered):>9}{fmt.count(c.completed):>9}"
            f"{fmt.count(c.rejected):>7}{fmt.count(c.dropped):>7}{fmt.count(c.timed_out):>7}"
            f"{fmt.num(c.throughput_rps):>9}{cells}"
        )
        if c.e2e_latency_ms is not None:
            cells = "".join(f"{v:>10}" for v in _lat_cells(r, c.e2e_latency_ms))
            lines.append(f"{'  end-to-end':<16}{'':>48}{cells}")
    lines.append(
        f"{'component':<16}{'kind':<14}{'workers':>8}{'util':>8}{'wait':>10}{'queue':>9}"
        f"{'dropped':>8}{'visits':>8}  extra"
    )
    for name, s in r.components.items():
        extra = ""
        if s.hit_ratio is not None:
            extra = f"hit ratio {fmt.pct(s.hit_ratio)}"
        elif s.rejected:
            extra = f"rejected {fmt.count(s.rejected)}"
        elif s.mean_lag is not None:
            extra = f"lag {fmt.num(s.mean_lag)} msgs"
        workers = "-" if s.workers is None else fmt.count(s.workers)
        mark = " *" if name == r.bottleneck else ""
        lines.append(
            f"{name + mark:<16}{s.kind:<14}{workers:>8}{fmt.pct(s.utilization):>8}"
            f"{fmt.ms(s.mean_wait_ms):>10}{fmt.num(s.mean_queue_len):>9}"
            f"{fmt.count(s.dropped):>8}{fmt.num(s.visits):>8}  {extra}"
        )
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
