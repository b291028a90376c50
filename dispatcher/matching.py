"""Matching trucks to loads: an optimal engine, a greedy baseline, one small interface.

Objective (DESIGN.md): move as many loads as possible, then minimise total cost (with
default settings: total deadhead km). Only idle trucks and open loads take part.

``OptimalMatcher`` solves this exactly as a min-cost bipartite matching over the *feasible*
pairs only, with one private "leave unassigned" column per load whose price is higher than
any possible saving, so the solver first maximises the count and then minimises cost.
scipy's LAPJVsp (``min_weight_full_bipartite_matching``) works on the sparse pair list;
``method="dense"`` uses ``linear_sum_assignment`` on a full matrix instead (see
bench/README.md for the measurements behind the default).

``GreedyMatcher`` is the usual dispatcher default (as in openTCS): take loads by earliest
deadline and give each the nearest free feasible truck.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from dispatcher.costs import (
    Candidates,
    CostBreakdown,
    Explanation,
    MatchSettings,
    build_candidates,
    explain,
    format_clock,
    why_no_truck,
)
from dispatcher.fleet import Load, LoadStatus, Truck, TruckStatus
from dispatcher.routes import RouteGraph
from freightlab.progress import Progress, check

__all__ = [
    "Assignment",
    "CostBreakdown",
    "Explanation",
    "GreedyMatcher",
    "MatchResult",
    "MatchSettings",
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
    chosen: NDArray[np.intp],
    cand: Candidates,
    trucks: list[Truck],
    loads: list[Load],
    graph: RouteGraph,
    settings: MatchSettings,
    taken_reason: str,
) -> MatchResult:
    order = sorted(chosen.tolist(), key=lambda k: loads[cand.load[k]].id)
    assignments = [
        Assignment(
            trucks[cand.truck[k]].id,
            loads[cand.load[k]].id,
            float(cand.deadhead_km[k]),
            float(cand.cost[k]),
            float(cand.pickup_at[k]),
        )
        for k in order
    ]
    done_loads = {int(cand.load[k]) for k in order}
    used_trucks = {int(cand.truck[k]) for k in order}
    options = np.bincount(cand.load, minlength=len(loads)) if len(loads) else np.zeros(0)
    unassigned: dict[str, str] = {}
    for i, ld in enumerate(loads):
        if i in done_loads:
            continue
        n = int(options[i])
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
        feasible_pairs=len(cand),
        idle_trucks_left=[t.id for j, t in enumerate(trucks) if j not in used_trucks],
    )


class OptimalMatcher:
    """Maximum number of loads moved, then minimum total cost; exact."""

    name = "optimal"

    def __init__(self, method: Literal["sparse", "dense"] = "sparse") -> None:
        if method not in ("sparse", "dense"):
            raise ValueError(f"unknown method {method!r}")
        self.method = method

    def match(
        self,
        trucks: Sequence[Truck],
        loads: Sequence[Load],
        graph: RouteGraph,
        settings: MatchSettings = MatchSettings(),  # noqa: B008 - frozen, safe to share
        progress: Progress | None = None,
    ) -> MatchResult:
        idle, open_loads = _participants(trucks, loads)
        cand = build_candidates(idle, open_loads, graph, settings, progress)
        check(progress, 0.5, "assigning")
        solve = _solve_sparse if self.method == "sparse" else _solve_dense
        chosen = solve(cand, len(idle), len(open_loads))
        check(progress, 1.0, "done")
        return _result(
            self.name,
            chosen,
            cand,
            idle,
            open_loads,
            graph,
            settings,
            "its {n} feasible truck{s} moved other loads: taking it would leave another load "
            "behind or add deadhead",
        )


def _lexicographic_weights(
    cost: NDArray[np.float64], n_rows: int
) -> tuple[NDArray[np.float64], float]:
    """Positive pair weights and a per-row "unassigned" price that outweighs any cost saving.

    With weights in [1, w_max] and n rows, one more assigned row saves at least
    ``unassigned - w_max``; any rearrangement of the costs changes the sum by less than
    ``n * w_max``, so ``unassigned = (n + 1) * w_max + 1`` makes count strictly first.
    """
    w = cost - cost.min() + 1.0
    return w, (n_rows + 1) * float(w.max()) + 1.0


def _solve_sparse(cand: Candidates, n_trucks: int, n_loads: int) -> NDArray[np.intp]:
    if len(cand) == 0:
        return np.empty(0, dtype=np.intp)
    # Only loads and trucks that appear in some feasible pair enter the solver.
    rows_used, row = np.unique(cand.load, return_inverse=True)
    cols_used, col = np.unique(cand.truck, return_inverse=True)
    n_r, n_c = len(rows_used), len(cols_used)
    w, unassigned = _lexicographic_weights(cand.cost, n_r)
    # Row r may also take its private dummy column n_c + r at the "unassigned" price.
    data = np.concatenate([w, np.full(n_r, unassigned)])
    r_idx = np.concatenate([row, np.arange(n_r)])
    c_idx = np.concatenate([col, n_c + np.arange(n_r)])
    biadj = csr_matrix((data, (r_idx, c_idx)), shape=(n_r, n_c + n_r))
    rr, cc = min_weight_full_bipartite_matching(biadj)
    real = cc < n_c
    rr, cc = rr[real], cc[real]
    # Map (row, col) back to the candidate index (pairs are unique).
    key = row.astype(np.int64) * n_c + col
    lookup = np.argsort(key)
    pos = np.searchsorted(key[lookup], rr.astype(np.int64) * n_c + cc)
    return np.asarray(lookup[pos], dtype=np.intp)


def _solve_dense(cand: Candidates, n_trucks: int, n_loads: int) -> NDArray[np.intp]:
    if len(cand) == 0:
        return np.empty(0, dtype=np.intp)
    rows_used, row = np.unique(cand.load, return_inverse=True)
    cols_used, col = np.unique(cand.truck, return_inverse=True)
    w, unassigned = _lexicographic_weights(cand.cost, len(rows_used))
    # Infeasible cells cost 0 ("leave unassigned"); a feasible pair saves ``unassigned - w``.
    matrix = np.zeros((len(rows_used), len(cols_used)))
    matrix[row, col] = w - unassigned
    index = np.full(matrix.shape, -1, dtype=np.intp)
    index[row, col] = np.arange(len(cand))
    from scipy.optimize import linear_sum_assignment  # deferred: ~0.3 s, only for "dense"

    rr, cc = linear_sum_assignment(matrix)
    picked = index[rr, cc]
    return np.asarray(picked[picked >= 0], dtype=np.intp)


class GreedyMatcher:
    """Earliest-deadline load first, nearest (cheapest) free feasible truck; the baseline."""

    name = "greedy"

    def match(
        self,
        trucks: Sequence[Truck],
        loads: Sequence[Load],
        graph: RouteGraph,
        settings: MatchSettings = MatchSettings(),  # noqa: B008 - frozen, safe to share
        progress: Progress | None = None,
    ) -> MatchResult:
        idle, open_loads = _participants(trucks, loads)
        cand = build_candidates(idle, open_loads, graph, settings, progress)
        check(progress, 0.5, "assigning")
        deadline = np.array([ld.pickup_latest for ld in open_loads])
        load_rank = np.empty(len(open_loads), dtype=np.intp)
        load_rank[np.lexsort((np.array([ld.id for ld in open_loads]), deadline))] = np.arange(
            len(open_loads)
        )
        truck_rank = np.empty(len(idle), dtype=np.intp)
        truck_rank[np.argsort(np.array([t.id for t in idle], dtype=object), kind="stable")] = (
            np.arange(len(idle))
        )
        # Candidates grouped by load (in deadline order), cheapest truck first, then by id.
        order = np.lexsort((truck_rank[cand.truck], cand.cost, load_rank[cand.load]))
        # ``order`` lists each load's candidates together; walk loads, take the first free truck.
        starts = np.searchsorted(load_rank[cand.load[order]], np.arange(len(open_loads) + 1))
        used = np.zeros(len(idle), dtype=bool)
        chosen: list[int] = []
        for r in range(len(open_loads)):
            block = order[starts[r] : starts[r + 1]]
            free = np.flatnonzero(~used[cand.truck[block]])
            if len(free):
                k = int(block[free[0]])
                used[cand.truck[k]] = True
                chosen.append(k)
        check(progress, 1.0, "done")
        return _result(
            self.name,
            np.asarray(chosen, dtype=np.intp),
            cand,
            idle,
            open_loads,
            graph,
            settings,
            "its {n} feasible truck{s} were taken by loads with earlier deadlines",
        )


MATCHERS: dict[str, type[OptimalMatcher] | type[GreedyMatcher]] = {
    "optimal": OptimalMatcher,
    "greedy": GreedyMatcher,
}


def get_matcher(name: str) -> Matcher:
    """A matcher by its name (``optimal`` or ``greedy``), for settings files and the CLI."""
    try:
        return MATCHERS[name]()
    except KeyError:
        raise ValueError(f"unknown matcher {name!r}; choose one of {', '.join(MATCHERS)}") from None
