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
        "files.choose_import_trucks",
        "Ctrl+Shift+T",
        "Replace the fleet with the trucks in a CSV file",
    ),
    ActionSpec(
        "import_loads_action",
        "Import &loads CSV…",
        "files.choose_import_loads",
        "Ctrl+Shift+L",
        "Replace the loads with those in a CSV file",
    ),
    ActionSpec(
        "export_action",
        "&Export assignments CSV…",
        "files.choose_export",
        "Ctrl+E",
        "Write the current assignments to a CSV file",
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
    return {
        spec.name: build(widget, spec, operator.attrgetter(spec.slot)(slots))
        for spec in MENU
        if spec
    }


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
