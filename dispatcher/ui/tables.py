"""Table views: filter bars, combo-box editors, and load -> truck drag and drop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from dispatcher.ui import dnd
from dispatcher.ui.dnd import mime_load_id
from dispatcher.ui.models import CHOICES_ROLE, ID_ROLE, BoardFilter


class ChoiceDelegate(QStyledItemDelegate):
    """A combo box for columns whose model offers choices (city, type, status)."""

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        choices = index.data(CHOICES_ROLE)
        if not choices:
            return super().createEditor(parent, option, index)
        box = QComboBox(parent)
        for label, value in choices:
            box.addItem(label, value)
        return box

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QComboBox):
            i = editor.findData(index.data(Qt.ItemDataRole.EditRole))
            editor.setCurrentIndex(max(i, 0))
        else:
            super().setEditorData(editor, index)

    def setModelData(
        self,
        editor: QWidget,
        model: QAbstractItemModel,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)


class BoardTable(QTableView):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setSortingEnabled(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setItemDelegate(ChoiceDelegate(self))
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setResizeContentsPrecision(50)  # size columns on 50 rows

    def current_id(self) -> str | None:
        index = self.currentIndex()
        if not index.isValid():
            return None
        return index.siblingAtColumn(0).data(ID_ROLE)

    def id_at(self, pos: Any) -> str | None:
        index = self.indexAt(pos)
        return index.siblingAtColumn(0).data(ID_ROLE) if index.isValid() else None


class LoadTable(BoardTable):
    """Loads: rows can be dragged onto a truck (in the trucks table or on the map)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("loads_table", parent)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)


class TruckTable(BoardTable):
    """Trucks: a dropped load row is handed to the desk, which assigns it or says why not."""

    load_dropped = Signal(str, str)  # load id, truck id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("trucks_table", parent)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(True)
        self.drop_check: Callable[[str, str], str | None] | None = None
        self.status_hint: Callable[[str], None] | None = None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        dnd.enter(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        load_id = mime_load_id(event.mimeData())
        truck_id = self.id_at(event.position().toPoint())
        if load_id is None or truck_id is None:
            event.ignore()
            return
        if self.status_hint is not None:
            dnd.hint(self.drop_check, self.status_hint, load_id, truck_id)
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        load_id = mime_load_id(event.mimeData())
        truck_id = self.id_at(event.position().toPoint())
        if load_id is None or truck_id is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.load_dropped.emit(load_id, truck_id)


class FilterBar(QWidget):
    """Status / type / city combos and a search box driving a BoardFilter."""

    def __init__(
        self,
        proxy: BoardFilter,
        statuses: list[tuple[str, str]],
        types: list[str],
        name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.proxy = proxy
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.status = QComboBox(self)
        self.status.setObjectName(f"{name}_status_filter")
        self.status.addItem("Any status", "")
        for label, value in statuses:
            self.status.addItem(label, value)
        self.type = QComboBox(self)
        self.type.setObjectName(f"{name}_type_filter")
        self.type.addItem("Any type", "")
        for t in types:
            self.type.addItem(t, t)
        self.city = QComboBox(self)
        self.city.setObjectName(f"{name}_city_filter")
        self.city.addItem("Any city", "")
        self.search = QLineEdit(self)
        self.search.setObjectName(f"{name}_search")
        self.search.setPlaceholderText("Search…")
        self.search.setClearButtonEnabled(True)
        for box in (self.status, self.type, self.city):
            box.setMinimumWidth(56)  # full width when there is room; may shrink in small windows
        self.search.setMinimumWidth(60)
        for w, tip in (
            (self.status, "Show only this status"),
            (self.type, "Show only this truck type"),
            (self.city, "Show only this city"),
            (self.search, "Find text in any column"),
        ):
            w.setToolTip(tip)
            layout.addWidget(w)
        layout.setStretch(3, 1)
        self.status.currentIndexChanged.connect(self._apply)
        self.type.currentIndexChanged.connect(self._apply)
        self.city.currentIndexChanged.connect(self._apply)
        self.search.textChanged.connect(self._apply)

    def set_cities(self, cities: list[tuple[str, str]]) -> None:
        self.city.blockSignals(True)
        self.city.clear()
        self.city.addItem("Any city", "")
        for label, value in cities:
            self.city.addItem(label, value)
        self.city.blockSignals(False)
        self._apply()

    def clear(self) -> None:
        for box in (self.status, self.type, self.city):
            box.blockSignals(True)
            box.setCurrentIndex(0)
            box.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._apply()

    def _apply(self) -> None:
        self.proxy.set_filters(
            status=self.status.currentData() or "",
            truck_type=self.type.currentData() or "",
            city=self.city.currentData() or "",
            text=self.search.text(),
        )
