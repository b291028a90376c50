"""The desk's "Day" tab: the Day panel (simulate the day) and its replay on the desk's map.

The panel copies the board only when its tab is shown; a replay's truck positions and load
phases arrive as a pair per slider move and are drawn once, after both.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QBoxLayout, QScrollArea, QSplitter, QStyle, QTabWidget, QWidget

from dispatcher.board import Board
from dispatcher.routes import RouteGraph
from dispatcher.ui.map_view import MapView

#: The batching chart's narrowest readable width beside the Day controls.
CHART_MIN_WIDTH = 360


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
        self.split: QSplitter | None = None  # controls | chart (None: no chart box)
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
            page = _beside_chart(self.panel, scroll)
            self.split = page if isinstance(page, QSplitter) else None
            self.index = tabs.addTab(page, "Day")
        tabs.currentChanged.connect(self._on_tab)

    def room(self) -> tuple[int, int]:
        """(controls, chart): the widths the Day page needs to show both whole."""
        if self.panel is None:
            return 0, 0
        bar = self.panel.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        controls = self.panel.minimumSizeHint().width() + bar
        return controls, CHART_MIN_WIDTH

    def fit(self) -> None:
        """Give the controls what they need and the chart the rest."""
        if self.split is not None:
            controls, _chart = self.room()
            total = sum(self.split.sizes())
            self.split.setSizes([controls, max(total - controls, 0)])

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


def _beside_chart(panel: QWidget, scroll: QScrollArea) -> QWidget:
    """The Day page: the panel's controls and KPIs on the left, its batching chart on the
    right with the tab's full height (stacked, the chart would fall below a laptop's
    screen); the splitter between them is the user's to move."""
    chart = getattr(panel, "chart_box", None)
    if not isinstance(chart, QWidget):
        return scroll
    split = QSplitter(Qt.Orientation.Horizontal, scroll.parentWidget())
    split.setObjectName("day_split")
    split.setChildrenCollapsible(False)
    split.addWidget(scroll)
    split.addWidget(chart)  # out of the panel's column (its layout lets go of it)
    split.setStretchFactor(0, 0)
    split.setStretchFactor(1, 1)
    layout = panel.layout()
    if isinstance(layout, QBoxLayout):
        layout.addStretch(1)  # the boxes keep their height at the top
    return split


def _make_panel(parent: QWidget) -> QWidget | None:
    try:
        from dispatcher.ui.day_panel import DayPanel
    except ImportError:
        return None
    return DayPanel(parent)


__all__ = ["DayTab"]
