"""The dispatch board: trucks, loads and who carries what, with the rules a dispatcher obeys.

The session's actions (:mod:`dispatcher.actions`) call these mutations, so every rule (a
truck carries one load at a time, only open loads are assigned, edits keep a load's pickup
window sane) lives here, in plain Python that tests can drive without Qt. Status changes
follow :mod:`dispatcher.status`. Undo relies on :meth:`Board.capture` and
:meth:`Board.restore`: a step captures the objects it touches before it changes them and
puts those exact copies back on undo, so undo/redo restore the state bit for bit.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dispatcher.fleet import (
    LOAD_EDITABLE,
    TRUCK_EDITABLE,
    Load,
    LoadStatus,
    Truck,
    TruckStatus,
    TruckType,
)
from dispatcher.status import (
    ASSIGN,
    LIFECYCLE,
    LOAD_MANUAL_STATUSES,
    TRUCK_MANUAL_STATUSES,
    UNASSIGN,
    move_refusal,
)
from dispatcher.store import (
    BoardAssignment,
    BoardSnapshot,
)

_T = TypeVar("_T")


class BoardError(ValueError):
    """A change the board refuses; the message is the reason shown to the dispatcher."""


@dataclass(frozen=True)
class Kpis:
    """The numbers on the desk's KPI strip."""

    loads_total: int
    loads_open: int
    loads_assigned: int
    loads_in_transit: int
    loads_delivered: int
    trucks_total: int
    trucks_idle: int
    total_deadhead_km: float
    avg_deadhead_km: float
    delivered_today: int = 0
    loads_on_the_road: int = 0  # picked up or in transit


@dataclass
class Capture:
    """Deep copies of some board objects; ``None`` means "did not exist"."""

    trucks: dict[str, Truck | None] = field(default_factory=dict)
    loads: dict[str, Load | None] = field(default_factory=dict)
    assignments: dict[str, BoardAssignment | None] = field(default_factory=dict)  # by load id
    truck_order: list[str] | None = None  # set by a full capture: restores row order too
    load_order: list[str] | None = None

    @property
    def full(self) -> bool:
        """A whole-board capture (imports): rows may appear, vanish or move."""
        return self.truck_order is not None or self.load_order is not None

    def copied(self) -> Capture:
        """An independent copy (a worker prepares one the board can adopt without copying)."""
        return Capture(
            trucks={k: _copy(v) for k, v in self.trucks.items()},
            loads={k: _copy(v) for k, v in self.loads.items()},
            assignments=dict(self.assignments),
            truck_order=list(self.truck_order) if self.truck_order is not None else None,
            load_order=list(self.load_order) if self.load_order is not None else None,
        )


@dataclass(frozen=True)
class BoardState:
    """A comparable deep copy of the whole board (tests: undo restores the exact state)."""

    trucks: tuple[Truck, ...]
    loads: tuple[Load, ...]
    assignments: tuple[BoardAssignment, ...]


