"""``python main.py calibrate``: time the real matcher on this machine, write the table.

The table (TOML) is what a ``kind = "matcher"`` component's ``calibration`` field takes.
Progress goes to stderr; the summary to stdout (or, without --out, the TOML itself).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from freightlab.errors import InputError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "calibrate",
        help="time the real matcher on batches of each size; write a calibration table",
        description="Match seeded random batches of N trucks x N loads on the map with the "
        "desk's optimal matcher, several repetitions per size, and write the median and "
        'spread per size (with this machine and the date) as TOML for a kind = "matcher" '
        "design component. Without --out the TOML goes to stdout.",
    )
    p.add_argument("--map", help="map GraphML (default: the India map)")
    p.add_argument(
        "--sizes", default="10,100,1000", help="batch sizes, trucks = loads (default 10,100,1000)"
    )
    p.add_argument("--out", metavar="FILE.toml", help="write the table here")
    p.add_argument(
        "--repetitions", type=int, default=7, metavar="N", help="timed batches per size (7)"
    )
    p.add_argument("--seed", type=int, default=1, metavar="N", help="seed of the batches (1)")
    p.set_defaults(handler=_run_calibrate)


def _run_calibrate(args: argparse.Namespace) -> int:
    from dispatcher.calibration import calibrate, parse_sizes
    from dispatcher.routes import RouteGraph
    from freightlab.progress import Progress
    from freightlab.resources import default_map_path
    from freightlab.terminal import TerminalProgress

    sizes = parse_sizes(args.sizes)
    if not 1 <= args.repetitions <= 1000:
        raise InputError(f"--repetitions must be in 1..1000, got {args.repetitions}")
    graph = RouteGraph.load(args.map or default_map_path())
    with TerminalProgress("calibrate") as printer:
        table = calibrate(
            graph, sizes, repetitions=args.repetitions, seed=args.seed, progress=Progress(printer)
        )
    text = table.to_toml()
    if not args.out:
        sys.stdout.write(text)
        return 0
    from freightlab.atomic import atomic_write_text

    atomic_write_text(args.out, text)
    print(f"{table.map_name}: matcher timed on {table.machine} at {table.measured_at}")
    print(f"{'batch':>8}{'median ms':>12}{'p10':>10}{'p90':>10}{'spread':>8}{'pairs':>10}")
    for t in table.timings:
        print(
            f"{t.size:>8}{t.median_ms:>12.2f}{t.quantile_ms(0.1):>10.2f}"
            f"{t.quantile_ms(0.9):>10.2f}{t.spread:>8.3f}{t.feasible_pairs:>10}"
        )
    print(f"wrote {args.out}")
    return 0
