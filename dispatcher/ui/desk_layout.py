"""The desk's widgets and where they sit: toolbar, notice, KPIs, map, suggestions, tables.

:func:`build_desk` creates every widget as an attribute of the desk (tests and people reach
them by name, see DESIGN.md) and connects the widgets' signals to the desk's methods.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Generic, TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dispatcher.fleet import LoadStatus, TruckStatus, TruckType
from dispatcher.ui import style
from dispatcher.ui.day_tab import DayTab
from dispatcher.ui.desk_clock import ClockBar
from dispatcher.ui.kpi import KpiStrip
from dispatcher.ui.map_view import LOAD, TRUCK, MapView
from dispatcher.ui.models import (
    BoardFilter,
    EditHandler,
    LoadTableModel,
    SuggestionModel,
    TruckTableModel,
)
from dispatcher.ui.suggestions import SuggestionsBox
from dispatcher.ui.tables import FilterBar, LoadTable, TruckTable
from freightlab.ui.area import AreaDefaults

if TYPE_CHECKING:
    from dispatcher.ui.desk import DispatchDesk

T = TypeVar("T")
#: How long a notice stays up.
NOTICE_MS = 10_000


class FromSession(Generic[T]):
    """A desk attribute that is its session's (the desk keeps no copy of the document)."""

    def __init__(self, name: str, doc: str = "", writable: bool = False) -> None:
        self.name, self.__doc__, self.writable = name, doc, writable

    def __get__(self, desk: DispatchDesk, owner: object = None) -> T:
        value: T = getattr(desk.session, self.name)
        return value

    def __set__(self, desk: DispatchDesk, value: T) -> None:
        if not self.writable:
            raise AttributeError(f"{self.name} belongs to the session")
        setattr(desk.session, self.name, value)


class DeskWidgets(AreaDefaults, QWidget):
    """The desk's widgets, by the names tests and people reach them by (DESIGN.md); made
    by :func:`build_desk`."""

    map: MapView
    truck_model: TruckTableModel
    truck_proxy: BoardFilter
    trucks_table: TruckTable
    load_model: LoadTableModel
    load_proxy: BoardFilter
    loads_table: LoadTable
    truck_filter: FilterBar
    load_filter: FilterBar
    suggest_button: QPushButton
    cancel_button: QPushButton
    progress: QProgressBar
    why_button: QPushButton
    unassign_button: QPushButton
    fit_button: QToolButton
    notice: NoticeLine
    kpis: KpiStrip
    suggestions: SuggestionsBox
    suggestions_box: SuggestionsBox
    suggestion_model: SuggestionModel
    suggestions_view: QTableView
    accept_button: QPushButton
    accept_all_button: QPushButton
    dismiss_button: QPushButton
    unmatched_label: QLabel
    side_tabs: QTabWidget
    day_tab: DayTab
    day_panel: QWidget | None
    main_split: QSplitter
    clock_bar: ClockBar


