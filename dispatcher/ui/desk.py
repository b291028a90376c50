"""The Dispatch desk: map, trucks and loads tables, suggestions, KPIs, undo, save/open.

Every change to the board goes through :meth:`DispatchDesk._apply`: the change is made on
the Qt-free :class:`~dispatcher.board.Board` (which refuses bad ones with a reason), the
touched objects are captured before and after, and a :class:`BoardCommand` lands on the
undo stack. Loading files, matching, saving and exporting run in workers; the UI thread
only shows results.

Write-through: with a board file open, every action (assign by hand, accept one or all,
unassign, edit, import, and their undo/redo) is committed to the file *before* the desk
shows it, one SQLite transaction per action (accept all included). A crash or kill after an
action returns loses nothing. If the file refuses (another desk took the load first) the
desk does not apply the action, says why, and re-reads the board. Every 2 s the desk checks
the file's revision (one indexed SELECT) and takes in other desks' committed changes.

Undo history after another desk's changes: steps that touch only objects the other desk did
not change stay undoable (the store still checks each undo against the file, so a stale
step is refused, never applied over newer work); if the other desk touched an object of an
undo step, or reshaped the board (import, whole save), the history is cleared and the
notice says so. Simple and honest: no step is ever replayed on top of someone else's work.
"""

from __future__ import annotations

import copy
import dataclasses
import gc
import itertools
import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dispatcher.board import Board, BoardError, Capture, snapshot_of, store_ops
from dispatcher.costs import MatchSettings, explain
from dispatcher.fleet import (
    Load,
    LoadStatus,
    Truck,
    TruckStatus,
    TruckType,
    read_fleet,
    read_loads_csv,
    read_trucks_csv,
    write_assignments_csv,
)
from dispatcher.matching import Assignment, MatchResult, OptimalMatcher
from dispatcher.routes import RouteGraph
from dispatcher.store import BoardAssignment, BoardConflict, BoardStore, default_owner
from dispatcher.ui import style
from dispatcher.ui.commands import BoardCommand
from dispatcher.ui.dialogs import ImportErrorsDialog, WhyNotDialog
from dispatcher.ui.kpi import KpiStrip
from dispatcher.ui.map_view import LOAD, TRUCK, MapView
from dispatcher.ui.match_process import match_in_child, use_child
from dispatcher.ui.models import (
    ID_ROLE,
    BoardFilter,
    LoadTableModel,
    Suggestion,
    SuggestionModel,
    TruckTableModel,
    _Invalid,
)
from dispatcher.ui.tables import FilterBar, LoadTable, TruckTable
from freightlab.errors import InputError, InputErrors
from freightlab.progress import Progress
from freightlab.resources import asset_path, default_map_path
from freightlab.ui.worker import Task, start

BOARD_FILTER = "Dispatch boards (*.fboard);;All files (*)"
CSV_FILTER = "CSV files (*.csv);;All files (*)"
#: How often an open board file is checked for other desks' changes.
POLL_MS = 2000
#: A write that waits longer than this for another desk's transaction is refused (UI thread).
UI_BUSY_TIMEOUT_MS = 1500
_desk_numbers = itertools.count(1)


@dataclasses.dataclass
class _Loaded:
    """What a loading worker hands back to the UI thread."""

    graph: RouteGraph
    board: Board
    path: Path | None = None
    name: str = ""
    revision: int = 0
    store: BoardStore | None = None  # the open board file, handed to the UI thread


@dataclasses.dataclass
class _ImportResult:
    kind: str  # "trucks" | "loads"
    path: str
    items: list[Any]
    problems: list[str] | None = None  # set when the file had bad rows


class _ThrottledProgress(Progress):
    """Forwards at most one report per percent: a chatty matcher cannot flood the UI thread."""

    def __init__(self, outer: Progress) -> None:
        super().__init__(None)
        self._outer = outer
        self._last = -1

    def update(self, fraction: float, message: str = "") -> None:
        if self._outer.cancelled:
            self._outer.update(fraction, message)  # raises Cancelled
        pct = int(fraction * 100)
        if pct != self._last:
            self._last = pct
            self._outer.update(fraction, message)


_frozen = False


def _freeze_startup_objects() -> None:
    """Exclude everything alive after start-up from the cyclic garbage collector.

    numpy, scipy, networkx, matplotlib and Qt leave ~130,000 long-lived objects; a full
    collection walks them all and froze the window for 130-200 ms at random moments (it
    first showed up as a slow "Accept all"). ``gc.freeze`` (the standard remedy for long-
    running apps) moves them out of the collector's sight; new objects are collected as
    usual. Called after each board is loaded (a board lives long too; frozen objects are
    still freed by reference counting when the board is replaced). The first call collects
    first, so start-up garbage is not kept.
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
    gc.freeze()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _matchable(truck: Truck, load: Load) -> tuple[Truck, Load]:
    """Copies as the matcher's rules expect them: a reassigned load counts as open."""
    if load.status == LoadStatus.ASSIGNED:
        load = dataclasses.replace(load, status=LoadStatus.OPEN, truck_id=None)
    if truck.status == TruckStatus.EN_ROUTE_TO_PICKUP:
        truck = dataclasses.replace(truck, status=TruckStatus.IDLE)
    return truck, load


