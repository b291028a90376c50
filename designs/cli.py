"""`validate DESIGN.toml`: check a design file and say what is wrong, by component and field."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "validate",
        help="check a design TOML file",
        description="Check a design file: fields, references between components, cycles.",
    )
    p.add_argument("design", metavar="DESIGN.toml")
    p.set_defaults(handler=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    from designs.loader import load_design
    from freightlab.errors import InputError, InputErrors

    try:
        design = load_design(args.design)
    except InputErrors as exc:  # every problem on the one line the CLI prints
        raise InputError(
            f"{exc.source}: {len(exc.problems)} problem(s): " + "; ".join(exc.problems)
        ) from None
    kinds = sorted({c.kind for c in design.components})
    print(
        f"{args.design}: OK - '{design.name}', {len(design.components)} component(s)"
        f" ({', '.join(kinds)}), {len(design.workload.classes)} request class(es),"
        f" {design.workload.total_rate():.1f} requests/s offered"
    )
    return 0
