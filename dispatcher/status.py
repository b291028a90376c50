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
    "LOAD_MANUAL_STATUSES",
    "TRUCK_MANUAL_STATUSES",
    "UNASSIGN",
    "UNASSIGNABLE",
    "Transition",
    "load_unassigned",
    "settled_load_status",
    "truck_unassigned",
]