class DispatchDesk(QWidget):
    """The ``dispatch_desk`` tab. Signals let the main window follow the document state."""

    dirty_changed = Signal(bool)
    status_message = Signal(str)
    ready = Signal()  # the map and a board are loaded

    def __init__(
        self, parent: QWidget | None = None, autoload: bool = True, owner: str | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dispatch_desk")
        number = next(_desk_numbers)
        #: Who this desk is in a board file's log (what another desk is told when it loses).
        self.owner = owner or default_owner() + (f" desk {number}" if number > 1 else "")
        self._store: BoardStore | None = None
        self._saving = False
        self._sync_pending = False
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_MS)
        self._poll_timer.timeout.connect(self.poll_store)
        self.graph: RouteGraph | None = None
        self.board = Board()
        self.settings = MatchSettings()
        self.path: Path | None = None
        self.name = "Untitled board"
        self.map_path: Path | None = None
        self.revision = 0
        self.result: MatchResult | None = None
        self._task: Task | None = None
        self._syncing = False
        self.why_dialog: WhyNotDialog | None = None  # the last dialogs shown (tests read them)
        self.import_dialog: ImportErrorsDialog | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._build()
        self._build_actions()
        self._update_actions()
        if autoload:
            QTimer.singleShot(0, self.load_default)

    # ================================================================== building the UI

    def _build(self) -> None:
        self.map = MapView(self)
        self.map.drop_check = self.why_not
        self.map.status_hint = self.status_message.emit
        self.map.marker_clicked.connect(self._on_map_clicked)
        self.map.load_dropped.connect(self.assign_by_hand)

        self.truck_model = TruckTableModel(self)
        self.truck_model.edit_handler = self.edit_truck
        self.truck_proxy = BoardFilter(self)
        self.truck_proxy.setSourceModel(self.truck_model)
        self.trucks_table = TruckTable(self)
        self.trucks_table.setModel(self.truck_proxy)
        self.trucks_table.drop_check = self.why_not
        self.trucks_table.status_hint = self.status_message.emit
        self.trucks_table.load_dropped.connect(self.assign_by_hand)
        self.trucks_table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._on_table_row(TRUCK, cur)
        )

        self.load_model = LoadTableModel(self)
        self.load_model.edit_handler = self.edit_load
        self.load_proxy = BoardFilter(self)
        self.load_proxy.setSourceModel(self.load_model)
        self.loads_table = LoadTable(self)
        self.loads_table.setModel(self.load_proxy)
        self.loads_table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._on_table_row(LOAD, cur)
        )

        types = [t.value for t in TruckType]
        self.truck_filter = FilterBar(
            self.truck_proxy,
            [(style.status_label(s.value), s.value) for s in TruckStatus],
            types,
            "trucks",
            self,
        )
        self.load_filter = FilterBar(
            self.load_proxy,
            [(style.status_label(s.value), s.value) for s in LoadStatus],
            types,
            "loads",
            self,
        )

        # toolbar row
        self.suggest_button = QPushButton("Suggest matches", self)
        self.suggest_button.setObjectName("suggest_button")
        self.suggest_button.setToolTip(
            "Run the optimal matcher on idle trucks and open loads (Ctrl+M)"
        )
        self.suggest_button.clicked.connect(self.suggest)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("desk_cancel")
        self.cancel_button.setToolTip("Stop the running job")
        self.cancel_button.clicked.connect(self.cancel_task)
        self.cancel_button.hide()
        self.progress = QProgressBar(self)
        self.progress.setObjectName("desk_progress")
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.why_button = QPushButton("Why not?", self)
        self.why_button.setObjectName("why_not_button")
        self.why_button.setToolTip("Ask why a truck cannot take a load (Ctrl+I)")
        self.why_button.clicked.connect(self.show_why_not)
        self.unassign_button = QPushButton("Unassign", self)
        self.unassign_button.setObjectName("unassign_button")
        self.unassign_button.setToolTip("Take the selected load off its truck (Ctrl+U)")
        self.unassign_button.clicked.connect(self.unassign_selected)
        self.fit_button = QToolButton(self)
        self.fit_button.setText("Fit map")
        self.fit_button.setToolTip("Show the whole map (0)")
        self.fit_button.clicked.connect(self.map.fit)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for w in (self.suggest_button, self.cancel_button, self.progress):
            bar.addWidget(w)
        bar.addStretch(1)
        for w in (self.unassign_button, self.why_button, self.fit_button):
            bar.addWidget(w)

        self.notice = QLabel(self)
        self.notice.setObjectName("desk_notice")
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.hide()
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(self.notice.hide)

        self.kpis = KpiStrip(self)

        # suggestions panel
        self.suggestion_model = SuggestionModel(self)
        self.suggestions_view = QTableView(self)
        self.suggestions_view.setObjectName("suggestions_table")
        self.suggestions_view.setModel(self.suggestion_model)
        self.suggestions_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.suggestions_view.verticalHeader().setVisible(False)
        self.suggestions_view.horizontalHeader().setStretchLastSection(True)
        self.suggestions_view.setWordWrap(False)
        self.suggestions_view.horizontalHeader().setResizeContentsPrecision(30)
        self.suggestions_view.verticalHeader().setDefaultSectionSize(22)
        self.suggestions_view.setSortingEnabled(False)
        self.suggestions_view.doubleClicked.connect(lambda _i: self.accept_selected())
        self.suggestions_view.selectionModel().currentRowChanged.connect(self._on_suggestion_row)
        self.accept_button = QPushButton("Accept", self)
        self.accept_button.setObjectName("accept_button")
        self.accept_button.setToolTip("Assign the selected suggestion")
        self.accept_button.clicked.connect(self.accept_selected)
        self.accept_all_button = QPushButton("Accept all", self)
        self.accept_all_button.setObjectName("accept_all_button")
        self.accept_all_button.setToolTip("Assign every suggestion in one undoable step")
        self.accept_all_button.clicked.connect(self.accept_all)
        self.dismiss_button = QPushButton("Dismiss", self)
        self.dismiss_button.setObjectName("dismiss_button")
        self.dismiss_button.setToolTip("Throw the suggestions away")
        self.dismiss_button.clicked.connect(self.dismiss_suggestions)
        self.unmatched_label = QLabel(self)
        self.unmatched_label.setObjectName("unmatched_label")
        self.unmatched_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        sugg_box = QGroupBox("Suggestions", self)
        sugg_layout = QVBoxLayout(sugg_box)
        sugg_buttons = QHBoxLayout()
        for w in (self.accept_button, self.accept_all_button, self.dismiss_button):
            sugg_buttons.addWidget(w)
        sugg_buttons.addWidget(self.unmatched_label, 1)
        sugg_layout.addLayout(sugg_buttons)
        sugg_layout.addWidget(self.suggestions_view)
        self.suggestions_box = sugg_box

        trucks_box = QGroupBox("Trucks", self)
        tl = QVBoxLayout(trucks_box)
        tl.addWidget(self.truck_filter)
        tl.addWidget(self.trucks_table)
        loads_box = QGroupBox("Loads (drag one onto a truck to assign it)", self)
        ll = QVBoxLayout(loads_box)
        ll.addWidget(self.load_filter)
        ll.addWidget(self.loads_table)
        tables = QSplitter(Qt.Orientation.Vertical, self)
        tables.addWidget(trucks_box)
        tables.addWidget(loads_box)

        self.side_tabs = QTabWidget(self)
        self.side_tabs.setObjectName("desk_side_tabs")
        self.side_tabs.addTab(tables, "Board")
        self._day_tab = -1
        self._day_stale = True
        self._replay_positions: dict | None = None
        self._replay_loads: dict | None = None
        self._replay_timer = QTimer(self)
        self._replay_timer.setSingleShot(True)
        self._replay_timer.timeout.connect(self._show_replay)
        self.day_panel = self._make_day_panel()
        if self.day_panel is not None:
            scroll = QScrollArea(self)  # the panel is tall; the desk must fit small windows
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(self.day_panel)
            self._day_tab = self.side_tabs.addTab(scroll, "Day")
        self.side_tabs.currentChanged.connect(self._on_side_tab)

        left = QSplitter(Qt.Orientation.Vertical, self)
        left.addWidget(self.map)
        left.addWidget(sugg_box)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 1)
        left.setSizes([620, 220])
        self.main_split = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_split.addWidget(left)
        self.main_split.addWidget(self.side_tabs)
        self.main_split.setStretchFactor(0, 3)
        self.main_split.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.notice)
        layout.addWidget(self.kpis)
        layout.addWidget(self.main_split, 1)

    def _make_day_panel(self) -> QWidget | None:
        try:
            from dispatcher.ui.day_panel import DayPanel
        except ImportError:
            return None
        panel = DayPanel(self)
        panel.positions_changed.connect(self._on_replay_positions)
        panel.loads_changed.connect(self._on_replay_loads)
        return panel

    def _action(
        self,
        text: str,
        slot: Callable[[], Any],
        shortcut: QKeySequence | str | None,
        tip: str,
        name: str,
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setObjectName("undo_action")
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.setObjectName("redo_action")
        for a in (self.undo_action, self.redo_action):
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            a.setToolTip(a.text())
            self.addAction(a)
        self.import_trucks_action = self._action(
            "Import &trucks CSV…",
            self.choose_import_trucks,
            "Ctrl+Shift+T",
            "Replace the fleet with the trucks in a CSV file",
            "import_trucks_action",
        )
        self.import_loads_action = self._action(
            "Import &loads CSV…",
            self.choose_import_loads,
            "Ctrl+Shift+L",
            "Replace the loads with those in a CSV file",
            "import_loads_action",
        )
        self.export_action = self._action(
            "&Export assignments CSV…",
            self.choose_export,
            "Ctrl+E",
            "Write the current assignments to a CSV file",
            "export_action",
        )
        self.open_action = self._action(
            "&Open board…",
            self.choose_open,
            "Ctrl+Shift+O",
            "Open a saved dispatch board",
            "open_board_action",
        )
        self.save_action = self._action(
            "&Save board",
            self.save,
            QKeySequence.StandardKey.Save,
            "Save the board (SQLite, every save is one transaction)",
            "save_board_action",
        )
        self.save_as_action = self._action(
            "Save board &as…",
            self.choose_save_as,
            "Ctrl+Shift+S",
            "Save the board to a new file",
            "save_board_as_action",
        )
        self.suggest_action = self._action(
            "&Suggest matches",
            self.suggest,
            "Ctrl+M",
            "Run the optimal matcher in the background",
            "suggest_action",
        )
        self.why_action = self._action(
            "&Why not?…",
            self.show_why_not,
            "Ctrl+I",
            "Explain why a truck cannot take a load",
            "why_not_action",
        )
        self.unassign_action = self._action(
            "U&nassign load",
            self.unassign_selected,
            "Ctrl+U",
            "Take the selected load off its truck",
            "unassign_action",
        )

    def menu_actions(self) -> list[QAction | None]:
        """For the main window's Dispatch menu; ``None`` is a separator."""
        return [
            self.open_action,
            self.save_action,
            self.save_as_action,
            None,
            self.import_trucks_action,
            self.import_loads_action,
            self.export_action,
            None,
            self.suggest_action,
            self.why_action,
            self.unassign_action,
            None,
            self.undo_action,
            self.redo_action,
        ]

    # ================================================================== document state

    def _on_clean_changed(self, _clean: bool) -> None:
        self.dirty_changed.emit(self.dirty)

    @property
    def dirty(self) -> bool:
        """Unsaved work exists only without a board file: with one, every action is already
        committed to it (write-through)."""
        return self._store is None and not self.undo_stack.isClean()

    @property
    def store(self) -> BoardStore | None:
        """The open board file every action is written through to (None: untitled board)."""
        return self._store

    def document_title(self) -> str:
        return self.path.name if self.path is not None else self.name

    def is_ready(self) -> bool:
        return self.graph is not None and self._task is None

    def busy(self) -> bool:
        return self._task is not None

    def maybe_close(self) -> bool:
        """Ask to save unsaved work; False keeps the window open."""
        if not self.dirty:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved board",
            f"Save changes to {self.document_title()}?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.Save:
            self.save(wait=True)
            return not self.dirty
        return True

    def _set_board(self, loaded: _Loaded) -> None:
        """A new document (start-up, open): fresh undo history, clean state."""
        self.graph = loaded.graph
        self.board = loaded.board
        self.board.nodes = frozenset(loaded.graph.nodes)
        self.path = loaded.path
        self.name = loaded.name or self.name
        self.revision = loaded.revision
        self._use_store(loaded.store)
        self.map_path = Path(loaded.graph.source) if loaded.graph.source else None
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.truck_model.set_board(self.board, self.graph)
        self.load_model.set_board(self.board, self.graph)
        cities = sorted(((c.name, c.id) for c in self.graph.cities), key=lambda p: p[0])
        self.truck_filter.set_cities(cities)
        self.load_filter.set_cities(cities)
        if self.map.graph is not loaded.graph:
            self.map.set_graph(loaded.graph)
        self.map.set_board(self.board)
        self.dismiss_suggestions()
        self._after_change()
        for table in (self.trucks_table, self.loads_table):
            table.resizeColumnsToContents()
        self.dirty_changed.emit(False)
        _freeze_startup_objects()
        self.ready.emit()

    def _after_change(self, changed: Capture | None = None) -> None:
        """Every board change ends here: tables, map, KPIs, suggestions, day panel.

        ``changed`` (the capture of what a step touched) lets the tables and the map update
        just those rows and markers, in one signal each; ``None`` or a whole-board capture
        refreshes everything."""
        if changed is None or changed.full:
            trucks: set[str] | None = None
            loads: set[str] | None = None
        else:
            trucks, loads = set(changed.trucks), set(changed.loads)
        self.truck_model.refresh(trucks)
        self.load_model.refresh(loads)
        self.map.refresh(trucks, loads)
        self.kpis.update_from(self.board.kpis())
        self._prune_suggestions()
        self._day_stale = True
        if self.side_tabs.currentIndex() == self._day_tab:
            self._sync_day_panel()
        self._update_actions()

    def _sync_day_panel(self) -> None:
        """The Day panel copies the board; do it only when that tab is shown."""
        if self.day_panel is not None and self.graph is not None and self._day_stale:
            self._day_stale = False
            self.day_panel.set_board(  # type: ignore[attr-defined]
                self.graph, list(self.board.trucks.values()), list(self.board.loads.values())
            )

    def _update_actions(self) -> None:
        busy = self._task is not None
        has_graph = self.graph is not None
        for w in (self.suggest_button, self.suggest_action):
            w.setEnabled(has_graph and not busy)
        for a in (
            self.import_trucks_action,
            self.import_loads_action,
            self.open_action,
            self.save_action,
            self.save_as_action,
            self.export_action,
        ):
            a.setEnabled(has_graph and not busy)
        has_sugg = bool(self.suggestion_model.items)
        self.accept_all_button.setEnabled(has_sugg)
        self.dismiss_button.setEnabled(has_sugg)
        self.accept_button.setEnabled(has_sugg)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)

    # ================================================================== messages

    def show_notice(self, text: str, error: bool = True) -> None:
        """A visible line above the map (and the status bar) that says what happened."""
        color = "#fdecea" if error else "#e8f5e9"
        border = "#d7191c" if error else "#1a9641"
        self.notice.setStyleSheet(
            f"QLabel {{ background: {color}; border: 1px solid {border}; border-radius: 4px;"
            " padding: 4px 8px; }"
        )
        self.notice.setText(text)
        self.notice.show()
        self._notice_timer.start(10_000)
        self.status_message.emit(text)

    # ================================================================== the one change path

    def _apply(
        self,
        text: str,
        op: Callable[[Board], None],
        truck_ids: Iterable[str] = (),
        load_ids: Iterable[str] = (),
        full: bool = False,
    ) -> str | None:
        """Make a change undoable; returns the refusal reason, or None when it was done."""
        if self._saving:
            return "the board is being saved to a new file; try again in a moment"
        if full and self._store is not None:
            self.poll_store()  # a whole-board write must start from the file's latest state
        board = self.board
        before = board.capture_all() if full else board.capture(truck_ids, load_ids)
        try:
            op(board)
        except BoardError as exc:
            board.restore(before)
            return str(exc)
        after = board.capture_all() if full else board.capture(before.trucks, before.loads)
        if self._store is not None:
            refused = self._write(before, after)
            if refused is not None:
                board.restore(before)  # never shown: no refresh happened in between
                self.sync_from_store()  # show what the file holds now
                return refused
        write = self._write_step if self._store is not None else None
        self.undo_stack.push(BoardCommand(board, text, before, after, self._after_change, write))
        return None

    # ================================================================== write-through

    def _write(self, src: Capture, dst: Capture) -> str | None:
        """Commit the change ``src`` -> ``dst`` to the board file; the refusal, or None.

        Assignments and edits are one ``BoardStore.apply`` (one transaction, however many
        loads); a whole-board step (import, its undo) is a revision-guarded whole save."""
        store = self._store
        assert store is not None
        try:
            ops = store_ops(src, dst)
            if ops is None:
                snap = snapshot_of(dst, self.name, str(self.map_path or default_map_path()))
                store.save(snap)  # refused if another desk committed since we last read
            elif ops:
                store.apply(ops)
        except (BoardConflict, InputError) as exc:
            return str(exc)
        except sqlite3.Error as exc:
            return f"could not write {store.path.name}: {exc}"
        if store.current_revision() != store.revision:
            self._schedule_sync()  # other desks committed in between: take their work in
        self.revision = store.revision
        return None

    def _write_step(self, src: Capture, dst: Capture, verb: str) -> bool:
        """Undo/redo write-through (called by BoardCommand); a refusal is shown, and the
        board re-read once the undo stack has finished with the step."""
        reason = self._write(src, dst)
        if reason is None:
            return True
        self.show_notice(f"Cannot {verb}: {reason}")
        self._schedule_sync()
        return False

    def _use_store(self, store: BoardStore | None) -> None:
        """Switch write-through to ``store`` (None: no file; the desk keeps work in memory)."""
        old, self._store = self._store, store
        if old is not None and old is not store:
            old.close()
        if store is None:
            self._poll_timer.stop()
            return
        store.owner = self.owner
        store.set_busy_timeout(UI_BUSY_TIMEOUT_MS)
        self.revision = store.revision
        self._poll_timer.start()

    def close_store(self) -> None:
        """Close the board file (the desk goes on as an untitled board)."""
        self._use_store(None)
        self.path = None
        self.dirty_changed.emit(self.dirty)

    def _schedule_sync(self) -> None:
        if not self._sync_pending:
            self._sync_pending = True
            QTimer.singleShot(0, self.sync_from_store)

    def poll_store(self) -> bool:
        """The 2 s check: has another desk committed? One indexed SELECT (~20 µs); the
        board is read again only when the revision moved. True when it did."""
        store = self._store
        if store is None or self._saving:
            return False
        if not store.path.exists():  # moved or deleted under us: keep the board, say so
            name = store.path.name
            self.close_store()
            self.undo_stack.resetClean()  # the board now lives only in this window
            self.dirty_changed.emit(self.dirty)
            self.show_notice(
                f"{name} was moved or deleted. The board is safe in this window; "
                "save it (Ctrl+S) to keep it."
            )
            return False
        try:
            moved = store.current_revision() != store.revision
        except sqlite3.Error:
            return False
        if moved:
            self.sync_from_store()
        return moved

    def sync_from_store(self) -> int:
        """Take in what other desks committed; returns how many of their actions arrived.

        Reads the whole board in one read transaction and changes only what differs, so
        selections, scroll positions and untouched undo steps stay (see the module doc)."""
        self._sync_pending = False
        store = self._store
        if store is None or self._saving:
            return 0
        since = store.revision
        try:
            snap = store.load()
            theirs = [h for h in store.history(since) if h.owner != store.owner]
        except (sqlite3.Error, InputError) as exc:
            self.show_notice(f"Cannot read {store.path.name}: {exc}")
            return 0
        self.revision = store.revision
        try:  # the snapshot's objects are fresh: no copies needed (deepcopy cost 150 ms)
            fresh = Board(snap.trucks, snap.loads, snap.assignments, self.board.nodes)
        except BoardError as exc:
            self.show_notice(f"{store.path.name} holds a board this desk cannot show: {exc}")
            return 0
        trucks, loads, reshaped = self.board.differences(fresh)
        if not (trucks or loads or reshaped):
            return len(theirs)
        cleared = self._drop_stale_undo(trucks, loads, reshaped)
        self.board.restore(fresh.capture_all() if reshaped else fresh.capture(trucks, loads))
        if reshaped:
            self._after_change()
            self.dismiss_suggestions()
        else:
            changed = Capture(
                trucks=dict.fromkeys(trucks), loads=dict.fromkeys(loads)
            )  # only the ids matter to _after_change
            self._after_change(changed)
        owners = sorted({h.owner for h in theirs}) or ["another desk"]
        text = f"Board updated by {', '.join(owners)}: {len(theirs) or 'some'} change(s)"
        if cleared:
            text += "; undo history cleared (it touched the same trucks or loads)"
        self.show_notice(text, error=False)
        return len(theirs)

    def _drop_stale_undo(self, trucks: set[str], loads: set[str], reshaped: bool) -> bool:
        """Clear the undo history if another desk changed what one of its steps touches."""
        if self.undo_stack.count() == 0:
            return False
        stale = reshaped
        for i in range(self.undo_stack.count()):
            if stale:
                break
            cmd = self.undo_stack.command(i)
            touched = cmd.touches() if isinstance(cmd, BoardCommand) else None
            stale = touched is None or bool(touched[0] & trucks or touched[1] & loads)
        if stale:
            self.undo_stack.clear()
        return stale

    # ================================================================== assigning

    def why_not(self, load_id: str, truck_id: str) -> str | None:
        """The reason this load cannot go on this truck, or None if it can (drag feedback)."""
        blocker = self.board.blocker(truck_id, load_id)
        if blocker is not None:
            return blocker
        if self.graph is None:
            return "the map is not loaded yet"
        truck, load = _matchable(self.board.trucks[truck_id], self.board.loads[load_id])
        e = explain(truck, load, self.graph, self.settings)
        return None if e.feasible else e.reason

    def explain_pair(self, truck_id: str, load_id: str) -> tuple[bool, str]:
        """For "Why not?": (possible, the rule or the cost summary)."""
        if truck_id not in self.board.trucks:
            return False, f"there is no truck {truck_id!r} on the board"
        if load_id not in self.board.loads:
            return False, f"there is no load {load_id!r} on the board"
        reason = self.why_not(load_id, truck_id)
        if reason is not None:
            return False, reason
        assert self.graph is not None
        truck, load = _matchable(self.board.trucks[truck_id], self.board.loads[load_id])
        e = explain(truck, load, self.graph, self.settings)
        verdict = e.reason
        if self.result is not None and load_id in self.result.unassigned:
            verdict += f". The matcher left {load_id} out: {self.result.unassigned[load_id]}"
        return True, verdict

    def assign_by_hand(self, load_id: str, truck_id: str) -> bool:
        """A drop of a load on a truck: assign it, or refuse loudly with the reason."""
        reason = self.why_not(load_id, truck_id)
        if reason is None:
            assert self.graph is not None
            truck, load = _matchable(self.board.trucks[truck_id], self.board.loads[load_id])
            deadhead = explain(truck, load, self.graph, self.settings).deadhead_km
            a = BoardAssignment(load_id, truck_id, deadhead)
            reason = self._apply(
                f"Assign {load_id} to {truck_id}",
                lambda b: b.assign(a) and None,
                [truck_id],
                [load_id],
            )
        if reason is not None:
            self.show_notice(f"Cannot assign {load_id} to {truck_id}: {reason}")
            return False
        self.status_message.emit(f"Assigned {load_id} to {truck_id}")
        return True

    def unassign(self, load_id: str) -> bool:
        reason = self._apply(
            f"Unassign {load_id}", lambda b: b.unassign(load_id) and None, (), [load_id]
        )
        if reason is not None:
            self.show_notice(f"Cannot unassign {load_id}: {reason}")
            return False
        self.status_message.emit(f"Unassigned {load_id}")
        return True

    def unassign_selected(self) -> None:
        load_id = self.loads_table.current_id()
        if load_id is None:
            truck_id = self.trucks_table.current_id()
            load = self.board.load_of_truck(truck_id) if truck_id else None
            load_id = load.id if load is not None else None
        if load_id is None:
            self.show_notice("Select an assigned load (or its truck) to unassign it")
            return
        self.unassign(load_id)

    def edit_truck(self, truck_id: str, field: str, value: Any) -> str | None:
        return self._edit("truck", truck_id, field, value)

    def edit_load(self, load_id: str, field: str, value: Any) -> str | None:
        return self._edit("load", load_id, field, value)

    def _edit(self, kind: str, item_id: str, field: str, value: Any) -> str | None:
        if isinstance(value, _Invalid):
            reason: str | None = f"{value!r} is not a time (use HH:MM or hours)"
        else:
            current = getattr(
                (self.board.trucks if kind == "truck" else self.board.loads)[item_id], field
            )
            if str(getattr(current, "value", current)) == str(getattr(value, "value", value)):
                return None  # nothing changed: no undo step
            label = field.replace("_", " ")
            if kind == "truck":
                reason = self._apply(
                    f"Edit {item_id} {label}",
                    lambda b: b.edit_truck(item_id, field, value),
                    [item_id],
                )
            else:
                reason = self._apply(
                    f"Edit {item_id} {label}",
                    lambda b: b.edit_load(item_id, field, value),
                    (),
                    [item_id],
                )
        if reason is not None:
            self.show_notice(f"Cannot change {item_id}: {reason}")
        return reason

    # ================================================================== suggestions

    def suggest(self) -> None:
        if self.graph is None or self._task is not None:
            return
        # shallow copies are exact (immutable fields) and cheap: the worker never races edits
        trucks = [copy.copy(t) for t in self.board.free_trucks()]
        loads = [copy.copy(ld) for ld in self.board.open_loads()]
        if not trucks or not loads:
            self.show_notice(
                "Nothing to match: " + ("no idle truck" if not trucks else "no open load"),
                error=False,
            )
            return
        graph, settings = self.graph, self.settings
        in_child = use_child(len(trucks), len(loads), graph.source)

        def work(progress: Progress) -> MatchResult:
            throttled = _ThrottledProgress(progress)
            if in_child:  # a big solve holds the GIL: keep it out of this process
                return match_in_child(trucks, loads, graph.source, settings, throttled)
            return OptimalMatcher().match(trucks, loads, graph, settings, progress=throttled)

        self._run(
            Task(work),
            f"Matching {len(trucks)} trucks and {len(loads)} loads…",
            self._on_suggestions,
        )

    def _on_suggestions(self, result: MatchResult) -> None:
        self.result = result
        items = [Suggestion(a, self._explain_assignment) for a in result.assignments]
        self.suggestion_model.set_items(items)
        self.suggestions_view.resizeColumnsToContents()  # precision-capped: visible rows
        self._prune_suggestions()
        left = len(result.unassigned)
        if left:
            lines = [f"{lid}: {why}" for lid, why in sorted(result.unassigned.items())[:25]]
            more = f"\n… and {left - 25} more" if left > 25 else ""
            self.unmatched_label.setText(f"{left} load(s) could not be matched (hover)")
            self.unmatched_label.setToolTip("\n".join(lines) + more)
        else:
            self.unmatched_label.setText("every open load has a suggestion")
            self.unmatched_label.setToolTip("")
        self.show_notice(
            f"{len(items)} suggestion(s), {result.total_deadhead_km:,.0f} empty km in total",
            error=False,
        )

    def _explain_assignment(self, a: Assignment) -> str:
        load = self.board.loads.get(a.load_id)
        truck = self.board.trucks.get(a.truck_id)
        if load is None or truck is None or self.graph is None:
            return ""
        src = self.graph.city(truck.location).name if self.graph.has_node(truck.location) else ""
        dst = self.graph.city(load.origin).name if self.graph.has_node(load.origin) else ""
        return (
            f"{truck.id} at {src} drives {a.deadhead_km:,.0f} km empty to {dst}, picks up at "
            f"{style.format_hours(a.pickup_at)} (window {style.format_hours(load.pickup_earliest)}"
            f"–{style.format_hours(load.pickup_latest)}); {truck.truck_type.value} "
            f"{truck.capacity_t:g} t for {load.weight_t:g} t"
        )

    def _prune_suggestions(self) -> None:
        """Drop suggestions the board no longer allows (truck or load taken meanwhile)."""
        items = self.suggestion_model.items
        if items:
            keep = [
                s
                for s in items
                if self.board.blocker(s.assignment.truck_id, s.assignment.load_id) is None
                and self.board.loads[s.assignment.load_id].status == LoadStatus.OPEN
            ]
            if len(keep) != len(items):
                self.suggestion_model.set_items(keep)
        self.map.set_suggestions(
            [(s.assignment.truck_id, s.assignment.load_id) for s in self.suggestion_model.items]
        )
        self._update_actions()

    def _accept(self, items: list[Suggestion], text: str) -> bool:
        if not items:
            return False
        pairs = [
            BoardAssignment(s.assignment.load_id, s.assignment.truck_id, s.assignment.deadhead_km)
            for s in items
        ]

        def op(board: Board) -> None:
            for a in pairs:
                board.assign(a)

        reason = self._apply(text, op, [a.truck_id for a in pairs], [a.load_id for a in pairs])
        if reason is not None:
            self.show_notice(f"Cannot accept: {reason}")
            return False
        self.status_message.emit(f"{text}: {len(pairs)} load(s) assigned")
        return True

    def accept_selected(self) -> bool:
        rows = sorted({i.row() for i in self.suggestions_view.selectionModel().selectedRows()})
        if not rows and self.suggestions_view.currentIndex().isValid():
            rows = [self.suggestions_view.currentIndex().row()]
        items = [self.suggestion_model.items[r] for r in rows]
        if not items:
            self.show_notice("Select a suggestion to accept it", error=False)
            return False
        a = items[0].assignment
        text = f"Accept {a.load_id} → {a.truck_id}" if len(items) == 1 else "Accept suggestions"
        return self._accept(items, text)

    def accept_all(self) -> bool:
        items = list(self.suggestion_model.items)
        return self._accept(items, f"Accept all {len(items)} suggestions")

    def dismiss_suggestions(self) -> None:
        self.suggestion_model.set_items([])
        self.unmatched_label.setText("")
        self.unmatched_label.setToolTip("")
        self._prune_suggestions()

    def _on_suggestion_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            truck_id, _load_id = current.data(ID_ROLE)
            self.select(TRUCK, truck_id)
            self.map.set_selected(TRUCK, truck_id, center=True)

    # ================================================================== why not

    def show_why_not(self) -> WhyNotDialog:
        dialog = WhyNotDialog(
            list(self.board.trucks), list(self.board.loads), self.explain_pair, self
        )
        dialog.select(self.trucks_table.current_id(), self.loads_table.current_id())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.why_dialog = dialog
        return dialog

    # ================================================================== selection sync

    def select(self, kind: str, item_id: str) -> bool:
        """Select a truck or load in its table (clearing filters that hide it)."""
        table, model, proxy, bar = (
            (self.trucks_table, self.truck_model, self.truck_proxy, self.truck_filter)
            if kind == TRUCK
            else (self.loads_table, self.load_model, self.load_proxy, self.load_filter)
        )
        row = model.row_of(item_id)
        if row < 0:
            return False
        index = proxy.mapFromSource(model.index(row, 0))
        if not index.isValid():
            bar.clear()
            index = proxy.mapFromSource(model.index(row, 0))
        self._syncing = True
        try:
            table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            table.scrollTo(index)
        finally:
            self._syncing = False
        return True

    def _on_map_clicked(self, kind: str, item_id: str) -> None:
        if kind:
            self.select(kind, item_id)

    def _on_table_row(self, kind: str, current: QModelIndex) -> None:
        if self._syncing or not current.isValid():
            return
        item_id = current.siblingAtColumn(0).data(ID_ROLE)
        self.map.set_selected(kind, item_id, center=True)

    # ================================================================== replay

    def _on_replay_positions(self, positions: object) -> None:
        self._replay_positions = positions if isinstance(positions, dict) else None
        self._replay_dirty()

    def _on_replay_loads(self, phases: object) -> None:
        self._replay_loads = phases if isinstance(phases, dict) else None
        self._replay_dirty()

    def _replay_dirty(self) -> None:
        # positions and phases arrive as a pair per slider move: redraw once, after both
        if not self._replay_timer.isActive():
            self._replay_timer.start(0)

    def _show_replay(self) -> None:
        if self.side_tabs.currentIndex() == self._day_tab:
            self.map.set_replay(self._replay_positions, self._replay_loads)

    def _on_side_tab(self, index: int) -> None:
        if index == self._day_tab:
            self._sync_day_panel()
            self._show_replay()
        else:
            self.map.set_replay(None, None)  # back to the live board

    # ================================================================== workers

    def _run(self, task: Task, message: str, on_done: Callable[[Any], None]) -> Task:
        self._task = task
        self.progress.setValue(0)
        self.progress.setFormat(message.rstrip("…") + " %p%")
        task.signals.progress.connect(self._on_progress)
        task.signals.done.connect(lambda result: self._finish(on_done, result))
        task.signals.failed.connect(self._on_failed)
        task.signals.cancelled.connect(self._on_cancelled)
        self.status_message.emit(message)
        self._update_actions()
        start(task)
        return task

    def _on_progress(self, pct: int, _message: str) -> None:
        self.progress.setValue(pct)

    def _finish(self, on_done: Callable[[Any], None], result: Any) -> None:
        self._task = None
        self._update_actions()
        on_done(result)

    def _on_failed(self, message: str) -> None:
        self._task = None
        self._update_actions()
        self.show_notice(message)

    def _on_cancelled(self) -> None:
        self._task = None
        self._update_actions()
        self.show_notice("Cancelled", error=False)

    def cancel_task(self) -> None:
        if self._task is not None:
            self._task.cancel()

    # ================================================================== loading and saving

    def load_default(self) -> None:
        """Start-up: the India map and its sample trucks and loads, read in a worker."""
        map_path = default_map_path()
        trucks_csv = asset_path("samples", "india_trucks.csv")
        loads_csv = asset_path("samples", "india_loads.csv")

        def work(progress: Progress) -> _Loaded:
            progress.update(0.1, "map")
            graph = RouteGraph.load(map_path)
            progress.update(0.5, "trucks")
            fleet = read_fleet(trucks_csv, loads_csv, graph)  # one clock for both files
            day0 = fleet.day_start.isoformat() if fleet.day_start else None
            board = Board(fleet.trucks, fleet.loads, day_start=day0)
            return _Loaded(graph, board, None, "India sample board")

        self._run(Task(work), "Loading the India map and sample board…", self._set_board)

    def open_board(self, path: str | Path) -> None:
        """Open a saved board (and its map) in a worker."""
        target = Path(path)
        current = self.graph
        owner = self.owner

        def work(progress: Progress) -> _Loaded:
            store = BoardStore.open(target, owner=owner, any_thread=True)
            try:
                return read(store, progress)
            except BaseException:
                store.close()
                raise

        def read(store: BoardStore, progress: Progress) -> _Loaded:
            snap = store.load()
            revision = store.revision
            progress.update(0.5, "map")
            graph = current
            wanted = Path(snap.map_path) if snap.map_path else default_map_path()
            if not wanted.is_file() and asset_path("maps", wanted.name).is_file():
                wanted = asset_path("maps", wanted.name)  # saved on another machine/checkout
            if graph is None or Path(graph.source).resolve() != wanted.resolve():
                if not wanted.is_file():
                    raise InputError(f"{target}: its map {wanted} is missing")
                graph = RouteGraph.load(wanted)
            board = Board.from_snapshot(snap)
            unknown = sorted(
                {t.location for t in snap.trucks if not graph.has_node(t.location)}
                | {ld.origin for ld in snap.loads if not graph.has_node(ld.origin)}
            )
            if unknown:
                raise InputError(f"{target}: cities not on the map: {', '.join(unknown[:5])}")
            return _Loaded(graph, board, target, snap.name or target.stem, revision, store)

        self._run(Task(work), f"Opening {target.name}…", self._set_board)

    def save(self, wait: bool = False) -> None:
        if self.path is None or self._store is None:
            self.choose_save_as()
        else:
            self.save_board(self.path, wait=wait)

    def save_board(self, path: str | Path, wait: bool = False) -> Task | None:
        """Save As: copy the board to ``path`` in a worker (one SQLite transaction, so a crash
        never leaves half a board), then write every later action through to that file.

        Saving to the board file already open has nothing to write (every action is already
        in it); it just takes in other desks' changes and says so."""
        if self._task is not None:
            self.show_notice("Wait for the running job to finish before saving")
            return None
        target = Path(path)
        if self._store is not None and self.path is not None and _same_file(target, self.path):
            arrived = self.sync_from_store()
            if not arrived:
                self.show_notice(
                    f"Saved: every change is written to {target.name} as you make it", False
                )
            return None
        snap = self.board.to_snapshot(self.name, str(self.map_path or default_map_path()))
        owner = self.owner

        def work(progress: Progress) -> BoardStore:
            return BoardStore.create(target, snap, owner=owner, overwrite=True, any_thread=True)

        def done(store: BoardStore) -> None:
            self._saving = False
            self.path = target
            self._use_store(store)
            self.undo_stack.setClean()
            self.dirty_changed.emit(self.dirty)
            self.show_notice(
                f"Saved {target.name}; from now on every change is written to it at once", False
            )

        self._saving = True  # no board change may slip between the snapshot and the switch
        task = self._run(Task(work), f"Saving {target.name}…", done)
        task.signals.failed.connect(self._save_ended)
        task.signals.cancelled.connect(self._save_ended)
        if wait:
            from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QThreadPool

            QThreadPool.globalInstance().waitForDone(QDeadlineTimer(30_000))
            QCoreApplication.processEvents()
        return task

    def _save_ended(self, *_args: object) -> None:
        self._saving = False

    def import_trucks(self, path: str | Path) -> None:
        self._import("trucks", Path(path))

    def import_loads(self, path: str | Path) -> None:
        self._import("loads", Path(path))

    def _import(self, kind: str, path: Path) -> None:
        if self.graph is None or self._task is not None:
            self.show_notice("Wait for the running job to finish before importing")
            return
        graph = self.graph
        reader = read_trucks_csv if kind == "trucks" else read_loads_csv
        board_day = self.board.day_start

        def work(progress: Progress) -> _ImportResult:
            try:
                # Times in the file count from the board's day start, so the trucks and
                # loads already on the board keep sharing one clock with the new rows.
                day0 = datetime.fromisoformat(board_day) if board_day else None
                items = reader(path, graph, day_start=day0)
            except InputErrors as exc:
                return _ImportResult(kind, str(path), [], exc.problems)
            except InputError as exc:
                return _ImportResult(kind, str(path), [], [str(exc)])
            return _ImportResult(kind, str(path), list(items))

        self._run(Task(work), f"Reading {path.name}…", self._on_imported)

    def _on_imported(self, result: _ImportResult) -> None:
        name = Path(result.path).name
        if result.problems is not None:
            dialog = ImportErrorsDialog(name, result.problems, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.import_dialog = dialog
            dialog.open()
            self.show_notice(f"Nothing imported: {name} has {len(result.problems)} problem(s)")
            return
        items = result.items

        def op(board: Board) -> None:
            if result.kind == "trucks":
                board.replace_trucks(items)
            else:
                board.replace_loads(items)

        reason = self._apply(f"Import {len(items)} {result.kind} from {name}", op, full=True)
        if reason is not None:
            self.show_notice(f"Nothing imported from {name}: {reason}")
            return
        self.dismiss_suggestions()
        self.show_notice(
            f"Imported {len(items)} {result.kind} from {name} (assignments cleared; Ctrl+Z undoes)",
            error=False,
        )

    def export_assignments(self, path: str | Path) -> None:
        if self.graph is None or self._task is not None:
            return
        target = Path(path)
        graph, settings = self.graph, self.settings
        pairs = [
            (copy.copy(self.board.trucks[a.truck_id]), copy.copy(self.board.loads[lid]))
            for lid, a in self.board.assignments.items()
        ]

        def work(progress: Progress) -> int:
            rows = []
            for truck, load in pairs:
                t, ld = _matchable(truck, load)
                e = explain(t, ld, graph, settings)
                rows.append(Assignment(t.id, ld.id, e.deadhead_km, e.cost, e.pickup_at))
            write_assignments_csv(target, rows)
            return len(rows)

        self._run(
            Task(work),
            f"Writing {target.name}…",
            lambda n: self.show_notice(f"Exported {n} assignment(s) to {target.name}", False),
        )

    # ================================================================== file choosers

    def choose_import_trucks(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import trucks", "", CSV_FILTER)
        if path:
            self.import_trucks(path)

    def choose_import_loads(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import loads", "", CSV_FILTER)
        if path:
            self.import_loads(path)

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export assignments", "assignments.csv", CSV_FILTER
        )
        if path:
            self.export_assignments(path)

    def choose_open(self) -> None:
        if not self.maybe_close():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open board", "", BOARD_FILTER)
        if path:
            self.open_board(path)

    def choose_save_as(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save board", "board.fboard", BOARD_FILTER)
        if path:
            if not path.endswith(".fboard") and "." not in Path(path).name:
                path += ".fboard"
            self.save_board(path)


__all__ = ["DispatchDesk"]
