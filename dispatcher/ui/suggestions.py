"""The desk's suggestions box: the matcher's proposals, Accept / Accept all / Dismiss.

It shows a :class:`~dispatcher.matching.MatchResult` and says which loads were left out
and why; its buttons ask the desk (``accept_clicked``) to turn suggestions into one undoable
step, and keeps only the suggestions the board still allows (:meth:`prune`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dispatcher.board import Board
from dispatcher.costs import MatchSettings
from dispatcher.matching import Assignment, MatchResult, get_matcher
from dispatcher.routes import RouteGraph
from dispatcher.status import ASSIGN
from dispatcher.ui import style
from dispatcher.ui.match_process import match_in_child, use_child
from dispatcher.ui.models import ID_ROLE, Suggestion, SuggestionModel
from freightlab.progress import Progress, ThrottledProgress

#: How many left-out loads the label's tooltip lists.
LEFT_OUT_SHOWN = 25


class SuggestionsBox(QGroupBox):
    accept_clicked = Signal()  # Accept, or a double-click on a suggestion
    accept_all_clicked = Signal()
    truck_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Suggestions", parent)
        self.model = SuggestionModel(self)
        view = self.view = QTableView(self)
        view.setObjectName("suggestions_table")
        view.setModel(self.model)
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        view.verticalHeader().setVisible(False)
        view.horizontalHeader().setStretchLastSection(True)
        view.setWordWrap(False)
        view.horizontalHeader().setResizeContentsPrecision(30)
        view.verticalHeader().setDefaultSectionSize(22)
        view.setSortingEnabled(False)
        view.doubleClicked.connect(lambda _i: self.accept_clicked.emit())
        view.selectionModel().currentRowChanged.connect(self._on_row)
        self.accept_button = self._button(
            "Accept", "accept_button", "Assign the selected suggestion", self.accept_clicked.emit
        )
        self.accept_all_button = self._button(
            "Accept all",
            "accept_all_button",
            "Assign every suggestion in one undoable step",
            self.accept_all_clicked.emit,
        )
        self.dismiss_button = self._button(
            "Dismiss", "dismiss_button", "Throw the suggestions away", self.clear
        )
        self.unmatched_label = QLabel(self)
        self.unmatched_label.setObjectName("unmatched_label")
        self.unmatched_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        buttons = QHBoxLayout()
        for w in (self.accept_button, self.accept_all_button, self.dismiss_button):
            buttons.addWidget(w)
        buttons.addWidget(self.unmatched_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(view)
        self.pruned: Callable[[], None] = lambda: None  # the desk redraws the map's lines

    def _button(self, text: str, name: str, tip: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # ---------------------------------------------------------------- showing
    def show_result(self, result: MatchResult, explain: Callable[[Assignment], str]) -> int:
        items = [Suggestion(a, explain) for a in result.assignments]
        self.model.set_items(items)
        self.view.resizeColumnsToContents()  # precision-capped: visible rows
        left = len(result.unassigned)
        if left:
            shown = sorted(result.unassigned.items())[:LEFT_OUT_SHOWN]
            lines = [f"{lid}: {why}" for lid, why in shown]
            more = f"\n… and {left - LEFT_OUT_SHOWN} more" if left > LEFT_OUT_SHOWN else ""
            self.unmatched_label.setText(f"{left} load(s) could not be matched (hover)")
            self.unmatched_label.setToolTip("\n".join(lines) + more)
        else:
            self.unmatched_label.setText("every open load has a suggestion")
            self.unmatched_label.setToolTip("")
        return len(items)

    def prune(self, board: Board) -> list[tuple[str, str]]:
        """Drop suggestions the board no longer allows (truck or load taken meanwhile); the
        (truck, load) pairs left, for the map."""
        items = self.model.items
        if items:
            keep = [
                s
                for s in items
                if board.blocker(s.assignment.truck_id, s.assignment.load_id) is None
                and board.loads[s.assignment.load_id].status == ASSIGN.load_from
            ]
            if len(keep) != len(items):
                self.model.set_items(keep)
        return [(s.assignment.truck_id, s.assignment.load_id) for s in self.model.items]

    def clear(self) -> None:
        self.model.set_items([])
        self.unmatched_label.setText("")
        self.unmatched_label.setToolTip("")
        self.pruned()

    def set_free(self, free: bool) -> None:
        """Accepting is possible: suggestions exist and no write is pending."""
        has = bool(self.model.items) and free
        for button in (self.accept_button, self.accept_all_button, self.dismiss_button):
            button.setEnabled(has)

    def selected(self) -> list[Suggestion]:
        """The selected suggestions (or the current one)."""
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        if not rows and self.view.currentIndex().isValid():
            rows = [self.view.currentIndex().row()]
        return [self.model.items[r] for r in rows]

    def _on_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            truck_id, _load_id = current.data(ID_ROLE)
            self.truck_selected.emit(truck_id)


def matching_work(
    board: Board, graph: RouteGraph, settings: MatchSettings, matcher: str = "optimal"
) -> Callable[[Progress], MatchResult] | str:
    """The job that suggests matches for the board's idle trucks and open loads (on copies:
    the worker never races edits), or why there is nothing to match. ``matcher``: optimal,
    or greedy (for comparison)."""
    trucks = [copy.copy(t) for t in board.free_trucks()]
    loads = [copy.copy(ld) for ld in board.open_loads()]
    if not trucks or not loads:
        return "no idle truck" if not trucks else "no open load"
    in_child = matcher == "optimal" and use_child(len(trucks), len(loads), graph.source)

    def work(progress: Progress) -> MatchResult:
        throttled = ThrottledProgress(progress)
        if in_child:  # a big solve holds the GIL: keep it out of this process
            return match_in_child(trucks, loads, graph.source, settings, throttled)
        return get_matcher(matcher).match(trucks, loads, graph, settings, progress=throttled)

    return work


def describe(board: Board, graph: RouteGraph | None, a: Assignment) -> str:
    """A suggestion's line: who drives how far, when it picks up, what it carries."""
    load = board.loads.get(a.load_id)
    truck = board.trucks.get(a.truck_id)
    if load is None or truck is None or graph is None:
        return ""
    src = graph.city(truck.location).name if graph.has_node(truck.location) else ""
    dst = graph.city(load.origin).name if graph.has_node(load.origin) else ""
    return (
        f"{truck.id} at {src} drives {a.deadhead_km:,.0f} km empty to {dst}, picks up at "
        f"{style.format_hours(a.pickup_at)} (window {style.format_hours(load.pickup_earliest)}"
        f"–{style.format_hours(load.pickup_latest)}); {truck.truck_type.value} "
        f"{truck.capacity_t:g} t for {load.weight_t:g} t"
    )


__all__ = ["SuggestionsBox", "describe", "matching_work"]
