"""The route map: cities and roads from real coordinates, trucks and loads as markers.

Why layers instead of one QGraphicsItem per truck: a busy board has thousands of markers,
and per-item bookkeeping (bounding rects, the BSP index, per-item transforms for
constant-size markers) costs more than drawing them. Two layer items paint everything in
device pixels from numpy arrays (scene position + a fixed pixel offset per marker) using
pre-rendered sprites, and the view does its own hit testing on the same arrays. Markers and
labels keep their on-screen size at every zoom, like ItemIgnoresTransformations, and labels
that would collide are hidden, bigger cities first.

Projection: equirectangular with x scaled by cos(mean latitude); scene units are ~km.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from PySide6.QtCore import (
    QEasingCurve,
    QEvent,
    QMimeData,
    QPoint,
    QPointF,
    QRectF,
    Qt,
    QVariantAnimation,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPixmap,
    QPolygonF,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QToolTip,
    QWidget,
)

from dispatcher.board import Board
from dispatcher.fleet import LoadStatus, TruckStatus
from dispatcher.routes import RouteGraph
from dispatcher.ui import style

KM_PER_DEGREE = 111.32
LOAD_MIME = "application/x-freightlab-load"
TRUCK, LOAD = "truck", "load"
MARKER_PX = 11  # sprite size in device pixels
COMPACT_PX = 7  # sprite size when a dense board is seen whole
DENSE_MARKERS = 600  # more markers than this: compact clusters below 2x zoom
SPACING_PX = 6.5  # sunflower spacing between markers around a city
HIT_PX = 8.0
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def load_mime(load_id: str) -> QMimeData:
    """The drag payload for a load, shared by the loads table and the map."""
    mime = QMimeData()
    mime.setData(LOAD_MIME, load_id.encode("utf-8"))
    mime.setText(load_id)
    return mime


def mime_load_id(mime: QMimeData | None) -> str | None:
    if mime is None or not mime.hasFormat(LOAD_MIME):
        return None
    return bytes(mime.data(LOAD_MIME).data()).decode("utf-8") or None


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection centred on the map, cos(lat0)-scaled so shapes look right."""

    lat0: float
    lon0: float

    @classmethod
    def for_graph(cls, graph: RouteGraph) -> Projection:
        cities = graph.cities
        lats = [c.lat for c in cities]
        lons = [c.lon for c in cities]
        return cls((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)

    def to_scene(self, lat: float, lon: float) -> QPointF:
        x = (lon - self.lon0) * KM_PER_DEGREE * math.cos(math.radians(self.lat0))
        return QPointF(x, -(lat - self.lat0) * KM_PER_DEGREE)

    def to_latlon(self, p: QPointF) -> tuple[float, float]:
        lon = self.lon0 + p.x() / (KM_PER_DEGREE * math.cos(math.radians(self.lat0)))
        return self.lat0 - p.y() / KM_PER_DEGREE, lon


def _affine(t: QTransform) -> np.ndarray:
    """2x3 matrix of a (non-perspective) QTransform, for mapping many points with numpy."""
    return np.array([[t.m11(), t.m21(), t.dx()], [t.m12(), t.m22(), t.dy()]])


def _map_points(t: QTransform, pts: np.ndarray) -> np.ndarray:
    if len(pts) == 0:
        return np.zeros((0, 2))
    m = _affine(t)
    return pts @ m[:, :2].T + m[:, 2]


def _sprite(kind: str, color: QColor, px: int = MARKER_PX) -> QPixmap:
    """A marker: trucks are rounded squares, loads diamonds; dark outline for contrast."""
    size = px + 2
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor(30, 30, 30, 220), 1.2))
    p.setBrush(QBrush(color))
    c = size / 2
    r = px / 2
    if kind == TRUCK:
        p.drawRoundedRect(QRectF(c - r + 0.5, c - r + 1.5, 2 * r - 1, 2 * r - 3), 2.0, 2.0)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 200))  # a windscreen, so a truck reads as a truck
        p.drawRect(QRectF(c + r * 0.15, c - r * 0.45, r * 0.45, r * 0.4))
    else:
        poly = QPolygonF(
            [QPointF(c, c - r), QPointF(c + r, c), QPointF(c, c + r), QPointF(c - r, c)]
        )
        p.drawPolygon(poly)
    p.end()
    return pm


