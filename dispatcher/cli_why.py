"""``why``: can this truck take this load, and if not, which rule says no.

The same answer as the desk's "Why not?" dialog and its drag feedback: both ask
:mod:`dispatcher.rules`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "why",
        help="say whether a truck can take a load, and which rule forbids it",
        description="Judge one truck-load pair by the desk's rules: the board's state (busy "
        "truck, taken load) and the matcher's (type, capacity, deadhead limit, pickup window).",
    )
    p.add_argument("truck", help="truck id")
    p.add_argument("load", help="load id")
    p.add_argument("--map", type=Path, default=None, help="GraphML map (default: India)")
    p.add_argument("--trucks", type=Path, required=True, help="trucks CSV")
    p.add_argument("--loads", type=Path, required=True, help="loads CSV")
    p.add_argument("--speed", type=float, default=60.0, help="average empty speed, km/h")
    p.add_argument(
        "--max-deadhead", type=float, default=None, help="never send a truck further empty (km)"
    )
    p.set_defaults(handler=_run_why)


def _run_why(args: argparse.Namespace) -> int:
    from dispatcher import rules
    from dispatcher.board import Board
    from dispatcher.costs import MatchSettings
    from dispatcher.fleet import read_fleet
    from dispatcher.routes import RouteGraph
    from freightlab.errors import InputError
    from freightlab.resources import default_map_path

    graph = RouteGraph.load(args.map or default_map_path())
    fleet = read_fleet(args.trucks, args.loads, graph)
    board = Board(fleet.trucks, fleet.loads, nodes=graph.nodes)
    for kind, item, known in (
        ("truck", args.truck, board.trucks),
        ("load", args.load, board.loads),
    ):
        if item not in known:
            raise InputError(
                f"{args.trucks if kind == 'truck' else args.loads}: no {kind} {item!r}"
            )
    settings = MatchSettings(speed_kmh=args.speed, max_deadhead_km=args.max_deadhead)
    possible, text = rules.explain_pair(board, graph, settings, args.truck, args.load)
    verdict = "can take" if possible else "cannot take"
    print(f"{args.truck} {verdict} {args.load}: {text}")
    return 0
