"""Selection follows the dispatcher across the desk: table row <-> map marker.

Clicking a marker selects its row (clearing a filter that hides it); choosing a row or a
suggestion centres the map on it. A selection the desk makes itself does not echo back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex

from dispatcher.ui.map_view import TRUCK
from dispatcher.ui.models import ID_ROLE

if TYPE_CHECKING:
    from dispatcher.ui.desk import DispatchDesk


class SelectionSync:
    def __init__(self, desk: DispatchDesk) -> None:
        self.desk = desk
        self._selecting = False  # a table selection made here, not by the user

    def select(self, kind: str, item_id: str) -> bool:
        """Select a truck or load in its table (clearing filters that hide it)."""
        d = self.desk
        table, model, proxy, bar = (
            (d.trucks_table, d.truck_model, d.truck_proxy, d.truck_filter)
            if kind == TRUCK
            else (d.loads_table, d.load_model, d.load_proxy, d.load_filter)
        )
        row = model.row_of(item_id)
        if row < 0:
            return False
        index = proxy.mapFromSource(model.index(row, 0))
        if not index.isValid():
            bar.clear()
            index = proxy.mapFromSource(model.index(row, 0))
        self._selecting = True
        try:
            table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            table.scrollTo(index)
        finally:
            self._selecting = False
        return True

    def on_marker(self, kind: str, item_id: str) -> None:
        if kind:
            self.select(kind, item_id)

    def on_row(self, kind: str, current: QModelIndex) -> None:
        if self._selecting or not current.isValid():
            return
        self.desk.map.set_selected(kind, current.siblingAtColumn(0).data(ID_ROLE), center=True)

    def on_suggested_truck(self, truck_id: str) -> None:
        self.select(TRUCK, truck_id)
        self.desk.map.set_selected(TRUCK, truck_id, center=True)


__all__ = ["SelectionSync"]
