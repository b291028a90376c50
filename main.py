"""Freightlab entry point: no arguments opens the window; a subcommand runs the CLI."""

from __future__ import annotations

import sys
from collections.abc import Sequence

# The window imports these anyway. Importing them before PySide6 skips PySide6's import hook,
# which inspects the source of every module imported after it (~0.15 CPU-s at start-up).
CORE_BEFORE_QT = (
    "numpy",
    "pydantic",
    "simpy",
    "networkx",
    "scipy.sparse.csgraph",
    "designs.loader",
    "dispatcher.routes",
    "dispatcher.costs",
    "simulation.analytic",
    "simulation.runner",
)


def preload_core() -> None:
    import importlib

    for name in CORE_BEFORE_QT:
        importlib.import_module(name)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        preload_core()
        from freightlab.ui.app import run_app  # Qt only on the window path

        return run_app()
    from freightlab.cli import run_cli

    return run_cli(args)


def main_entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    main_entry()