def _thin_pen(color: QColor) -> QPen:
    """A 1 px cosmetic pen: Qt's raster engine draws these on a fast path (no stroker),
    which is what keeps hundreds of assignment and suggestion lines cheap."""
    pen = QPen(color, 1.0)
    pen.setCosmetic(True)
    return pen


def _label_pixmap(text: str, font: QFont) -> QPixmap:
    """A city name with a light halo so it reads over roads and markers."""
    fm = QFontMetricsF(font)
    w, h = fm.horizontalAdvance(text) + 6, fm.height() + 4
    pm = QPixmap(math.ceil(w), math.ceil(h))
    pm.fill(Qt.GlobalColor.transparent)
    path = QPainterPath()
    path.addText(QPointF(3, 2 + fm.ascent()), font, text)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    halo = QPainterPathStroker()
    halo.setWidth(3.5)
    halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.fillPath(halo.createStroke(path), QColor(250, 248, 242, 235))
    p.fillPath(path, QColor(35, 35, 35))
    p.end()
    return pm


class _Layer(QGraphicsItem):
    """Base for items that paint in device pixels over the whole map."""

    def __init__(self, bounds: QRectF) -> None:
        super().__init__()
        self._bounds = bounds
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)

    def set_bounds(self, bounds: QRectF) -> None:
        self.prepareGeometryChange()
        self._bounds = bounds

    def boundingRect(self) -> QRectF:
        return self._bounds

    @staticmethod
    def _device_clip(painter: QPainter, option: QStyleOptionGraphicsItem, pad: float) -> QRectF:
        rect = painter.worldTransform().mapRect(option.exposedRect)
        return rect.adjusted(-pad, -pad, pad, pad)


class CityLayer(_Layer):
    """City dots and names; a name is shown only where it does not hit a bigger city's."""

    def __init__(self, bounds: QRectF) -> None:
        super().__init__(bounds)
        self.ids: list[str] = []
        self.names: list[str] = []
        self.pos = np.zeros((0, 2))
        self.radius = np.zeros(0)
        self.label_lift = np.zeros(0)  # pixels above the dot (clears the marker cluster)
        self.spread = 1.0  # follows the marker layer's spread
        self._labels: list[QPixmap] = []
        self._order: list[int] = []  # label priority: most populous first
        self._visible_cache: tuple[float, list[int]] | None = None

    def set_cities(
        self, ids: list[str], names: list[str], pos: np.ndarray, population: Sequence[int]
    ) -> None:
        self.ids, self.names, self.pos = ids, names, pos
        pop = np.asarray(population, dtype=float)
        self.radius = 2.2 + 2.0 * np.clip(np.log10(np.maximum(pop, 1.0)) - 5.0, 0.0, 1.6)
        self.label_lift = np.zeros(len(ids))
        normal, big = QFont(), QFont()
        normal.setPointSizeF(8.5)
        big.setPointSizeF(9.5)
        big.setBold(True)
        self._labels = [
            _label_pixmap(n, big if p >= 3_000_000 else normal)
            for n, p in zip(names, pop, strict=True)
        ]
        self._order = sorted(range(len(ids)), key=lambda i: (-pop[i], names[i]))
        self._visible_cache = None
        self.update()

    def set_label_lift(self, lift: np.ndarray) -> None:
        self.label_lift = lift
        self._visible_cache = None
        self.update()

    def _label_rect(self, i: int, x: float, y: float) -> QRectF:
        pm = self._labels[i]
        top = y - self.radius[i] - self.label_lift[i] * self.spread - pm.height() + 2
        return QRectF(x - pm.width() / 2, top, pm.width(), pm.height())

    def visible_labels(self, scale: float) -> list[int]:
        """Greedy placement by priority in scaled-scene pixels (pan does not change it)."""
        key = round(scale, 9) + self.spread * 1e-3
        if self._visible_cache is not None and self._visible_cache[0] == key:
            return self._visible_cache[1]
        placed: list[QRectF] = []
        shown: list[int] = []
        for i in self._order:
            x, y = self.pos[i] * scale
            rect = self._label_rect(i, float(x), float(y)).adjusted(-2, -1, 2, 1)
            if any(rect.intersects(r) for r in placed):
                continue
            placed.append(rect)
            shown.append(i)
        self._visible_cache = (key, shown)
        return shown

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if len(self.ids) == 0:
            return
        t = painter.worldTransform()
        clip = self._device_clip(painter, option, 80)
        dev = _map_points(t, self.pos)
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(255, 255, 255), 1.2))
        painter.setBrush(style.CITY_COLOR)
        for i, (x, y) in enumerate(dev):
            if clip.contains(x, y):
                r = self.radius[i]
                painter.drawEllipse(QPointF(x, y), r, r)
        for i in self.visible_labels(math.hypot(t.m11(), t.m12())):
            x, y = dev[i]
            if clip.contains(x, y):
                rect = self._label_rect(i, x, y)
                painter.drawPixmap(round(rect.left()), round(rect.top()), self._labels[i])
        painter.restore()


