"""The route map: cities and roads from real coordinates, trucks and loads as markers.

Why layers instead of one QGraphicsItem per truck: a busy board has thousands of markers,
and per-item bookkeeping (bounding rects, the BSP index, per-item transforms for
constant-size markers) costs more than drawing them. Two layer items paint everything in
device pixels from numpy arrays (scene position + a fixed pixel offset per marker) using
pre-rendered sprites, and the view does its own hit testing on the same arrays. Markers and
labels keep their on-screen size at every zoom, like ItemIgnoresTransformations, and labels
that would collide are hidden, bigger cities first.

Projection: equirectangular with x scaled by cos(mean latitude); scene units are ~km.

The view itself (data, zoom, selection) is here; markers, projection and level of detail,
interaction and decoration each have their own module (map_markers, map_projection,
map_interaction, map_decor).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np
from PySide6.QtCore import (
    QEasingCurve,
    QPoint,
    QPointF,
    QRectF,
    Qt,
    QVariantAnimation,
    Signal,
)
from PySide6.QtGui import (
    QPainter,
    QPainterPath,
    QPen,
)
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QWidget,
)

from dispatcher.board import Board
from dispatcher.fleet import LoadStatus
from dispatcher.routes import RouteGraph
from dispatcher.ui import style
from dispatcher.ui.dnd import LOAD_MIME, load_mime, mime_load_id
from dispatcher.ui.map_decor import REPLAY_LEGEND, MapDecor
from dispatcher.ui.map_interaction import MapInteraction
from dispatcher.ui.map_markers import (
    _SPIRAL,
    DENSE_MARKERS,
    LOAD,
    OVERDUE,
    TRUCK,
    Marker,
    MarkerLayer,
    _sunflower,
)
from dispatcher.ui.map_projection import CityLayer, Projection, _map_points
from dispatcher.ui.map_replay import ReplayLayout


class MapView(MapInteraction, MapDecor, QGraphicsView):
    """Pan (drag empty space), zoom (wheel, +/-, 0 to fit), click to select, drag a load
    onto a truck to assign it. The desk owns the board; the view only shows it."""

    marker_clicked = Signal(str, str)  # kind ("truck"/"load", or "" for empty space), id
    load_dropped = Signal(str, str)  # load id, truck id
    zoom_changed = Signal(float)  # scale relative to "fit"

    MIN_ZOOM, MAX_ZOOM = 0.6, 80.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("map_view")
        self.setScene(QGraphicsScene(self))
        self.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setBackgroundBrush(style.BACKGROUND)
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("")
        self.setAccessibleName("Route map")
        self.setAccessibleDescription(
            "Trucks (squares) and loads (diamonds) on the road map. Drag empty space to pan, "
            "wheel or +/- to zoom, 0 to fit; drag a load onto a truck to assign it."
        )

        self.graph: RouteGraph | None = None
        self.board: Board | None = None
        self.projection: Projection | None = None
        self._city_pos: dict[str, QPointF] = {}
        self._map_rect = QRectF()
        self._fit_scale = 1.0
        self._user_zoomed = False
        self._press: tuple[int | None, QPoint] | None = None
        self._suggestion_ids: list[tuple[str, str]] = []
        self._replay_positions: dict | None = None
        self._replay_loads: dict | None = None
        #: From the board clock (dispatcher.clock): overdue load id -> reason (drawn red),
        #: and where each load on its truck is now (drawn there, with its truck).
        self.overdue: dict[str, str] = {}
        self.on_road: dict[str, tuple[float, float]] = {}
        self._replay_layout: ReplayLayout | None = None  # per-board caches of replay frames
        #: The desk answers "may this load go on this truck?" (None = yes) for drag feedback.
        self.drop_check: Callable[[str, str], str | None] | None = None
        self.status_hint: Callable[[str], None] | None = None

        big = QRectF(-1e5, -1e5, 2e5, 2e5)
        self.graticule = QGraphicsPathItem()
        self.roads = QGraphicsPathItem()
        self.cities = CityLayer(big)
        self.markers = MarkerLayer(big)
        # roads and the lat/lon grid never change after loading: they are drawn as the
        # view's background, which QGraphicsView caches (CacheBackground), so hovering,
        # selecting or replaying redraws only the markers on top of a cached pixmap
        for z, item in enumerate((self.cities, self.markers)):
            item.setZValue(z)
            self.scene().addItem(item)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.cities.setZValue(5)  # names above markers: the halo keeps both readable
        self.markers.setZValue(3)
        self._legend = self._make_legend()
        self._replay_legend = self._make_legend(REPLAY_LEGEND)
        self._zoom_anim = QVariantAnimation(self)
        self._zoom_anim.setDuration(140)
        self._zoom_anim.setEasingCurve(QEasingCurve.Type.OutCubic)
        self._zoom_anim.valueChanged.connect(self._animate_zoom)

    # -- data -----------------------------------------------------------------------------

    def set_graph(self, graph: RouteGraph) -> None:
        self.graph = graph
        proj = self.projection = Projection.for_graph(graph)
        cities = graph.cities
        self._city_pos = {c.id: proj.to_scene(c.lat, c.lon) for c in cities}
        pos = np.array([[p.x(), p.y()] for p in self._city_pos.values()])
        roads = QPainterPath()
        for u, v, _km in graph.edges():
            roads.moveTo(self._city_pos[u])
            roads.lineTo(self._city_pos[v])
        pen = QPen(style.ROAD_COLOR, 1.0)  # 1 px cosmetic: the fast raster path, 2-3x cheaper
        pen.setCosmetic(True)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.roads.setPen(pen)
        self.roads.setPath(roads)
        self.resetCachedContent()
        self.cities.set_cities(
            [c.id for c in cities], [c.name for c in cities], pos, [c.population for c in cities]
        )
        rect = QRectF(
            QPointF(pos[:, 0].min(), pos[:, 1].min()), QPointF(pos[:, 0].max(), pos[:, 1].max())
        )
        margin = max(rect.width(), rect.height()) * 0.06 + 20
        self._map_rect = rect.adjusted(-margin, -margin, margin, margin)
        self._draw_graticule()
        pad = max(rect.width(), rect.height())
        self.setSceneRect(self._map_rect.adjusted(-pad, -pad, pad, pad))
        self._user_zoomed = False
        self.fit()
        self.refresh()

    def set_board(self, board: Board) -> None:
        self.board = board
        self.refresh()

    def refresh(
        self, trucks: Collection[str] | None = None, loads: Collection[str] | None = None
    ) -> None:
        """Show the board after a change. With the ids that changed, markers that stayed in
        their cities only get their new colour (assign, unassign, accept all, their undo);
        otherwise, or when something moved, every marker is rebuilt."""
        self._replay_layout = None  # the board changed: a replay lays it out afresh
        if (
            trucks is not None
            and loads is not None
            and self._replay_positions is None
            and self._replay_loads is None
            and self._recolor(trucks, loads)
        ):
            return
        self._rebuild()

    def _recolor(self, trucks: Collection[str], loads: Collection[str]) -> bool:
        board, layer = self.board, self.markers
        if board is None or self.graph is None:
            return False
        markers, truck_idx, load_idx = layer.markers, layer.by_kind[TRUCK], layer.by_kind[LOAD]
        updates: list[tuple[int, Marker]] = []
        # Accept all recolours 6,000 markers on the UI thread: ids without tuple keys,
        # ``_value_`` (a plain attribute, not the ``value`` property), Marker(...) not _replace
        for tid in trucks:
            t = board.trucks.get(tid)
            i = truck_idx.get(tid)
            if t is None or i is None:
                return False
            m = markers[i]
            if m.city != t.location:
                return False
            status = t.status._value_
            if m.status != status:
                updates.append((i, Marker(m.kind, m.id, status, m.city)))
        delivered = LoadStatus.DELIVERED
        for lid in loads:
            ld = board.loads.get(lid)
            i = load_idx.get(lid)
            if ld is None or i is None:
                return False
            m = markers[i]
            if m.city != (ld.destination if ld.status is delivered else ld.origin):
                return False
            status = OVERDUE if lid in self.overdue else ld.status._value_
            if m.status != status:
                updates.append((i, Marker(m.kind, m.id, status, m.city)))
        for i, m in updates:
            layer.markers[i] = m
            layer._sprite_of[i] = layer.sprite(m.kind, m.status, layer.compact)
        self._relink()
        layer.update()
        return True

    def _relink(self) -> None:
        board = self.board
        assert board is not None
        truck_idx, load_idx = self.markers.by_kind[TRUCK], self.markers.by_kind[LOAD]
        links = []
        for a in board.assignments.values():
            i, j = truck_idx.get(a.truck_id), load_idx.get(a.load_id)
            if i is not None and j is not None:
                links.append((i, j))
        self.markers.links = links

    def _rebuild(self) -> None:
        board = self.board
        if board is None or self.graph is None or self.projection is None:
            self.markers.set_markers([], np.zeros((0, 2)), np.zeros((0, 2)))
            return
        selected = self.selected()
        if self._replay_positions is not None or self._replay_loads is not None:
            layout = self._replay_layout
            if layout is None or not layout.fits(board):
                layout = self._replay_layout = ReplayLayout(board, self._city_pos, self.projection)
            markers, base, offsets = layout.frame(self._replay_positions or {}, self._replay_loads)
            if markers is None:
                if len(base) == len(self.markers.markers):
                    self.markers.set_positions(base, offsets)  # same markers, moved
                    return
                markers = layout.last_markers
            self.markers.set_markers(markers, base, offsets)
            # the board's assignment and suggestion lines mean nothing at a replayed moment
            self.markers.links, self.markers.suggestions = [], []
        else:
            self._replay_layout = None
            self._rebuild_live(board)
            self._relink()
            self.markers.suggestions = [
                p for p in self._suggestion_ids_to_idx(self._suggestion_ids) if p is not None
            ]
        self._update_spread()
        self.markers.selected = None
        self.markers.hover = None
        if selected is not None:
            self.set_selected(*selected)
        self.markers.update()

    def _rebuild_live(self, board: Board) -> None:
        """The board's markers city by city (trucks first), loads on the road with their truck."""
        groups: dict[object, tuple[QPointF, list[Marker]]] = {}

        def put(key: object, point: QPointF | None, marker: Marker) -> None:
            if point is not None:
                groups.setdefault(key, (point, []))[1].append(marker)

        riding = self._riding()
        for t in board.trucks.values():
            if t.id in riding:
                group, at, load_marker = riding[t.id]
                put(group, at, Marker(TRUCK, t.id, t.status.value, t.location))
                put(group, at, load_marker)
            else:
                put(
                    t.location,
                    self._city_pos.get(t.location),
                    Marker(TRUCK, t.id, t.status.value, t.location),
                )
        carried = {m.id for _key, _p, m in riding.values()}
        for ld in board.loads.values():
            if ld.id in carried:
                continue  # drawn with its truck
            status = OVERDUE if ld.id in self.overdue else ld.status.value
            city = ld.destination if ld.status == LoadStatus.DELIVERED else ld.origin
            put(city, self._city_pos.get(city), Marker(LOAD, ld.id, status, city))
        markers: list[Marker] = []
        base: list[tuple[float, float]] = []
        lift = np.zeros(len(self.cities.ids))
        city_index = {cid: i for i, cid in enumerate(self.cities.ids)}
        offsets: list[np.ndarray] = []
        for key, (p, group) in groups.items():
            n = len(group)
            spiral = _SPIRAL[:n] if n <= len(_SPIRAL) else _sunflower(n)
            offsets.append(spiral)
            markers.extend(group)
            base.extend([(p.x(), p.y())] * n)
            if isinstance(key, str) and key in city_index:
                lift[city_index[key]] = max(0.0, float(-spiral[:, 1].min()) - 2.0)
        self.markers.set_markers(
            markers,
            np.array(base, dtype=float).reshape(-1, 2),
            np.concatenate(offsets) if offsets else np.zeros((0, 2)),
        )
        self.cities.set_label_lift(np.minimum(lift, 30.0))

    def _riding(self) -> dict[str, tuple[object, QPointF, Marker]]:
        """Truck id -> (group key, scene point, its load's marker) for loads on the road:
        the truck and its load are drawn together where the load is now."""
        board, proj, out = self.board, self.projection, {}
        if board is None or proj is None:
            return {}
        for load_id, (lat, lon) in self.on_road.items():
            ld = board.loads.get(load_id)
            if ld is None or ld.truck_id is None or ld.truck_id not in board.trucks:
                continue
            p = proj.to_scene(lat, lon)
            home = self._city_pos.get(ld.origin)
            at_origin = home is not None and (p - home).manhattanLength() <= 1e-6
            key: object = ld.origin if at_origin else (round(p.x(), 1), round(p.y(), 1))
            out[ld.truck_id] = (key, p, Marker(LOAD, ld.id, ld.status.value, ""))
        return out

    def set_clock_state(
        self, overdue: dict[str, str], on_road: dict[str, tuple[float, float]]
    ) -> None:
        """The board clock's news: overdue loads turn red, loads on the road move."""
        if overdue == self.overdue and on_road == self.on_road:
            return
        moved = on_road != self.on_road
        changed = set(overdue) ^ set(self.overdue)
        self.overdue, self.on_road = dict(overdue), dict(on_road)
        self.refresh(None if moved else (), None if moved else changed)

    def set_replay(self, positions: dict | None, load_phases: dict | None = None) -> None:
        """Show a simulated moment (the Day panel's slider); ``None`` returns to the board."""
        self._replay_positions = positions
        self._replay_loads = load_phases
        self._rebuild()

    def set_suggestions(self, pairs: list[tuple[str, str]]) -> None:
        """Dashed truck -> pickup lines for (truck id, load id) proposals."""
        self._suggestion_ids = list(pairs)
        self.markers.suggestions = [
            p for p in self._suggestion_ids_to_idx(self._suggestion_ids) if p is not None
        ]
        self.markers.update()

    def _suggestion_ids_to_idx(self, pairs: list[tuple[str, str]]) -> list[tuple[int, int] | None]:
        idx = self.markers.index
        return [
            (idx[(TRUCK, t)], idx[(LOAD, ld)]) if (TRUCK, t) in idx and (LOAD, ld) in idx else None
            for t, ld in pairs
        ]

    # -- selection ------------------------------------------------------------------------

    def selected(self) -> tuple[str, str] | None:
        i = self.markers.selected
        if i is None or i >= len(self.markers.markers):
            return None
        m = self.markers.markers[i]
        return m.kind, m.id

    def set_selected(self, kind: str, item_id: str, center: bool = False) -> None:
        i = self.markers.index.get((kind, item_id))
        self.markers.selected = i
        self.markers.route = None
        if i is not None and kind == LOAD and self.board is not None and self.graph is not None:
            load = self.board.loads.get(item_id)
            if load is not None and self.graph.has_node(load.origin):
                self.markers.route = self._route_path(load.origin, load.destination)
        self.markers.update()
        if i is not None and center:
            self.ensure_marker_visible(i)

    def clear_selection(self) -> None:
        self.markers.selected = None
        self.markers.route = None
        self.markers.update()

    def ensure_marker_visible(self, i: int) -> None:
        dev = self.markers.device_positions(self.viewportTransform())[i]
        if not self.viewport().rect().adjusted(20, 20, -20, -20).contains(int(dev[0]), int(dev[1])):
            self.centerOn(QPointF(*self.markers.base[i]))

    def marker_at(self, pos: QPoint, kind: str | None = None) -> Marker | None:
        i = self.markers.hit(self.viewportTransform(), pos.x(), pos.y(), kind)
        return self.markers.markers[i] if i is not None else None

    def marker_pos(self, kind: str, item_id: str) -> QPoint:
        """Viewport position of a marker (tests and accessibility tools use it)."""
        i = self.markers.index[(kind, item_id)]
        x, y = self.markers.device_positions(self.viewportTransform())[i]
        return QPoint(round(x), round(y))

    def city_at(self, pos: QPoint) -> str | None:
        dev = _map_points(self.viewportTransform(), self.cities.points)
        if len(dev) == 0:
            return None
        d2 = (dev[:, 0] - pos.x()) ** 2 + (dev[:, 1] - pos.y()) ** 2
        i = int(np.argmin(d2))
        return self.cities.ids[i] if d2[i] <= 36 else None

    def _route_path(self, origin: str, destination: str) -> QPainterPath | None:
        if self.graph is None or not self.graph.has_node(destination):
            return None
        path = QPainterPath()
        for k, node in enumerate(self.graph.path(origin, destination)):
            p = self._city_pos[node]
            path.moveTo(p) if k == 0 else path.lineTo(p)
        return path

    # -- zoom -----------------------------------------------------------------------------

    def zoom_level(self) -> float:
        """Current scale relative to the whole-map fit (1.0 = fit)."""
        return self.transform().m11() / self._fit_scale if self._fit_scale else 1.0

    def fit(self) -> None:
        if self._map_rect.isEmpty():
            return
        self.fitInView(self._map_rect, Qt.AspectRatioMode.KeepAspectRatio)
        self._fit_scale = self.transform().m11()
        self._user_zoomed = False
        self._update_spread()
        self.zoom_changed.emit(1.0)

    def zoom_by(self, factor: float, animate: bool = True) -> None:
        target = min(self.MAX_ZOOM, max(self.MIN_ZOOM, self.zoom_level() * factor))
        self._user_zoomed = True
        if not animate:
            self._set_zoom(target)
            return
        self._zoom_anim.stop()
        self._zoom_anim.setStartValue(self.zoom_level())
        self._zoom_anim.setEndValue(target)
        self._zoom_anim.start()

    def set_zoom(self, level: float) -> None:
        self._user_zoomed = True
        self._set_zoom(min(self.MAX_ZOOM, max(self.MIN_ZOOM, level)))

    def _animate_zoom(self, value: object) -> None:
        anchor = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self._set_zoom(float(value))  # type: ignore[arg-type]
        self.setTransformationAnchor(anchor)

    def _set_zoom(self, level: float) -> None:
        current = self.zoom_level()
        if current > 0 and abs(level - current) > 1e-12:
            self.scale(level / current, level / current)
            self._update_spread()
            self.zoom_changed.emit(self.zoom_level())

    def _update_spread(self) -> None:
        """Clusters keep their pixel size up to 4x zoom, then open up to 3x wider; a dense
        board seen (nearly) whole gets small markers in tight clusters instead."""
        zoom = self.zoom_level()
        compact = len(self.markers.markers) > DENSE_MARKERS and zoom < 2.0
        spread = 0.6 if compact else min(3.0, max(1.0, zoom / 4.0))
        self.markers.set_compact(compact)
        if spread != self.markers.spread:
            self.markers.spread = self.cities.spread = spread
            self.cities._visible_cache = None
            self.markers.update()
            self.cities.update()

    def center_on_latlon(self, lat: float, lon: float) -> None:
        if self.projection is not None:
            self.centerOn(self.projection.to_scene(lat, lon))


__all__ = [
    "LOAD",
    "LOAD_MIME",
    "TRUCK",
    "MapView",
    "Marker",
    "Projection",
    "load_mime",
    "mime_load_id",
]
