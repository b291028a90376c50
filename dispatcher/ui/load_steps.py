"""The loads table's context menu: a load's lifecycle steps (picked up, in transit,
delivered, cancel) from :data:`dispatcher.status.LIFECYCLE`. A step the rules forbid is
greyed out with the reason as its tooltip; taking one is the desk's undoable action."""

from __future__ import annotations

from functools import partial
from typing import Protocol

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from dispatcher.board import Board
from dispatcher.status import LIFECYCLE, move_refusal
from dispatcher.ui.tables import BoardTable


class _Desk(Protocol):
    @property
    def board(self) -> Board: ...

    def writing(self) -> str | None: ...

    def advance_load(self, load_id: str, verb: str) -> bool: ...


class LoadSteps:
    """Right-click a load: its next steps, each enabled only when its rule allows it."""

    def __init__(self, desk: _Desk, table: BoardTable) -> None:
        self.desk, self.table = desk, table
        self.menu = QMenu(table)
        self.menu.setObjectName("load_steps_menu")
        self.menu.setToolTipsVisible(True)
        self.actions: dict[str, QAction] = {}
        for verb, move in LIFECYCLE.items():
            action = self.menu.addAction(move.text)
            action.setObjectName(f"load_{verb}_action")
            action.triggered.connect(partial(self._take, verb))
            self.actions[verb] = action
        self.load_id: str | None = None
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self.show_at)

    def reasons(self, load_id: str) -> dict[str, str | None]:
        """Each step's refusal for this load now (None: allowed)."""
        board = self.desk.board
        load = board.loads[load_id]
        a = board.assignments.get(load_id)
        holder = a.truck_id if a is not None else None
        busy = self.desk.writing()
        return {
            verb: (f"\u201c{busy}\u201d is still being written" if busy else None)
            or move_refusal(move, load_id, load.status, holder)
            for verb, move in LIFECYCLE.items()
        }

    def show_at(self, pos: QPoint) -> None:
        load_id = self.table.id_at(pos)
        if load_id is None or load_id not in self.desk.board.loads:
            return
        self.load_id = load_id
        for verb, reason in self.reasons(load_id).items():
            action = self.actions[verb]
            action.setText(f"Mark {load_id} {LIFECYCLE[verb].text.lower()}")
            action.setEnabled(reason is None)
            action.setToolTip(reason or "")
        self.menu.popup(self.table.viewport().mapToGlobal(pos))

    def _take(self, verb: str) -> None:
        if self.load_id is not None:
            self.desk.advance_load(self.load_id, verb)


__all__ = ["LoadSteps"]
