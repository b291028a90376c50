"""Matching trucks to loads: an optimal engine, a greedy baseline, one small interface.

Objective (DESIGN.md): move as many loads as possible, then minimise total cost (with
default settings: total deadhead km). Only idle trucks and open loads take part.

``OptimalMatcher`` solves this exactly as a min-cost bipartite matching over the *feasible*
pairs only, with one private "leave unassigned" option per load whose price is higher than
any possible saving, so the solver first maximises the count and then minimises cost.
``dispatcher.solvers`` picks the solver per truck type by density: scipy's LAPJVsp
(``min_weight_full_bipartite_matching``) on the sparse pair list, or ``linear_sum_assignment``
on a dense per-type matrix when most pairs are feasible (``method="sparse"``/``"dense"``
force one; bench/README.md has the measurements behind the crossover). A fleet whose matching
would not fit in memory is refused with :class:`MatchTooLarge` (the size and the limit).

``GreedyMatcher`` is the usual dispatcher default (as in openTCS): take loads by earliest
deadline and give each the nearest free feasible truck.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from dispatcher.candidates import FleetArrays, PairRules, candidates_of_types
from dispatcher.costs import (
    Candidates,
    CostBreakdown,
    Explanation,
    MatchSettings,
    build_candidates,  # noqa: F401 - importable from here as before
    explain,
    format_clock,
    why_no_truck,
)
from dispatcher.fleet import Load, LoadStatus, Truck, TruckStatus
from dispatcher.routes import RouteGraph
from dispatcher.solvers import (
    MatchTooLarge,
    Method,
    Selection,
    pair_budget,
    plan,
    select,
    solve_dense,
    solve_sparse,
)
from freightlab.progress import Progress, check

__all__ = [
    "Assignment",
    "CostBreakdown",
    "Explanation",
    "GreedyMatcher",
    "MatchResult",
    "MatchSettings",
    "MatchTooLarge",
    "Matcher",
    "OptimalMatcher",
    "explain",
    "format_clock",
    "get_matcher",
]


@dataclass(frozen=True)
class Assignment:
    truck_id: str
    load_id: str
    deadhead_km: float
    cost: float
    pickup_at: float  # hours from day start


@dataclass
class MatchResult:
    assignments: list[Assignment]
    unassigned: dict[str, str]  # open load id -> why it was not matched
    total_deadhead_km: float
    total_cost: float = 0.0
    matcher: str = ""
    feasible_pairs: int = 0  # size of the candidate set the matcher chose from
    idle_trucks_left: list[str] = field(default_factory=list)

    @property
    def moved(self) -> int:
        return len(self.assignments)

    def to_json(self) -> dict[str, Any]:
        """The ``match --json`` document (DESIGN.md keys plus a few extras)."""
        return {
            "matcher": self.matcher,
            "assignments": [
                {
                    "truck": a.truck_id,
                    "load": a.load_id,
                    "deadhead_km": round(a.deadhead_km, 3),
                    "cost": round(a.cost, 3),
                    "pickup_at_h": round(a.pickup_at, 4),
                    "pickup_at": format_clock(a.pickup_at),
                }
                for a in self.assignments
            ],
            "unassigned_loads": sorted(self.unassigned),
            "unassigned_reasons": dict(sorted(self.unassigned.items())),
            "idle_trucks_left": list(self.idle_trucks_left),
            "total_deadhead_km": round(self.total_deadhead_km, 3),
            "total_cost": round(self.total_cost, 3),
            "loads_moved": self.moved,
            "feasible_pairs": self.feasible_pairs,
        }


class Matcher(Protocol):
    """A matching strategy; the desk and the simulator swap these freely."""

    name: str

    def match(
        self,
        trucks: Sequence[Truck],
        loads: Sequence[Load],
        graph: RouteGraph,
        settings: MatchSettings = ...,
        progress: Progress | None = None,
    ) -> MatchResult: ...


def _participants(trucks: Sequence[Truck], loads: Sequence[Load]) -> tuple[list[Truck], list[Load]]:
    return (
        [t for t in trucks if t.status is TruckStatus.IDLE],
        [ld for ld in loads if ld.status is LoadStatus.OPEN],
    )


def _result(
    name: str,
    sel: Selection,
    trucks: list[Truck],
    loads: list[Load],
    graph: RouteGraph,
    settings: MatchSettings,
    taken_reason: str,
) -> MatchResult:
    chosen = sel.chosen
    order = sorted(range(len(chosen)), key=lambda k: loads[chosen.load[k]].id)
    assignments = [
        Assignment(
            trucks[chosen.truck[k]].id,
            loads[chosen.load[k]].id,
            float(chosen.deadhead_km[k]),
            float(chosen.cost[k]),
            float(chosen.pickup_at[k]),
        )
        for k in order
    ]
    done_loads = set(chosen.load.tolist())
    used_trucks = set(chosen.truck.tolist())
    unassigned: dict[str, str] = {}
    for i, ld in enumerate(loads):
        if i in done_loads:
            continue
        n = int(sel.options[i])
        if n == 0:
            unassigned[ld.id] = why_no_truck(ld, trucks, graph, settings)
        else:
            unassigned[ld.id] = taken_reason.format(n=n, s="" if n == 1 else "s")
    return MatchResult(
        assignments=assignments,
        unassigned=unassigned,
        total_deadhead_km=math.fsum(a.deadhead_km for a in assignments),
        total_cost=math.fsum(a.cost for a in assignments),
        matcher=name,
        feasible_pairs=sel.feasible_pairs,
        idle_trucks_left=[t.id for j, t in enumerate(trucks) if j not in used_trucks],
    )


def _no_selection(n_loads: int) -> Selection:
    return Selection(Candidates.empty(), np.zeros(n_loads, dtype=np.intp), 0)


class _PairMatcher(ABC):
    """What both matchers share: the idle trucks and open loads, a selection, the reasons."""

    name: str
    #: Why a load with feasible trucks went unmatched ({n} trucks, {s} plural ending).
    passed_over: str

    def match(
        self,
        trucks: Sequence[Truck],
        loads: Sequence[Load],
        graph: RouteGraph,
        settings: MatchSettings = MatchSettings(),  # noqa: B008 - frozen, safe to share
        progress: Progress | None = None,
    ) -> MatchResult:
        idle, open_loads = _participants(trucks, loads)
        sel = self.select(idle, open_loads, graph, settings, progress)
        check(progress, 1.0, "done")
        return _result(self.name, sel, idle, open_loads, graph, settings, self.passed_over)

    @abstractmethod
    def select(
        self,
        trucks: Sequence[Truck],
        loads: Sequence[Load],
        graph: RouteGraph,
        settings: MatchSettings,
        progress: Progress | None = None,
    ) -> Selection:
        """The chosen pairs of these (idle) trucks and (open) loads, without reasons."""


class OptimalMatcher(_PairMatcher):
    """Maximum number of loads moved, then minimum total cost; exact.

    ``method``: ``auto`` (by density, per truck type), ``sparse`` or ``dense``.
    ``memory_limit_mb``: refuse larger fleets (None: half the free memory, at most 4 GB).
    """

    name = "optimal"
    passed_over = (
        "its {n} feasible truck{s} moved other loads: taking it would leave another load "
        "behind or add deadhead"
    )
    #: An answer leaves no idle truck and open load that could still be paired (the day
    #: simulation relies on it to build only the pairs that involve something new).
    maximal = True

    def __init__(self, method: Method = "auto", memory_limit_mb: float | None = None) -> None:
        if method not in ("auto", "sparse", "dense"):
            raise ValueError(f"unknown method {method!r}")
        self.method: Method = method
        self.memory_limit_mb = memory_limit_mb

    def select(
        self,
        trucks: Sequence[Truck],
        loads: Sequence[Load],
        graph: RouteGraph,
        settings: MatchSettings,
        progress: Progress | None = None,
    ) -> Selection:
        """The chosen pairs of these (idle) trucks and (open) loads, without reasons."""
        if not trucks or not loads:
            return _no_selection(len(loads))
        rules = PairRules(FleetArrays.of(trucks, loads, graph), graph, settings)
        limit = _limit(self.memory_limit_mb)
        plans = plan(rules, self.method, limit)
        return select(rules, plans, progress, pair_budget(limit))

    def choose(
        self, cand: Candidates, trucks: Sequence[Truck], loads: Sequence[Load]
    ) -> NDArray[np.intp]:
        """Indices of the chosen pairs among candidates already built (load-major)."""
        solve = solve_dense if self.method == "dense" else solve_sparse
        return solve(cand, len(trucks), len(loads))


def _limit(mb: float | None) -> int | None:
    return None if mb is None else int(mb * 2**20)


# The solvers under their former names (benchmarks and older callers use them).
_solve_sparse = solve_sparse
_solve_dense = solve_dense


class GreedyMatcher(_PairMatcher):
    """Earliest-deadline load first, nearest (cheapest) free feasible truck; the baseline."""

    name = "greedy"
    passed_over = "its {n} feasible truck{s} were taken by loads with earlier deadlines"
    maximal = True  # every load takes a free feasible truck if one is left at its turn

    def __init__(self, memory_limit_mb: float | None = None) -> None:
        self.memory_limit_mb = memory_limit_mb

    def select(
        self,
        trucks: Sequence[Truck],
        loads: Sequence[Load],
        graph: RouteGraph,
        settings: MatchSettings,
        progress: Progress | None = None,
    ) -> Selection:
        """The chosen pairs of these (idle) trucks and (open) loads, without reasons."""
        if not trucks or not loads:
            return _no_selection(len(loads))
        rules = PairRules(FleetArrays.of(trucks, loads, graph), graph, settings)
        limit = _limit(self.memory_limit_mb)
        groups = [(p.loads, p.trucks) for p in plan(rules, "sparse", limit)]
        cand = candidates_of_types(
            rules, groups, progress, pickup=False, max_pairs=pair_budget(limit)
        )
        check(progress, 0.5, "assigning")
        options = np.bincount(cand.load, minlength=len(loads))
        chosen = cand.take(self.choose(cand, trucks, loads))
        chosen.pickup_at, _ = rules.pairs(chosen.load, chosen.truck, chosen.deadhead_km)
        return Selection(chosen, options, len(cand))

    def choose(
        self, cand: Candidates, trucks: Sequence[Truck], loads: Sequence[Load]
    ) -> NDArray[np.intp]:
        """Indices of the chosen pairs: loads by deadline, each its cheapest free truck."""
        deadline = np.array([ld.pickup_latest for ld in loads])
        load_rank = np.empty(len(loads), dtype=np.intp)
        load_rank[np.lexsort((np.array([ld.id for ld in loads]), deadline))] = np.arange(len(loads))
        truck_rank = np.empty(len(trucks), dtype=np.intp)
        truck_rank[np.argsort(np.array([t.id for t in trucks], dtype=object), kind="stable")] = (
            np.arange(len(trucks))
        )
        # Candidates grouped by load (in deadline order), cheapest truck first, then by id.
        order = np.lexsort((truck_rank[cand.truck], cand.cost, load_rank[cand.load]))
        # ``order`` lists each load's candidates together; walk loads, take the first free truck.
        starts = np.searchsorted(load_rank[cand.load[order]], np.arange(len(loads) + 1))
        used = np.zeros(len(trucks), dtype=bool)
        chosen: list[int] = []
        for r in range(len(loads)):
            block = order[starts[r] : starts[r + 1]]
            free = np.flatnonzero(~used[cand.truck[block]])
            if len(free):
                k = int(block[free[0]])
                used[cand.truck[k]] = True
                chosen.append(k)
        return np.asarray(chosen, dtype=np.intp)


MATCHERS: dict[str, type[OptimalMatcher] | type[GreedyMatcher]] = {
    "optimal": OptimalMatcher,
    "greedy": GreedyMatcher,
}


def get_matcher(name: str, *, memory_limit_mb: float | None = None) -> Matcher:
    """A matcher by its name (``optimal`` or ``greedy``), for settings files and the CLI.

    ``memory_limit_mb``: refuse fleets whose matching needs more (None: half the free memory,
    at most 4 GB)."""
    try:
        cls = MATCHERS[name]
    except KeyError:
        raise ValueError(f"unknown matcher {name!r}; choose one of {', '.join(MATCHERS)}") from None
    return cls(memory_limit_mb=memory_limit_mb)
