"""Matching: optimal equals exhaustive search, never worse than greedy, rules and reasons."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatcher.fleet import Load, LoadStatus, Truck, TruckStatus, TruckType
from dispatcher.matching import (
    GreedyMatcher,
    MatchResult,
    MatchSettings,
    OptimalMatcher,
    explain,
    format_clock,
    get_matcher,
)
from dispatcher.routes import RouteGraph
from dispatcher.synthetic import random_day
from freightlab.errors import InputError
from freightlab.progress import Cancelled, Progress
from freightlab.resources import asset_path, default_map_path


def line_map() -> RouteGraph:
    """a - b - c - d - e, 60 km apart (one hour at the default speed), plus a b-d shortcut."""
    g = nx.Graph(name="line")
    for i, nid in enumerate("abcde"):
        g.add_node(nid, name=nid.upper(), lat=10.0, lon=70.0 + i)
    for u, v in itertools.pairwise("abcde"):
        g.add_edge(u, v, km=60.0)
    g.add_edge("b", "d", km=90.0)
    return RouteGraph.from_networkx(g, name="line")


LINE = line_map()
OPEN, REEFER = TruckType.OPEN, TruckType.REEFER


def truck(tid: str, at: str, cap: float = 20, kind: TruckType = OPEN, avail: float = 0) -> Truck:
    return Truck(tid, at, cap, kind, avail)


def load(lid: str, at: str, to: str = "e", w: float = 10, kind: TruckType = OPEN, **kw) -> Load:
    early, late = kw.get("window", (0.0, 24.0))
    return Load(lid, at, to, w, kind, early, late, kw.get("price", 1000.0))


# -- exhaustive search -----------------------------------------------------------------------


def brute_force(
    trucks: list[Truck], loads: list[Load], graph: RouteGraph, s: MatchSettings
) -> tuple[int, float]:
    """Best (count, cost) over every way to give each load one truck or none."""
    ex = {
        (i, j): explain(t, ld, graph, s) for i, t in enumerate(trucks) for j, ld in enumerate(loads)
    }
    best = (0, 0.0)
    for choice in itertools.product(range(-1, len(trucks)), repeat=len(loads)):
        used = [c for c in choice if c >= 0]
        if len(used) != len(set(used)):
            continue
        if any(c >= 0 and not ex[(c, j)].feasible for j, c in enumerate(choice)):
            continue
        cost = math.fsum(ex[(c, j)].cost for j, c in enumerate(choice) if c >= 0)
        if len(used) > best[0] or (len(used) == best[0] and cost < best[1]):
            best = (len(used), cost)
    return best


def check_valid(
    result: MatchResult, trucks: list[Truck], loads: list[Load], s: MatchSettings
) -> None:
    by_truck = {t.id: t for t in trucks}
    by_load = {ld.id: ld for ld in loads}
    assert len({a.truck_id for a in result.assignments}) == len(result.assignments)
    assert len({a.load_id for a in result.assignments}) == len(result.assignments)
    for a in result.assignments:
        ex = explain(by_truck[a.truck_id], by_load[a.load_id], LINE, s)
        assert ex.feasible, ex.reason
        assert a.deadhead_km == pytest.approx(ex.deadhead_km)
        assert a.cost == pytest.approx(ex.cost)
        assert a.pickup_at == pytest.approx(ex.pickup_at)
    moved = {a.load_id for a in result.assignments}
    open_ids = {ld.id for ld in loads if ld.status is LoadStatus.OPEN}
    assert set(result.unassigned) == open_ids - moved
    assert result.total_deadhead_km == pytest.approx(sum(a.deadhead_km for a in result.assignments))


nodes = st.sampled_from("abcde")
kinds = st.sampled_from([OPEN, REEFER])


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Truck], list[Load], MatchSettings]:
    n_t = draw(st.integers(0, 5))
    n_l = draw(st.integers(0, 5))
    trucks = [
        Truck(
            f"T{i}",
            draw(nodes),
            draw(st.sampled_from([10.0, 20.0])),
            draw(kinds),
            draw(st.sampled_from([0.0, 1.0, 2.5])),
            draw(st.sampled_from([TruckStatus.IDLE] * 4 + [TruckStatus.OFF_DUTY])),
        )
        for i in range(n_t)
    ]
    loads = []
    for j in range(n_l):
        early = draw(st.sampled_from([0.0, 1.0, 2.0, 3.0]))
        loads.append(
            Load(
                f"L{j}",
                draw(nodes),
                "e" if j % 2 else "a",
                draw(st.sampled_from([5.0, 15.0])),
                draw(kinds),
                early,
                early + draw(st.sampled_from([0.0, 1.0, 2.0, 4.0])),
                draw(st.sampled_from([100.0, 5000.0])),
                draw(st.sampled_from([LoadStatus.OPEN] * 4 + [LoadStatus.ASSIGNED])),
            )
        )
    s = draw(
        st.sampled_from(
            [
                MatchSettings(),
                MatchSettings(speed_kmh=30.0),
                MatchSettings(max_deadhead_km=100.0),
                MatchSettings(lateness_risk_weight=40.0, waiting_weight=10.0),
                MatchSettings(price_per_km_weight=2.0, deadhead_weight=0.5),
            ]
        )
    )
    return trucks, loads, s


@settings(max_examples=150, deadline=None)
@given(instances())
def test_optimal_equals_exhaustive_search_and_beats_greedy(
    case: tuple[list[Truck], list[Load], MatchSettings],
) -> None:
    trucks, loads, s = case
    idle = [t for t in trucks if t.status is TruckStatus.IDLE]
    open_loads = [ld for ld in loads if ld.status is LoadStatus.OPEN]
    best_count, best_cost = brute_force(idle, open_loads, LINE, s)
    for matcher in (OptimalMatcher("sparse"), OptimalMatcher("dense"), OptimalMatcher("auto")):
        result = matcher.match(trucks, loads, LINE, s)
        check_valid(result, trucks, loads, s)
        assert result.moved == best_count
        assert result.total_cost == pytest.approx(best_cost, abs=1e-6)
    greedy = GreedyMatcher().match(trucks, loads, LINE, s)
    check_valid(greedy, trucks, loads, s)
    assert greedy.moved <= best_count
    if greedy.moved == best_count:
        assert greedy.total_cost >= best_cost - 1e-6


def test_count_comes_before_deadhead() -> None:
    # T1 is next to L1 but is the only truck that can reach L2 in time; moving both wins.
    trucks = [truck("T1", "b"), truck("T2", "a")]
    loads = [load("L1", "b"), load("L2", "c", window=(0, 1))]
    r = OptimalMatcher().match(trucks, loads, LINE)
    assert {(a.truck_id, a.load_id) for a in r.assignments} == {("T1", "L2"), ("T2", "L1")}
    assert r.total_deadhead_km == 120.0
    g = GreedyMatcher().match(trucks, loads, LINE)
    assert g.moved == 2  # deadline order serves L2 first here, greedy is fine too


def test_greedy_baseline_loses_deadhead() -> None:
    # Greedy serves L1 (earlier deadline) first with T1 (a 60 km tie, lower id), which leaves
    # T2 to drive d-b-a (150 km) for L2; optimal sends T1 to a and T2 to c, 60 km each.
    loads = [load("L1", "c", window=(0, 10)), load("L2", "a", window=(0, 20))]
    trucks = [truck("T1", "b"), truck("T2", "d")]
    g = GreedyMatcher().match(trucks, loads, LINE)
    o = OptimalMatcher().match(trucks, loads, LINE)
    assert o.moved == g.moved == 2
    assert {(a.truck_id, a.load_id) for a in o.assignments} == {("T1", "L2"), ("T2", "L1")}
    assert o.total_deadhead_km == 120.0
    assert g.total_deadhead_km == 210.0


@pytest.mark.parametrize(
    ("t", "ld", "s", "reason"),
    [
        (
            truck("T", "a", kind=REEFER),
            load("L", "a"),
            MatchSettings(),
            "needs an open truck, T is reefer",
        ),
        (
            truck("T", "a", cap=9),
            load("L", "a", w=12),
            MatchSettings(),
            "capacity 9 t < weight 12 t",
        ),
        (
            truck("T", "a", avail=12.0),
            load("L", "d", window=(10.0, 13.0)),
            MatchSettings(),
            "arrives 14:30, window closes 13:00",
        ),
        (
            truck("T", "a"),
            load("L", "e"),
            MatchSettings(max_deadhead_km=200),
            "deadhead 210 km > limit 200 km",
        ),
        (
            Truck("T", "a", 20, OPEN, 0, TruckStatus.LOADED),
            load("L", "a"),
            MatchSettings(),
            "truck T is loaded, not idle",
        ),
        (
            truck("T", "a"),
            Load("L", "a", "e", 5, OPEN, 0, 5, 1, LoadStatus.CANCELLED),
            MatchSettings(),
            "load L is cancelled, not open",
        ),
    ],
)
def test_infeasible_pairs_are_rejected_with_the_first_rule(
    t: Truck, ld: Load, s: MatchSettings, reason: str
) -> None:
    ex = explain(t, ld, LINE, s)
    assert not ex.feasible and ex.reason == reason and ex.breakdown is None
    for matcher in (OptimalMatcher(), GreedyMatcher()):
        assert matcher.match([t], [ld], LINE, s).assignments == []


def test_explain_feasible_pair_breaks_the_cost_down() -> None:
    s = MatchSettings(
        lateness_risk_weight=10, risk_margin_h=2, waiting_weight=5, price_per_km_weight=3
    )
    ex = explain(
        truck("T", "a", avail=1.0), load("L", "c", to="e", window=(2.5, 4.0), price=2400), LINE, s
    )
    assert ex.feasible
    assert ex.deadhead_km == 120.0 and ex.arrival_at == 3.0 and ex.pickup_at == 3.0
    assert ex.breakdown is not None
    assert ex.breakdown.deadhead == 120.0
    assert ex.breakdown.lateness_risk == pytest.approx(10 * (2 - 1.0))
    assert ex.breakdown.waiting == 0.0
    assert ex.breakdown.price_per_km == pytest.approx(-3 * 2400 / (120 + 120))
    assert ex.cost == pytest.approx(120 + 10 - 30)
    assert "120 km empty" in ex.reason and "03:00" in ex.reason


def test_unassigned_reasons() -> None:
    trucks = [truck("T1", "a", cap=10), truck("T2", "e", kind=REEFER, avail=20)]
    loads = [
        load("L1", "a"),  # taken by T1
        load("L2", "b"),  # T1 could take it, but it is used for L1 (0 km beats 60 km)
        load("L3", "a", w=15),  # too heavy for any open truck
        load("L4", "a", kind=TruckType.TRAILER),  # nobody has a trailer
        load("L5", "a", kind=REEFER, window=(0, 10)),  # T2 starts too late and too far
    ]
    r = OptimalMatcher().match(trucks, loads, LINE)
    assert [(a.truck_id, a.load_id) for a in r.assignments] == [("T1", "L1")]
    assert r.unassigned["L2"].startswith("its 1 feasible truck moved other loads")
    assert r.unassigned["L3"] == "no idle open truck carries 15 t (largest 10 t)"
    assert r.unassigned["L4"] == "no idle trailer truck"
    assert r.unassigned["L5"] == "no suitable truck reaches A by 10:00 (earliest: T2 at 23:30)"
    assert r.idle_trucks_left == ["T2"]
    assert OptimalMatcher().match([], loads[:1], LINE).unassigned == {"L1": "no idle truck"}


def test_only_idle_trucks_and_open_loads_take_part() -> None:
    trucks = [Truck("T1", "a", 20, OPEN, 0, TruckStatus.EN_ROUTE_TO_PICKUP), truck("T2", "e")]
    loads = [Load("L1", "a", "e", 5, OPEN, 0, 24, 1, LoadStatus.ASSIGNED, "T9"), load("L2", "a")]
    r = OptimalMatcher().match(trucks, loads, LINE)
    assert [(a.truck_id, a.load_id) for a in r.assignments] == [("T2", "L2")]
    assert r.unassigned == {}


def test_matchers_by_name_and_settings_validation() -> None:
    assert isinstance(get_matcher("optimal"), OptimalMatcher)
    assert isinstance(get_matcher("greedy"), GreedyMatcher)
    with pytest.raises(ValueError, match="unknown matcher"):
        get_matcher("psychic")
    with pytest.raises(InputError, match="speed_kmh"):
        MatchSettings(speed_kmh=0)
    with pytest.raises(InputError, match="waiting_weight"):
        MatchSettings(waiting_weight=-1)


def test_cancel_stops_matching() -> None:
    progress = Progress()
    progress.cancel()
    trucks, loads = random_day(LINE, 10, 10, seed=1)
    with pytest.raises(Cancelled):
        OptimalMatcher().match(trucks, loads, LINE, progress=progress)


def test_progress_is_reported() -> None:
    seen: list[float] = []
    trucks, loads = random_day(LINE, 10, 10, seed=1)
    OptimalMatcher().match(trucks, loads, LINE, progress=Progress(lambda f, m: seen.append(f)))
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)


def test_sparse_and_dense_agree_on_a_bigger_day() -> None:
    graph = RouteGraph.load(default_map_path())
    trucks, loads = random_day(graph, 200, 250, seed=7)
    a = OptimalMatcher("sparse").match(trucks, loads, graph)
    b = OptimalMatcher("dense").match(trucks, loads, graph)
    g = GreedyMatcher().match(trucks, loads, graph)
    assert a.moved == b.moved >= g.moved
    assert a.total_cost == pytest.approx(b.total_cost)


def test_optimal_saves_deadhead_on_the_sample_days() -> None:
    from dispatcher.fleet import read_loads_csv, read_trucks_csv

    for prefix, map_name in (("india", "india.graphml"), ("us", "us_canada.graphml")):
        graph = RouteGraph.load(asset_path("maps", map_name))
        trucks = read_trucks_csv(asset_path("samples", f"{prefix}_trucks.csv"), graph)
        loads = read_loads_csv(asset_path("samples", f"{prefix}_loads.csv"), graph)
        o = OptimalMatcher().match(trucks, loads, graph)
        g = GreedyMatcher().match(trucks, loads, graph)
        assert o.moved >= g.moved
        assert o.total_deadhead_km <= 0.85 * g.total_deadhead_km


def test_format_clock() -> None:
    assert format_clock(0) == "00:00"
    assert format_clock(14 + 1 / 3) == "14:20"
    assert format_clock(26.5) == "d2 02:30"
    assert format_clock(math.inf) == "never"


@pytest.mark.parametrize(
    "s",
    [
        MatchSettings(),
        MatchSettings(
            speed_kmh=45,
            max_deadhead_km=400,
            lateness_risk_weight=30,
            waiting_weight=12,
            price_per_km_weight=0.5,
        ),
    ],
)
def test_candidate_builder_agrees_with_explain_on_every_pair(s: MatchSettings) -> None:
    from dispatcher.costs import build_candidates

    graph = RouteGraph.load(default_map_path())
    trucks, loads = random_day(graph, 40, 60, seed=3)
    cand = build_candidates(trucks, loads, graph, s)
    found = {
        (int(t), int(ld)): k for k, (t, ld) in enumerate(zip(cand.truck, cand.load, strict=True))
    }
    for i, t in enumerate(trucks):
        for j, ld in enumerate(loads):
            ex = explain(t, ld, graph, s)
            assert ex.feasible == ((i, j) in found), ex.reason
            if ex.feasible:
                k = found[(i, j)]
                assert cand.cost[k] == pytest.approx(ex.cost)
                assert cand.deadhead_km[k] == ex.deadhead_km
                assert cand.pickup_at[k] == pytest.approx(ex.pickup_at)
    assert 0 < len(cand) < len(trucks) * len(loads)
