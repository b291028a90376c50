"""New, changed and deleted trucks and loads, without Qt: checking a form, the board calls,
and the undoable changes (:class:`~dispatcher.actions.Change`) the desk applies.

A form is a row of cells keyed by the record's field names (:data:`dispatcher.fleet.
TRUCK_FIELDS` / ``LOAD_FIELDS``): it is checked by the same per-row parser as a CSV file
(:func:`dispatcher.fleet.parse_truck`), so a bad value gets the CSV loader's message, tied
to the field it is about.

Deleting a truck or a load that is assigned (not yet picked up) unassigns it first, in the
same undoable step; one on the road (picked up, in transit) is refused: deliver or cancel
it first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from dispatcher.actions import Change
from dispatcher.board import Board, BoardError
from dispatcher.csv_rows import _Clock, _Problems, _Row
from dispatcher.fleet import (
    LOAD_FIELDS,
    TRUCK_FIELDS,
    Field,
    Load,
    LoadStatus,
    Truck,
    TruckType,
    _HasNodes,
    parse_load,
    parse_truck,
)
from dispatcher.status import LOAD_MANUAL_STATUSES, TRUCK_MANUAL_STATUSES, UNASSIGNABLE

Record = Truck | Load


@dataclass(frozen=True)
class Kind:
    """One kind of record: its field table, its parser and where the board keeps it."""

    name: str  # "truck" | "load"
    fields: tuple[Field, ...]
    parse: Callable[..., Any]
    manual: tuple[Any, ...]  # statuses a new record may have
    manual_text: str

    def on(self, board: Board) -> dict[str, Any]:
        return board.trucks if self.name == "truck" else board.loads

    def form_fields(self) -> tuple[Field, ...]:
        """The fields a form shows: the id and every field a dispatcher may set."""
        return tuple(f for f in self.fields if f.name == "id" or f.editable)


KINDS: dict[str, Kind] = {
    "truck": Kind(
        "truck",
        TRUCK_FIELDS,
        parse_truck,
        TRUCK_MANUAL_STATUSES,
        "a truck can be set idle or off duty by hand, nothing else",
    ),
    "load": Kind(
        "load",
        LOAD_FIELDS,
        parse_load,
        LOAD_MANUAL_STATUSES,
        "a load can be set open or cancelled by hand, nothing else",
    ),
}


@dataclass(frozen=True)
class Checked:
    """A form's verdict: the record, or the reasons by field name (``""``: the whole form)."""

    record: Record | None
    problems: dict[str, str]


def check_form(
    kind: str,
    cells: Mapping[str, str],
    graph: _HasNodes | None,
    board: Board,
    *,
    new: bool,
) -> Checked:
    """Check a truck or load form the way the CSV loader checks a row. ``new``: an id
    already on the board is refused; otherwise the record keeps its other fields (the
    truck a load is on, its step times)."""
    k = KINDS[kind]
    row = _Row(1, {name: str(value).strip() for name, value in cells.items()})
    problems = _Problems("form")
    day0 = datetime.fromisoformat(board.day_start) if board.day_start else None
    record = k.parse(row, graph, {}, _Clock(day0, None), problems)
    found = {column or "": reason for _line, column, reason in reversed(problems.cells)}
    item_id = row.cells.get("id", "")
    objects = k.on(board)
    if new and item_id and item_id in objects:
        found["id"] = f"duplicate id {item_id!r} (already on the board)"
    if not new and item_id not in objects:
        found["id"] = f"there is no {kind} {item_id!r} on the board"
    if record is not None and new and record.status not in k.manual:
        found["status"] = k.manual_text
    if found:
        return Checked(None, found)
    assert record is not None
    if not new:  # what the form does not show stays as it was
        old = objects[item_id]
        shown = {f.name for f in k.form_fields()}
        record = replace(record, **{n: v for n, v in vars(old).items() if n not in shown})
    elif isinstance(record, Load):
        record = replace(record, truck_id=None)
    return Checked(record, {})


def form_cells(kind: str, record: Record | None) -> dict[str, str]:
    """A record as form text (the CSV's spelling), or a new record's defaults."""
    k = KINDS[kind]
    if record is None:  # a new one: the first manual status, the first truck type
        starts = {"status": str(k.manual[0].value), "truck_type": TruckType.OPEN.value}
        return {f.name: starts.get(f.name, "") for f in k.fields}
    return {f.name: f.to_csv(getattr(record, f.name)) for f in k.fields}


