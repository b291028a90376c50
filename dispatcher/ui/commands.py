"""Undo commands for the desk: each holds exact before/after copies of what it touched.

The desk applies a change to the board first (so a refused change never reaches the undo
stack), captures the touched objects before and after, and pushes a ``BoardCommand``. Its
first ``redo`` is then a no-op restore of the "after" copies; undo and redo afterwards put
the captured objects back bit for bit, whatever the change was (assign, accept all, edit,
import).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from dispatcher.board import Board, Capture


class BoardCommand(QUndoCommand):
    def __init__(
        self,
        board: Board,
        text: str,
        before: Capture,
        after: Capture,
        on_change: Callable[[], None],
    ) -> None:
        super().__init__(text)
        self.board = board
        self.before = before
        self.after = after
        self._on_change = on_change
        self._applied = True  # the desk made the change before pushing

    def redo(self) -> None:
        if not self._applied:
            self.board.restore(self.after)
        self._applied = False
        self._on_change()

    def undo(self) -> None:
        self.board.restore(self.before)
        self._on_change()
