"""``python main.py size-backend``: a matcher design for a board, calibrated on its map.

The core is simulation/sizing.py (the desk's "Size the backend for this board" uses it too):
time the real matcher on the board's map, take the board's posting rate, pick enough solvers,
and write the design (TOML) that the Design Lab opens and runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from freightlab.errors import InputError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "size-backend",
        help="a matcher design for a board: calibrated on its map, at its posting rate",
        description="Time the dispatcher's matcher on the board's map, take the board's "
        "posting rate (loads over the span of their pickup times) and write a kind = "
        '"matcher" design with enough solvers to stay under 50%% busy. Defaults: the India '
        "map and the sample fleet. Without --out the design goes to stdout.",
    )
    p.add_argument("--map", help="map GraphML (default: the India map)")
    p.add_argument("--trucks", help="trucks CSV (default: the sample fleet)")
    p.add_argument("--loads", help="loads CSV (default: the sample loads)")
    p.add_argument(
        "--window-min", type=float, default=5.0, metavar="M", help="batching window (5 min)"
    )
    p.add_argument("--repetitions", type=int, default=3, metavar="N", help="per size (3)")
    p.add_argument("--out", metavar="DESIGN.toml")
    p.set_defaults(handler=_run_size)


def _run_size(args: argparse.Namespace) -> int:
    from designs.loader import dump_design, save_design
    from dispatcher.fleet import read_fleet
    from dispatcher.routes import RouteGraph
    from freightlab.resources import asset_path, default_map_path
    from simulation.sizing import SIZES, size_backend

    if not 0 <= args.window_min <= 24 * 60:
        raise InputError(f"--window-min must be in 0..1440, got {args.window_min}")
    if not 1 <= args.repetitions <= 100:
        raise InputError(f"--repetitions must be in 1..100, got {args.repetitions}")
    graph = RouteGraph.load(args.map or default_map_path())
    fleet = read_fleet(
        args.trucks or asset_path("samples", "india_trucks.csv"),
        args.loads or asset_path("samples", "india_loads.csv"),
        graph,
    )
    print(f"size-backend: timing the matcher on {graph.name}…", file=sys.stderr, flush=True)
    design, load = size_backend(
        graph,
        [ld.pickup_earliest for ld in fleet.loads],
        sizes=SIZES,
        repetitions=args.repetitions,
        window_ms=args.window_min * 60_000.0,
    )
    if not args.out:
        sys.stdout.write(dump_design(design))
        return 0
    save_design(design, args.out)
    workers = design.component("matcher").workers
    print(
        f"{load.loads} loads over {load.span_h:.1f} h = {load.rate_rps * 3600:.1f} postings/h; "
        f"{workers} solver(s), {args.window_min:g} min window; wrote {args.out}"
    )
    return 0