# ------------------------------------------------------------------ the board's calls
def add_record(board: Board, kind: str, record: Record) -> None:
    objects = KINDS[kind].on(board)
    if record.id in objects:
        raise BoardError(f"{kind} {record.id} is already on the board")
    if board.nodes is not None:
        cities = (
            [record.location] if isinstance(record, Truck) else [record.origin, record.destination]
        )
        for city in cities:
            if city not in board.nodes:
                raise BoardError(f"{city!r} is not a city on the map")
    objects[record.id] = replace(record)


def delete_refusal(board: Board, kind: str, item_id: str) -> str | None:
    """Why this truck or load may not be deleted now (it is on the road), or None."""
    if item_id not in KINDS[kind].on(board):
        return f"there is no {kind} {item_id!r} on the board"
    load = board.load_of_truck(item_id) if kind == "truck" else board.loads[item_id]
    if load is None or load.truck_id is None or load.status == UNASSIGNABLE:
        return None
    on = load.status.value.replace("_", " ")
    what = f"truck {item_id} carries load {load.id}" if kind == "truck" else f"load {item_id}"
    return f"{what} ({on}); deliver or cancel it before deleting"


def delete_record(board: Board, kind: str, item_id: str) -> None:
    """Take a truck or load off the board, unassigning it first (see the module)."""
    reason = delete_refusal(board, kind, item_id)
    if reason is not None:
        raise BoardError(reason)
    load = board.load_of_truck(item_id) if kind == "truck" else board.loads[item_id]
    if load is not None and load.id in board.assignments:
        board.unassign(load.id)
    del KINDS[kind].on(board)[item_id]


def update_record(board: Board, kind: str, new: Record) -> None:
    """Set every field that differs through the board's edit rules (busy records refuse)."""
    old = KINDS[kind].on(board)[new.id]
    changed = [
        f.name for f in KINDS[kind].form_fields() if getattr(old, f.name) != getattr(new, f.name)
    ]
    if isinstance(old, Load) and isinstance(new, Load) and new.pickup_earliest > old.pickup_latest:
        changed.sort(key=lambda name: name != "pickup_latest")  # the window moves later
    edit = board.edit_truck if kind == "truck" else board.edit_load
    for name in changed:
        edit(new.id, name, getattr(new, name))


# ------------------------------------------------------------------ the undoable changes
def _change(text: str, op: Callable[[Board], object], kind: str, item_id: str) -> Change:
    """A change touching one truck or one load (and what it carries / is carried by)."""
    if kind == "truck":
        return Change(text, op, trucks=(item_id,))
    return Change(text, op, loads=(item_id,))


def add(kind: str, record: Record) -> Change:
    return _change(
        f"Add {kind} {record.id}", lambda b: add_record(b, kind, record), kind, record.id
    )


def update(board: Board, kind: str, record: Record) -> Change | None:
    """None when the form changed nothing (no undo step)."""
    old = KINDS[kind].on(board).get(record.id)
    if old == record:
        return None
    return _change(
        f"Edit {kind} {record.id}", lambda b: update_record(b, kind, record), kind, record.id
    )


def delete(board: Board, kind: str, item_id: str) -> Change | str:
    """The deletion, or why it is refused."""
    reason = delete_refusal(board, kind, item_id)
    if reason is not None:
        return reason
    return _change(
        f"Delete {kind} {item_id}", lambda b: delete_record(b, kind, item_id), kind, item_id
    )


def unassigns_on_delete(board: Board, kind: str, item_id: str) -> str | None:
    """The load a deletion would unassign first (for the confirmation), or None."""
    load = board.load_of_truck(item_id) if kind == "truck" else board.loads.get(item_id)
    if load is None or load.status != LoadStatus.ASSIGNED:
        return None
    return load.id


__all__ = [
    "KINDS",
    "Checked",
    "Kind",
    "add",
    "add_record",
    "check_form",
    "delete",
    "delete_record",
    "delete_refusal",
    "form_cells",
    "unassigns_on_delete",
    "update",
    "update_record",
]
