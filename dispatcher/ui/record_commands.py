"""New / edit / delete a truck or a load: from the menu (shortcuts), the tables' context
menus and a marker's context menu on the map.

Each opens a :class:`~dispatcher.ui.record_form.RecordForm` (or deletes at once: a
deletion is undoable, and the notice says what it unassigned first) and applies the
change through the session, so it is one undo step written through to the board file.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from dispatcher import records
from dispatcher.ui.map_view import LOAD, TRUCK
from dispatcher.ui.record_form import RecordForm

if TYPE_CHECKING:
    from dispatcher.ui.desk import DispatchDesk


class RecordCommands:
    def __init__(self, desk: DispatchDesk) -> None:
        self.desk = desk
        self.form: RecordForm | None = None  # the form shown last (tests read it)
        self.truck_menu = QMenu(desk.trucks_table)
        self.truck_menu.setObjectName("truck_menu")
        self.map_menu = QMenu(desk.map)
        self.map_menu.setObjectName("map_menu")
        for menu in (self.truck_menu, self.map_menu, desk.load_steps.menu):
            menu.setToolTipsVisible(True)
        table = desk.trucks_table
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._truck_menu_at)
        desk.map.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        desk.map.customContextMenuRequested.connect(self._map_menu_at)
        steps = desk.load_steps
        steps.menu.aboutToShow.connect(self._fill_load_menu)
        self._load_actions: list[QAction] = []

    # ------------------------------------------------------------------ commands
    def new(self, kind: str, defaults: dict[str, str] | None = None) -> RecordForm:
        return self._open(kind, None, defaults)

    def edit(self, kind: str, item_id: str) -> RecordForm:
        return self._open(kind, records.KINDS[kind].on(self.desk.board)[item_id], None)

    def delete(self, kind: str, item_id: str) -> bool:
        d = self.desk
        freed = records.unassigns_on_delete(d.board, kind, item_id)
        truck = d.board.assignments[freed].truck_id if freed else None
        change = records.delete(d.board, kind, item_id)
        reason = change if isinstance(change, str) else d.session.apply(change)
        if reason is not None:
            d.show_notice(f"Cannot delete {item_id}: {reason}")
            return False
        first = f" (unassigned {freed} from {truck} first)" if freed else ""
        d.show_notice(f"Deleted {kind} {item_id}{first}; Ctrl+Z undoes", error=False)
        return True

    def new_truck(self) -> None:
        self.new("truck")

    def new_load(self) -> None:
        self.new("load")

    def edit_selected(self) -> None:
        picked = self._selected()
        if picked is None:
            self.desk.show_notice("Select a truck or a load to edit it", error=False)
        else:
            self.edit(*picked)

    def delete_selected(self) -> None:
        """Del: the record of the focused table (or map) only, so a Delete typed elsewhere
        (a filter box) never deletes a truck."""
        picked = self._selected(focused_only=True)
        if picked is None:
            self.desk.show_notice(
                "Click a truck or a load (in its table or on the map) to delete it", error=False
            )
        else:
            self.delete(*picked)

    # ------------------------------------------------------------------ the form
    def _open(
        self, kind: str, record: records.Record | None, defaults: dict[str, str] | None
    ) -> RecordForm:
        d = self.desk
        graph = d.graph
        cities = sorted(((c.name, c.id) for c in graph.cities), key=lambda p: p[0]) if graph else []
        form = RecordForm(
            kind, record, cities, partial(self._submit, kind, record is None), d, defaults
        )
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.form = form
        form.open()
        return form

    def _submit(self, kind: str, new: bool, cells: dict[str, str]) -> dict[str, str]:
        d = self.desk
        checked = records.check_form(kind, cells, d.graph, d.board, new=new)
        if checked.record is None:
            return checked.problems
        record = checked.record
        change = records.add(kind, record) if new else records.update(d.board, kind, record)
        if change is None:
            return {}  # nothing changed: no undo step
        reason = d.session.apply(change)
        if reason is not None:
            return {"": f"Cannot {'add' if new else 'change'} {record.id}: {reason}"}
        d.show_notice(f"{change.text}; Ctrl+Z undoes", error=False)
        d.select(kind, record.id)
        return {}

    def _selected(self, focused_only: bool = False) -> tuple[str, str] | None:
        """The record the dispatcher points at: the focused table's row or the map's
        selected marker; else (unless ``focused_only``) a table's current row."""
        d = self.desk
        if d.map.hasFocus() or d.map.viewport().hasFocus():
            return d.map.selected()
        tables = ((TRUCK, d.trucks_table), (LOAD, d.loads_table))
        focused = [(k, t) for k, t in tables if t.hasFocus()]
        rest = [] if focused_only else [(k, t) for k, t in reversed(tables)]
        for kind, table in focused + rest:
            item_id = table.current_id()
            if item_id is not None:
                return kind, item_id
        return None

    # ------------------------------------------------------------------ context menus
    def _fill(self, menu: QMenu, kind: str, item_id: str | None, city: str | None = None) -> None:
        """Edit / Delete for a record (Delete greyed with the reason when refused), New."""
        if item_id is not None:
            edit = menu.addAction(f"Edit {item_id}…")
            edit.setObjectName(f"edit_{kind}_action")
            edit.triggered.connect(partial(self.edit, kind, item_id))
            delete = menu.addAction(f"Delete {item_id}")
            delete.setObjectName(f"delete_{kind}_action")
            reason = records.delete_refusal(self.desk.board, kind, item_id)
            reason = self.desk.session.refusal() or reason
            delete.setEnabled(reason is None)
            delete.setToolTip(reason or "")
            delete.triggered.connect(partial(self.delete, kind, item_id))
        where = {"location" if kind == TRUCK else "origin": city} if city else None
        name = self._city_name(city) if city else ""
        text = f"New {kind} at {name}…" if kind == TRUCK else f"New load from {name}…"
        new = menu.addAction(text if city else f"New {kind}…")
        new.setObjectName(f"new_{kind}_action")
        new.triggered.connect(partial(self.new, kind, where))

    def _city_name(self, city: str) -> str:
        graph = self.desk.graph
        return graph.city(city).name if graph is not None and graph.has_node(city) else city

    def _truck_menu_at(self, pos: QPoint) -> None:
        table = self.desk.trucks_table
        self.truck_menu.clear()
        self._fill(self.truck_menu, TRUCK, table.id_at(pos))
        self.truck_menu.popup(table.viewport().mapToGlobal(pos))

    def _fill_load_menu(self) -> None:
        menu = self.desk.load_steps.menu
        for action in self._load_actions:
            menu.removeAction(action)
            action.deleteLater()
        before = set(menu.actions())
        self._load_actions = [menu.addSeparator()]
        self._fill(menu, LOAD, self.desk.load_steps.load_id)
        self._load_actions += [
            a for a in menu.actions() if a not in before and a not in self._load_actions
        ]

    def _map_menu_at(self, pos: QPoint) -> None:
        view = self.desk.map
        marker = view.marker_at(pos)
        menu = self.map_menu
        menu.clear()
        if marker is not None:
            self._fill(menu, marker.kind, marker.id)
        else:
            city = view.city_at(pos)
            self._fill(menu, TRUCK, None, city)
            self._fill(menu, LOAD, None, city)
        menu.popup(view.viewport().mapToGlobal(pos))


__all__ = ["RecordCommands"]
