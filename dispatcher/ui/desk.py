"""The Dispatch desk: map, trucks and loads tables, suggestions, KPIs, undo, save/open.

Every change to the board goes through :meth:`DispatchDesk._apply`: the change is made on
the Qt-free :class:`~dispatcher.board.Board` (which refuses bad ones with a reason), the
touched objects are captured before and after, and a :class:`BoardCommand` lands on the
undo stack. Loading files, matching, saving and exporting run in workers; the UI thread
only shows results.

Write-through: with a board file open, every action (assign by hand, accept one or all,
unassign, edit, import, and their undo/redo) is committed to the file *before* the desk
shows it, one SQLite transaction per action (accept all included). A crash or kill after an
action is shown loses nothing. If the file refuses (another desk took the load first) the
desk does not apply the action, says why, and re-reads the board. Every 2 s the desk checks
the file's revision (one indexed SELECT) and takes in other desks' committed changes.

Who does the I/O: small steps (a drop, an edit; 1-3 ms) are written on the UI thread. Big
ones (accept all, many accepted rows, their undo/redo, imports: ``ASYNC_MIN_OBJECTS``) are
checked against the board on the UI thread, then written by a worker on the store's own
connection; until the commit the board stays as it was, the desk shows it is busy and
refuses every other board change (with a notice), and the 2 s check pauses, so only one
thread ever uses that connection. Committed: the step is applied and lands on the undo
stack; refused: nothing changes and the reason is shown. Cancel stops a write only before
its commit point (nothing written); closing the file while a write runs closes it after the
write. Taking in other desks' changes reads the file in a worker on a second (read)
connection and works out the differences there; the UI thread only applies them, and throws
the read away if the desk changed the board meanwhile (it reads again).

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
from shiboken6 import isValid

from dispatcher.board import Board, BoardError, Capture, snapshot_of, store_ops
from dispatcher.board_file import board_map
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
from dispatcher.store import (
    ActionRecord,
    BoardAssignment,
    BoardConflict,
    BoardStore,
    default_owner,
)
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
#: A step touching at least this many trucks + loads (about 20 assignments) is written to the
#: board file by a worker; smaller ones (a drop, an edit: 1-3 ms) are written on the UI thread.
ASYNC_MIN_OBJECTS = 40
#: A board change touching more trucks + loads than this recolours the map one event-loop
#: turn after the tables (two ~15 ms pieces instead of one ~30 ms block at 3,000 loads).
MAP_SPLIT = 1000
_desk_numbers = itertools.count(1)
_NOT_WRITTEN = object()  # no worker wrote the undo/redo step that QUndoStack is running


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


@dataclasses.dataclass
class _Written:
    """What a board-file write in a worker hands back: committed (``refused`` None) or not."""

    refused: str | None = None
    moved: bool = False  # other desks committed too: read the board again
    by_board: bool = False  # refused by the board's rules: the file was not touched
    before: Capture | None = None  # the step, as the worker captured it
    after: Capture | None = None
    shown: Capture | None = None  # a copy of the new state for the board to adopt


#: Runs in the worker: the (before, after) of the step, or the board's refusal.
Prepare = Callable[[], "tuple[Capture, Capture] | str"]


@dataclasses.dataclass
class _Synced:
    """What a worker read from the board file, and how it differs from the desk's board."""

    reader: BoardStore | None
    revision: int = 0
    history: list[ActionRecord] = dataclasses.field(default_factory=list)
    trucks: set[str] = dataclasses.field(default_factory=set)
    loads: set[str] = dataclasses.field(default_factory=set)
    reshaped: bool = False
    capture: Capture | None = None  # the differing objects as the file holds them
    error: str | None = None


