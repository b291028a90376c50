"""The desk's menu actions as data: one row per action, built into QActions in one place.

A row names the desk method it runs, so the table reads as the desk's command list (and the
main window's Dispatch menu is this table in order, ``None`` rows being separators).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from dispatcher.history import History

Shortcut = QKeySequence.StandardKey | str | tuple[str, ...]


@dataclass(frozen=True)
class ActionSpec:
    name: str  # objectName, and the desk attribute ``<name minus _action>_action``
    text: str
    slot: str  # the desk method it runs ("files.choose_open": its file commands' method)
    shortcut: Shortcut | None
    tip: str


UNDO = ActionSpec("undo_action", "&Undo", "undo", QKeySequence.StandardKey.Undo, "Undo")
REDO = ActionSpec("redo_action", "&Redo", "redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo")

#: The Dispatch menu, in order (None: a separator).
MENU: tuple[ActionSpec | None, ...] = (
    ActionSpec(
        "open_board_action",
        "&Open board…",
        "files.choose_open",
        "Ctrl+Shift+O",
        "Open a saved dispatch board",
    ),
    ActionSpec(
        "save_board_action",
        "&Save board",
        "save",
        QKeySequence.StandardKey.Save,
        "Save the board (SQLite, every save is one transaction)",
    ),
    ActionSpec(
        "save_board_as_action",
        "Save board &as…",
        "files.choose_save_as",
        "Ctrl+Shift+S",
        "Save the board to a new file",
    ),
    None,
    ActionSpec(
        "import_trucks_action",
        "Import &trucks CSV…",
        "imports.choose_import_trucks",
        "Ctrl+Shift+T",
        "Merge the trucks of a CSV file into the board, or replace the fleet (with a preview)",
    ),
    ActionSpec(
        "import_loads_action",
        "Import &loads CSV…",
        "imports.choose_import_loads",
        "Ctrl+Shift+L",
        "Merge the loads of a CSV file into the board, or replace them (with a preview)",
    ),
    ActionSpec(
        "export_action",
        "&Export assignments CSV…",
        "files.choose_export",
        "Ctrl+E",
        "Write the current assignments to a CSV file",
    ),
    ActionSpec(
        "export_trucks_action",
        "Export truc&ks CSV…",
        "imports.choose_export_trucks",
        None,
        "Write the board's trucks to a CSV file (the importer reads it back)",
    ),
    ActionSpec(
        "export_loads_action",
        "Export loa&ds CSV…",
        "imports.choose_export_loads",
        None,
        "Write the board's loads to a CSV file (the importer reads it back)",
    ),
    None,
    ActionSpec(
        "new_truck_action",
        "New truc&k…",
        "records.new_truck",
        "Ctrl+Alt+T",
        "Add a truck to the board (a form; Ctrl+Z undoes)",
    ),
    ActionSpec(
        "new_load_action",
        "New loa&d…",
        "records.new_load",
        "Ctrl+Alt+L",
        "Add a load to the board (a form; Ctrl+Z undoes)",
    ),
    ActionSpec(
        "edit_record_action",
        "Ed&it selected…",
        "records.edit_selected",
        "Ctrl+Shift+E",
        "Edit the selected truck or load in a form",
    ),
    ActionSpec(
        "delete_record_action",
        "De&lete selected",
        "records.delete_selected",
        "Del",
        "Delete the selected truck or load (an assigned one is unassigned first; Ctrl+Z undoes)",
    ),
    None,
    ActionSpec(
        "matcher_settings_action",
        "&Matcher settings…",
        "matcher.show",
        "Ctrl+Shift+M",
        "Speed, max deadhead, cost weights, greedy or optimal: saved with the board",
    ),
    ActionSpec(
        "map_india_action",
        "Map: &India",
        "maps.india",
        None,
        "Switch to the India map (its sample board unless this board's cities are all on it)",
    ),
    ActionSpec(
        "map_us_canada_action",
        "Map: US / &Canada",
        "maps.us_canada",
        None,
        "Switch to the US / Canada map (its sample board unless this board's cities are on it)",
    ),
    ActionSpec(
        "open_map_action",
        "Open a map (&GraphML)…",
        "maps.choose",
        None,
        "Use a GraphML map (keep it beside the board file: a board reads its map from there)",
    ),
    None,
    ActionSpec(
        "suggest_action",
        "&Suggest matches",
        "suggest",
        "Ctrl+M",
        "Run the optimal matcher in the background",
    ),
    ActionSpec(
        "why_not_action",
        "&Why not?…",
        "show_why_not",
        "Ctrl+I",
        "Explain why a truck cannot take a load",
    ),
    ActionSpec(
        "size_backend_action",
        "Si&ze the backend for this board…",
        "sizing.start",
        None,
        "Time the matcher on this map and open a matcher design for this board's load rate "
        "in the Design Lab",
    ),
    ActionSpec(
        "unassign_action",
        "U&nassign load",
        "unassign_selected",
        "Ctrl+U",
        "Take the selected load off its truck",
    ),
    None,
    UNDO,
    REDO,
)

#: Actions that need a loaded map and no running job.
NEEDS_IDLE = (
    "suggest_action",
    "import_trucks_action",
    "import_loads_action",
    "open_board_action",
    "save_board_action",
    "save_board_as_action",
    "export_action",
    "export_trucks_action",
    "export_loads_action",
    "map_india_action",
    "map_us_canada_action",
    "open_map_action",
    "size_backend_action",
)


def build(widget: QWidget, spec: ActionSpec, slot: Callable[[], object]) -> QAction:
    """A QAction for ``spec`` on ``widget``, its shortcut scoped to the widget."""
    action = QAction(spec.text, widget)
    action.setObjectName(spec.name)
    if isinstance(spec.shortcut, tuple):
        action.setShortcuts([QKeySequence(s) for s in spec.shortcut])
    elif spec.shortcut is not None:
        action.setShortcut(QKeySequence(spec.shortcut))
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    if spec not in (UNDO, REDO):  # their tips follow the step they would undo/redo
        action.setToolTip(spec.tip)
        action.setStatusTip(spec.tip)
    action.triggered.connect(lambda _checked=False: slot())
    widget.addAction(action)
    return action


def build_all(widget: QWidget, slots: object) -> dict[str, QAction]:
    """Every action of the menu, by name; ``slots`` has the methods the rows name."""
    return {spec.name: build(widget, spec, _slot(slots, spec.slot)) for spec in MENU if spec}


def _slot(slots: object, name: str) -> Callable[[], object]:
    """The method ``name`` names, looked up when the action runs (its owner, such as the
    desk's record commands, may be made after the actions)."""
    return lambda: operator.attrgetter(name)(slots)()


def show_history(undo: QAction, redo: QAction, history: History, free: bool) -> None:
    """Undo/redo say which step they would run, and are off while a write is pending."""
    for action, verb, name in ((undo, "&Undo", "undo"), (redo, "&Redo", "redo")):
        text = history.text(name)
        action.setText(f"{verb} {text}" if text else verb)
        action.setToolTip(action.text().replace("&", ""))
        action.setEnabled(history.next(name) is not None and free)


__all__ = [
    "MENU",
    "NEEDS_IDLE",
    "REDO",
    "UNDO",
    "ActionSpec",
    "build",
    "build_all",
    "show_history",
]
