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
    register_score(subparsers)


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


def register_score(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "score",
        help="score a design against a Rehearse exercise",
        description="Simulate DESIGN (the exercise's reference design when omitted) under the "
        "exercise's traffic on several seeds and judge each requirement. Exit 0 when scored, "
        "passed or not.",
    )
    p.add_argument("exercise", metavar="EXERCISE.toml")
    p.add_argument("design", metavar="DESIGN.toml", nargs="?")
    p.add_argument("--seed", type=int, metavar="N", help="first seed of the replications")
    p.add_argument("--json", metavar="OUT.json", help="write the scorecard as JSON ('-': stdout)")
    p.set_defaults(handler=_run_score)


def _run_score(args: argparse.Namespace) -> int:
    import json
    import sys

    from designs.exercise import load_exercise
    from designs.loader import load_design
    from freightlab.atomic import atomic_write_text
    from simulation.scorecard import score_design

    exercise = load_exercise(args.exercise)
    design = load_design(args.design) if args.design else exercise.reference_design()
    card = score_design(design, exercise, seed=args.seed)
    data = card.to_json()
    if args.json != "-":
        print(format_scorecard(data))
    if args.json:
        text = json.dumps(data, indent=2, allow_nan=False) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            atomic_write_text(args.json, text)
    return 0


def format_scorecard(data: dict[str, Any]) -> str:
    """The scorecard as a few lines of text (the CLI's human output)."""
    verdict = "PASSED" if data["passed"] else "not passed"
    lines = [
        f"{data['exercise']}: '{data['design']}' {verdict}, grade {data['grade']}"
        f" ({data['score']:.0f}/{data['max_score']:.0f}), seeds {data['seeds']}"
    ]
    for req in data["requirements"]:
        mark = "ok  " if req["met"] else "MISS"
        lines.append(f"  {mark} {req['name']:<12} {req['detail']}")
    cost = data.get("cost_per_hour")
    lines.append(
        f"  cost: ${cost:,.2f}/hour" if cost is not None else "  cost: not reported by the engine"
    )
    lines.append(f"  bottleneck: {data['bottleneck']}")
    lines += [f"  {note}" for note in data.get("notes", [])]
    return "\n".join(lines)
