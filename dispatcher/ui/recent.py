"""Recent boards (File > Recent boards) and the last board reopened at start.

The list and the last board live in QSettings, like the window's geometry. At start the desk
reopens the last board file if it still exists and opens; otherwise it shows the sample
board and says plainly why (never a crash, never a silent switch).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from dispatcher import documents
from dispatcher.documents import Loaded

if TYPE_CHECKING:
    from dispatcher.ui.desk import DispatchDesk

RECENT_KEY = "dispatch_desk/recent_boards"
LAST_KEY = "dispatch_desk/last_board"
#: How many boards File > Recent boards lists.
MAX_RECENT = 8


def recent_paths() -> list[str]:
    value = QSettings().value(RECENT_KEY, [])
    if isinstance(value, str):  # QSettings hands back a one-item list as a string
        value = [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def last_board() -> str | None:
    value = QSettings().value(LAST_KEY, "")
    return str(value) if value else None


class RecentBoards(QObject):
    """The menu and the bookkeeping; ``note(path)`` whenever the desk's board file changes."""

    def __init__(self, desk: DispatchDesk, parent: QWidget) -> None:
        super().__init__(parent)
        self.desk = desk
        self._noted: Path | None = None
        self.menu = QMenu("Recent &boards", parent)
        self.menu.setObjectName("recent_boards_menu")
        self.menu.aboutToShow.connect(self.rebuild)
        self.rebuild()

    def note(self, path: Path | None) -> None:
        """The desk now works on ``path`` (a board file): first in the list, and the board
        to reopen at the next start."""
        if path is None or path == self._noted:
            return
        self._noted = path
        text = str(path.resolve())
        paths = [text, *(p for p in recent_paths() if p != text)][:MAX_RECENT]
        settings = QSettings()
        settings.setValue(RECENT_KEY, paths)
        settings.setValue(LAST_KEY, text)
        self.rebuild()

    def rebuild(self) -> None:
        self.menu.clear()
        paths = recent_paths()
        for index, text in enumerate(paths, start=1):
            path = Path(text)
            missing = not path.exists()
            label = f"&{index} {path.name}" + ("  (missing)" if missing else "")
            action = QAction(label, self.menu)
            action.setToolTip(text)
            action.setStatusTip(text)
            action.setEnabled(not missing)
            action.triggered.connect(lambda _=False, p=text: self.open(p))
            self.menu.addAction(action)
        if not paths:
            empty = self.menu.addAction("No recent boards")
            empty.setEnabled(False)
            return
        self.menu.addSeparator()
        clear = self.menu.addAction("Clear the list")
        clear.triggered.connect(self.clear)

    def clear(self) -> None:
        settings = QSettings()
        settings.remove(RECENT_KEY)
        self.rebuild()

    def open(self, path: str) -> None:
        if self.desk.maybe_close():
            self.desk.open_board(path)

    # ---------------------------------------------------------------- start-up
    def start(self) -> None:
        """Reopen the last board if it still exists and opens; else the sample board."""
        last = last_board()
        if last is None:
            self.desk.files.load_default()
            return
        target = Path(last)
        if not target.exists():
            self._sample(f"Could not reopen {target.name}: the file is gone ({last})")
            return
        d = self.desk
        owner = d.owner
        d.run_job(
            f"Reopening {target.name}…",
            lambda p: documents.open_board(target, owner, None, p),
            d.set_board,
            failed=lambda message: self._sample(f"Could not reopen {target.name}: {message}"),
        )

    def _sample(self, why: str) -> None:
        """Show the sample board and say why the last one is not there."""
        QSettings().remove(LAST_KEY)  # do not try it again at every start
        d = self.desk

        def shown(loaded: Loaded) -> None:
            d.set_board(loaded)
            d.show_notice(f"{why}. Showing the sample board instead.")

        d.run_job("Loading the India map and sample board…", documents.load_sample, shown)


__all__ = ["LAST_KEY", "RECENT_KEY", "RecentBoards", "last_board", "recent_paths"]
