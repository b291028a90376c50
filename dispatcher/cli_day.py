"""``python main.py day``: simulate a day of operations and print its KPIs.

Heavy modules (simpy, scipy, networkx) are imported inside the handler so ``--help`` and the
other commands start fast.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from freightlab.errors import InputError

DEFAULT_WINDOWS = "0,5,15,30"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "day",
        help="simulate a day of operations: loads appear, the matcher runs, trucks deliver",
        description="Play a dispatch day forward (SimPy) and report loads delivered, on-time "
        "pickups, deadhead %%, truck utilisation and the wait to be matched. Defaults: the "
        "India map and the sample trucks and loads.",
    )
    p.add_argument("--map", help="map GraphML (default: the India map)")
    p.add_argument("--trucks", help="trucks CSV (default: the sample fleet)")
    p.add_argument("--loads", help="loads CSV (default: the sample loads)")
    p.add_argument(
        "--batch-minutes",
        type=float,
        default=5.0,
        metavar="N",
        help="run the matcher every N minutes; 0 = on every new load or free truck (default 5)",
    )
    p.add_argument(
        "--compare",
        nargs="?",
        const=DEFAULT_WINDOWS,
        metavar="N,N,...",
        help=f"compare batching windows instead (default list {DEFAULT_WINDOWS})",
    )
    p.add_argument("--seed", type=int, default=1, help="seed of the posting times (default 1)")
    p.add_argument(
        "--seeds",
        type=int,
        default=1,
        metavar="N",
        help="with --compare: run every window on N seeds (--seed, --seed + 1, ...) and "
        "report means with 95%% Student-t intervals (default 1)",
    )
    p.add_argument("--speed-kmh", type=float, default=55.0, help="truck speed (default 55)")
    p.add_argument(
        "--matcher", choices=("optimal", "greedy"), default="optimal", help="matching engine"
    )
    p.add_argument("--json", metavar="OUT.json", help="also write the results as JSON")
    from dispatcher.cli import add_memory_limit

    add_memory_limit(p)
    p.set_defaults(handler=_run_day)


def _windows(text: str) -> list[float]:
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(
            f"--compare: expected minutes like {DEFAULT_WINDOWS}, got {text!r}"
        ) from None
    if not values or any(v < 0 for v in values):
        raise InputError(f"--compare: expected minutes >= 0 like {DEFAULT_WINDOWS}, got {text!r}")
    return values


def _run_day(args: argparse.Namespace) -> int:
    from dispatcher.fleet import read_fleet
    from dispatcher.matching import get_matcher
    from dispatcher.operations import DayResult, DaySettings, compare_batching, simulate_day
    from dispatcher.routes import RouteGraph
    from freightlab.atomic import atomic_write_text
    from freightlab.resources import asset_path, default_map_path

    graph = RouteGraph.load(args.map or default_map_path())
    fleet = read_fleet(
        args.trucks or asset_path("samples", "india_trucks.csv"),
        args.loads or asset_path("samples", "india_loads.csv"),
        graph,
    )
    trucks, loads = fleet.trucks, fleet.loads
    settings = DaySettings(
        batch_minutes=args.batch_minutes, speed_kmh=args.speed_kmh, seed=args.seed
    )
    settings.validate()
    from dispatcher.cli import _memory_limit

    matcher = get_matcher(args.matcher, memory_limit_mb=_memory_limit(args.memory_limit))
    results: list[DayResult]
    if args.compare is not None and args.seeds != 1:
        return _compare_seeds(args, graph, trucks, loads, settings, matcher)
    if args.compare is not None:
        results = compare_batching(
            graph, trucks, loads, _windows(args.compare), settings, matcher=matcher
        )
    else:
        results = [simulate_day(graph, trucks, loads, settings, matcher=matcher)]
    print(
        f"{graph.name}: {len(trucks)} trucks, {len(loads)} loads, seed {args.seed}, "
        f"{args.matcher} matcher"
    )
    print(format_kpi_table(results))
    if args.json:
        doc: dict[str, Any] = {
            "map": graph.name,
            "matcher": args.matcher,
            "runs": [r.to_json() for r in results],
        }
        if len(results) == 1:
            doc.update(results[0].to_json())
        atomic_write_text(args.json, json.dumps(doc, indent=2) + "\n")
    return 0


def _compare_seeds(
    args: argparse.Namespace, graph: Any, trucks: Any, loads: Any, settings: Any, matcher: Any
) -> int:
    """``--compare --seeds N``: every window on N seeds, means with 95 % intervals."""
    from dispatcher.day_seeds import compare_batching_seeds, seeds_from
    from freightlab.atomic import atomic_write_text

    seeds = seeds_from(args.seed, args.seeds)
    c = compare_batching_seeds(
        graph, trucks, loads, _windows(args.compare), seeds, settings, matcher=matcher
    )
    print(
        f"{graph.name}: {len(trucks)} trucks, {len(loads)} loads, seeds {seeds[0]}-{seeds[-1]}, "
        f"{args.matcher} matcher; mean ± 95 % interval over {len(seeds)} seeds"
    )
    print(format_seed_table(c))
    if args.json:
        doc = {
            "map": graph.name,
            "matcher": args.matcher,
            "seeds": list(seeds),
            "windows": [
                {
                    "batch_minutes": w.batch_minutes,
                    **{m: e.to_json() for m, e in w.estimates.items()},
                }
                for w in c.windows
            ],
            "runs": [d.to_json() for d in c.days],
        }
        atomic_write_text(args.json, json.dumps(doc, indent=2) + "\n")
    return 0


def format_seed_table(comparison: Any) -> str:
    """One column per window, one row per compared figure: ``mean ± half-width``."""
    from dispatcher.day_seeds import METRICS

    windows = comparison.windows
    heads = ["instant" if w.batch_minutes == 0 else f"{w.batch_minutes:g} min" for w in windows]
    cells = {m: [f"{w[m].mean:.1f} ± {w[m].half_width:.1f}" for w in windows] for m in METRICS}
    width = max(14, *(len(c) + 2 for col in cells.values() for c in col))
    label_w = max(len(text) for _read, text in METRICS.values()) + 2
    lines = ["batching".ljust(label_w) + "".join(h.rjust(width) for h in heads)]
    for metric, (_read, text) in METRICS.items():
        lines.append(text.ljust(label_w) + "".join(c.rjust(width) for c in cells[metric]))
    return "\n".join(lines)


_ROWS = (
    ("loads posted", "loads_posted", "{:d}"),
    ("loads matched", "loads_matched", "{:d}"),
    ("loads delivered", "loads_delivered", "{:d}"),
    ("never matched", "loads_unmatched", "{:d}"),
    ("on-time pickup %", "on_time_pickup_pct", "{:.1f}"),
    ("deadhead % of km", "deadhead_pct", "{:.1f}"),
    ("deadhead km", "deadhead_km", "{:,.0f}"),
    ("truck utilisation %", "truck_utilisation_pct", "{:.1f}"),
    ("avg wait to match, min", "avg_wait_to_match_min", "{:.1f}"),
    ("matcher runs", "matcher_runs", "{:d}"),
)


def format_kpi_table(results: list[Any]) -> str:
    """One column per run (batching window), one row per KPI."""
    heads = ["instant" if r.batch_minutes == 0 else f"{r.batch_minutes:g} min" for r in results]
    width = max(12, *(len(h) + 2 for h in heads))
    label_w = max(len(label) for label, _, _ in _ROWS) + 2
    lines = ["batching".ljust(label_w) + "".join(h.rjust(width) for h in heads)]
    for label, attr, fmt in _ROWS:
        cells = [fmt.format(getattr(r.kpis, attr)).rjust(width) for r in results]
        lines.append(label.ljust(label_w) + "".join(cells))
    return "\n".join(lines)
