"""Status transitions of trucks and loads, in one table used by the board and the store.

An assignment moves a load from open to assigned and its truck from idle to en route to
the pickup; an unassignment takes both back. The in-memory :class:`~dispatcher.board.Board`
applies these to objects, :class:`~dispatcher.store.BoardStore` writes the same values in
its SQL, so the two can never disagree. Which statuses a dispatcher may set by hand is here
too, and so is the "folded" status an edit compares (assignment-driven statuses are the
assignment's business, not an edit's).
"""

from __future__ import annotations

from dataclasses import dataclass

from dispatcher.fleet import LoadStatus, TruckStatus


@dataclass(frozen=True)
class Transition:
    """What an assignment change does to the statuses of its load and its truck.

    ``load_from`` None: the load takes ``load_to`` whatever its status was."""

    name: str
    load_from: LoadStatus | None
    load_to: LoadStatus
    truck_from: TruckStatus
    truck_to: TruckStatus

    def load(self, status: LoadStatus) -> LoadStatus:
        """The load's status after this transition."""
        return self.load_to if self.load_from is None or status == self.load_from else status

    def truck(self, status: TruckStatus) -> TruckStatus:
        """The truck's status after this transition (only a truck in ``truck_from`` moves)."""
        return self.truck_to if status == self.truck_from else status


ASSIGN = Transition(
    "assign",
    LoadStatus.OPEN,
    LoadStatus.ASSIGNED,
    TruckStatus.IDLE,
    TruckStatus.EN_ROUTE_TO_PICKUP,
)
UNASSIGN = Transition(
    "unassign",
    None,
    LoadStatus.OPEN,
    TruckStatus.EN_ROUTE_TO_PICKUP,
    TruckStatus.IDLE,
)


@dataclass(frozen=True)
class Move:
    """One step of a load's life that a dispatcher records: from which statuses, to which,
    what its truck becomes, whether the truck is freed (the assignment ends) and which time
    field gets the moment it happened. No status may be skipped: ``load_from`` is exact."""

    verb: str  # the action's name: "pick_up"
    text: str  # the state it reaches, for menus and undo: "Picked up"
    load_from: tuple[LoadStatus, ...]
    load_to: LoadStatus
    truck_to: TruckStatus
    frees_truck: bool = False
    stamp: str | None = None  # the Load field set to the moment
    needs_truck: bool = True  # only a load on a truck may take this step
    truck_to_destination: bool = False  # the truck ends up where the load was going


_ON_A_TRUCK = (LoadStatus.ASSIGNED, LoadStatus.PICKED_UP, LoadStatus.IN_TRANSIT)

#: The load lifecycle a dispatcher drives: assigned -> picked up -> in transit -> delivered,
#: and cancel from any state before delivery.
LIFECYCLE: dict[str, Move] = {
    m.verb: m
    for m in (
        Move(
            "pick_up",
            "Picked up",
            (LoadStatus.ASSIGNED,),
            LoadStatus.PICKED_UP,
            TruckStatus.LOADED,
            stamp="picked_up_at",
        ),
        Move(
            "depart",
            "In transit",
            (LoadStatus.PICKED_UP,),
            LoadStatus.IN_TRANSIT,
            TruckStatus.LOADED,
            stamp="in_transit_at",
        ),
        Move(
            "deliver",
            "Delivered",
            (LoadStatus.IN_TRANSIT,),
            LoadStatus.DELIVERED,
            TruckStatus.IDLE,
            frees_truck=True,
            stamp="delivered_at",
            truck_to_destination=True,
        ),
        Move(
            "cancel",
            "Cancelled",
            (LoadStatus.OPEN, *_ON_A_TRUCK),
            LoadStatus.CANCELLED,
            TruckStatus.IDLE,
            frees_truck=True,
            needs_truck=False,
        ),
    )
}


def move_refusal(move: Move, load_id: str, status: LoadStatus, holder: str | None) -> str | None:
    """Why this load may not take this step now (skipping a state, no truck), or None."""
    if status not in move.load_from:
        allowed = " or ".join(s.value.replace("_", " ") for s in move.load_from)
        now = status.value.replace("_", " ")
        return f"load {load_id} is {now}; \u201c{move.text}\u201d needs it {allowed}"
    if move.needs_truck and holder is None:
        return f"load {load_id} is on no truck"
    return None


def lifecycle_pair(before: LoadStatus, after: LoadStatus) -> bool:
    """Is ``before`` -> ``after`` a lifecycle step or its undo (written as one store op)?"""
    return any(
        (before in m.load_from and after == m.load_to)
        or (after in m.load_from and before == m.load_to)
        for m in LIFECYCLE.values()
        if m.needs_truck or (before != LoadStatus.OPEN and after != LoadStatus.OPEN)
    )


#: Statuses a dispatcher sets by hand; the others follow from assignments and the day.
TRUCK_MANUAL_STATUSES = (TruckStatus.IDLE, TruckStatus.OFF_DUTY)
LOAD_MANUAL_STATUSES = (LoadStatus.OPEN, LoadStatus.CANCELLED)
#: The only load status an assignment may be taken back from (later ones are on the road).
UNASSIGNABLE = LoadStatus.ASSIGNED


def settled_load_status(status: LoadStatus, assigned: bool) -> LoadStatus:
    """A load's status as it must be stored, given whether it has a truck: an open load
    with a truck is assigned, an assigned one without a truck is open."""
    if assigned:
        return ASSIGN.load(status)
    return UNASSIGN.load(status) if status == ASSIGN.load_to else status


def load_unassigned(status: LoadStatus) -> LoadStatus:
    """The status a load would have without its assignment (what an edit compares, and what
    the matcher's rules see for a load that may be reassigned)."""
    return UNASSIGN.load_to if status == ASSIGN.load_to else status


def truck_unassigned(status: TruckStatus) -> TruckStatus:
    """The status a truck would have without its assignment."""
    return UNASSIGN.truck(status)


__all__ = [
    "ASSIGN",
    "LIFECYCLE",
    "LOAD_MANUAL_STATUSES",
    "TRUCK_MANUAL_STATUSES",
    "UNASSIGN",
    "UNASSIGNABLE",
    "Move",
    "Transition",
    "lifecycle_pair",
    "load_unassigned",
    "move_refusal",
    "settled_load_status",
    "truck_unassigned",
]
