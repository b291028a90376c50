"""Feasible (truck, load) pairs at fleet scale: per truck type, streamed block by block.

The rules and the cost formula are those of :mod:`dispatcher.costs` (``explain`` reads the same
rules pair by pair); this module applies them to whole fleets with numpy:

- Fleets become flat arrays once (:class:`FleetArrays`); city names become graph indices.
- A truck can only take a load of its own type, so pairs are built per type: a block of loads
  of type k against the trucks of type k. Masks never cover the pairs that type rules out
  (on the synthetic national days only ~31 % of all pairs share a type).
- Blocks are bounded (``BLOCK_CELLS`` cells at a time), and only the pairs that pass every rule
  are kept, as 4-byte indices and one float, so memory follows the feasible set.
- Candidates come out **load-major, truck-minor** (each load's pairs together, trucks in
  ascending order): exactly the row order of the sparse solver's matrix, so no sort is needed
  downstream. Putting the per-type parts in that order is an O(pairs) scatter.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from dispatcher.fleet import Load, Truck, TruckType
from dispatcher.routes import RouteGraph
from freightlab.errors import InputError
from freightlab.progress import Progress, check

if TYPE_CHECKING:
    from dispatcher.costs import MatchSettings

#: Slack for float noise when comparing an arrival with a window edge (about 4 ms).
TIME_EPS_H = 1e-6
#: Entries of a (load x truck) block computed at once; bounds the masks at ~50 MB.
BLOCK_CELLS = 2_000_000


class MatchTooLarge(InputError):
    """A fleet whose matching would need more memory than the limit allows."""


TYPE_CODES: dict[TruckType, int] = {t: i for i, t in enumerate(TruckType)}

IntArray = NDArray[np.intp]
FloatArray = NDArray[np.float64]


@dataclass
class Candidates:
    """Feasible (truck, load) pairs with their numbers, as parallel arrays.

    ``truck`` and ``load`` index the lists the candidates were built from. From
    :func:`build_candidates` they are ordered by load, then truck.
    """

    truck: IntArray
    load: IntArray
    deadhead_km: FloatArray
    pickup_at: FloatArray
    cost: FloatArray

    def __len__(self) -> int:
        return len(self.truck)

    def take(self, index: IntArray) -> Candidates:
        """The pairs at ``index`` (in that order)."""
        return Candidates(
            self.truck[index],
            self.load[index],
            self.deadhead_km[index],
            self.pickup_at[index],
            self.cost[index],
        )

    @staticmethod
    def empty() -> Candidates:
        i, f = np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float64)
        return Candidates(i, i, f, f, f)

    @staticmethod
    def concat(parts: Sequence[Candidates]) -> Candidates:
        if not parts:
            return Candidates.empty()
        return Candidates(*(np.concatenate([getattr(p, name) for p in parts]) for name in _FIELDS))


_FIELDS = ("truck", "load", "deadhead_km", "pickup_at", "cost")


@dataclass(frozen=True)
class FleetArrays:
    """Trucks and loads as flat numpy arrays; node fields are :meth:`RouteGraph.index` rows."""

    t_node: IntArray
    t_type: NDArray[np.int8]
    t_cap: FloatArray
    t_avail: FloatArray
    l_origin: IntArray
    l_dest: IntArray
    l_type: NDArray[np.int8]
    l_weight: FloatArray
    l_early: FloatArray
    l_late: FloatArray
    l_price: FloatArray

    @classmethod
    def of(cls, trucks: Sequence[Truck], loads: Sequence[Load], graph: RouteGraph) -> FleetArrays:
        idx = graph.index

        def ints(values: Iterator[int], n: int) -> IntArray:
            return np.fromiter(values, dtype=np.intp, count=n)

        def floats(values: Iterator[float], n: int) -> FloatArray:
            return np.fromiter(values, dtype=np.float64, count=n)

        def codes(values: Iterator[TruckType], n: int) -> NDArray[np.int8]:
            return np.fromiter((TYPE_CODES[v] for v in values), dtype=np.int8, count=n)

        nt, nl = len(trucks), len(loads)
        return cls(
            t_node=ints((idx(t.location) for t in trucks), nt),
            t_type=codes((t.truck_type for t in trucks), nt),
            t_cap=floats((t.capacity_t for t in trucks), nt),
            t_avail=floats((t.available_at for t in trucks), nt),
            l_origin=ints((idx(ld.origin) for ld in loads), nl),
            l_dest=ints((idx(ld.destination) for ld in loads), nl),
            l_type=codes((ld.truck_type for ld in loads), nl),
            l_weight=floats((ld.weight_t for ld in loads), nl),
            l_early=floats((ld.pickup_earliest for ld in loads), nl),
            l_late=floats((ld.pickup_latest for ld in loads), nl),
            l_price=floats((ld.price for ld in loads), nl),
        )

    @property
    def n_trucks(self) -> int:
        return len(self.t_node)

    @property
    def n_loads(self) -> int:
        return len(self.l_origin)


def remap(values: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """``(used, inverse)`` like ``np.unique(values, return_inverse=True)`` for ints in
    ``[0, size)``, in O(len + size) instead of a sort: ``used[inverse] == values``."""
    seen = np.zeros(size, dtype=bool)
    seen[values] = True
    used = np.flatnonzero(seen)
    rank = np.cumsum(seen, dtype=np.intp) - 1
    return used, rank[values]


class PairRules:
    """The feasibility rules and the cost, for one fleet, on blocks of (load x truck) pairs.

    ``dist`` holds road km from every distinct truck city (rows) to every distinct load origin
    (columns); ``t_col``/``l_row`` point trucks and loads into it.
    """

    def __init__(
        self,
        fleet: FleetArrays,
        graph: RouteGraph,
        settings: MatchSettings,
        loaded: FloatArray | None = None,
    ) -> None:
        self.f = fleet
        self.s = settings
        t_cities, self.t_col = remap(fleet.t_node, len(graph))
        l_cities, self.l_row = remap(fleet.l_origin, len(graph))
        # load-origin rows x truck-city columns, so a block of loads gathers whole rows
        self.dist = np.ascontiguousarray(graph.distances_between(t_cities, l_cities).T)
        self.limit = math.inf if settings.max_deadhead_km is None else settings.max_deadhead_km
        self.loaded = loaded  # km origin -> destination per load, when known already
        if settings.price_per_km_weight and loaded is None:  # the only term that needs it
            self.loaded = graph.distances_pairs(fleet.l_origin, fleet.l_dest)

    def by_type(self) -> list[tuple[IntArray, IntArray]]:
        """(loads, trucks) index arrays of each truck type that has both."""
        out = []
        for code in range(len(TYPE_CODES)):
            loads = np.flatnonzero(self.f.l_type == code)
            trucks = np.flatnonzero(self.f.t_type == code)
            if len(loads) and len(trucks):
                out.append((loads, trucks))
        return out

    def block(self, loads: IntArray, trucks: IntArray) -> tuple[NDArray[np.bool_], FloatArray]:
        """(feasible mask, deadhead km) of a (loads x trucks) block of one type."""
        f = self.f
        dh = self.dist[np.ix_(self.l_row[loads], self.t_col[trucks])]
        ok = f.t_cap[trucks][None, :] >= f.l_weight[loads][:, None]
        if self.limit != math.inf:
            ok &= dh <= self.limit
        arrival = f.t_avail[trucks][None, :] + dh / self.s.speed_kmh
        ok &= arrival <= f.l_late[loads][:, None] + TIME_EPS_H
        return ok, dh

    def pairs(
        self, load: IntArray, truck: IntArray, dh: FloatArray, *, pickup: bool = True
    ) -> tuple[FloatArray, FloatArray]:
        """(pickup time, cost) of feasible pairs; the arithmetic of ``costs.explain``.
        ``pickup=False`` skips the pickup times (NaN) when only costs are needed."""
        f, s = self.f, self.s
        arrival = f.t_avail[truck] + dh / s.speed_kmh
        when = np.maximum(arrival, f.l_early[load]) if pickup else _nan_like(dh)
        cost = dh if s.deadhead_weight == 1.0 else s.deadhead_weight * dh  # 1.0 * x == x
        if s.lateness_risk_weight:
            slack = f.l_late[load] - arrival
            cost = cost + s.lateness_risk_weight * np.maximum(0.0, s.risk_margin_h - slack)
        if s.waiting_weight:
            cost = cost + s.waiting_weight * np.maximum(0.0, f.l_early[load] - arrival)
        if s.price_per_km_weight and self.loaded is not None:
            km = np.maximum(dh + self.loaded[load], 1.0)
            cost = cost - s.price_per_km_weight * f.l_price[load] / km
        return when, np.asarray(cost, dtype=np.float64)

    def blocks(self, loads: IntArray, trucks: IntArray) -> Iterator[tuple[int, int]]:
        """Slices ``[a, b)`` of ``loads`` whose block against ``trucks`` fits BLOCK_CELLS."""
        step = max(1, BLOCK_CELLS // max(1, len(trucks)))
        for a in range(0, len(loads), step):
            yield a, min(a + step, len(loads))


def _nan_like(a: FloatArray) -> FloatArray:
    return np.broadcast_to(np.float64(np.nan), a.shape)  # no memory


def build_candidates(
    trucks: Sequence[Truck],
    loads: Sequence[Load],
    graph: RouteGraph,
    settings: MatchSettings,
    progress: Progress | None = None,
) -> Candidates:
    """Every feasible pair, load-major; statuses are not checked (callers pass idle trucks
    and open loads)."""
    if not trucks or not loads:
        return Candidates.empty()
    rules = PairRules(FleetArrays.of(trucks, loads, graph), graph, settings)
    return candidates_of_types(rules, rules.by_type(), progress)


def candidates_of_types(
    rules: PairRules,
    groups: Sequence[tuple[IntArray, IntArray]],
    progress: Progress | None = None,
    fraction: float = 0.5,
    *,
    pickup: bool = True,
    max_pairs: int | None = None,
) -> Candidates:
    """Feasible pairs of the given (loads, trucks) type groups, load-major, truck-minor
    (``pickup=False``: pickup times left NaN, for solvers that read only costs). More than
    ``max_pairs`` kept raises MatchTooLarge at once."""
    n_loads = rules.f.n_loads
    parts: list[tuple[IntArray, NDArray[np.int32], NDArray[np.int32], FloatArray]] = []
    total_cells = sum(len(lk) * len(tk) for lk, tk in groups) or 1
    done = kept = 0
    for lk, tk in groups:
        for a, b in rules.blocks(lk, tk):
            check(progress, fraction * done / total_cells, "finding feasible pairs")
            ok, dh = rules.block(lk[a:b], tk)
            li, ti = np.nonzero(ok)
            parts.append((lk[a:b], li.astype(np.int32), tk[ti].astype(np.int32), dh[li, ti]))
            done += (b - a) * len(tk)
            kept += len(li)
            if max_pairs is not None and kept > max_pairs:
                raise MatchTooLarge(
                    f"cannot match {rules.f.n_trucks:,} trucks x {rules.f.n_loads:,} loads in "
                    f"memory: more than {max_pairs:,} feasible pairs, the most the memory "
                    "limit allows; split the fleet (by region or shift) or raise the limit"
                )
    counts = np.zeros(n_loads, dtype=np.intp)
    for rows, part_rows, _, _ in parts:
        counts[rows] = np.bincount(part_rows, minlength=len(rows))
    start = np.zeros(n_loads + 1, dtype=np.intp)
    np.cumsum(counts, out=start[1:])
    m = int(start[-1])
    load = np.empty(m, dtype=np.intp)
    truck = np.empty(m, dtype=np.intp)
    dh_all = np.empty(m, dtype=np.float64)
    while parts:  # scatter each part to its loads' slots, freeing it at once
        rows, part_rows, part_trucks, part_dh = parts.pop()
        local = np.zeros(len(rows) + 1, dtype=np.intp)
        np.cumsum(counts[rows], out=local[1:])
        pos = (start[rows] - local[:-1])[part_rows] + np.arange(len(part_rows))
        load[pos] = rows[part_rows]
        truck[pos] = part_trucks
        dh_all[pos] = part_dh
    when, cost = rules.pairs(load, truck, dh_all, pickup=pickup)
    return Candidates(truck, load, dh_all, when, cost)
