"""The simulated day's side of matching: the fleet as arrays, and only the pairs that can be new.

A day runs the matcher thousands of times (instant batching at x30 scale: ~9,000 runs). Doing
that from ``Truck``/``Load`` objects each time costs more than the matching itself, so the day
keeps every truck and load in flat arrays once (:class:`DayPool`) and updates a truck's city
and freedom in place.

Only new things can be paired. After a run of a *maximal* matcher (optimal and greedy both
are: no idle truck and open load that could still be paired are left), every remaining idle
truck x open load pair is infeasible, and stays so: type, capacity and the deadhead limit do
not change while a truck waits, and its arrival only gets later as time passes. So a run needs
only (new loads x all idle trucks) and (older loads x new idle trucks) — the same candidate set
as building everything, at a cost that follows what changed since the last run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar, overload

import numpy as np

from dispatcher.candidates import (
    Candidates,
    FleetArrays,
    IntArray,
    PairRules,
    candidates_of_types,
)
from dispatcher.costs import MatchSettings
from dispatcher.fleet import Load, Truck
from dispatcher.routes import RouteGraph

T = TypeVar("T")


class Picked(Sequence[T]):
    """``items[index[k]]`` for each k, without building the list (most matchers need only its
    length)."""

    def __init__(self, items: Sequence[T], index: IntArray) -> None:
        self._items, self._index = items, index

    def __len__(self) -> int:
        return len(self._index)

    @overload
    def __getitem__(self, k: int) -> T: ...
    @overload
    def __getitem__(self, k: slice) -> Sequence[T]: ...
    def __getitem__(self, k: int | slice) -> T | Sequence[T]:
        if isinstance(k, slice):
            return Picked(self._items, self._index[k])
        return self._items[int(self._index[k])]

    def __iter__(self) -> Iterator[T]:
        items = self._items
        return (items[i] for i in self._index.tolist())


class DayPool:
    """Every on-duty truck and postable load of a day as arrays; which trucks are free now,
    and which truck and load were already looked at (``incremental``)."""

    def __init__(
        self,
        graph: RouteGraph,
        trucks: list[Truck],
        loads: list[Load],
        settings: MatchSettings,
        *,
        incremental: bool,
    ) -> None:
        self.graph = graph
        self.settings = settings
        self.incremental = incremental
        self.trucks, self.loads = trucks, loads
        self.all = FleetArrays.of(trucks, loads, graph)
        self.truck_index = {t.id: i for i, t in enumerate(trucks)}
        self.load_index = {ld.id: j for j, ld in enumerate(loads)}
        self.node = self.all.t_node.copy()  # where each truck is when idle
        self.free = np.zeros(len(trucks), dtype=bool)
        self.seen_truck = np.zeros(len(trucks), dtype=bool)  # idle + unmatched at last run
        self.seen_load = np.zeros(len(loads), dtype=bool)  # open + unmatched at last run
        self.loaded = None
        if settings.price_per_km_weight:
            self.loaded = graph.distances_pairs(self.all.l_origin, self.all.l_dest)

    def set_free(self, truck_id: str, node: str) -> None:
        i = self.truck_index[truck_id]
        self.free[i] = True
        self.node[i] = self.graph.index(node)
        self.seen_truck[i] = False

    def set_busy(self, truck_id: str) -> None:
        self.free[self.truck_index[truck_id]] = False

    def candidates(self, now: float, trucks: IntArray, loads: IntArray) -> Candidates:
        """Feasible pairs of these free trucks and open loads (indices into this pool) at
        ``now``; pair indices point into ``trucks`` and ``loads``."""
        a = self.all
        view = FleetArrays(
            t_node=self.node[trucks],
            t_type=a.t_type[trucks],
            t_cap=a.t_cap[trucks],
            t_avail=np.full(len(trucks), now),
            l_origin=a.l_origin[loads],
            l_dest=a.l_dest[loads],
            l_type=a.l_type[loads],
            l_weight=a.l_weight[loads],
            l_early=a.l_early[loads],
            l_late=a.l_late[loads],
            l_price=a.l_price[loads],
        )
        loaded = None if self.loaded is None else self.loaded[loads]
        rules = PairRules(view, self.graph, self.settings, loaded)
        groups = rules.by_type()
        if self.incremental:
            old_t, old_l = self.seen_truck[trucks], self.seen_load[loads]
            groups = [
                part
                for lk, tk in groups
                for part in ((lk[~old_l[lk]], tk), (lk[old_l[lk]], tk[~old_t[tk]]))
                if len(part[0]) and len(part[1])
            ]
        return candidates_of_types(rules, groups, pickup=False)  # matchers read costs only

    def settle(self, trucks: IntArray, loads: IntArray, cand: Candidates, chosen: IntArray) -> None:
        """After a run: the free trucks and open loads left unmatched have been looked at."""
        self.seen_truck[trucks] = True
        self.seen_load[loads] = True
        self.seen_truck[trucks[cand.truck[chosen]]] = False
        self.seen_load[loads[cand.load[chosen]]] = False


def busiest_instant(opens: Sequence[float], closes: Sequence[float]) -> tuple[float, IntArray]:
    """The time when most of these intervals ``[open, close)`` overlap, and which they are."""
    if not len(opens):
        return 0.0, np.empty(0, dtype=np.intp)
    o, c = np.asarray(opens, dtype=np.float64), np.asarray(closes, dtype=np.float64)
    times = np.concatenate([o, c])
    steps = np.concatenate([np.ones(len(o), dtype=np.intp), -np.ones(len(c), dtype=np.intp)])
    order = np.lexsort((steps, times))  # at equal times, closes (-1) before opens
    level = np.cumsum(steps[order])
    t = float(times[order[int(np.argmax(level))]])
    return t, np.flatnonzero((o <= t) & (c > t))


def check_day_size(
    pool: DayPool, matcher: object, post_at: Sequence[float], deadline: Sequence[float]
) -> None:
    """Refuse a day whose busiest matcher run would not fit in memory (MatchTooLarge).

    The busiest run is bounded by every on-duty truck against the loads open at the instant
    when most are open at once; the matcher's own plan says whether that fits.
    """
    from dispatcher.solvers import MatchTooLarge, plan

    t, busy = busiest_instant(post_at, deadline)
    if not len(busy) or not len(pool.trucks):
        return
    a = pool.all
    view = FleetArrays(
        a.t_node,
        a.t_type,
        a.t_cap,
        np.maximum(a.t_avail, t),
        *(getattr(a, name)[busy] for name in _LOAD_FIELDS),
    )
    rules = PairRules(view, pool.graph, pool.settings, np.zeros(len(busy)))
    limit_mb = getattr(matcher, "memory_limit_mb", None)
    try:
        plan(
            rules,
            getattr(matcher, "method", "sparse"),
            None if limit_mb is None else int(limit_mb * 2**20),
        )
    except MatchTooLarge as exc:
        hh, mm = divmod(round(t * 60), 60)
        raise MatchTooLarge(
            f"day of {len(pool.trucks):,} trucks and {len(pool.loads):,} loads is too large: "
            f"at {hh:02d}:{mm:02d} {len(busy):,} loads are open at once; {exc}"
        ) from None


_LOAD_FIELDS = (
    "l_origin",
    "l_dest",
    "l_type",
    "l_weight",
    "l_early",
    "l_late",
    "l_price",
)
