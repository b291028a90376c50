"""Errors for bad user input. The CLI maps them to exit status 2, the UI to an error dialog."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from a user file or argument; the message names the file, line or field."""


class InputErrors(InputError):
    """Several problems found in one file (e.g. every bad CSV row), reported together."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        head = f"{source}: {len(self.problems)} problem(s)"
        super().__init__(head + ("; first: " + self.problems[0] if self.problems else ""))
