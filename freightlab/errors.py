"""Errors for bad user input. The CLI maps them to exit status 2, the UI to an error dialog."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from a user file or argument; the message names the file, line or field."""


class InputErrors(InputError):
    """Several problems found in one file (e.g. every bad CSV row), reported together."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(self.summary())

    def summary(self, most: int = 5) -> str:
        """One line: the source, the count, and the first few problems."""
        shown = "; ".join(self.problems[:most])
        more = f" (+{len(self.problems) - most} more)" if len(self.problems) > most else ""
        return f"{self.source}: {len(self.problems)} problem(s): {shown}{more}"