class Board:
    """Trucks and loads in display order, plus the live assignments keyed by load id."""

    def __init__(
        self,
        trucks: Iterable[Truck] = (),
        loads: Iterable[Load] = (),
        assignments: Iterable[BoardAssignment] = (),
        nodes: Collection[str] | None = None,
        day_start: str | None = None,
    ) -> None:
        #: ISO 8601 stamp of hour 0.0: CSV imports convert their times against it.
        self.day_start = day_start
        self.trucks: dict[str, Truck] = {}
        self.loads: dict[str, Load] = {}
        self.assignments: dict[str, BoardAssignment] = {}
        self._by_truck: dict[str, str] = {}  # truck id -> load id
        #: Known map node ids; when set, edits to cities are checked against it.
        self.nodes: frozenset[str] | None = frozenset(nodes) if nodes is not None else None
        for truck in trucks:
            if truck.id in self.trucks:
                raise BoardError(f"duplicate truck id {truck.id!r}")
            self.trucks[truck.id] = truck
        for load in loads:
            if load.id in self.loads:
                raise BoardError(f"duplicate load id {load.id!r}")
            self.loads[load.id] = load
        for a in assignments:
            self._link(a)

    @classmethod
    def from_snapshot(cls, snap: BoardSnapshot, nodes: Collection[str] | None = None) -> Board:
        """A board from what the store read back (copies, so the snapshot stays untouched)."""
        return cls(
            copy.deepcopy(snap.trucks),
            copy.deepcopy(snap.loads),
            snap.assignments,
            nodes,
            day_start=snap.day_start,
        )

    def to_snapshot(self, name: str = "", map_path: str = "") -> BoardSnapshot:
        """What the store writes: copies of everything, in display order."""
        return BoardSnapshot(
            name=name,
            map_path=map_path,
            day_start=self.day_start,
            trucks=copy.deepcopy(list(self.trucks.values())),
            loads=copy.deepcopy(list(self.loads.values())),
            assignments=list(self.assignments.values()),
        )

    def shallow(self) -> Board:
        """A board with its own dicts over the same Truck and Load objects (~0.1 ms for
        6,000 objects). A worker compares against it while the UI thread goes on; the objects
        are shared, so the caller discards the worker's answer if the board changed meanwhile.
        """
        view = Board(nodes=None, day_start=self.day_start)
        view.nodes = self.nodes
        view.trucks = dict(self.trucks)
        view.loads = dict(self.loads)
        view.assignments = dict(self.assignments)
        view._by_truck = dict(self._by_truck)
        return view

    # -- queries --------------------------------------------------------------------------

    def load_of_truck(self, truck_id: str) -> Load | None:
        load_id = self._by_truck.get(truck_id)
        return self.loads[load_id] if load_id is not None else None

    def assignment_of_truck(self, truck_id: str) -> BoardAssignment | None:
        load_id = self._by_truck.get(truck_id)
        return self.assignments[load_id] if load_id is not None else None

    def free_trucks(self) -> list[Truck]:
        """Trucks the matcher may use: idle and carrying nothing."""
        return [
            t
            for t in self.trucks.values()
            if t.status == TruckStatus.IDLE and t.id not in self._by_truck
        ]

    def open_loads(self) -> list[Load]:
        return [ld for ld in self.loads.values() if ld.status == LoadStatus.OPEN]

    def blocker(self, truck_id: str, load_id: str) -> str | None:
        """Why the board itself forbids this pair (busy truck, taken load...), else None.

        Physical rules (capacity, type, time window) are the matcher's ``explain``; this
        covers the state of the board that the matcher does not see.
        """
        truck = self.trucks.get(truck_id)
        load = self.loads.get(load_id)
        if truck is None:
            return f"there is no truck {truck_id!r} on the board"
        if load is None:
            return f"there is no load {load_id!r} on the board"
        current = self._by_truck.get(truck_id)
        if current == load_id:
            return f"{load_id} is already assigned to {truck_id}"
        if current is not None:
            return f"truck {truck_id} already carries load {current}; unassign it first"
        if truck.status == TruckStatus.OFF_DUTY:
            return f"truck {truck_id} is off duty"
        if truck.status != TruckStatus.IDLE:
            return f"truck {truck_id} is busy ({truck.status.value.replace('_', ' ')})"
        if load.status == LoadStatus.ASSIGNED and load.truck_id:
            return None  # an assigned load may be moved to another truck (reassign)
        if load.status != LoadStatus.OPEN:
            return f"load {load_id} is {load.status.value.replace('_', ' ')}, not open"
        return None

    def state(self) -> BoardState:
        return BoardState(
            tuple(copy.deepcopy(list(self.trucks.values()))),
            tuple(copy.deepcopy(list(self.loads.values()))),
            tuple(self.assignments[k] for k in sorted(self.assignments)),
        )

    def kpis(self, today: str | None = None) -> Kpis:
        """The KPI strip's numbers; ``today`` (an ISO date) counts the loads delivered on it."""
        counts = dict.fromkeys(LoadStatus, 0)
        for load in self.loads.values():
            counts[load.status] += 1
        deadheads = [a.deadhead_km for a in self.assignments.values()]
        total = float(sum(deadheads))
        idle = sum(
            1
            for t in self.trucks.values()
            if t.status == TruckStatus.IDLE and t.id not in self._by_truck
        )
        return Kpis(
            loads_total=len(self.loads),
            loads_open=counts[LoadStatus.OPEN],
            loads_assigned=counts[LoadStatus.ASSIGNED],
            loads_in_transit=counts[LoadStatus.IN_TRANSIT],
            loads_delivered=counts[LoadStatus.DELIVERED],
            trucks_total=len(self.trucks),
            trucks_idle=idle,
            total_deadhead_km=total,
            avg_deadhead_km=total / len(deadheads) if deadheads else 0.0,
            loads_on_the_road=counts[LoadStatus.PICKED_UP] + counts[LoadStatus.IN_TRANSIT],
            delivered_today=sum(
                1
                for ld in self.loads.values()
                if today and ld.delivered_at and ld.delivered_at.startswith(today)
            ),
        )

    # -- mutations (each raises BoardError and changes nothing when refused) --------------

    def assign(self, assignment: BoardAssignment) -> BoardAssignment | None:
        """Give a load to a truck; returns the assignment it replaced (a reassign) if any."""
        reason = self.blocker(assignment.truck_id, assignment.load_id)
        if reason is not None:
            raise BoardError(reason)
        previous = self.assignments.get(assignment.load_id)
        if previous is not None:
            self.unassign(assignment.load_id)
        self._link(assignment)
        return previous

    def unassign(self, load_id: str) -> BoardAssignment:
        a = self.assignments.get(load_id)
        if a is None:
            raise BoardError(f"load {load_id} is not assigned")
        del self.assignments[load_id]
        self._by_truck.pop(a.truck_id, None)
        load = self.loads[load_id]
        load.status = UNASSIGN.load(load.status)
        load.truck_id = None
        truck = self.trucks.get(a.truck_id)
        if truck is not None:
            truck.status = UNASSIGN.truck(truck.status)
        return a

    def advance(self, load_id: str, verb: str, at: str, truck_id: str | None = None) -> None:
        """Take one lifecycle step (:data:`dispatcher.status.LIFECYCLE`) at ``at`` (an ISO
        stamp). ``truck_id``: the truck that claims to do it (it must be the load's)."""
        move = LIFECYCLE.get(verb)
        if move is None:
            raise BoardError(f"there is no load step {verb!r}")
        load = self.loads.get(load_id)
        if load is None:
            raise BoardError(f"there is no load {load_id!r} on the board")
        a = self.assignments.get(load_id)
        holder = a.truck_id if a is not None else None
        reason = move_refusal(move, load_id, load.status, holder)
        if reason is None and truck_id is not None and truck_id != holder:
            reason = f"truck {truck_id} did not pick up {load_id} (it is on {holder or 'no truck'})"
        if reason is not None:
            raise BoardError(reason)
        truck = self.trucks.get(holder) if holder is not None else None
        if move.frees_truck and holder is not None:
            del self.assignments[load_id]
            self._by_truck.pop(holder, None)
            load.truck_id = None
        load.status = move.load_to
        if move.stamp is not None:
            setattr(load, move.stamp, at)
        if truck is not None:
            truck.status = move.truck_to
            if move.truck_to_destination:
                truck.location = load.destination  # the truck is free where it delivered

    def edit_truck(self, truck_id: str, name: str, value: Any) -> None:
        truck = self.trucks.get(truck_id)
        if truck is None:
            raise BoardError(f"there is no truck {truck_id!r} on the board")
        if name not in TRUCK_EDITABLE:
            raise BoardError(f"truck field {name!r} cannot be edited")
        if truck_id in self._by_truck:
            raise BoardError(
                f"truck {truck_id} carries load {self._by_truck[truck_id]}; unassign it first"
            )
        setattr(truck, name, self._coerce_truck(name, value))

    def edit_load(self, load_id: str, name: str, value: Any) -> None:
        load = self.loads.get(load_id)
        if load is None:
            raise BoardError(f"there is no load {load_id!r} on the board")
        if name not in LOAD_EDITABLE:
            raise BoardError(f"load field {name!r} cannot be edited")
        if load.status not in LOAD_MANUAL_STATUSES:
            raise BoardError(f"load {load_id} is {load.status.value}; only open loads change")
        coerced = self._coerce_load(load, name, value)
        setattr(load, name, coerced)

    def replace_trucks(self, trucks: Iterable[Truck]) -> None:
        """An import: the new fleet replaces the old; assignments are dropped."""
        new = list(trucks)
        _check_unique([t.id for t in new], "truck")
        self._drop_assignments()
        self.trucks = {t.id: t for t in new}

    def replace_loads(self, loads: Iterable[Load]) -> None:
        new = list(loads)
        _check_unique([ld.id for ld in new], "load")
        self._drop_assignments()
        self.loads = {ld.id: ld for ld in new}

    # -- undo support ---------------------------------------------------------------------

    def capture(
        self, truck_ids: Iterable[str] = (), load_ids: Iterable[str] = (), copy: bool = True
    ) -> Capture:
        """Copies of these trucks and loads and every assignment that touches them.

        ``copy=False`` holds the board's own objects: only for a board that is thrown away
        (or not changed in place) afterwards, as a worker's scratch board is."""
        take = _copy if copy else _same
        cap = Capture()
        tids, lids = set(truck_ids), set(load_ids)
        for lid in list(lids):  # an assignment links a load to a truck: take both ends
            a = self.assignments.get(lid)
            if a is not None:
                tids.add(a.truck_id)
        for tid in list(tids):
            carried = self._by_truck.get(tid)
            if carried is not None:
                lids.add(carried)
        for tid in tids:
            cap.trucks[tid] = take(self.trucks.get(tid))
        for lid in lids:
            cap.loads[lid] = take(self.loads.get(lid))
            cap.assignments[lid] = self.assignments.get(lid)
        return cap

    def capture_all(self, copy: bool = True) -> Capture:
        cap = self.capture(self.trucks, self.loads, copy)
        cap.truck_order = list(self.trucks)
        cap.load_order = list(self.loads)
        return cap

    def restore(self, cap: Capture, adopt: bool = False) -> None:
        """Put captured objects back exactly (copies, so a capture can be restored twice).

        ``adopt``: take the capture's own objects instead (no copying: ~3 µs an object on
        the UI thread); only for a capture nobody else holds, e.g. ``Capture.copied()``."""
        take = _same if adopt else _copy
        if cap.truck_order is not None:
            self.trucks = {}
        if cap.load_order is not None:
            self.loads = {}
            self.assignments = {}
        for tid, truck in cap.trucks.items():
            if truck is None:
                self.trucks.pop(tid, None)
            else:
                self.trucks[tid] = take(truck)  # type: ignore[assignment]
        for lid, load in cap.loads.items():
            if load is None:
                self.loads.pop(lid, None)
            else:
                self.loads[lid] = take(load)  # type: ignore[assignment]
            a = cap.assignments.get(lid)
            if a is None:
                self.assignments.pop(lid, None)
            else:
                self.assignments[lid] = a
        if cap.truck_order is not None:
            self.trucks = {tid: self.trucks[tid] for tid in cap.truck_order}
        if cap.load_order is not None:
            self.loads = {lid: self.loads[lid] for lid in cap.load_order}
        self._reindex()

    def differences(self, other: Board) -> tuple[set[str], set[str], bool]:
        """(truck ids, load ids) that differ from ``other``, and whether the rows themselves
        (ids or their order) differ. What a desk needs to refresh after another desk's work."""
        reshaped = list(self.trucks) != list(other.trucks) or list(self.loads) != list(other.loads)
        trucks = {
            k
            for k in self.trucks.keys() | other.trucks.keys()
            if self.trucks.get(k) != other.trucks.get(k)
        }
        loads = {
            k
            for k in self.loads.keys() | other.loads.keys()
            if self.loads.get(k) != other.loads.get(k)
            or self.assignments.get(k) != other.assignments.get(k)
        }
        return trucks, loads, reshaped

    # -- internals ------------------------------------------------------------------------

    def _link(self, a: BoardAssignment) -> None:
        truck, load = self.trucks.get(a.truck_id), self.loads.get(a.load_id)
        if truck is None or load is None:
            raise BoardError(f"assignment {a.truck_id}->{a.load_id} names an unknown object")
        if a.truck_id in self._by_truck and self._by_truck[a.truck_id] != a.load_id:
            raise BoardError(f"truck {a.truck_id} already carries {self._by_truck[a.truck_id]}")
        self.assignments[a.load_id] = a
        self._by_truck[a.truck_id] = a.load_id
        load.truck_id = a.truck_id
        load.status = ASSIGN.load(load.status)
        truck.status = ASSIGN.truck(truck.status)

    def _reindex(self) -> None:
        self._by_truck = {a.truck_id: lid for lid, a in self.assignments.items()}

    def _drop_assignments(self) -> None:
        for lid in list(self.assignments):
            self.unassign(lid)

    def _check_node(self, node: object, what: str) -> str:
        text = str(node).strip()
        if not text:
            raise BoardError(f"{what} must name a city")
        if self.nodes is not None and text not in self.nodes:
            raise BoardError(f"{what} {text!r} is not a city on the map")
        return text

    def _coerce_truck(self, name: str, value: Any) -> Any:
        return _TRUCK_RULES[name](self, value)

    def _coerce_load(self, load: Load, name: str, value: Any) -> Any:
        return _LOAD_RULES[name](self, load, value)

    def _city_pair(self, load: Load, name: str, value: Any) -> str:
        city = self._check_node(value, name)
        other = load.destination if name == "origin" else load.origin
        if city == other:
            raise BoardError("origin and destination must differ")
        return city


