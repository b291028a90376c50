"""Table models over the board: trucks, loads and suggestions, plus the filter proxy.

The models never change the board themselves: an edit goes to ``edit_handler`` (the desk),
which turns it into an undoable command, so the tables, the map and the KPI strip all
change through one path.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from dispatcher.board import Board
from dispatcher.fleet import (
    LOAD_EDITABLE,
    TRUCK_EDITABLE,
    Load,
    LoadStatus,
    Truck,
    TruckStatus,
    TruckType,
)
from dispatcher.matching import Assignment
from dispatcher.routes import RouteGraph
from dispatcher.status import LIFECYCLE
from dispatcher.ui import style
from dispatcher.ui.dnd import LOAD_MIME, load_mime

ID_ROLE = Qt.ItemDataRole.UserRole  # the truck/load id of a row
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # raw value for sorting
CHOICES_ROLE = Qt.ItemDataRole.UserRole + 2  # [(label, value)] for a combo-box editor
AnyIndex = QModelIndex | QPersistentModelIndex
#: (label, value) pairs; the desk's edit handler returns an error text or None.
EditHandler = Callable[[str, str, Any], str | None]


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # dataclass field; "" for derived columns
    kind: str = "text"  # text | number | time | city | type | status | derived
    editable: bool = False
    tip: str = ""


def _columns(editable: tuple[str, ...], rows: list[tuple[str, str, str, str]]) -> list[Column]:
    """Table columns: (header, field, kind, tip); a field the record's field table marks
    editable (dispatcher.fleet) is editable in the table."""
    return [Column(h, f, k, f in editable, tip) for h, f, k, tip in rows]


TRUCK_COLUMNS = _columns(
    TRUCK_EDITABLE,
    [
        ("Truck", "id", "text", ""),
        ("City", "location", "city", "Where the truck is (double-click to move it)"),
        ("Type", "truck_type", "type", ""),
        ("Capacity t", "capacity_t", "number", ""),
        ("Available", "available_at", "time", "When the truck is free (HH:MM)"),
        ("Status", "status", "status", "Idle or off duty can be set by hand"),
        ("Load", "", "derived", "The load this truck carries"),
    ],
)

LOAD_COLUMNS = _columns(
    LOAD_EDITABLE,
    [
        ("Load", "id", "text", ""),
        ("From", "origin", "city", ""),
        ("To", "destination", "city", ""),
        ("Type", "truck_type", "type", ""),
        ("Weight t", "weight_t", "number", ""),
        ("Pickup from", "pickup_earliest", "time", ""),
        ("Pickup by", "pickup_latest", "time", ""),
        ("Price ₹", "price", "number", ""),
        ("Status", "status", "status", "Open or cancelled can be set by hand"),
        ("Truck", "truck_id", "text", "The truck carrying this load"),
    ],
)


class _BoardModel(QAbstractTableModel):
    columns: ClassVar[list[Column]] = []
    kind = ""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.board = Board()
        self.graph: RouteGraph | None = None
        self.edit_handler: EditHandler | None = None
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}

    # -- data source ----------------------------------------------------------------------

    def _objects(self) -> dict[str, Any]:
        raise NotImplementedError

    def set_board(self, board: Board, graph: RouteGraph | None) -> None:
        self.beginResetModel()
        self.board, self.graph = board, graph
        self._set_ids(list(self._objects()))
        self.endResetModel()

    def _set_ids(self, ids: list[str]) -> None:
        self._ids = ids
        self._rows = {item_id: row for row, item_id in enumerate(ids)}

    def refresh(self, changed: Collection[str] | None = None) -> None:
        """After a board change, in one signal: rows changed -> reset; else one dataChanged
        over the rows that hold ``changed`` ids (all rows when ``None``).

        One range signal instead of one per row: the proxy and the view handle a range in one
        pass, and "Accept all" on 1,000 loads stays a single repaint."""
        ids = list(self._objects())
        if ids != self._ids:
            self.beginResetModel()
            self._set_ids(ids)
            self.endResetModel()
            return
        if not ids:
            return
        if changed is None:
            first, last = 0, len(ids) - 1
        else:
            rows = [self._rows[i] for i in changed if i in self._rows]
            if not rows:
                return
            first, last = min(rows), max(rows)
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    def id_at(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, item_id: str) -> int:
        return self._rows.get(item_id, -1)

    def record(self, row: int) -> Any:
        return self._objects()[self._ids[row]]

    # -- Qt model API ---------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        col = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.header
        if role == Qt.ItemDataRole.ToolTipRole:
            return col.tip or None
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid() and self.columns[index.column()].editable:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def _city_name(self, node: str | None) -> str:
        if not node:
            return ""
        if self.graph is not None and self.graph.has_node(node):
            return self.graph.city(node).name
        return node

    def _value(self, obj: Any, col: Column) -> Any:
        return getattr(obj, col.field) if col.field else None

    def display(self, obj: Any, col: Column) -> str:
        value = self._value(obj, col)
        if col.kind == "city":
            return self._city_name(value)
        if col.kind == "time":
            return style.format_hours(value)
        if col.kind == "number":
            return f"{value:,.0f}" if col.field == "price" else f"{value:g}"
        if col.kind in ("type", "status"):
            return style.status_label(value.value)
        return "" if value is None else str(value)

    def data(self, index: AnyIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        obj = self.record(index.row())
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(obj, col)
        if role == Qt.ItemDataRole.EditRole:
            value = self._value(obj, col)
            if col.kind == "time":
                return style.format_hours(value)
            if col.kind in ("type", "status", "city"):
                return getattr(value, "value", value)
            return value
        if role == SORT_ROLE:
            value = self._value(obj, col)
            if col.kind == "city":
                return self._city_name(value)
            if col.kind in ("type", "status"):
                return value.value
            return value if value is not None else self.display(obj, col)
        if role == ID_ROLE:
            return obj.id
        if role == CHOICES_ROLE:
            return self.choices(col)
        if role == Qt.ItemDataRole.DecorationRole and col.kind == "status":
            colors: dict[Any, QColor] = (
                style.TRUCK_COLORS if isinstance(obj, Truck) else style.LOAD_COLORS
            )
            return colors.get(obj.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(obj, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col.kind in ("number", "time"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def tooltip(self, obj: Any, col: Column) -> str | None:
        return None

    def choices(self, col: Column) -> list[tuple[str, str]] | None:
        if col.kind == "city" and self.graph is not None:
            return sorted(((c.name, c.id) for c in self.graph.cities), key=lambda p: p[0])
        if col.kind == "type":
            return [(t.value, t.value) for t in TruckType]
        if col.kind == "status":
            allowed = (
                (TruckStatus.IDLE, TruckStatus.OFF_DUTY)
                if self.kind == "truck"
                else (LoadStatus.OPEN, LoadStatus.CANCELLED)
            )
            return [(style.status_label(s.value), s.value) for s in allowed]
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = 2) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        col = self.columns[index.column()]
        if not col.editable or self.edit_handler is None:
            return False
        if col.kind == "time" and isinstance(value, str):
            try:
                value = style.parse_hours(value)
            except ValueError:
                self.edit_handler(self.id_at(index.row()), col.field, _Invalid(value))
                return False
        error = self.edit_handler(self.id_at(index.row()), col.field, value)
        return error is None


class _Invalid:
    """An edit that could not even be parsed; the handler reports it like a refused edit."""

    def __init__(self, text: object) -> None:
        self.text = text

    def __repr__(self) -> str:
        return repr(self.text)


class TruckTableModel(_BoardModel):
    columns: ClassVar[list[Column]] = TRUCK_COLUMNS
    kind = "truck"

    def _objects(self) -> dict[str, Truck]:
        return self.board.trucks

    def _value(self, obj: Any, col: Column) -> Any:
        if col.kind == "derived":
            load = self.board.load_of_truck(obj.id)
            return load.id if load is not None else ""
        return super()._value(obj, col)

    def display(self, obj: Any, col: Column) -> str:
        if col.kind == "derived":
            return str(self._value(obj, col))
        return super().display(obj, col)

    def tooltip(self, obj: Any, col: Column) -> str | None:
        if self.board.load_of_truck(obj.id) is not None and col.editable:
            return "Unassign its load before editing this truck"
        return col.tip or None


class LoadTableModel(_BoardModel):
    columns: ClassVar[list[Column]] = LOAD_COLUMNS
    kind = "load"

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        #: Overdue load id -> reason, from the board clock (the desk sets it): red rows.
        self.overdue: dict[str, str] = {}

    def _objects(self) -> dict[str, Load]:
        return self.board.loads

    def set_overdue(self, overdue: dict[str, str]) -> None:
        """New overdue loads (the clock moved or the board changed): repaint those rows."""
        changed = set(overdue) ^ set(self.overdue)
        changed |= {k for k in overdue if overdue[k] != self.overdue.get(k)}
        self.overdue = dict(overdue)
        if changed:
            self.refresh(changed)

    def data(self, index: AnyIndex, role: int = 0) -> Any:
        if index.isValid() and role in _OVERDUE_ROLES and self.overdue:
            reason = self.overdue.get(self.id_at(index.row()))
            if reason is not None:
                if role == Qt.ItemDataRole.ToolTipRole:
                    tip = super().data(index, role)
                    return f"{reason}\n{tip}" if tip else reason
                return _OVERDUE_ROLES[role]
        return super().data(index, role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid():
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def mimeTypes(self) -> list[str]:
        return [LOAD_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return load_mime(self.id_at(rows[0])) if rows else QMimeData()

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def tooltip(self, obj: Any, col: Column) -> str | None:
        if col.kind == "status":  # when each lifecycle step happened
            times = [
                f"{m.text} {stamp[:16].replace('T', ' ')}"
                for m in LIFECYCLE.values()
                if m.stamp and (stamp := getattr(obj, m.stamp))
            ]
            return "; ".join([*times, "right-click for the load's next step"])
        if obj.status == LoadStatus.OPEN:
            return "Drag this load onto a truck (table or map) to assign it"
        if col.editable:
            return f"This load is {style.status_label(obj.status.value)}; unassign to edit"
        return None


_OVERDUE_ROLES: dict[int, Any] = {
    Qt.ItemDataRole.BackgroundRole: style.OVERDUE_ROW,
    Qt.ItemDataRole.ForegroundRole: QColor("#8b0000"),
    Qt.ItemDataRole.ToolTipRole: None,
}


class BoardFilter(QSortFilterProxyModel):
    """Status, type, city and free-text filters over a board model."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.status = ""
        self.truck_type = ""
        self.city = ""
        self.text = ""
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(False)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def _update_dynamic(self) -> None:
        """Re-filter and re-sort changed rows only when that can move them: a filter is on,
        or the sort column is not the id. Otherwise a dataChanged over 2,000 rows would call
        ``filterAcceptsRow`` (Python) 2,000 times for nothing, which was most of what
        "Accept all" cost in the tables. A model reset always filters and sorts afresh."""
        dynamic = self.is_filtering() or self.sortColumn() > 0
        if dynamic != self.dynamicSortFilter():
            self.setDynamicSortFilter(dynamic)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        super().sort(column, order)
        self._update_dynamic()

    def set_filters(
        self,
        status: str | None = None,
        truck_type: str | None = None,
        city: str | None = None,
        text: str | None = None,
    ) -> None:
        begin = getattr(self, "beginFilterChange", None)  # Qt >= 6.9; older: invalidate
        if begin is not None:
            begin()
        if status is not None:
            self.status = status
        if truck_type is not None:
            self.truck_type = truck_type
        if city is not None:
            self.city = city
        if text is not None:
            self.text = text.strip().lower()
        if begin is not None:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateRowsFilter()
        self._update_dynamic()

    def is_filtering(self) -> bool:
        return bool(self.status or self.truck_type or self.city or self.text)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, _BoardModel):
            return True
        obj = model.record(source_row)
        if self.status and obj.status.value != self.status:
            return False
        if self.truck_type and obj.truck_type.value != self.truck_type:
            return False
        if self.city:
            cities = (obj.location,) if isinstance(obj, Truck) else (obj.origin, obj.destination)
            if self.city not in cities:
                return False
        if self.text:
            row = (
                " ".join(model.display(obj, col) for col in model.columns).lower()
                + f" {obj.id.lower()}"
            )
            if self.text not in row:
                return False
        return True


