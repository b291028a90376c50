"""``python main.py slo DESIGN.toml --p99 MS``: the highest rate that meets a p99 objective."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any, add_parallel_options: Any) -> None:
    p = subparsers.add_parser(
        "slo",
        help="find the highest offered rate at which a design meets a p99 objective",
        description="SLO search: rounds of rates run in parallel (same seed), each narrowing "
        "the bracket between the highest rate that met the p99 objective and the lowest that "
        "did not. Exit 0 also when no rate meets it (that is a result).",
    )
    p.add_argument("design", metavar="DESIGN.toml")
    p.add_argument("--p99", type=float, required=True, metavar="MS", help="the p99 objective")
    p.add_argument("--max-rate", type=float, metavar="R", help="top of the first bracket")
    p.add_argument("--points", type=int, default=4, metavar="N", help="rates per round (4)")
    p.add_argument("--rounds", type=int, default=3, metavar="N", help="rounds (3)")
    p.add_argument("--duration", type=float, metavar="S")
    p.add_argument("--seed", type=int, metavar="N")
    add_parallel_options(p, "rates of a round", default=None)
    p.add_argument("--json", metavar="OUT.json")
    p.set_defaults(handler=_run_slo)


def _run_slo(args: argparse.Namespace) -> int:
    from designs.loader import load_design
    from freightlab.errors import InputError
    from simulation.cli import _check_options, _parallel, _write_json, terminal_progress
    from simulation.slo import format_slo, slo_search

    _check_options(args)
    if args.max_rate is not None and not args.max_rate > 0:
        raise InputError(f"--max-rate must be > 0 requests/s, got {args.max_rate}")
    processes, scheduler = _parallel(args)
    with terminal_progress("slo") as progress:
        result = slo_search(
            load_design(args.design),
            args.p99,
            max_rate_rps=args.max_rate,
            points=args.points,
            rounds=args.rounds,
            duration_s=args.duration,
            seed=args.seed,
            processes=processes,
            scheduler=scheduler,
            progress=progress,
        )
    if args.json != "-":
        print(format_slo(result))
    if args.json:
        _write_json(args.json, result.to_json())
    return 0
