"""The Dispatch desk: layout and wiring around a Qt-free dispatch session.

What lives where (a newcomer's map):

- the board's rules (may this truck take this load, why not, at what cost):
  :mod:`dispatcher.rules`, :mod:`dispatcher.board`, :mod:`dispatcher.status`;
- every change, undo/redo, write-through to the board file, taking in other desks' work:
  :class:`dispatcher.session.Session` (this desk is its :class:`SessionView`);
- file work (sample board, open, import, export): :mod:`dispatcher.documents`, run as jobs by
  :class:`freightlab.ui.jobs.JobRunner` (progress bar, Cancel, busy state);
- the menu actions: the table in :mod:`dispatcher.ui.desk_actions`;
- the board actions as data (assign, unassign, edit, accept, import): :mod:`dispatcher.actions`;
- the suggestions box: :mod:`dispatcher.ui.suggestions`; the widgets' layout:
  :mod:`dispatcher.ui.desk_layout`; file commands: :mod:`dispatcher.ui.desk_files`;
  selection sync: :mod:`dispatcher.ui.selection`; the Day tab: :mod:`dispatcher.ui.day_tab`;
  drag and drop: :mod:`dispatcher.ui.dnd`.

This module turns clicks into those calls and session news into refreshed widgets.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from dispatcher import actions, rules
from dispatcher.board import Board, Capture
from dispatcher.costs import MatchSettings
from dispatcher.documents import Loaded
from dispatcher.history import History
from dispatcher.matching import Assignment, MatchResult
from dispatcher.routes import RouteGraph
from dispatcher.session import Session
from dispatcher.status import LIFECYCLE
from dispatcher.store import BoardAssignment, BoardStore, default_owner
from dispatcher.ui import desk_actions
from dispatcher.ui.desk_clock import DeskClock
from dispatcher.ui.desk_files import DeskFiles
from dispatcher.ui.desk_layout import DeskWidgets, FromSession, build_desk
from dispatcher.ui.desk_sizing import DeskSizing
from dispatcher.ui.dialogs import ImportErrorsDialog, WhyNotDialog
from dispatcher.ui.import_preview import ImportCommands
from dispatcher.ui.load_steps import LoadSteps
from dispatcher.ui.map_switch import MapSwitcher
from dispatcher.ui.matcher_settings import MatcherSettings
from dispatcher.ui.models import Suggestion, _Invalid
from dispatcher.ui.record_commands import RecordCommands
from dispatcher.ui.selection import SelectionSync
from dispatcher.ui.suggestions import describe, matching_work
from freightlab.jobs import Job
from freightlab.memory import freeze_startup_objects
from freightlab.progress import Progress
from freightlab.ui.jobs import JobRunner

#: How often an open board file is checked for other desks' changes.
POLL_MS = 2000
#: A board change touching more trucks + loads than this recolours the map one event-loop
#: turn after the tables (two ~15 ms pieces instead of one ~30 ms block at 3,000 loads).
MAP_SPLIT = 1000
#: Files File > Open hands to the desk.
BOARD_SUFFIXES = (".fboard", ".sqlite")
_desk_numbers = itertools.count(1)


class DispatchDesk(DeskWidgets):
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
        who = owner or default_owner() + (f" desk {number}" if number > 1 else "")
        self.result: MatchResult | None = None
        self.why_dialog: WhyNotDialog | None = None  # the last dialogs shown (tests read them)
        self.import_dialog: ImportErrorsDialog | None = None
        self._map_due: tuple[set[str], set[str]] | None = None  # a recolour not yet done
        self.selection = SelectionSync(self)
        self.files = DeskFiles(self)
        self.sizing = DeskSizing(self)
        self._shown: tuple[bool, str] = (False, "")  # (dirty, title) last told the window
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_MS)
        self._poll_timer.timeout.connect(self.poll_store)
        build_desk(self)
        self.clock = DeskClock(self, self.clock_bar)
        self.jobs = JobRunner(self, self.progress, self.cancel_button, hide_when_idle=True)
        self.jobs.notify = self.show_notice
        self.jobs.busy_changed.connect(lambda _busy: self._update_actions())
        self.session = Session(self.jobs, lambda fn: QTimer.singleShot(0, fn), who, self)
        self._build_actions()
        self.load_steps = LoadSteps(self, self.loads_table)
        self.records = RecordCommands(self)  # new / edit / delete truck and load
        self.imports = ImportCommands(self)  # merge / replace import, trucks/loads export
        self.matcher = MatcherSettings(self)  # the settings panel, saved with the board
        self.maps = MapSwitcher(self)
        self._update_actions()
        if autoload:
            QTimer.singleShot(0, self.load_default)

    def _build_actions(self) -> None:
        self.actions_by_name = desk_actions.build_all(self, self)
        a = self.actions_by_name
        self.undo_action, self.redo_action = a["undo_action"], a["redo_action"]
        self.unassign_action, self.suggest_action = a["unassign_action"], a["suggest_action"]
        self.why_action = a["why_not_action"]
        self._update_undo_actions()

    # ================================================================== Area (main window)
    def menu_title(self) -> str | None:
        return "&Dispatch"

    def menu_actions(self) -> list[QAction | None]:
        """For the main window's Dispatch menu; ``None`` is a separator."""
        return [self.actions_by_name[s.name] if s else None for s in desk_actions.MENU]

    def can_open(self, path: str) -> bool:
        return path.lower().endswith(BOARD_SUFFIXES)

    def open_path(self, path: str) -> None:
        self.open_board(path)

    def watch_document(self, changed: Callable[[bool], None]) -> None:
        self.dirty_changed.connect(changed)

    def route_opens(self, open_elsewhere: Callable[[str], None]) -> None:
        self.sizing.open_elsewhere = open_elsewhere

    # ================================================================== the session's state
    board = FromSession[Board]("board")
    graph = FromSession[RouteGraph | None]("graph")
    settings = FromSession[MatchSettings]("settings", writable=True)
    history = FromSession[History]("history", "The undo history (steps with before/after).")
    owner = FromSession[str]("owner", "Who this desk is in a board file's log.")
    path = FromSession[Path | None]("path")
    name = FromSession[str]("name")
    revision = FromSession[int]("revision")
    store = FromSession[BoardStore | None]("store", "The board file written through to.")
    dirty = FromSession[bool]("dirty", "Unsaved work (only without a board file).")

    def document_title(self) -> str:
        return self.path.name if self.path is not None else self.name

    def is_ready(self) -> bool:
        return self.graph is not None and not self.jobs.busy()

    def busy(self) -> bool:
        """True while any background work of this desk runs (jobs, board-file reads)."""
        return self.jobs.busy() or self.session.reading()

    def writing(self) -> str | None:
        """The step a worker is writing to the board file (shown once committed), or None."""
        return self.session.writing()

    def maybe_close(self) -> bool:
        """Ask to save unsaved work; False keeps the window open."""
        return self.files.maybe_close()

    # ================================================================== SessionView
    def board_changed(self, changed: Capture | None, reshaped: bool = False) -> None:
        self._after_change(changed)
        if reshaped:
            self.dismiss_suggestions()

    def tell(self, text: str, error: bool = True) -> None:
        self.show_notice(text, error)

    def current_notice(self) -> str | None:
        return None if self.notice.isHidden() else self.notice.text()

    def state_changed(self) -> None:
        self._update_actions()
        shown = (self.dirty, self.document_title())
        if shown != self._shown:
            self._shown = shown
            self.dirty_changed.emit(self.dirty)

    def polling(self, on: bool) -> None:
        if on:
            self._poll_timer.start()
        else:
            self._poll_timer.stop()

    # ================================================================== refreshing
    def set_board(self, loaded: Loaded) -> None:
        """A new document (start-up, open): fresh undo history, clean state."""
        self.session.open(
            loaded.graph, loaded.board, loaded.path, loaded.name, loaded.revision, loaded.store
        )
        self.clock_bar.set_day_start(self.board.day_start)
        self.matcher.loaded(loaded.settings)
        graph = loaded.graph
        self.truck_model.set_board(self.board, graph)
        self.load_model.set_board(self.board, graph)
        cities = sorted(((c.name, c.id) for c in graph.cities), key=lambda p: p[0])
        self.truck_filter.set_cities(cities)
        self.load_filter.set_cities(cities)
        if self.map.graph is not graph:
            self.map.set_graph(graph)
        self.map.set_board(self.board)
        self.dismiss_suggestions()
        self._after_change()
        for table in (self.trucks_table, self.loads_table):
            table.resizeColumnsToContents()
        self._shown = (False, self.document_title())
        self.dirty_changed.emit(False)
        freeze_startup_objects()
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
        self._refresh_map(trucks, loads)
        self.clock.refresh()  # KPIs (with on-time %, deadhead %), overdue loads, road positions
        self._prune_suggestions()
        self.day_tab.stale()
        self.state_changed()

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

    def _update_undo_actions(self) -> None:
        free = self.writing() is None
        desk_actions.show_history(self.undo_action, self.redo_action, self.history, free)

    def _update_actions(self) -> None:
        if not isValid(self):
            return  # the runner reports while the desk is being destroyed
        idle = self.graph is not None and not self.jobs.busy()
        self.suggest_button.setEnabled(idle)
        for name in desk_actions.NEEDS_IDLE:
            self.actions_by_name[name].setEnabled(idle)
        free = self.writing() is None  # a pending write: no other board change meanwhile
        self.suggestions.set_free(free)
        self.unassign_button.setEnabled(free)
        self.unassign_action.setEnabled(free)
        self._update_undo_actions()

    def show_notice(self, text: str, error: bool = True) -> None:
        """A visible line above the map (and the status bar) that says what happened."""
        self.notice.show_text(text, error)
        self.status_message.emit(text)

    # ================================================================== undo and redo
    def undo(self) -> None:
        """Ctrl+Z: undo the last step (a big one on a board file is written by a worker)."""
        self.session.undo()

    def redo(self) -> None:
        self.session.redo()

    # ================================================================== the board file
    def close_store(self) -> None:
        self.session.close_store()

    def poll_store(self) -> bool:
        """The 2 s check: has another desk committed? (see ``Session.poll``)."""
        moved = self.session.poll()
        if moved:
            self.matcher.reread()  # another desk may have changed the board's settings
        return moved

    def sync_from_store(self, then: Callable[[int], None] | None = None) -> bool:
        return self.session.sync(then)

    # ================================================================== assigning
    def _drop_check(self, load_id: str, truck_id: str) -> str | None:
        """Drag feedback: a drop is refused while a write is pending, else by the rules."""
        return self.session.refusal() or self.why_not(load_id, truck_id)

    def why_not(self, load_id: str, truck_id: str) -> str | None:
        """The reason this load cannot go on this truck, or None if it can (drag feedback)."""
        return rules.why_not(self.board, self.graph, self.settings, load_id, truck_id)

    def explain_pair(self, truck_id: str, load_id: str) -> tuple[bool, str]:
        """For "Why not?": (possible, the rule or the cost summary)."""
        left_out = self.result.unassigned if self.result is not None else None
        return rules.explain_pair(
            self.board, self.graph, self.settings, truck_id, load_id, left_out
        )

    def assign_by_hand(self, load_id: str, truck_id: str) -> bool:
        """A drop of a load on a truck: assign it, or refuse loudly with the reason."""
        change = actions.assign(self.board, self.graph, self.settings, load_id, truck_id)
        reason = change if isinstance(change, str) else self.session.apply(change)
        if reason is not None:
            self.show_notice(f"Cannot assign {load_id} to {truck_id}: {reason}")
            return False
        self.status_message.emit(f"Assigned {load_id} to {truck_id}")
        return True

    def unassign(self, load_id: str) -> bool:
        reason = self.session.apply(actions.unassign(load_id))
        if reason is not None:
            self.show_notice(f"Cannot unassign {load_id}: {reason}")
            return False
        self.status_message.emit(f"Unassigned {load_id}")
        return True

    def advance_load(self, load_id: str, verb: str) -> bool:
        """A lifecycle step of a load (the loads table's menu), stamped now; refused loudly."""
        at = self.clock.stamp()  # the board clock's now (dispatcher.clock)
        change = actions.advance(self.board, load_id, verb, at)
        reason = change if isinstance(change, str) else self.session.apply(change)
        if reason is not None:
            self.show_notice(f"Cannot mark {load_id} {LIFECYCLE[verb].text.lower()}: {reason}")
            return False
        self.show_notice(f"{load_id} {LIFECYCLE[verb].text.lower()} at {at[11:16]}", error=False)
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
            change = actions.edit(self.board, kind, item_id, field, value)
            if change is None:
                return None  # nothing changed: no undo step
            reason = self.session.apply(change)
        if reason is not None:
            self.show_notice(f"Cannot change {item_id}: {reason}")
        return reason

    # ================================================================== suggestions
    def suggest(self) -> None:
        graph = self.graph
        if graph is None or self.jobs.busy():
            return
        work = matching_work(self.board, graph, self.settings, self.matcher.name)
        if isinstance(work, str):
            self.show_notice(f"Nothing to match: {work}", error=False)
            return
        free, open_ = len(self.board.free_trucks()), len(self.board.open_loads())
        text = f"Matching {free} trucks and {open_} loads…"
        self.run_job(text, work, lambda result: self._on_suggestions(result))

    def _on_suggestions(self, result: MatchResult) -> None:
        self.result = result
        shown = self.suggestions.show_result(result, self._explain_assignment)
        self._prune_suggestions()
        self.show_notice(
            f"{shown} suggestion(s), {result.total_deadhead_km:,.0f} empty km in total",
            error=False,
        )

    def _explain_assignment(self, a: Assignment) -> str:
        return describe(self.board, self.graph, a)

    def _prune_suggestions(self) -> None:
        """Drop suggestions the board no longer allows (truck or load taken meanwhile)."""
        self.map.set_suggestions(self.suggestions.prune(self.board))
        self._update_actions()

    def _accept(self, items: list[Suggestion], text: str) -> bool:
        if not items:
            return False
        pairs = [
            BoardAssignment(s.assignment.load_id, s.assignment.truck_id, s.assignment.deadhead_km)
            for s in items
        ]

        def finished(reason: str | None) -> None:
            if reason is not None:
                self.show_notice(f"Cannot accept: {reason}")
            else:
                self.status_message.emit(f"{text}: {len(pairs)} load(s) assigned")

        # True: done, or (big, on a board file) being written; it shows once committed
        return self.session.apply(actions.accept(pairs, text), then=finished) is None

    def accept_selected(self) -> bool:
        items = self.suggestions.selected()
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
        self.suggestions.clear()

    def show_why_not(self) -> WhyNotDialog:
        dialog = WhyNotDialog(
            list(self.board.trucks), list(self.board.loads), self.explain_pair, self
        )
        dialog.select(self.trucks_table.current_id(), self.loads_table.current_id())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.why_dialog = dialog
        return dialog

    def select(self, kind: str, item_id: str) -> bool:
        """Select a truck or load in its table (clearing filters that hide it)."""
        return self.selection.select(kind, item_id)

    # ================================================================== jobs
    def run_job(
        self,
        text: str,
        work: Callable[[Progress], Any],
        done: Callable[[Any], None],
        failed: Callable[[str], None] | None = None,
    ) -> None:
        self.status_message.emit(text)
        self.jobs.run(Job(text, work, done, failed, lambda: self.show_notice("Cancelled", False)))

    def cancel_task(self) -> None:
        """Cancel: a board-file write stops only before its commit point (then nothing is
        written); once committed it is kept and shown."""
        self.jobs.cancel()

    # ================================================================== files (desk_files)
    def load_default(self) -> None:
        self.files.load_default()

    def open_board(self, path: str | Path) -> None:
        self.files.open_board(path)

    def save(self, wait: bool = False) -> None:
        if self.path is None or self.store is None:
            self.files.choose_save_as()
        else:
            self.files.save_board(self.path, wait=wait)

    def save_board(self, path: str | Path, wait: bool = False) -> None:
        self.files.save_board(path, wait)

    def import_trucks(self, path: str | Path) -> None:
        self.files.import_csv("trucks", Path(path))

    def import_loads(self, path: str | Path) -> None:
        self.files.import_csv("loads", Path(path))

    def export_assignments(self, path: str | Path) -> None:
        self.files.export_assignments(path)


__all__ = ["DispatchDesk"]
