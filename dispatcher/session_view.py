"""How a dispatch session talks to whoever shows it (no Qt).

The desk implements :class:`SessionView`; tests and scripts use :class:`QuietView`, which
keeps what it was told.
"""

from __future__ import annotations

from typing import Protocol

from dispatcher.board import Capture


class SessionView(Protocol):
    """What a session tells the one who shows it (the desk; :class:`QuietView` in tests)."""

    def board_changed(self, changed: Capture | None, reshaped: bool = False) -> None:
        """``changed``: the capture of what a step touched (only ids matter); None: all."""

    def tell(self, text: str, error: bool = True) -> None:
        """A line for the user: what happened, or why not."""

    def current_notice(self) -> str | None:
        """The notice still shown, if any (a refusal the next read's notice extends)."""

    def state_changed(self) -> None:
        """The state, the history or the file changed: enable/disable actions."""

    def polling(self, on: bool) -> None:
        """Start (a board file is open) or stop calling :meth:`Session.poll`."""


class QuietView:
    """A view that keeps what it is told (tests, scripts)."""

    def __init__(self) -> None:
        self.told: list[tuple[str, bool]] = []
        self.changes: list[Capture | None] = []
        self.polls = False

    def board_changed(self, changed: Capture | None, reshaped: bool = False) -> None:
        self.changes.append(None if reshaped else changed)

    def tell(self, text: str, error: bool = True) -> None:
        self.told.append((text, error))

    def current_notice(self) -> str | None:
        return self.told[-1][0] if self.told else None

    def state_changed(self) -> None:
        pass

    def polling(self, on: bool) -> None:
        self.polls = on


__all__ = ["QuietView", "SessionView"]
