"""Progress of command-line work on the terminal (stderr), for any core ``Progress``."""

from __future__ import annotations

import sys
from typing import TextIO


class TerminalProgress:
    """A Progress report: on a terminal one line redrawn on stderr; otherwise a line each
    time the message's head (the text before its first ':') changes. Use it as a context
    manager so a redrawn line ends with a newline whatever happens."""

    def __init__(self, prefix: str, stream: TextIO | None = None) -> None:
        self.prefix = prefix
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.last = ""

    def __call__(self, fraction: float, message: str) -> None:
        if self.tty:
            self.stream.write(f"\r{self.prefix}: {fraction:4.0%} {message[:60]:<60}")
            self.stream.flush()
            return
        head = message.split(":", 1)[0]
        if head != self.last:
            self.last = head
            print(f"{self.prefix}: {message}", file=self.stream, flush=True)

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