@dataclass
class Suggestion:
    assignment: Assignment
    explain: Callable[[Assignment], str] | None = None  # computed when first shown
    _text: str | None = None

    @property
    def explanation(self) -> str:
        if self._text is None:
            self._text = self.explain(self.assignment) if self.explain else ""
        return self._text


SUGGESTION_HEADERS = ["Truck", "Load", "Empty km", "Cost", "Pickup", "Why this pair"]


class SuggestionModel(QAbstractTableModel):
    """The matcher's proposals with cost and a one-line explanation each."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.items: list[Suggestion] = []

    def set_items(self, items: list[Suggestion]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(SUGGESTION_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return SUGGESTION_HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        s = self.items[index.row()]
        a = s.assignment
        c = index.column()
        values: list[Any] = [
            a.truck_id,
            a.load_id,
            a.deadhead_km,
            a.cost,
            a.pickup_at,
            s.explanation if c == 5 or role == Qt.ItemDataRole.ToolTipRole else "",
        ]
        if role == Qt.ItemDataRole.DisplayRole:
            if c == 2:
                return f"{a.deadhead_km:,.0f}"
            if c == 3:
                return f"{a.cost:,.1f}"
            if c == 4:
                return style.format_hours(a.pickup_at)
            return str(values[c])
        if role == SORT_ROLE:
            return values[c]
        if role == Qt.ItemDataRole.ToolTipRole:
            return s.explanation
        if role == ID_ROLE:
            return (a.truck_id, a.load_id)
        if role == Qt.ItemDataRole.TextAlignmentRole and c in (2, 3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
