"""The desk's board actions as data: each builds a :class:`~dispatcher.session.Change`.

An action names itself (its undo text), says what it touches and holds the board call that
makes it; the session applies it, captures it for undo and writes it through. Building one
asks the rules first where the desk must refuse before anything starts (a drop the rules
forbid), so the reason reaches the dispatcher unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dispatcher import rules
from dispatcher.board import Board
from dispatcher.costs import MatchSettings
from dispatcher.fleet import Load
from dispatcher.routes import RouteGraph
from dispatcher.status import LIFECYCLE, load_unassigned, move_refusal, truck_unassigned
from dispatcher.store import BoardAssignment


@dataclass(frozen=True)
class Change:
    """An action as data: ``op`` changes the board (raising BoardError to refuse); the ids
    say what it touches (the capture), ``full`` that it may reshape the board (an import)."""

    text: str
    op: Callable[[Board], object]
    trucks: tuple[str, ...] = ()
    loads: tuple[str, ...] = ()
    full: bool = False

    def size(self) -> int:
        return len(set(self.trucks)) + len(set(self.loads))


def assign(
    board: Board, graph: RouteGraph | None, settings: MatchSettings, load_id: str, truck_id: str
) -> Change | str:
    """Assign by hand (a drop): the change, or the rule that forbids it."""
    reason = rules.why_not(board, graph, settings, load_id, truck_id)
    if reason is not None:
        return reason
    assert graph is not None
    judged = rules.judge(board.trucks[truck_id], board.loads[load_id], graph, settings)
    a = BoardAssignment(load_id, truck_id, judged.deadhead_km)
    return Change(f"Assign {load_id} to {truck_id}", lambda b: b.assign(a), (truck_id,), (load_id,))


def unassign(load_id: str) -> Change:
    return Change(f"Unassign {load_id}", lambda b: b.unassign(load_id), (), (load_id,))


def advance(board: Board, load_id: str, verb: str, at: str) -> Change | str:
    """A lifecycle step of a load (picked up, in transit, delivered, cancel) at ``at``: the
    change, or the rule that forbids it (no skipping states, a load on no truck)."""
    move = LIFECYCLE.get(verb)
    load = board.loads.get(load_id)
    if move is None or load is None:
        return f"there is no load {load_id!r} on the board" if move else f"no step {verb!r}"
    a = board.assignments.get(load_id)
    holder = a.truck_id if a is not None else None
    reason = move_refusal(move, load_id, load.status, holder)
    if reason is not None:
        return reason
    text = f"{move.text} {load_id}"
    return Change(
        text,
        lambda b: b.advance(load_id, verb, at, holder),
        (holder,) if holder else (),
        (load_id,),
    )


def accept(pairs: Sequence[BoardAssignment], text: str) -> Change:
    """Accept suggestions: every pair in one undoable step (one transaction on a file)."""
    chosen = list(pairs)

    def op(board: Board) -> None:
        for a in chosen:
            board.assign(a)

    return Change(text, op, tuple(a.truck_id for a in chosen), tuple(a.load_id for a in chosen))


def edit(board: Board, kind: str, item_id: str, field: str, value: Any) -> Change | None:
    """Edit one field of a truck or a load; None when the value does not change."""
    objects = board.trucks if kind == "truck" else board.loads
    current = getattr(objects[item_id], field)
    if str(getattr(current, "value", current)) == str(getattr(value, "value", value)):
        return None  # nothing changed: no undo step
    text = f"Edit {item_id} {field.replace('_', ' ')}"
    if kind == "truck":
        return Change(text, lambda b: b.edit_truck(item_id, field, value), (item_id,))
    return Change(text, lambda b: b.edit_load(item_id, field, value), (), (item_id,))


def replace(kind: str, items: Sequence[Any], text: str) -> Change:
    """An import: the file's trucks (or loads) replace the board's; assignments are dropped,
    so statuses an assignment gave (an exported file's "assigned", "en route") are settled."""
    new = [unassigned(item) for item in items]

    def op(board: Board) -> None:
        if kind == "trucks":
            board.replace_trucks(new)
        else:
            board.replace_loads(new)

    return Change(text, op, full=True)


def unassigned(item: Any) -> Any:
    """A copy of a truck or load as it is without its assignment (a load keeps no truck)."""
    if isinstance(item, Load):
        return dataclasses.replace(item, status=load_unassigned(item.status), truck_id=None)
    return dataclasses.replace(item, status=truck_unassigned(item.status))


__all__ = ["Change", "accept", "advance", "assign", "edit", "replace", "unassign"]