def _activity_status(activity: object) -> str:
    """A replay activity (deadhead, loading...) as the truck status colours show it."""
    status = getattr(activity, "truck_status", None)
    if status is not None:
        return str(status.value)
    return {
        "deadhead": TruckStatus.EN_ROUTE_TO_PICKUP.value,
        "waiting": TruckStatus.EN_ROUTE_TO_PICKUP.value,
        "loading": TruckStatus.LOADED.value,
        "loaded": TruckStatus.LOADED.value,
        "unloading": TruckStatus.LOADED.value,
    }.get(str(activity), str(activity))


class Marker(NamedTuple):
    kind: str  # TRUCK or LOAD
    id: str
    status: str
    city: str


def _sunflower(n: int) -> np.ndarray:
    """Pixel offsets of the k-th marker around a city: a sunflower spiral, first ones below."""
    k = np.arange(n)
    r = SPACING_PX * np.sqrt(k + 1.6)
    a = k * GOLDEN_ANGLE + math.pi / 2
    return np.column_stack([r * np.cos(a), r * np.sin(a)])


_SPIRAL = _sunflower(256)


class MarkerLayer(_Layer):
    """Trucks and loads around their cities, assignment and suggestion lines, highlights."""

    def __init__(self, bounds: QRectF) -> None:
        super().__init__(bounds)
        self.markers: list[Marker] = []
        self.base = np.zeros((0, 2))  # scene position of each marker's city
        self.offset = np.zeros((0, 2))  # fixed pixel offset around the city
        self.index: dict[tuple[str, str], int] = {}
        self.by_kind: dict[str, dict[str, int]] = {TRUCK: {}, LOAD: {}}  # id -> index
        self._sprite_of: list[QPixmap] = []
        self._sprites: dict[tuple[str, str], QPixmap] = {}
        self.links: list[tuple[int, int]] = []  # truck -> its load (solid)
        self.suggestions: list[tuple[int, int]] = []  # truck -> suggested load (dashed)
        self.selected: int | None = None
        self.hover: int | None = None
        self.drop_target: tuple[int, bool] | None = None  # (truck index, feasible)
        self.route: QPainterPath | None = None  # selected load's road route, scene coords
        self._dev_cache: tuple[tuple[float, ...], np.ndarray] | None = None
        #: Cluster spacing factor: clusters open up when zoomed in (easier to hit a marker).
        self.spread = 1.0
        self.compact = False

    def sprite(self, kind: str, status: str, compact: bool = False) -> QPixmap:
        key = (kind, status, compact)
        pm = self._sprites.get(key)
        if pm is None:
            colors = style.TRUCK_COLORS if kind == TRUCK else style.LOAD_COLORS
            color = colors.get(status, QColor("#888888"))  # type: ignore[call-overload]
            px = COMPACT_PX if compact else MARKER_PX
            pm = self._sprites[key] = _sprite(kind, color, px)
        return pm

    def set_markers(self, markers: list[Marker], base: np.ndarray, offset: np.ndarray) -> None:
        self.markers, self.base, self.offset = markers, base, offset
        self.index = {(m.kind, m.id): i for i, m in enumerate(markers)}
        self.by_kind = {TRUCK: {}, LOAD: {}}
        for (kind, item_id), i in self.index.items():
            self.by_kind[kind][item_id] = i
        self._refresh_sprites()
        self._dev_cache = None
        self.update()

    def set_compact(self, compact: bool) -> None:
        """Level of detail: small sprites in tight clusters for a dense board seen whole."""
        if compact != self.compact:
            self.compact = compact
            self._refresh_sprites()
            self.update()

    def _refresh_sprites(self) -> None:
        self._sprite_of = [self.sprite(m.kind, m.status, self.compact) for m in self.markers]

    def device_positions(self, t: QTransform) -> np.ndarray:
        key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), self.spread)
        if self._dev_cache is not None and self._dev_cache[0] == key:
            return self._dev_cache[1]
        dev = _map_points(t, self.base) + self.offset * self.spread
        self._dev_cache = (key, dev)
        return dev

    def hit(self, t: QTransform, x: float, y: float, kind: str | None = None) -> int | None:
        """The marker under a device point (nearest within HIT_PX), optionally of one kind."""
        if not self.markers:
            return None
        dev = self.device_positions(t)
        d2 = (dev[:, 0] - x) ** 2 + (dev[:, 1] - y) ** 2
        if kind is not None:
            d2 = np.where([m.kind == kind for m in self.markers], d2, np.inf)
        i = int(np.argmin(d2))
        return i if d2[i] <= HIT_PX**2 else None

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = painter.worldTransform()
        if self.route is not None:
            pen = QPen(QColor(44, 111, 187, 110), 5.0)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(self.route)
        if not self.markers:
            return
        dev = self.device_positions(t)
        clip = self._device_clip(painter, option, MARKER_PX)
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_lines(painter, dev)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        x0, y0, x1, y1 = clip.left(), clip.top(), clip.right(), clip.bottom()
        inside = np.nonzero(
            (dev[:, 0] >= x0) & (dev[:, 0] <= x1) & (dev[:, 1] >= y0) & (dev[:, 1] <= y1)
        )[0]
        half = ((COMPACT_PX if self.compact else MARKER_PX) + 2) / 2
        sprites = self._sprite_of
        draw = painter.drawPixmap
        # whole-pixel positions keep drawPixmap on Qt's plain blit path (no resampling)
        corners = np.rint(dev[inside] - half).astype(np.int64).tolist()
        for i, (x, y) in zip(inside.tolist(), corners, strict=True):
            draw(x, y, sprites[i])
        self._paint_highlights(painter, dev)
        painter.restore()

    def _paint_lines(self, painter: QPainter, dev: np.ndarray) -> None:
        # many long translucent lines: antialiasing doubles their cost and adds little
        many = len(self.links) + len(self.suggestions) > 150
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, not many)
        if (self.links and len(self.links) <= 400) or self.selected is not None:
            pairs = self.links if len(self.links) <= 400 else self._selected_links()
            if pairs:
                painter.setPen(_thin_pen(QColor(44, 111, 187, 190)))
                painter.drawLines([QPointF(*dev[a]) for pair in pairs for a in pair])
        if self.suggestions:
            pen = _thin_pen(style.SUGGESTION_COLOR)
            pen.setDashPattern([5.0, 3.0])
            painter.setPen(pen)
            painter.drawLines([QPointF(*dev[a]) for pair in self.suggestions for a in pair])

    def _selected_links(self) -> list[tuple[int, int]]:
        return [p for p in self.links if self.selected in p]

    def _paint_highlights(self, painter: QPainter, dev: np.ndarray) -> None:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.hover is not None and self.hover != self.selected:
            painter.setPen(QPen(QColor(40, 40, 40, 160), 1.5))
            painter.drawEllipse(QPointF(*dev[self.hover]), 9.0, 9.0)
        if self.selected is not None:
            painter.setPen(QPen(QColor(30, 30, 30), 4.0))
            painter.drawEllipse(QPointF(*dev[self.selected]), 10.0, 10.0)
            painter.setPen(QPen(style.SELECTION_COLOR, 2.5))
            painter.drawEllipse(QPointF(*dev[self.selected]), 10.0, 10.0)
        if self.drop_target is not None:
            i, ok = self.drop_target
            painter.setPen(QPen(style.OK_COLOR if ok else style.BAD_COLOR, 3.0))
            painter.drawEllipse(QPointF(*dev[i]), 12.0, 12.0)


