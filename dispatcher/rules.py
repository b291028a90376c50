"""Dispatch rules for one truck and one load on a board: may it, why not, at what cost.

Two sources decide, in this order: the state of the board (a busy truck, a load already
taken: :meth:`Board.blocker`) and the matcher's physical rules (type, capacity, deadhead
limit, pickup window: :func:`dispatcher.costs.explain`). The desk's drag feedback, its
"Why not?" dialog, an assignment by hand, the session's export and the CLI all ask here, so
an answer never depends on where the question came from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from dispatcher.board import Board
from dispatcher.costs import Explanation, MatchSettings, explain, format_clock, place_name
from dispatcher.fleet import Load, Truck
from dispatcher.matching import Assignment
from dispatcher.routes import RouteGraph
from dispatcher.status import ASSIGN, load_unassigned, truck_unassigned


def matchable(truck: Truck, load: Load) -> tuple[Truck, Load]:
    """Copies as the matcher's rules expect them: a reassigned load counts as open, its
    truck as idle (the pair is judged as if the assignment were not there)."""
    if load_unassigned(load.status) != load.status:
        load = dataclasses.replace(load, status=load_unassigned(load.status), truck_id=None)
    if truck_unassigned(truck.status) != truck.status:
        truck = dataclasses.replace(truck, status=truck_unassigned(truck.status))
    return truck, load


def judge(truck: Truck, load: Load, graph: RouteGraph, settings: MatchSettings) -> Explanation:
    """The matcher's verdict on this pair, ignoring an assignment either already has."""
    t, ld = matchable(truck, load)
    return explain(t, ld, graph, settings)


def why_not(
    board: Board,
    graph: RouteGraph | None,
    settings: MatchSettings,
    load_id: str,
    truck_id: str,
) -> str | None:
    """The reason this load cannot go on this truck, or None if it can."""
    blocker = board.blocker(truck_id, load_id)
    if blocker is not None:
        return blocker
    if graph is None:
        return "the map is not loaded yet"
    e = judge(board.trucks[truck_id], board.loads[load_id], graph, settings)
    return None if e.feasible else e.reason


def placement(board: Board, load_id: str) -> tuple[str, str | None] | None:
    """Where a load stands (status, truck), to tell later whether it moved; None: gone."""
    load = board.loads.get(load_id)
    return None if load is None else (load.status.value, load.truck_id)


def still_refused(
    board: Board,
    graph: RouteGraph | None,
    settings: MatchSettings,
    load_id: str,
    truck_id: str,
    then: tuple[str, str | None] | None,
) -> bool:
    """A refusal of this load on this truck still stands: the load is where it was when it
    was refused (``then``, from :func:`placement`) and the rules still forbid the pair."""
    if truck_id not in board.trucks or placement(board, load_id) != then or then is None:
        return False
    return why_not(board, graph, settings, load_id, truck_id) is not None


def explain_pair(
    board: Board,
    graph: RouteGraph | None,
    settings: MatchSettings,
    truck_id: str,
    load_id: str,
    left_out: Mapping[str, str] | None = None,
) -> tuple[bool, str]:
    """For "Why not?": (possible, the rule that forbids it or the cost summary). ``left_out``:
    the last matcher run's reasons for the loads it did not match."""
    if truck_id not in board.trucks:
        return False, f"there is no truck {truck_id!r} on the board"
    if load_id not in board.loads:
        return False, f"there is no load {load_id!r} on the board"
    reason = why_not(board, graph, settings, load_id, truck_id)
    if reason is not None:
        return False, reason
    assert graph is not None
    verdict = judge(board.trucks[truck_id], board.loads[load_id], graph, settings).reason
    if left_out is not None and load_id in left_out:
        verdict += f". The matcher left {load_id} out: {left_out[load_id]}"
    return True, verdict


def priced(
    pairs: Iterable[tuple[Truck, Load]], graph: RouteGraph, settings: MatchSettings
) -> list[Assignment]:
    """The assignments these pairs are, with their deadhead, cost and pickup time (export)."""
    rows = []
    for truck, load in pairs:
        e = judge(truck, load, graph, settings)
        rows.append(Assignment(truck.id, load.id, e.deadhead_km, e.cost, e.pickup_at))
    return rows


def board_assignments(board: Board, graph: RouteGraph, settings: MatchSettings) -> list[Assignment]:
    """Every assignment on the board, priced (``match``'s CSV shape)."""
    pairs = [(board.trucks[a.truck_id], board.loads[lid]) for lid, a in board.assignments.items()]
    return priced(pairs, graph, settings)


@dataclasses.dataclass(frozen=True)
class Unmatched:
    """A load the matcher left out, for people: where, when and why, in words."""

    load_id: str
    route: str  # "Bhubaneswar → Delhi"
    window: str  # "07:00–09:30"
    reason: str  # a sentence: "No suitable truck reaches Bhubaneswar by 09:30 (…)"


def unmatched(
    board: Board, graph: RouteGraph | None, left_out: Mapping[str, str]
) -> list[Unmatched]:
    """The loads a matcher run left out (``left_out``: id -> reason) that are still open on
    the board (one assigned or cancelled since is no longer unmatched), by load id."""
    rows = []
    for load_id in sorted(left_out):
        load = board.loads.get(load_id)
        if load is None or load.status != ASSIGN.load_from:
            continue  # assigned (or cancelled) since the run: no longer unmatched
        ends = (load.origin, load.destination)
        names = [c if graph is None else place_name(graph, c) for c in ends]
        window = f"{format_clock(load.pickup_earliest)}–{format_clock(load.pickup_latest)}"
        why = left_out[load_id]
        rows.append(Unmatched(load_id, " → ".join(names), window, why[:1].upper() + why[1:]))
    return rows


__all__ = [
    "Unmatched",
    "board_assignments",
    "explain_pair",
    "judge",
    "matchable",
    "placement",
    "priced",
    "still_refused",
    "unmatched",
    "why_not",
]
