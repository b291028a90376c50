"""The desk's notice line, and the rule for how long a message stays up.

A message is about something: it stays while that still holds and goes as soon as it does
not (no timers). Each message carries its condition (:data:`Holds`); the desk asks the line
to look again (:meth:`NoticeLine.recheck`) after every board change and whenever the
suggestions change. Without a condition of its own, a message is about the board as it was
when it was said: the next board change ends it ("Exported 12 assignments", "Cancelled").
The user can also click it away.

Conditions the desk gives (the wording of the rule lives in the core,
:func:`dispatcher.rules.still_refused`):

- "Cannot assign L001 to T004: …" holds while L001 is where it was and the rules still
  forbid that pair (dropped on another truck meanwhile: gone);
- "99 suggestion(s) …" holds while those suggestions are still all on show (Accept all,
  Accept one, Dismiss or a board change that takes a truck: gone).

The status bar's line for a running job lasts as long as the job (:class:`JobStatus`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QWidget

#: A message's condition: True while what it says is still true.
Holds = Callable[[], bool]

_COLOURS = {True: ("#fdecea", "#d7191c"), False: ("#e8f5e9", "#1a9641")}  # error: red


class NoticeLine(QLabel):
    """The line above the map that says what happened (red: refused, green: done)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("desk_notice")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setToolTip("Click to close")
        self.hide()
        self._holds: Holds = lambda: False
        self._changes = 0  # board changes seen (the default condition's clock)
        #: The message the latest board change ended (one that change may want to extend).
        self.dropped: str | None = None

    def show_text(self, text: str, error: bool, holds: Holds | None = None) -> None:
        """Show ``text`` while ``holds()`` (default: until the next board change)."""
        color, border = _COLOURS[error]
        self.setStyleSheet(
            f"QLabel {{ background: {color}; border: 1px solid {border}; border-radius: 4px;"
            " padding: 4px 8px; }"
        )
        self.setText(text)
        self.dropped = None
        said_at = self._changes
        self._holds = holds if holds is not None else (lambda: self._changes == said_at)
        self.show()

    def board_changed(self) -> None:
        """The board changed: a message about the board as it was no longer holds."""
        self._changes += 1
        shown = not self.isHidden()
        self.recheck()
        self.dropped = self.text() if shown and self.isHidden() else None

    def recheck(self) -> None:
        """Drop the message if what it says is no longer true."""
        if not self.isHidden() and not self._holds():
            self.hide()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and not self.hasSelectedText():
            self.hide()  # a click (not a text selection) closes it


class JobStatus:
    """A job's status-bar line ("Loading the India map…") lasts as long as the job: when the
    job ends it is cleared, unless something newer has been said meanwhile."""

    def __init__(self, say: SignalInstance) -> None:
        self._say = say
        self._last = ""
        self._job = ""
        say.connect(self._said)

    def _said(self, text: str) -> None:
        self._last = text

    def started(self, text: str) -> None:
        self._job = text
        self._say.emit(text)

    def ended(self) -> None:
        if self._job and self._last == self._job:
            self._say.emit("")  # the window's status bar shows nothing (not a stale line)
        self._job = ""


__all__ = ["Holds", "JobStatus", "NoticeLine"]