class MapView(QGraphicsView):
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
            status = ld.status._value_
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
        if board is None or self.graph is None:
            self.markers.set_markers([], np.zeros((0, 2)), np.zeros((0, 2)))
            return
        selected = self.selected()
        groups: dict[object, tuple[QPointF, list[Marker]]] = {}

        def put(key: object, point: QPointF | None, marker: Marker) -> None:
            if point is not None:
                groups.setdefault(key, (point, []))[1].append(marker)

        replay = self._replay_positions
        for t in board.trucks.values():
            if replay is not None and t.id in replay:
                lat, lon, activity = replay[t.id]
                status = _activity_status(activity)
                p = self.projection.to_scene(lat, lon) if self.projection else None
                key: object = t.location
                home = self._city_pos.get(t.location)
                if p is not None and (home is None or (p - home).manhattanLength() > 1e-6):
                    key = (round(p.x(), 1), round(p.y(), 1))
                if isinstance(key, tuple):
                    put(key, p, Marker(TRUCK, t.id, status, t.location))
                else:
                    put(key, self._city_pos.get(t.location), Marker(TRUCK, t.id, status, key))
            else:
                put(
                    t.location,
                    self._city_pos.get(t.location),
                    Marker(TRUCK, t.id, t.status.value, t.location),
                )
        phases = self._replay_loads
        for ld in board.loads.values():
            status = ld.status.value
            city = ld.destination if ld.status == LoadStatus.DELIVERED else ld.origin
            if phases is not None:
                phase = phases.get(ld.id)
                if phase is None or phase == "on_truck":
                    continue  # not posted yet, or riding on its truck
                status, city = {
                    "waiting": (LoadStatus.OPEN.value, ld.origin),
                    "delivered": (LoadStatus.DELIVERED.value, ld.destination),
                }.get(str(phase), (LoadStatus.CANCELLED.value, ld.origin))
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
        self._relink()
        self.markers.suggestions = [
            p for p in self._suggestion_ids_to_idx(self._suggestion_ids) if p is not None
        ]
        self.cities.set_label_lift(np.minimum(lift, 30.0))
        self._update_spread()
        self.markers.selected = None
        self.markers.hover = None
        if selected is not None:
            self.set_selected(*selected)
        self.markers.update()

    def set_replay(self, positions: dict | None, load_phases: dict | None = None) -> None:
        """Show a simulated moment (the Day panel's slider); ``None`` returns to the board."""
        self._replay_positions = positions
        self._replay_loads = load_phases
        self.refresh()

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
        dev = _map_points(self.viewportTransform(), self.cities.pos)
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

    # -- events ---------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.pixelDelta().y()
        if delta:
            self.zoom_by(1.0015**delta, animate=False)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1.4)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(1 / 1.4)
        elif key in (Qt.Key.Key_0, Qt.Key.Key_F):
            self.fit()
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self._user_zoomed:
            self.fit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            i = self.markers.hit(
                self.viewportTransform(), event.position().x(), event.position().y()
            )
            self._press = (i, event.position().toPoint())
            if i is not None:
                m = self.markers.markers[i]
                self.set_selected(m.kind, m.id)
                self.marker_clicked.emit(m.kind, m.id)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._press is not None and self._press[0] is not None:
            i, start = self._press
            if (pos.toPoint() - start).manhattanLength() >= QApplication.startDragDistance():
                self._press = None
                m = self.markers.markers[i]
                if m.kind == LOAD:
                    self._start_drag(m.id)
            return
        hover = self.markers.hit(self.viewportTransform(), pos.x(), pos.y())
        if hover != self.markers.hover:
            self.markers.hover = hover
            self.viewport().setCursor(
                Qt.CursorShape.PointingHandCursor
                if hover is not None
                else Qt.CursorShape.OpenHandCursor
            )
            self.markers.update()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        press, self._press = self._press, None
        if (
            press is not None
            and press[0] is None
            and event.button() == Qt.MouseButton.LeftButton
            and (event.position().toPoint() - press[1]).manhattanLength()
            < QApplication.startDragDistance()
        ):
            self.clear_selection()
            self.marker_clicked.emit("", "")
        super().mouseReleaseEvent(event)

    def _start_drag(self, load_id: str) -> None:
        drag = QDrag(self)
        drag.setMimeData(load_mime(load_id))
        drag.setPixmap(self.markers.sprite(LOAD, LoadStatus.OPEN.value))
        drag.exec(Qt.DropAction.MoveAction)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            help_event: QHelpEvent = event  # type: ignore[assignment]
            text = self.tooltip_at(help_event.pos())
            if text:
                QToolTip.showText(help_event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def tooltip_at(self, pos: QPoint) -> str:
        m = self.marker_at(pos)
        if m is not None:
            return self._marker_tooltip(m)
        city = self.city_at(pos)
        if city is not None and self.graph is not None:
            c = self.graph.city(city)
            trucks = loads = 0
            if self.board is not None:
                trucks = sum(1 for t in self.board.trucks.values() if t.location == city)
                loads = sum(
                    1
                    for ld in self.board.loads.values()
                    if ld.origin == city and ld.status == LoadStatus.OPEN
                )
            pop = f"<br>population {c.population:,}" if c.population else ""
            return f"<b>{c.name}</b>{pop}<br>{trucks} truck(s), {loads} open load(s) here"
        return ""

    def _city_name(self, node: str) -> str:
        if self.graph is not None and self.graph.has_node(node):
            return self.graph.city(node).name
        return node

    def _marker_tooltip(self, m: Marker) -> str:
        board = self.board
        if board is None:
            return m.id
        if m.kind == TRUCK:
            t = board.trucks[m.id]
            carried = board.load_of_truck(t.id)
            extra = f"<br>carries load <b>{carried.id}</b>" if carried is not None else ""
            return (
                f"<b>Truck {t.id}</b> · {style.status_label(t.status.value)}<br>"
                f"at {self._city_name(t.location)} from {style.format_hours(t.available_at)}<br>"
                f"{t.truck_type.value}, {t.capacity_t:g} t{extra}"
            )
        ld = board.loads[m.id]
        truck = f"<br>on truck <b>{ld.truck_id}</b>" if ld.truck_id else ""
        hint = "<br><i>drag onto a truck to assign</i>" if ld.status == LoadStatus.OPEN else ""
        return (
            f"<b>Load {ld.id}</b> · {style.status_label(ld.status.value)}<br>"
            f"{self._city_name(ld.origin)} → {self._city_name(ld.destination)}<br>"
            f"{ld.weight_t:g} t {ld.truck_type.value}, pickup "
            f"{style.format_hours(ld.pickup_earliest)}–{style.format_hours(ld.pickup_latest)}<br>"
            f"₹{ld.price:,.0f}{truck}{hint}"
        )

    # -- drop target ----------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if mime_load_id(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        load_id = mime_load_id(event.mimeData())
        if load_id is None:
            event.ignore()
            return
        pos = event.position()
        i = self.markers.hit(self.viewportTransform(), pos.x(), pos.y(), TRUCK)
        if i is None:
            self._set_drop_target(None)
            event.ignore()
            return
        truck_id = self.markers.markers[i].id
        reason = self.drop_check(load_id, truck_id) if self.drop_check else None
        self._set_drop_target((i, reason is None))
        if self.status_hint is not None:
            self.status_hint(
                f"Drop to assign {load_id} to {truck_id}"
                if reason is None
                else f"{load_id} cannot go on {truck_id}: {reason}"
            )
        event.acceptProposedAction()  # an infeasible drop is still delivered: refused loudly

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_drop_target(None)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_drop_target(None)
        load_id = mime_load_id(event.mimeData())
        pos = event.position()
        i = self.markers.hit(self.viewportTransform(), pos.x(), pos.y(), TRUCK)
        if load_id is None or i is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.load_dropped.emit(load_id, self.markers.markers[i].id)

    def _set_drop_target(self, target: tuple[int, bool] | None) -> None:
        if target != self.markers.drop_target:
            self.markers.drop_target = target
            self.markers.update()

    # -- background and overlay -----------------------------------------------------------

    def _draw_graticule(self) -> None:
        if self.projection is None or self.graph is None:
            return
        cities = self.graph.cities
        lat_lo = math.floor(min(c.lat for c in cities) / 5) * 5 - 5
        lat_hi = math.ceil(max(c.lat for c in cities) / 5) * 5 + 5
        lon_lo = math.floor(min(c.lon for c in cities) / 5) * 5 - 5
        lon_hi = math.ceil(max(c.lon for c in cities) / 5) * 5 + 5
        path = QPainterPath()
        for lat in range(lat_lo, lat_hi + 1, 5):
            path.moveTo(self.projection.to_scene(lat, lon_lo))
            path.lineTo(self.projection.to_scene(lat, lon_hi))
        for lon in range(lon_lo, lon_hi + 1, 5):
            path.moveTo(self.projection.to_scene(lat_lo, lon))
            path.lineTo(self.projection.to_scene(lat_hi, lon))
        pen = QPen(QColor(0, 0, 0, 22), 1.0)
        pen.setCosmetic(True)
        self.graticule.setPen(pen)
        self.graticule.setPath(path)
        self.resetCachedContent()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, style.BACKGROUND)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for item in (self.graticule, self.roads):
            painter.setPen(item.pen())
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(item.path())

    def _make_legend(self) -> QPixmap:
        rows = [
            (TRUCK, TruckStatus.IDLE.value, "truck idle"),
            (TRUCK, TruckStatus.EN_ROUTE_TO_PICKUP.value, "truck assigned"),
            (TRUCK, TruckStatus.OFF_DUTY.value, "truck off duty"),
            (LOAD, LoadStatus.OPEN.value, "load open"),
            (LOAD, LoadStatus.ASSIGNED.value, "load assigned"),
            ("line", "", "suggestion"),
        ]
        font = QFont()
        font.setPointSizeF(8.0)
        fm = QFontMetricsF(font)
        w = int(max(fm.horizontalAdvance(r[2]) for r in rows) + 34)
        h = int(len(rows) * 16 + 8)
        pm = QPixmap(w, h)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor(0, 0, 0, 60)))
        p.setBrush(QColor(255, 255, 255, 215))
        p.drawRoundedRect(QRectF(0.5, 0.5, w - 1, h - 1), 5, 5)
        p.setFont(font)
        for k, (kind, status, text) in enumerate(rows):
            y = 4 + k * 16
            if kind == "line":
                pen = QPen(style.SUGGESTION_COLOR, 1.8, Qt.PenStyle.DashLine)
                pen.setDashPattern([4.0, 3.0])
                p.setPen(pen)
                p.drawLine(QPointF(5, y + 8), QPointF(20, y + 8))
            else:
                p.drawPixmap(QPointF(6, y + 1.5), self.markers.sprite(kind, status))
            p.setPen(QColor(40, 40, 40))
            p.drawText(QPointF(26, y + 8 + fm.ascent() / 2 - 1), text)
        p.end()
        return pm

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        painter.save()
        painter.resetTransform()
        vp = self.viewport().rect()
        painter.drawPixmap(QPointF(8, vp.height() - self._legend.height() - 8), self._legend)
        self._draw_scale_bar(painter, vp.width(), vp.height())
        painter.restore()

    def _draw_scale_bar(self, painter: QPainter, width: int, height: int) -> None:
        px_per_km = self.transform().m11()
        if px_per_km <= 0:
            return
        target_km = 110 / px_per_km
        nice = 10 ** math.floor(math.log10(target_km))
        for step in (5, 2, 1):
            if step * nice <= target_km:
                nice *= step
                break
        length = nice * px_per_km
        x1, y = width - 14, height - 14
        x0 = x1 - length
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(250, 248, 242), 5))
        painter.drawLine(QPointF(x0, y), QPointF(x1, y))
        painter.setPen(QPen(QColor(50, 50, 50), 2))
        painter.drawLine(QPointF(x0, y), QPointF(x1, y))
        painter.drawLine(QPointF(x0, y - 4), QPointF(x0, y + 1))
        painter.drawLine(QPointF(x1, y - 4), QPointF(x1, y + 1))
        painter.drawText(
            QRectF(x0 - 20, y - 20, length + 40, 14), Qt.AlignmentFlag.AlignCenter, f"{nice:g} km"
        )
