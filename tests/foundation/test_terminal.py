"""Command-line progress: one redrawn line on a terminal, a line per step otherwise."""

from __future__ import annotations

import io

from freightlab.progress import Progress
from freightlab.terminal import TerminalProgress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_one_redrawn_line_ending_in_a_newline() -> None:
    out = _Tty()
    with TerminalProgress("simulate", out) as printer:
        p = Progress(printer)
        p.update(0.25, "1 of 4 runs done")
        p.update(0.5, "2 of 4 runs done")
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n") and text.count("\n") == 1
    assert "simulate:  50% 2 of 4 runs done" in text


def test_a_log_gets_a_line_each_time_the_step_changes() -> None:
    out = io.StringIO()
    with TerminalProgress("calibrate", out) as printer:
        for msg in ("size 10: warming up", "size 10: repetition 1", "size 100: warming up"):
            printer(0.5, msg)
    assert out.getvalue().splitlines() == [
        "calibrate: size 10: warming up",
        "calibrate: size 100: warming up",
    ]