class NoticeLine(QLabel):
    """The line above the map that says what happened (red: refused, green: done)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("desk_notice")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)

    def show_text(self, text: str, error: bool) -> None:
        color, border = ("#fdecea", "#d7191c") if error else ("#e8f5e9", "#1a9641")
        self.setStyleSheet(
            f"QLabel {{ background: {color}; border: 1px solid {border}; border-radius: 4px;"
            " padding: 4px 8px; }"
        )
        self.setText(text)
        self.show()
        self._timer.start(NOTICE_MS)


def _button(desk: DispatchDesk, text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(text, desk)
    button.setObjectName(name)
    button.setToolTip(tip)
    return button


def _filtered(
    desk: DispatchDesk,
    model: TruckTableModel | LoadTableModel,
    table: QTableView,
    edit: EditHandler,
) -> BoardFilter:
    """The table shows the model through a filter; its edits go to the desk."""
    model.edit_handler = edit
    proxy = BoardFilter(desk)
    proxy.setSourceModel(model)
    table.setModel(proxy)
    return proxy


def _tables(desk: DispatchDesk) -> QSplitter:
    desk.truck_model, desk.trucks_table = TruckTableModel(desk), TruckTable(desk)
    desk.truck_proxy = _filtered(desk, desk.truck_model, desk.trucks_table, desk.edit_truck)
    desk.trucks_table.drop_check = desk._drop_check
    desk.trucks_table.status_hint = desk.status_message.emit
    desk.trucks_table.load_dropped.connect(desk.assign_by_hand)
    desk.trucks_table.selectionModel().currentRowChanged.connect(
        lambda cur, _prev: desk.selection.on_row(TRUCK, cur)
    )
    desk.load_model, desk.loads_table = LoadTableModel(desk), LoadTable(desk)
    desk.load_proxy = _filtered(desk, desk.load_model, desk.loads_table, desk.edit_load)
    desk.loads_table.selectionModel().currentRowChanged.connect(
        lambda cur, _prev: desk.selection.on_row(LOAD, cur)
    )
    desk.truck_filter = _filter_bar(desk, desk.truck_proxy, TruckStatus, "trucks")
    desk.load_filter = _filter_bar(desk, desk.load_proxy, LoadStatus, "loads")
    tables = QSplitter(Qt.Orientation.Vertical, desk)
    for title, bar, table in (
        ("Trucks", desk.truck_filter, desk.trucks_table),
        ("Loads (drag one onto a truck to assign it)", desk.load_filter, desk.loads_table),
    ):
        box = QGroupBox(title, desk)
        inner = QVBoxLayout(box)
        inner.addWidget(bar)
        inner.addWidget(table)
        tables.addWidget(box)
    return tables


def _filter_bar(
    desk: DispatchDesk, proxy: BoardFilter, statuses: type[StrEnum], noun: str
) -> FilterBar:
    choices = [(style.status_label(s.value), s.value) for s in statuses]
    return FilterBar(proxy, choices, [t.value for t in TruckType], noun, desk)


def _toolbar(desk: DispatchDesk) -> QHBoxLayout:
    desk.suggest_button = _button(
        desk,
        "Suggest matches",
        "suggest_button",
        "Run the optimal matcher on idle trucks and open loads (Ctrl+M)",
    )
    desk.suggest_button.clicked.connect(desk.suggest)
    desk.cancel_button = _button(desk, "Cancel", "desk_cancel", "Stop the running job")
    desk.progress = QProgressBar(desk)
    desk.progress.setObjectName("desk_progress")
    desk.progress.setMaximumWidth(220)
    desk.progress.setTextVisible(True)
    desk.why_button = _button(
        desk, "Why not?", "why_not_button", "Ask why a truck cannot take a load (Ctrl+I)"
    )
    desk.why_button.clicked.connect(desk.show_why_not)
    desk.unassign_button = _button(
        desk, "Unassign", "unassign_button", "Take the selected load off its truck (Ctrl+U)"
    )
    desk.unassign_button.clicked.connect(desk.unassign_selected)
    desk.fit_button = QToolButton(desk)
    desk.fit_button.setText("Fit map")
    desk.fit_button.setToolTip("Show the whole map (0)")
    desk.fit_button.clicked.connect(desk.map.fit)
    bar = QHBoxLayout()
    bar.setContentsMargins(0, 0, 0, 0)
    left: tuple[QWidget, ...] = (desk.suggest_button, desk.cancel_button, desk.progress)
    right: tuple[QWidget, ...] = (desk.unassign_button, desk.why_button, desk.fit_button)
    for w in left:
        bar.addWidget(w)
    bar.addStretch(1)
    for w in right:
        bar.addWidget(w)
    return bar


def _suggestions(desk: DispatchDesk) -> SuggestionsBox:
    box = desk.suggestions = SuggestionsBox(desk)
    box.accept_clicked.connect(desk.accept_selected)
    box.accept_all_clicked.connect(desk.accept_all)
    box.truck_selected.connect(desk.selection.on_suggested_truck)
    box.pruned = desk._prune_suggestions
    desk.suggestions_box = box
    desk.suggestion_model, desk.suggestions_view = box.model, box.view
    desk.accept_button, desk.accept_all_button = box.accept_button, box.accept_all_button
    desk.dismiss_button, desk.unmatched_label = box.dismiss_button, box.unmatched_label
    return box


def build_desk(desk: DispatchDesk) -> None:
    desk.map = MapView(desk)
    desk.map.drop_check = desk._drop_check
    desk.map.status_hint = desk.status_message.emit
    desk.map.marker_clicked.connect(desk.selection.on_marker)
    desk.map.load_dropped.connect(desk.assign_by_hand)
    bar = _toolbar(desk)
    desk.clock_bar = ClockBar(desk)
    bar.insertWidget(3, desk.clock_bar)
    desk.notice = NoticeLine(desk)
    desk.kpis = KpiStrip(desk)
    box = _suggestions(desk)
    desk.side_tabs = QTabWidget(desk)
    desk.side_tabs.setObjectName("desk_side_tabs")
    desk.side_tabs.addTab(_tables(desk), "Board")
    desk.day_tab = DayTab(desk.side_tabs, desk.map, lambda: (desk.graph, desk.board), desk)
    desk.day_panel = desk.day_tab.panel
    desk.day_tab.replaying = desk.kpis.set_replaying

    left = QSplitter(Qt.Orientation.Vertical, desk)
    left.addWidget(desk.map)
    left.addWidget(box)
    left.setStretchFactor(0, 3)
    left.setStretchFactor(1, 1)
    left.setSizes([620, 220])
    desk.main_split = QSplitter(Qt.Orientation.Horizontal, desk)
    desk.main_split.addWidget(left)
    desk.main_split.addWidget(desk.side_tabs)
    desk.main_split.setStretchFactor(0, 3)
    desk.main_split.setStretchFactor(1, 2)

    layout = QVBoxLayout(desk)
    layout.setContentsMargins(6, 6, 6, 6)
    layout.addLayout(bar)
    layout.addWidget(desk.notice)
    layout.addWidget(desk.kpis)
    layout.addWidget(desk.main_split, 1)


__all__ = ["DeskWidgets", "FromSession", "NoticeLine", "build_desk"]
