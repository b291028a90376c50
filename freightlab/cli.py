"""The command line: each package registers its own subcommands; this module only wires them.

A package exposes ``register(subparsers)`` in its ``cli`` module. Handlers take the parsed
``argparse.Namespace`` and return an exit status. Handlers import heavy modules lazily so
``--help`` and every command start fast and never need Qt or a display.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from freightlab.errors import InputError

COMMAND_MODULES = ("dispatcher.cli", "designs.cli", "simulation.cli")

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="freightlab",
        description="Freightlab: dispatch desk and load-matching design lab. "
        "With no command, opens the desktop window.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def run_cli(argv: Sequence[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:  # argparse: --help exits 0, usage errors exit 2
        return int(exc.code or 0)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return int(handler(args))
    except InputError as exc:
        print(f"freightlab {args.command}: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `... | head` closed our stdout: nothing more to say to anyone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        print(f"freightlab {args.command}: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_INTERNAL
    except Exception as exc:  # an internal error: say so plainly, keep the trace for bug reports
        traceback.print_exc()
        print(f"freightlab {args.command}: internal error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_INTERNAL


def _one_line(text: str) -> str:
    return " ".join(text.split())