class _CancelPoints(Progress):
    """The cancel points of a board-file write: the desk's Cancel, or the app quitting (the
    task's own progress). Not the task's progress itself: a Cancel that comes after the commit
    must not turn a committed write into a "cancelled" one the desk would not show."""

    def __init__(self, stop: Progress, task_progress: Progress) -> None:
        super().__init__(None)
        self._stop = stop
        self._task_progress = task_progress

    def update(self, fraction: float, message: str = "") -> None:
        self._stop.update(fraction, message)
        self._task_progress.update(fraction, message)


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


def _big(before: Capture, after: Capture) -> bool:
    """A step worth a worker when written to a board file (accept all, imports)."""
    if before.full or after.full:
        return True
    return len(before.trucks) + len(before.loads) >= ASYNC_MIN_OBJECTS


def _tell(then: Callable[[str | None], None] | None, reason: str | None) -> str | None:
    if then is not None:
        then(reason)
    return reason


def _write_to(
    store: BoardStore,
    src: Capture,
    dst: Capture,
    name: str,
    map_path: str,
    day_start: str | None,
    progress: Progress | None = None,
) -> str | None:
    """Commit ``src`` -> ``dst`` to the board file; the refusal, or None. Touches only the
    store and the captures (nobody changes a capture), so a worker may run it.

    Assignments and edits are one ``BoardStore.apply`` (one transaction, however many loads);
    a whole-board step (import, its undo) is a revision-guarded whole save."""
    try:
        ops = store_ops(src, dst)
        if ops is None:
            snap = snapshot_of(dst, name, map_path, day_start)
            store.save(snap, progress=progress)  # refused if another desk committed since
        elif ops:
            store.apply(ops, progress=progress)
    except (BoardConflict, InputError) as exc:
        return str(exc)
    except sqlite3.Error as exc:
        return f"could not write {store.path.name}: {exc}"
    return None