def _manual(kind: Any, allowed: tuple[Any, ...], refusal: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        status = _enum(kind, value, "status")
        if status not in allowed:
            raise BoardError(refusal)
        return status

    return check


def _window_edge(what: str, earliest: bool) -> Callable[[Board, Load, Any], float]:
    def check(_board: Board, load: Load, value: Any) -> float:
        t = _non_negative(value, what)
        if earliest and t > load.pickup_latest:
            raise BoardError("earliest pickup must not be after the latest pickup")
        if not earliest and t < load.pickup_earliest:
            raise BoardError("latest pickup must not be before the earliest pickup")
        return t

    return check


_truck_status = _manual(
    TruckStatus, TRUCK_MANUAL_STATUSES, "a truck can be set idle or off duty by hand, nothing else"
)
_load_status = _manual(
    LoadStatus, LOAD_MANUAL_STATUSES, "a load can be set open or cancelled by hand, nothing else"
)
#: How each editable field checks and converts a dispatcher's value (the keys are the
#: field tables' editable sets: tests/dispatcher/test_board.py checks they agree).
_TRUCK_RULES: dict[str, Callable[[Board, Any], Any]] = {
    "location": lambda b, v: b._check_node(v, "location"),
    "capacity_t": lambda _b, v: _positive(v, "capacity"),
    "truck_type": lambda _b, v: _enum(TruckType, v, "truck type"),
    "available_at": lambda _b, v: _non_negative(v, "available time"),
    "status": lambda _b, v: _truck_status(v),
}
_LOAD_RULES: dict[str, Callable[[Board, Load, Any], Any]] = {
    "origin": lambda b, ld, v: b._city_pair(ld, "origin", v),
    "destination": lambda b, ld, v: b._city_pair(ld, "destination", v),
    "weight_t": lambda _b, _ld, v: _positive(v, "weight"),
    "truck_type": lambda _b, _ld, v: _enum(TruckType, v, "truck type"),
    "pickup_earliest": _window_edge("earliest pickup", earliest=True),
    "pickup_latest": _window_edge("latest pickup", earliest=False),
    "price": lambda _b, _ld, v: _non_negative(v, "price"),
    "status": lambda _b, _ld, v: _load_status(v),
}


def _copy(obj: _T | None) -> _T | None:
    """Trucks and loads hold only immutable values (str, float, enums): a shallow copy is
    an exact, independent copy. Copying ``__dict__`` directly is ~6x cheaper than
    ``copy.copy`` (which goes through ``__reduce_ex__``); undo captures of "Accept all" on a
    big board copy thousands of objects on the UI thread."""
    if obj is None:
        return None
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


def _same(obj: _T | None) -> _T | None:
    return obj


def _check_unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise BoardError(f"duplicate {what} id {i!r}")
        seen.add(i)


def _number(value: Any, what: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise BoardError(f"{what} must be a number, got {value!r}") from None
    if x != x or x in (float("inf"), float("-inf")):
        raise BoardError(f"{what} must be a finite number")
    return x


def _positive(value: Any, what: str) -> float:
    x = _number(value, what)
    if x <= 0:
        raise BoardError(f"{what} must be greater than 0")
    return x


def _non_negative(value: Any, what: str) -> float:
    x = _number(value, what)
    if x < 0:
        raise BoardError(f"{what} must not be negative")
    return x


def _enum(kind: Any, value: Any, what: str) -> Any:
    try:
        return kind(str(getattr(value, "value", value)).strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise BoardError(f"{what} must be one of {allowed}; got {value!r}") from None


__all__ = [
    "LOAD_EDITABLE",
    "TRUCK_EDITABLE",
    "Board",
    "BoardError",
    "BoardState",
    "Capture",
    "Kpis",
]
