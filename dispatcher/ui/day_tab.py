"""The desk's "Day" tab: the Day panel (simulate the day) and its replay on the desk's map.

The panel copies the board only when its tab is shown; a replay's truck positions and load
phases arrive as a pair per slider move and are drawn once, after both.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QScrollArea, QTabWidget, QWidget

from dispatcher.board import Board
from dispatcher.routes import RouteGraph
from dispatcher.ui.map_view import MapView


class DayTab:
    def __init__(
        self,
        tabs: QTabWidget,
        map_view: MapView,
        board: Callable[[], tuple[RouteGraph | None, Board]],
        parent: QWidget,
    ) -> None:
        self.tabs, self.map, self._board = tabs, map_view, board
        self.index = -1
        self._stale = True
        self._positions: dict[str, object] | None = None
        self._loads: dict[str, object] | None = None
        self._timer = QTimer(parent)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._show_replay)
        #: Told when the map shows the replay (True) or the live board again (False): the
        #: desk's KPI strip says its figures are the live board's meanwhile.
        self.replaying: Callable[[bool], None] = lambda _on: None
        self.panel = _make_panel(parent)
        if self.panel is not None:
            self.panel.positions_changed.connect(self.on_positions)  # type: ignore[attr-defined]
            self.panel.loads_changed.connect(self.on_loads)  # type: ignore[attr-defined]
            scroll = QScrollArea(parent)  # the panel is tall; the desk must fit small windows
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(self.panel)
            self.index = tabs.addTab(scroll, "Day")
        tabs.currentChanged.connect(self._on_tab)

    def shown(self) -> bool:
        return self.tabs.currentIndex() == self.index

    def stale(self) -> None:
        """The board changed: the panel copies it again when (or as soon as) it is shown."""
        self._stale = True
        if self.shown():
            self._sync()

    def _sync(self) -> None:
        graph, board = self._board()
        if self.panel is not None and graph is not None and self._stale:
            self._stale = False
            self.panel.set_board(  # type: ignore[attr-defined]
                graph, list(board.trucks.values()), list(board.loads.values())
            )

    def on_positions(self, positions: object) -> None:
        self._positions = positions if isinstance(positions, dict) else None
        self._replay_dirty()

    def on_loads(self, phases: object) -> None:
        self._loads = phases if isinstance(phases, dict) else None
        self._replay_dirty()

    def _replay_dirty(self) -> None:
        if not self._timer.isActive():
            self._timer.start(0)

    def _show_replay(self) -> None:
        if self.shown():
            self.map.set_replay(self._positions, self._loads)
            self.replaying(self._positions is not None)

    def _on_tab(self, index: int) -> None:
        if index == self.index:
            self._sync()
            self._show_replay()
        else:
            self.map.set_replay(None, None)  # back to the live board
            self.replaying(False)


def _make_panel(parent: QWidget) -> QWidget | None:
    try:
        from dispatcher.ui.day_panel import DayPanel
    except ImportError:
        return None
    return DayPanel(parent)


__all__ = ["DayTab"]
