"""Dispatcher subcommands. ``match``: suggest truck-load assignments from CSV files.

Heavy imports (numpy, scipy, networkx) happen inside handlers so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from dispatcher import cli_calibrate, cli_day, cli_why


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _register_match(subparsers)
    cli_day.register(subparsers)  # `day`: simulated day of operations (dispatcher/cli_day.py)
    cli_calibrate.register(subparsers)  # `calibrate`: time the matcher (dispatcher/calibration.py)
    cli_why.register(subparsers)  # `why`: one truck-load pair by the desk's rules


def _register_match(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "match",
        help="assign idle trucks to open loads (most loads moved, then least deadhead)",
        description="Assign idle trucks to open loads: first move as many loads as possible, "
        "then minimise total deadhead (empty) km. Prints a summary; --out/--json save details.",
    )
    p.add_argument("--map", type=Path, default=None, help="GraphML map (default: India)")
    p.add_argument("--trucks", type=Path, required=True, help="trucks CSV")
    p.add_argument("--loads", type=Path, required=True, help="loads CSV")
    p.add_argument("--out", type=Path, default=None, help="write assignments CSV here")
    p.add_argument("--json", type=Path, default=None, help="write a JSON report here")
    p.add_argument(
        "--matcher",
        choices=("optimal", "greedy"),
        default="optimal",
        help="optimal (default) or the greedy nearest-truck baseline",
    )
    p.add_argument("--speed", type=float, default=60.0, help="average empty speed, km/h")
    p.add_argument(
        "--max-deadhead", type=float, default=None, help="never send a truck further empty (km)"
    )
    add_memory_limit(p)
    p.set_defaults(handler=_run_match)


def add_memory_limit(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--memory-limit",
        type=float,
        default=None,
        metavar="MB",
        help="refuse a fleet whose matching needs more memory than this "
        "(default: half the free memory, at most 4 GB)",
    )


def _run_match(args: argparse.Namespace) -> int:
    from dispatcher.fleet import read_fleet, write_assignments_csv
    from dispatcher.matching import MatchSettings, get_matcher
    from dispatcher.routes import RouteGraph
    from freightlab.atomic import atomic_write_text
    from freightlab.resources import default_map_path

    graph = RouteGraph.load(args.map or default_map_path())
    fleet = read_fleet(args.trucks, args.loads, graph)
    trucks, loads = fleet.trucks, fleet.loads
    settings = MatchSettings(speed_kmh=args.speed, max_deadhead_km=args.max_deadhead)
    matcher = get_matcher(args.matcher, memory_limit_mb=_memory_limit(args.memory_limit))
    result = matcher.match(trucks, loads, graph, settings)

    if args.out is not None:
        write_assignments_csv(args.out, result.assignments)
    if args.json is not None:
        doc: dict[str, Any] = {
            "map": graph.name,
            "trucks_file": str(args.trucks),
            "loads_file": str(args.loads),
            "settings": {"speed_kmh": settings.speed_kmh, "max_deadhead_km": args.max_deadhead},
            **result.to_json(),
        }
        atomic_write_text(args.json, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")

    open_loads = len(result.assignments) + len(result.unassigned)
    idle = len(result.assignments) + len(result.idle_trucks_left)
    moved = result.moved
    avg = result.total_deadhead_km / moved if moved else 0.0
    print(
        f"{result.matcher} match on {graph.name}: {moved} of {open_loads} open loads moved "
        f"by {idle} idle trucks; total deadhead {result.total_deadhead_km:,.0f} km "
        f"({avg:,.0f} km per load)"
    )
    if result.unassigned:
        kinds = Counter(_reason_kind(r) for r in result.unassigned.values())
        parts = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
        print(f"{len(result.unassigned)} unassigned: {parts}")
    for a in result.assignments[:5]:
        print(f"  {a.truck_id} -> {a.load_id}: {a.deadhead_km:,.0f} km empty")
    if moved > 5:
        print(f"  ... and {moved - 5} more" + (f" (see {args.out})" if args.out else ""))
    return 0


def _memory_limit(mb: float | None) -> float | None:
    from freightlab.errors import InputError

    if mb is not None and not (mb > 0 and mb < float("inf")):
        raise InputError(f"--memory-limit must be a number of MB > 0, got {mb:g}")
    return mb


def _reason_kind(reason: str) -> str:
    """A short bucket for the summary line; the full reasons go to --json."""
    if "moved other loads" in reason or "were taken" in reason:
        return "lost to better uses of their trucks"
    if reason.startswith("no idle truck"):
        return "with no idle truck at all"
    if "truck carries" in reason:
        return "too heavy"
    if reason.startswith("no idle"):
        return "need a truck type nobody has free"
    if "within" in reason:
        return "too far"
    return "cannot be reached in time"