def _freeze_long_lived() -> None:
    """After a big step is shown (accept all, its undo, another desk's accept all taken in):
    its objects live on in the board and the undo history (~12,000 per 3,000-load step), so
    keep them out of the cyclic collector too. Otherwise full collections grew with every
    step (27 -> 94 ms over ten steps on a 3,000 x 3,000 board) and, run by whichever
    thread allocated, froze the window even when a worker triggered them. Trucks, loads
    and captures hold no cycles: reference counting still frees them. Young garbage is
    collected first (~1 ms) so it is not frozen with them."""
    gc.collect(1)
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
        # board-file work in workers (see "write-through" below)
        self._writing: str | None = None  # the step a worker is writing to the file
        self._write_stop: Progress | None = None  # the desk's Cancel for that write
        self._close_after_write = False
        self._prewritten: object = _NOT_WRITTEN  # an undo/redo outcome a worker wrote
        self._prepared: tuple[Capture, Capture] | None = None  # (capture, its worker copy)
        self._sync_task: Task | None = None  # a worker reading other desks' changes
        self._sync_wanted = False  # a read was asked for while the file was busy
        self._sync_quiet = False  # the next read follows a refusal: keep its notice
        self._after_sync: list[Callable[[int], None]] = []
        self._reader: BoardStore | None = None  # the read connection, between syncs
        self._changes = 0  # bumped by every board change: a read started before is stale
        self._map_due: tuple[set[str], set[str]] | None = None  # a recolour not yet done
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
        self.map.drop_check = self._drop_check
        self.map.status_hint = self.status_message.emit
        self.map.marker_clicked.connect(self._on_map_clicked)
        self.map.load_dropped.connect(self.assign_by_hand)

        self.truck_model = TruckTableModel(self)
        self.truck_model.edit_handler = self.edit_truck
        self.truck_proxy = BoardFilter(self)
        self.truck_proxy.setSourceModel(self.truck_model)
        self.trucks_table = TruckTable(self)
        self.trucks_table.setModel(self.truck_proxy)
        self.trucks_table.drop_check = self._drop_check
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
        # The desk's own undo/redo (not QUndoStack's actions): a big step on a board file is
        # written by a worker first, and no step may run while a write is pending.
        self.undo_action = QAction("&Undo", self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setObjectName("undo_action")
        self.undo_action.triggered.connect(lambda _checked=False: self.undo())
        self.redo_action = QAction("&Redo", self)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.setObjectName("redo_action")
        self.redo_action.triggered.connect(lambda _checked=False: self.redo())
        for a in (self.undo_action, self.redo_action):
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(a)
        stack = self.undo_stack
        for sig in (stack.canUndoChanged, stack.canRedoChanged):
            sig.connect(self._on_stack_changed)
        for sig in (stack.undoTextChanged, stack.redoTextChanged):
            sig.connect(self._on_stack_changed)
        self._update_undo_actions()
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
        """True while any background work of this desk runs (jobs, board-file reads)."""
        return self._task is not None or self._sync_task is not None or self._sync_pending

    def writing(self) -> str | None:
        """The step a worker is writing to the board file (shown once committed), or None."""
        return self._writing

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
        self._changes += 1
        if changed is None or changed.full:
            trucks: set[str] | None = None
            loads: set[str] | None = None
        else:
            trucks, loads = set(changed.trucks), set(changed.loads)
        self.truck_model.refresh(trucks)
        self.load_model.refresh(loads)
        self._refresh_map(trucks, loads)
        self.kpis.update_from(self.board.kpis())
        self._prune_suggestions()
        self._day_stale = True
        if self.side_tabs.currentIndex() == self._day_tab:
            self._sync_day_panel()
        self._update_actions()

    def _refresh_map(self, trucks: set[str] | None, loads: set[str] | None) -> None:
        """Recolour the map's markers; for thousands of them (accept all on a big board:
        ~14 ms at 6,000) in the next event-loop turn, so the UI thread is never held for the
        tables and the map in one piece (input and timers run in between)."""
        if trucks is None or loads is None:
            self._map_due = None  # the whole map is redrawn now: nothing left to recolour
            self.map.refresh(trucks, loads)
            return
        if len(trucks) + len(loads) < MAP_SPLIT:
            self.map.refresh(trucks, loads)
            return
        if self._map_due is None:
            self._map_due = (set(), set())
            QTimer.singleShot(0, self._flush_map)
        self._map_due[0].update(trucks)
        self._map_due[1].update(loads)

    def _flush_map(self) -> None:
        due, self._map_due = self._map_due, None
        if due is not None and isValid(self):
            self.map.refresh(*due)

    def _sync_day_panel(self) -> None:
        """The Day panel copies the board; do it only when that tab is shown."""
        if self.day_panel is not None and self.graph is not None and self._day_stale:
            self._day_stale = False
            self.day_panel.set_board(  # type: ignore[attr-defined]
                self.graph, list(self.board.trucks.values()), list(self.board.loads.values())
            )

    def _on_stack_changed(self, *_args: object) -> None:
        # the stack says goodbye while the desk is being destroyed: nothing to update then
        if isValid(self) and isValid(self.undo_stack) and isValid(self.redo_action):
            self._update_undo_actions()

    def _update_undo_actions(self) -> None:
        stack, free = self.undo_stack, self._writing is None
        for action, verb, can, text in (
            (self.undo_action, "&Undo", stack.canUndo(), stack.undoText()),
            (self.redo_action, "&Redo", stack.canRedo(), stack.redoText()),
        ):
            action.setText(f"{verb} {text}" if text else verb)
            action.setToolTip(action.text().replace("&", ""))
            action.setEnabled(can and free)

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
        free = self._writing is None  # a pending write: no other board change meanwhile
        has_sugg = bool(self.suggestion_model.items) and free
        self.accept_all_button.setEnabled(has_sugg)
        self.dismiss_button.setEnabled(has_sugg)
        self.accept_button.setEnabled(has_sugg)
        self.unassign_button.setEnabled(free)
        self.unassign_action.setEnabled(free)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        self._update_undo_actions()

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
        then: Callable[[str | None], None] | None = None,
    ) -> str | None:
        """Make a change undoable; returns the refusal reason, or None when it was done.

        With a board file open, a big step (``ASYNC_MIN_OBJECTS``, or a whole-board one) is
        checked against the board here, then written by a worker: the board stays as it was
        (a change is shown only once committed), the desk is busy and refuses other changes,
        and ``then(reason)`` runs once the file committed it (reason None: now shown and
        undoable) or refused it. Otherwise the outcome is known at once; ``then`` gets it too.
        """
        reason = self._refusal()
        if reason is not None:
            return _tell(then, reason)
        self._changes += 1
        board = self.board
        truck_ids, load_ids = list(truck_ids), list(load_ids)
        if self._store is not None and (
            full or len(set(truck_ids)) + len(set(load_ids)) >= ASYNC_MIN_OBJECTS
        ):
            self._change_in_worker(text, op, truck_ids, load_ids, full, then)
            return None
        before = board.capture_all() if full else board.capture(truck_ids, load_ids)
        try:
            op(board)
        except BoardError as exc:
            board.restore(before)
            return _tell(then, str(exc))
        after = board.capture_all() if full else board.capture(before.trucks, before.loads)
        if self._store is not None:
            refused = self._write(before, after)
            if refused is not None:
                board.restore(before)  # never shown: no refresh happened in between
                self._after_refusal()
                return _tell(then, refused)
        write = self._write_step if self._store is not None else None
        self.undo_stack.push(
            BoardCommand(board, text, before, after, self._after_change, write, self._restore_step)
        )
        return _tell(then, None)

    def _change_in_worker(
        self,
        text: str,
        op: Callable[[Board], None],
        truck_ids: list[str],
        load_ids: list[str],
        full: bool,
        then: Callable[[str | None], None] | None,
    ) -> None:
        """A big step on a board file: checked, captured and written by a worker.

        The worker runs ``op`` on a scratch board (the board's dicts, with copies of the
        objects the step touches), so the board itself is only read; nothing changes it
        meanwhile, since every board change is refused while a write runs. Once committed,
        the board adopts the worker's copy of the new state (no copying on the UI thread)."""
        board = self.board

        def prepare() -> tuple[Capture, Capture] | str:
            scratch = board.shallow()
            # the board's own objects: it drops them when it adopts the new state, so the
            # undo step's "before" is never changed afterwards
            before = (
                scratch.capture_all(copy=False)
                if full
                else scratch.capture(truck_ids, load_ids, copy=False)
            )
            scratch.restore(before)  # copies: the op must not touch the board's objects
            try:
                op(scratch)
            except BoardError as exc:
                return str(exc)
            after = (
                scratch.capture_all(copy=False)
                if full
                else scratch.capture(before.trucks, before.loads, copy=False)
            )
            return before, after

        def written(outcome: _Written) -> None:
            if outcome.refused is None:
                assert outcome.before and outcome.after and outcome.shown
                board.restore(outcome.shown, adopt=True)
                self.undo_stack.push(
                    BoardCommand(
                        board,
                        text,
                        outcome.before,
                        outcome.after,
                        self._after_change,
                        self._write_step,
                        self._restore_step,
                    )
                )
            _tell(then, outcome.refused)

        self._start_write(text, prepare, written)

    def _restore_step(self, cap: Capture) -> None:
        """How undo/redo put a capture back: adopt the copy a worker prepared for it, if
        any (a big step: thousands of objects), else copy on the spot."""
        prepared, self._prepared = self._prepared, None
        if prepared is not None and prepared[0] is cap:
            self.board.restore(prepared[1], adopt=True)
        else:
            self.board.restore(cap)

    def _refusal(self) -> str | None:
        """Why no board change may start now, or None."""
        if self._saving:
            return "the board is being saved to a new file; try again in a moment"
        if self._writing is not None:
            name = self._store.path.name if self._store is not None else "the board file"
            return (
                f"\u201c{self._writing}\u201d is still being written to {name}; "
                "try again when it is done"
            )
        return None

    # ================================================================== undo and redo

    def undo(self) -> None:
        """Ctrl+Z: undo the last step (a big one on a board file is written by a worker)."""
        self._step("undo")

    def redo(self) -> None:
        self._step("redo")

    def _step(self, verb: str) -> None:
        stack = self.undo_stack
        reason = self._refusal()
        if reason is not None:
            self.show_notice(f"Cannot {verb}: {reason}")
            return
        i = stack.index() - 1 if verb == "undo" else stack.index()
        if not 0 <= i < stack.count():
            return
        cmd = stack.command(i)
        run = stack.undo if verb == "undo" else stack.redo
        if (
            self._store is None
            or not isinstance(cmd, BoardCommand)
            or not _big(cmd.before, cmd.after)
        ):
            run()  # small: BoardCommand writes it through on the UI thread (1-3 ms)
            return
        src, dst = (cmd.after, cmd.before) if verb == "undo" else (cmd.before, cmd.after)

        def written(outcome: _Written) -> None:
            # nothing else ran meanwhile (every change was refused), so ``cmd`` is still the
            # step QUndoStack runs; it asks _write_step, which answers with this outcome, and
            # puts back the copy the worker made
            self._prewritten = outcome.refused
            if outcome.shown is not None:
                self._prepared = (dst, outcome.shown)
            try:
                run()
            finally:
                self._prewritten = _NOT_WRITTEN
                self._prepared = None
            if outcome.refused is None:
                done = "Undone" if verb == "undo" else "Redone"
                self.show_notice(f"{done}: {cmd.text()}", error=False)

        self._start_write(f"{verb.capitalize()} {cmd.text()}", lambda: (src, dst), written)

    # ================================================================== write-through

    def _write(self, src: Capture, dst: Capture) -> str | None:
        """Commit the change ``src`` -> ``dst`` to the board file on the UI thread (small
        steps: a drop, an edit); the refusal, or None."""
        store = self._store
        assert store is not None
        reason = _write_to(store, src, dst, self.name, self._map_name(), self.board.day_start)
        if reason is None:
            if store.current_revision() != store.revision:
                self._schedule_sync()  # other desks committed in between: take their work in
            self.revision = store.revision
        return reason

    def _map_name(self) -> str:
        return str(self.map_path or default_map_path())

    def _start_write(self, text: str, prepare: Prepare, done: Callable[[_Written], None]) -> None:
        """In a worker: ``prepare()`` the step, write it to the board file and copy its new
        state; then ``done(outcome)`` on the UI thread (not called when cancelled or failed:
        nothing was shown, and the desk reads the file again). Until then the desk is busy:
        the store's connection belongs to the worker (the UI thread neither polls nor writes
        through it) and no board change, undo or redo may start, so the board the step was
        checked against stays the same."""
        store = self._store
        assert store is not None
        stop = Progress()
        name, map_path, day = self.name, self._map_name(), self.board.day_start

        def work(progress: Progress) -> _Written:
            points = _CancelPoints(stop, progress)
            step = prepare()
            if isinstance(step, str):
                return _Written(step, by_board=True)
            src, dst = step
            reason = _write_to(store, src, dst, name, map_path, day, points)
            if reason is not None:
                return _Written(reason)
            try:  # committed: nothing below may turn it into a refusal
                moved = store.current_revision() != store.revision
            except sqlite3.Error:
                moved = True
            return _Written(None, moved, before=src, after=dst, shown=dst.copied())

        def finished(outcome: _Written | None) -> None:
            if not isValid(self):  # the desk was destroyed meanwhile (the write is whole)
                return
            self._writing = None
            self._write_stop = None
            if outcome is None:  # cancelled or failed: the file is the truth, read it
                self._sync_wanted = True
            else:
                self.revision = store.revision
                if outcome.refused is not None and not outcome.by_board:
                    self._after_refusal()
                elif outcome.moved:
                    self._sync_wanted = True
                if outcome.refused is None:
                    self.show_notice(f"Written to {store.path.name}: {text}", error=False)
                done(outcome)
            self._update_actions()
            if outcome is not None and outcome.refused is None:
                _freeze_long_lived()
            if self._close_after_write:
                self._close_after_write = False
                self.close_store()
            self._sync_if_wanted()

        self._writing = text
        self._write_stop = stop
        task = self._run(Task(work), f"Writing {text} to {store.path.name}…", finished)
        self.progress.setFormat("Writing…")  # one transaction: the notice says what
        task.signals.failed.connect(lambda _message: finished(None))
        task.signals.cancelled.connect(lambda: self._write_cancelled(store.path.name))
        task.signals.cancelled.connect(lambda: finished(None))
        self.show_notice(
            f"Writing \u201c{text}\u201d to {store.path.name}… it shows once committed", error=False
        )

    def _write_cancelled(self, name: str) -> None:
        if not isValid(self):
            return
        self.show_notice(f"Cancelled: nothing was written to {name}", error=False)

    def _write_step(self, src: Capture, dst: Capture, verb: str) -> bool:
        """Undo/redo write-through (called by BoardCommand); a refusal is shown, and the
        board re-read once the undo stack has finished with the step."""
        if self._prewritten is not _NOT_WRITTEN:  # a worker already wrote it (or was refused)
            reason = self._prewritten if isinstance(self._prewritten, str) else None
        else:
            reason = self._write(src, dst)
        if reason is None:
            return True
        self.show_notice(f"Cannot {verb}: {reason}")
        self._after_refusal()
        return False

    def _use_store(self, store: BoardStore | None) -> None:
        """Switch write-through to ``store`` (None: no file; the desk keeps work in memory)."""
        old, self._store = self._store, store
        if old is not None and old is not store:
            old.close()
        if self._reader is not None:  # a reader in a running sync is closed when it ends
            self._reader.close()
            self._reader = None
        if store is None:
            self._poll_timer.stop()
            return
        store.owner = self.owner
        store.set_busy_timeout(UI_BUSY_TIMEOUT_MS)
        self.revision = store.revision
        self._poll_timer.start()

    def close_store(self) -> None:
        """Close the board file (the desk goes on as an untitled board). While a write runs,
        the file is closed once it is committed (and shown) or refused: closing never leaves
        a write half-seen."""
        if self._writing is not None:
            self._close_after_write = True
            self.show_notice(
                f"The board file closes once \u201c{self._writing}\u201d is written", error=False
            )
            return
        self._use_store(None)
        self.path = None
        self.dirty_changed.emit(self.dirty)

    def _after_refusal(self) -> None:
        """The file refused a step: read it again, keeping the refusal's notice (it names
        who changed the board) rather than replacing it with "Board updated by"."""
        self._sync_quiet = True
        self._sync_wanted = True
        self._sync_if_wanted()

    def _schedule_sync(self) -> None:
        if not self._sync_pending:
            self._sync_pending = True
            QTimer.singleShot(0, self.sync_from_store)

    def _sync_if_wanted(self) -> None:
        if self._sync_wanted and self._writing is None and self._sync_task is None:
            self._sync_wanted = False
            self._schedule_sync()

    def poll_store(self) -> bool:
        """The 2 s check: has another desk committed? One indexed SELECT (~20 µs); the
        board is read again (in a worker) only when the revision moved. True when it did.
        Skipped while a worker writes or reads the file."""
        store = self._store
        if store is None or self._saving or self._writing is not None:
            return False
        if self._sync_task is not None:
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

    def sync_from_store(self, then: Callable[[int], None] | None = None) -> bool:
        """Take in what other desks committed; ``then(n)`` gets how many of their actions
        arrived. False when there is no board file to read (``then(0)`` has run).

        A worker reads the whole board in one read transaction on its own connection (WAL:
        the desk's writes go on meanwhile) and works out what differs from the desk's board;
        the UI thread then changes only that, so selections, scroll positions and untouched
        undo steps stay (see the module doc). A read that the desk's own changes overtook is
        thrown away and done again: it never puts back an older state."""
        if then is not None:
            self._after_sync.append(then)
        self._sync_pending = False
        store = self._store
        if store is None or self._saving:
            self._sync_done(0)
            return False
        if self._writing is not None or self._sync_task is not None:
            self._sync_wanted = True  # after the write / the read in flight
            return True
        reader, self._reader = self._reader, None
        since, changes = store.revision, self._changes
        mine = self.board.shallow()
        path, owner = store.path, self.owner

        def work(_progress: Progress) -> _Synced:
            r = reader
            try:
                if r is None:
                    r = BoardStore.open(path, owner=owner, any_thread=True)
                snap = r.load()
                history = r.history(since)
            except (sqlite3.Error, InputError) as exc:
                if r is not None:
                    r.close()
                return _Synced(None, error=f"Cannot read {path.name}: {exc}")
            try:  # the snapshot's objects are fresh: no copies needed (deepcopy cost 150 ms)
                fresh = Board(snap.trucks, snap.loads, snap.assignments, mine.nodes)
            except BoardError as exc:
                return _Synced(r, error=f"{path.name} holds a board this desk cannot show: {exc}")
            trucks, loads, reshaped = mine.differences(fresh)
            # fresh is thrown away: its own objects go to the desk, which adopts them
            cap = (
                fresh.capture_all(copy=False)
                if reshaped
                else fresh.capture(trucks, loads, copy=False)
            )
            return _Synced(r, snap.revision, history, trucks, loads, reshaped, cap)

        task = Task(work)
        task.signals.done.connect(lambda res: self._on_synced(task, store, since, changes, res))
        task.signals.failed.connect(lambda msg: self._on_sync_failed(task, msg))
        task.signals.cancelled.connect(lambda: self._on_sync_failed(task, ""))
        self._sync_task = task
        start(task)
        return True

    def _on_sync_failed(self, task: Task, message: str) -> None:
        if not isValid(self):
            return
        if self._sync_task is task:
            self._sync_task = None
        if message:
            self.show_notice(message)
        self._sync_done(0)

    def _on_synced(
        self, task: Task, store: BoardStore, since: int, changes: int, res: _Synced
    ) -> None:
        """Apply what a sync worker read (UI thread): only the objects that differ."""
        if not isValid(self):  # the desk was destroyed while its worker read
            if res.reader is not None:
                res.reader.close()
            return
        if self._sync_task is task:
            self._sync_task = None
        if store is not self._store:  # the file was closed or replaced meanwhile
            if res.reader is not None:
                res.reader.close()
            self._sync_done(0)
            return
        if self._reader is None:
            self._reader = res.reader
        elif res.reader is not None:
            res.reader.close()
        if res.error is not None:
            self.show_notice(res.error)
            self._sync_done(0)
            return
        if self._writing is not None or self._changes != changes or store.revision != since:
            self._sync_wanted = True  # the desk changed the board meanwhile: read again
            self._sync_if_wanted()
            return
        store.revision = res.revision  # the board now holds everything up to it
        self.revision = res.revision
        theirs = [h for h in res.history if h.owner != store.owner]
        if res.trucks or res.loads or res.reshaped:
            assert res.capture is not None
            cleared = self._drop_stale_undo(res.trucks, res.loads, res.reshaped)
            self.board.restore(res.capture, adopt=True)
            if res.reshaped:
                self._after_change()
                self.dismiss_suggestions()
            else:
                changed = Capture(
                    trucks=dict.fromkeys(res.trucks), loads=dict.fromkeys(res.loads)
                )  # only the ids matter to _after_change
                self._after_change(changed)
            if res.reshaped or len(res.trucks) + len(res.loads) >= ASYNC_MIN_OBJECTS:
                _freeze_long_lived()
            owners = sorted({h.owner for h in theirs}) or ["another desk"]
            text = f"Board updated by {', '.join(owners)}: {len(theirs) or 'some'} change(s)"
            if cleared:
                text += "; undo history cleared (it touched the same trucks or loads)"
            if self._sync_quiet and not self.notice.isHidden():
                self.show_notice(f"{self.notice.text()}. Now showing the file: {text}")
            else:
                self.show_notice(text, error=False)
        self._sync_quiet = False
        self._sync_done(len(theirs))

    def _sync_done(self, arrived: int) -> None:
        callbacks, self._after_sync = self._after_sync, []
        for callback in callbacks:
            callback(arrived)
        self._sync_if_wanted()

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

    def _drop_check(self, load_id: str, truck_id: str) -> str | None:
        """Drag feedback: a drop is refused while a write is pending, else by the rules."""
        return self._refusal() or self.why_not(load_id, truck_id)

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

        def finished(reason: str | None) -> None:
            if reason is not None:
                self.show_notice(f"Cannot accept: {reason}")
            else:
                self.status_message.emit(f"{text}: {len(pairs)} load(s) assigned")

        trucks, loads = [a.truck_id for a in pairs], [a.load_id for a in pairs]
        # True: done, or (big, on a board file) being written; it shows once committed
        return self._apply(text, op, trucks, loads, then=finished) is None

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
        self.progress.setRange(0, 100)
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
        if not isValid(self):  # a result that arrives after the desk was destroyed
            return
        self._task = None
        self._update_actions()
        on_done(result)

    def _on_failed(self, message: str) -> None:
        if not isValid(self):
            return
        self._task = None
        self._update_actions()
        self.show_notice(message)

    def _on_cancelled(self) -> None:
        if not isValid(self):
            return
        self._task = None
        self._update_actions()
        self.show_notice("Cancelled", error=False)

    def cancel_task(self) -> None:
        """Cancel: a board-file write stops only before its commit point (then nothing is
        written); once committed it is kept and shown."""
        if self._write_stop is not None:
            self._write_stop.cancel()
        elif self._task is not None:
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
        if self._writing is not None:
            self.show_notice(f"Cannot open {target.name}: {self._refusal()}")
            return
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
            wanted = board_map(target, snap.map_path)  # the board's folder or shipped maps
            if graph is None or Path(graph.source).resolve() != wanted.resolve():
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

            def report(arrived: int) -> None:
                if not arrived:
                    self.show_notice(
                        f"Saved: every change is written to {target.name} as you make it", False
                    )

            self.sync_from_store(report)
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

    def _on_imported(self, result: _ImportResult, synced: bool = False) -> None:
        name = Path(result.path).name
        if result.problems is not None:
            dialog = ImportErrorsDialog(name, result.problems, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.import_dialog = dialog
            dialog.open()
            self.show_notice(f"Nothing imported: {name} has {len(result.problems)} problem(s)")
            return
        items = result.items

        if (
            self._store is not None
            and not synced
            and (self._sync_task is not None or self._sync_pending or self.poll_store())
        ):
            # another desk committed (or a read of the file is under way): take its work
            # in first, then import over it
            self._after_sync.append(lambda _n: self._on_imported(result, synced=True))
            return

        def op(board: Board) -> None:
            if result.kind == "trucks":
                board.replace_trucks(items)
            else:
                board.replace_loads(items)

        def finished(reason: str | None) -> None:
            if reason is not None:
                self.show_notice(f"Nothing imported from {name}: {reason}")
                return
            self.dismiss_suggestions()
            self.show_notice(
                f"Imported {len(items)} {result.kind} from {name} "
                "(assignments cleared; Ctrl+Z undoes)",
                error=False,
            )

        self._apply(f"Import {len(items)} {result.kind} from {name}", op, full=True, then=finished)

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
