"""Freightlab entry point: no arguments opens the window; a subcommand runs the CLI."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        from freightlab.ui.app import run_app  # Qt only on the window path

        return run_app()
    from freightlab.cli import run_cli

    return run_cli(args)


def main_entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    main_entry()
