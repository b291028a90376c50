"""Undo commands for the desk: each holds exact before/after copies of what it touched.

The desk applies a change to the board first (so a refused change never reaches the undo
stack), captures the touched objects before and after, and pushes a ``BoardCommand``. Its
first ``redo`` is then a no-op restore of the "after" copies; undo and redo afterwards put
the captured objects back bit for bit, whatever the change was (assign, accept all, edit,
import).

With a board file open, undo and redo are actions like any other: ``write`` commits them to
the file first (``write(from, to)`` returns False when the store refuses, e.g. another desk
took the load meanwhile). A refused undo/redo changes nothing on the board and marks the
command obsolete, so QUndoStack drops that step instead of pretending it happened.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from dispatcher.board import Board, Capture

#: ``write(src, dst, verb)``: commit the change from ``src`` to ``dst`` for an "undo" or a
#: "redo"; False when refused.
WriteThrough = Callable[[Capture, Capture, str], bool]


class BoardCommand(QUndoCommand):
    def __init__(
        self,
        board: Board,
        text: str,
        before: Capture,
        after: Capture,
        on_change: Callable[[Capture], None],
        write: WriteThrough | None = None,
        restore: Callable[[Capture], None] | None = None,
    ) -> None:
        super().__init__(text)
        self.board = board
        self.before = before
        self.after = after
        self._on_change = on_change
        self._write = write
        #: puts a capture back on the board (the desk may hand over copies a worker made)
        self._restore = restore or board.restore
        self._applied = True  # the desk made (and wrote) the change before pushing

    def redo(self) -> None:
        if not self._applied:
            if self._write is not None and not self._write(self.before, self.after, "redo"):
                self.setObsolete(True)
                return
            self._restore(self.after)
        self._applied = False
        self._on_change(self.after)

    def undo(self) -> None:
        if self._write is not None and not self._write(self.after, self.before, "undo"):
            self.setObsolete(True)
            return
        self._restore(self.before)
        self._on_change(self.before)

    def touches(self) -> tuple[set[str], set[str]] | None:
        """(truck ids, load ids) this step changes; None for a whole-board step (import)."""
        if self.before.full or self.after.full:
            return None
        return set(self.before.trucks), set(self.before.loads)
