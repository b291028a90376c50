"""The desk's "Unmatched" tab: the loads the last matcher run left out, and why, in words.

The rows come from the core (:func:`dispatcher.rules.unmatched`: city names, the pickup
window, the reason as a sentence); this panel only shows them, keeps them true (a load
assigned or cancelled since drops out on the next board change) and selects a load in the
loads table on a double-click.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dispatcher import rules
from dispatcher.board import Board
from dispatcher.routes import RouteGraph

HEADERS = ("Load", "Route", "Pickup", "Why it was not matched")
NO_RUN = "Run “Suggest matches”: the loads it cannot match are listed here with the reason."
ALL_MATCHED = "Every open load had a suggestion in the last run."


class UnmatchedPanel(QWidget):
    """``load_chosen(load_id)``: the user double-clicked a row."""

    load_chosen = Signal(str)
    title_changed = Signal(str)  # "Unmatched (12)", for the tab

    def __init__(
        self, source: Callable[[], tuple[Board, RouteGraph | None]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("unmatched_panel")
        self._source = source
        self._left_out: dict[str, str] | None = None  # None: no matcher run yet
        self.rows: list[rules.Unmatched] = []
        self.summary = QLabel(NO_RUN, self)
        self.summary.setObjectName("unmatched_summary")
        self.summary.setWordWrap(True)
        table = self.table = QTableWidget(0, len(HEADERS), self)
        table.setObjectName("unmatched_table")
        table.setHorizontalHeaderLabels(list(HEADERS))
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setWordWrap(True)
        header = table.horizontalHeader()
        for column in range(len(HEADERS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(self._rows_fit_later)  # wrapped reasons: row heights
        self._fit_due = False
        table.cellDoubleClicked.connect(self._on_double_click)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(table, 1)

    def set_left_out(self, left_out: Mapping[str, str] | None) -> None:
        """A matcher run's left-out loads (id -> reason); None forgets them (new board)."""
        self._left_out = dict(left_out) if left_out is not None else None
        self.refresh()

    def refresh(self) -> None:
        """Show the left-out loads that are still open on the board."""
        board, graph = self._source()
        rows = rules.unmatched(board, graph, self._left_out or {})
        changed = rows != self.rows
        self.rows = rows
        if self._left_out is None:
            self.summary.setText(NO_RUN)
        elif not self.rows:
            self.summary.setText(ALL_MATCHED)
        else:
            n = len(self.rows)
            self.summary.setText(
                f"{n} open load{'s' if n != 1 else ''} could not be matched in the last run "
                "(double-click one to find it in the loads table):"
            )
        if changed:  # a board change that touched none of them costs no redraw
            self._fill()
            self.title_changed.emit(self.title())

    def title(self) -> str:
        return f"Unmatched ({len(self.rows)})" if self.rows else "Unmatched"

    def _fill(self) -> None:
        table = self.table
        table.setUpdatesEnabled(False)
        table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            for c, text in enumerate((row.load_id, row.route, row.window, row.reason)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                item.setData(Qt.ItemDataRole.UserRole, row.load_id)
                table.setItem(r, c, item)
        table.setUpdatesEnabled(True)
        self._rows_fit_later()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._rows_fit_later()  # widths are known only once shown

    def _rows_fit_later(self, *_args: object) -> None:
        if not self._fit_due and self.isVisible():
            self._fit_due = True
            QTimer.singleShot(0, self._fit_rows)

    def _fit_rows(self) -> None:
        self._fit_due = False
        self.table.resizeRowsToContents()

    def _on_double_click(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.rows):
            self.load_chosen.emit(self.rows[row].load_id)


__all__ = ["UnmatchedPanel"]
