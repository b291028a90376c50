"""Undo history of a dispatch session: an explicit list of steps, no Qt.

A :class:`Step` holds exact before/after captures of what one action touched (see
:meth:`dispatcher.board.Board.capture`); undo puts the "before" copies back, redo the
"after" ones, so the board returns bit for bit whatever the action was. ``index`` counts
the steps that are done; the session moves it only once a step's write-through to the board
file committed, and drops a step the file refused instead of pretending it happened.
"""

from __future__ import annotations

from dataclasses import dataclass

from dispatcher.board import Capture


@dataclass(frozen=True, eq=False)
class Step:
    text: str
    before: Capture
    after: Capture

    def touches(self) -> tuple[set[str], set[str]] | None:
        """(truck ids, load ids) this step changes; None for a whole-board step (import)."""
        if self.before.full or self.after.full:
            return None
        return set(self.before.trucks), set(self.before.loads)

    def ends(self, verb: str) -> tuple[Capture, Capture]:
        """(from, to) of an "undo" or a "redo" of this step."""
        return (self.after, self.before) if verb == "undo" else (self.before, self.after)


class History:
    """Steps in order; the first ``index`` are done, the rest can be redone."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.index = 0
        self._clean: int | None = 0  # the index the board file / last save matches

    # -- queries ------------------------------------------------------------------------
    def count(self) -> int:
        return len(self.steps)

    def next(self, verb: str) -> Step | None:
        """The step an "undo" or a "redo" would run now."""
        i = self.index - 1 if verb == "undo" else self.index
        return self.steps[i] if 0 <= i < len(self.steps) else None

    def text(self, verb: str) -> str:
        step = self.next(verb)
        return step.text if step is not None else ""

    def is_clean(self) -> bool:
        return self._clean == self.index

    # -- changes ------------------------------------------------------------------------
    def push(self, step: Step) -> None:
        """A new step, done: the steps that could be redone are gone."""
        del self.steps[self.index :]
        if self._clean is not None and self._clean > self.index:
            self._clean = None  # the saved state can no longer be reached
        self.steps.append(step)
        self.index += 1

    def moved(self, verb: str) -> None:
        """The step ``next(verb)`` was undone or redone."""
        self.index += -1 if verb == "undo" else 1

    def drop(self, verb: str) -> None:
        """The file refused to undo/redo ``next(verb)``: that step leaves the history."""
        i = self.index - 1 if verb == "undo" else self.index
        del self.steps[i]
        if verb == "undo":
            self.index -= 1
        if self._clean is not None and self._clean > i:
            self._clean -= 1

    def clear(self) -> None:
        self.steps.clear()
        self.index = 0
        self._clean = 0

    def set_clean(self) -> None:
        self._clean = self.index

    def reset_clean(self) -> None:
        """No state of the history matches a file any more (the file went away)."""
        self._clean = None

    def drop_touching(self, trucks: set[str], loads: set[str], reshaped: bool) -> bool:
        """Clear the history if another desk changed what one of its steps touches (or
        reshaped the board); True when it was cleared."""
        if not self.steps:
            return False
        stale = reshaped
        for step in self.steps:
            if stale:
                break
            touched = step.touches()
            stale = touched is None or bool(touched[0] & trucks or touched[1] & loads)
        if stale:
            self.clear()
        return stale


__all__ = ["History", "Step"]
