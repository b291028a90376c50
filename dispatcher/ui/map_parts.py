"""What the map's parts (interaction, decoration) use of the map view, for the type checker.

At run time :class:`MapParts` is a plain mixin base; type checkers see the QGraphicsView and
the view's own attributes, so the mixins are checked like methods of the view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtCore import QPoint, SignalInstance
    from PySide6.QtGui import QPixmap
    from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsView

    from dispatcher.board import Board
    from dispatcher.routes import RouteGraph
    from dispatcher.ui.map_markers import Marker, MarkerLayer
    from dispatcher.ui.map_projection import Projection

    _Base = QGraphicsView
else:
    _Base = object


class MapParts(_Base):
    """Mixed into :class:`~dispatcher.ui.map_view.MapView` (before QGraphicsView)."""

    if TYPE_CHECKING:
        markers: MarkerLayer
        graph: RouteGraph | None
        board: Board | None
        projection: Projection | None
        graticule: QGraphicsPathItem
        roads: QGraphicsPathItem
        _legend: QPixmap
        _replay_legend: QPixmap
        _replay_positions: dict | None
        overdue: dict[str, str]
        _press: tuple[int | None, QPoint] | None
        _user_zoomed: bool
        drop_check: Callable[[str, str], str | None] | None
        status_hint: Callable[[str], None] | None
        marker_clicked: SignalInstance
        load_dropped: SignalInstance

        def city_at(self, pos: QPoint) -> str | None: ...
        def marker_at(self, pos: QPoint, kind: str | None = None) -> Marker | None: ...
        def clear_selection(self) -> None: ...
        def fit(self) -> None: ...
        def set_selected(self, kind: str, item_id: str, center: bool = False) -> None: ...
        def zoom_by(self, factor: float, animate: bool = True) -> None: ...


__all__ = ["MapParts"]
