"""What the main window asks of each area (tab): the one small protocol between them.

An area says what it is called in the menu bar and which actions it puts there, whether it
opens a given file, what its document is called, and whether it may close. The defaults
(:class:`AreaDefaults`) are an area without a menu, files or document; an area overrides
what it has. The window never probes an area for attributes by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from PySide6.QtCore import SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu


@runtime_checkable
class Area(Protocol):
    status_message: SignalInstance  # one line for the status bar

    def menu_title(self) -> str | None:
        """The area's menu in the menu bar (None: no menu)."""
        ...

    def menu_actions(self) -> list[QAction | None]:
        """That menu's actions; None is a separator."""
        ...

    def can_open(self, path: str) -> bool:
        """This area opens files like ``path`` (File > Open routes them here)."""
        ...

    def open_path(self, path: str) -> None: ...

    def document_title(self) -> str:
        """The open document's name for the window title ("" when none)."""
        ...

    def watch_document(self, changed: Callable[[bool], None]) -> None:
        """Call ``changed(dirty)`` whenever the document or its dirty state changes."""
        ...

    def maybe_close(self) -> bool:
        """May the window close now (unsaved work asked about)?"""
        ...

    def route_opens(self, open_elsewhere: Callable[[str], None]) -> None:
        """Where this area sends a file it made for another area (the window's open_path)."""
        ...

    def save_state(self) -> None:
        """Keep the area's own layout (splitters, columns) in QSettings for the next start."""
        ...

    def file_menus(self) -> list[QMenu]:
        """Submenus for the File menu (the desk's recent boards)."""
        ...


class AreaDefaults:
    """An area without a menu, files or document (mix in before the QWidget base)."""

    def menu_title(self) -> str | None:
        return None

    def menu_actions(self) -> list[QAction | None]:
        return []

    def can_open(self, path: str) -> bool:
        return False

    def open_path(self, path: str) -> None:
        raise ValueError(f"this area does not open {path}")

    def document_title(self) -> str:
        return ""

    def watch_document(self, changed: Callable[[bool], None]) -> None:
        return None

    def maybe_close(self) -> bool:
        return True

    def route_opens(self, open_elsewhere: Callable[[str], None]) -> None:
        return None

    def save_state(self) -> None:
        return None

    def file_menus(self) -> list[QMenu]:
        return []


__all__ = ["Area", "AreaDefaults"]
