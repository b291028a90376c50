"""Matching and the day at scale: solvers agree, routes by density, refusals, bounded caches."""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from dispatcher.candidates import FleetArrays, PairRules, build_candidates, remap
from dispatcher.costs import MatchSettings
from dispatcher.day_matching import Picked, busiest_instant
from dispatcher.fleet import Load, Truck, TruckType
from dispatcher.matching import GreedyMatcher, MatchTooLarge, OptimalMatcher
from dispatcher.operations import DaySettings, simulate_day
from dispatcher.routes import RouteGraph
from dispatcher.solvers import plan
from dispatcher.synthetic import dense_day, random_day
from freightlab.resources import asset_path, default_map_path
from main import main

ROOT = Path(__file__).resolve().parents[2]
INDIA = RouteGraph.load(default_map_path())


def _wide(loads: list[Load], hours: float) -> list[Load]:
    return [dataclasses.replace(ld, pickup_earliest=0.0, pickup_latest=hours) for ld in loads]


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("dense 400 x 300", lambda: dense_day(INDIA, 400, 300, seed=2)),
        ("dense 250 x 400", lambda: dense_day(INDIA, 250, 400, seed=3)),
        (
            "half dense 500",
            lambda: (lambda t, ld: (t, _wide(ld, 20.0)))(*dense_day(INDIA, 500, 500, 4)),
        ),
        (
            "wide mixed types",
            lambda: (lambda t, ld: (t, _wide(ld, 30.0)))(*random_day(INDIA, 600, 700, 5)),
        ),
        ("realistic", lambda: random_day(INDIA, 700, 600, seed=6)),
    ],
)
def test_sparse_dense_and_auto_find_the_same_optimum(name: str, make: object) -> None:
    trucks, loads = make()  # type: ignore[operator]
    results = {
        m: OptimalMatcher(m).match(trucks, loads, INDIA) for m in ("sparse", "dense", "auto")
    }
    greedy = GreedyMatcher().match(trucks, loads, INDIA)
    base = results["sparse"]
    for r in results.values():
        assert r.moved == base.moved >= greedy.moved
        assert r.total_cost == pytest.approx(base.total_cost, rel=1e-12)
        assert r.feasible_pairs == base.feasible_pairs
        assert set(r.unassigned) == set(base.unassigned) or r.moved == base.moved
        assert len({a.truck_id for a in r.assignments}) == r.moved


def _plans(trucks: list[Truck], loads: list[Load], method: str = "auto") -> list[bool]:
    rules = PairRules(FleetArrays.of(trucks, loads, INDIA), INDIA, MatchSettings())
    return [p.dense for p in plan(rules, method)]  # type: ignore[arg-type]


def test_the_dense_solver_is_chosen_only_for_big_dense_type_blocks() -> None:
    assert _plans(*dense_day(INDIA, 1200, 1200, seed=1)) == [True]
    assert _plans(*dense_day(INDIA, 300, 300, seed=1)) == [False]  # small: sparse is quick
    assert not any(_plans(*random_day(INDIA, 1500, 1500, seed=1)))  # realistic: ~4 %
    assert all(_plans(*random_day(INDIA, 50, 50, seed=1), method="dense"))


def test_a_fleet_too_large_for_memory_is_refused_with_size_and_limit() -> None:
    trucks, loads = random_day(INDIA, 300, 300, seed=1)
    with pytest.raises(MatchTooLarge) as err:
        OptimalMatcher(memory_limit_mb=0.05).match(trucks, loads, INDIA)
    text = str(err.value)
    assert "300 trucks x 300 loads" in text and "limit is 0.05 MB" in text
    assert "feasible pairs need" in text
    with pytest.raises(MatchTooLarge):
        GreedyMatcher(memory_limit_mb=0.05).match(trucks, loads, INDIA)
    assert OptimalMatcher(memory_limit_mb=50).match(trucks, loads, INDIA).moved > 0


def test_a_huge_dense_fleet_is_refused_at_once_without_building_pairs() -> None:
    # 60,000 x 60,000 of one type: 3.6e9 pairs; planning looks at 4,096 of them
    trucks, loads = dense_day(INDIA, 4, 4, seed=1)
    many_t = [dataclasses.replace(trucks[i % 4], id=f"T{i}") for i in range(60_000)]
    many_l = [dataclasses.replace(loads[i % 4], id=f"L{i}") for i in range(60_000)]
    with pytest.raises(MatchTooLarge, match="60,000 trucks x 60,000 loads"):
        OptimalMatcher().match(many_t, many_l, INDIA)


def test_a_day_too_large_for_memory_is_refused_before_it_starts() -> None:
    trucks, loads = random_day(INDIA, 100, 300, seed=1)
    with pytest.raises(MatchTooLarge, match=r"100 trucks and 300 loads is too large: at \d\d:\d\d"):
        simulate_day(INDIA, trucks, loads, matcher=OptimalMatcher(memory_limit_mb=0.01))
    with pytest.raises(MatchTooLarge, match="loads are open at once"):
        simulate_day(INDIA, trucks, loads, matcher=GreedyMatcher(memory_limit_mb=0.01))


@pytest.mark.parametrize("command", ["match", "day"])
def test_cli_refuses_with_exit_2_and_one_line(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [
        "--trucks",
        str(asset_path("samples", "india_trucks.csv")),
        "--loads",
        str(asset_path("samples", "india_loads.csv")),
    ]
    assert main([command, *files, "--memory-limit", "0.01"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "in memory" in err and "limit is 0.01 MB" in err
    assert main([command, *files, "--memory-limit", "0"]) == 2
    assert "--memory-limit" in capsys.readouterr().err


def test_match_and_day_do_not_import_the_dense_solver_unless_used() -> None:
    code = (
        "import sys; from main import main; "
        "main(['match', '--trucks', sys.argv[1], '--loads', sys.argv[2]]); "
        "main(['day', '--batch-minutes', '30']); "
        "print('scipy.optimize' in sys.modules)"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(asset_path("samples", "india_trucks.csv")),
            str(asset_path("samples", "india_loads.csv")),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_candidates_are_load_major_and_remap_is_unique() -> None:
    trucks, loads = random_day(INDIA, 120, 150, seed=9)
    cand = build_candidates(trucks, loads, INDIA, MatchSettings())
    key = cand.load.astype(np.int64) * len(trucks) + cand.truck
    assert len(cand) > 0 and bool(np.all(np.diff(key) > 0))
    values = np.random.default_rng(1).integers(0, 50, size=400)
    used, inverse = remap(values, 50)
    u2, i2 = np.unique(values, return_inverse=True)
    assert np.array_equal(used, u2) and np.array_equal(inverse, i2)


def _grid_map(side: int) -> RouteGraph:
    g = nx.Graph(name="grid")
    rng = np.random.default_rng(side)
    for x, y in itertools.product(range(side), range(side)):
        g.add_node(f"n{x}-{y}", name=f"N{x}-{y}", lat=10 + 0.1 * y, lon=70 + 0.1 * x)
    for x, y in itertools.product(range(side), range(side)):
        for dx, dy in ((1, 0), (0, 1)):
            if x + dx < side and y + dy < side:
                g.add_edge(f"n{x}-{y}", f"n{x + dx}-{y + dy}", km=float(rng.uniform(5, 15)))
    return RouteGraph.from_networkx(g, name="grid")


def test_distance_cache_is_bounded_and_still_right() -> None:
    graph = _grid_map(30)
    graph.cache_rows = 20
    nodes = graph.nodes
    ref = dict(nx.single_source_dijkstra_path_length(graph.to_networkx(), nodes[0], weight="km"))
    for u in nodes[:200]:
        graph.distance(u, nodes[-1])
    assert graph.cached_rows <= 20
    assert graph.distance(nodes[0], nodes[-1]) == pytest.approx(ref[nodes[-1]])
    km = graph.distances(nodes[:100], nodes[-5:])  # more sources than the cache holds
    assert km.shape == (100, 5) and graph.cached_rows <= 20
    assert km[0, -1] == pytest.approx(ref[nodes[-1]])


def test_a_day_on_a_large_map_keeps_the_distance_cache_bounded() -> None:
    graph = _grid_map(40)  # 1,600 cities; trucks drive corner to corner
    graph.cache_rows = 50
    nodes = graph.nodes
    trucks = [Truck(f"T{i}", nodes[i], 20.0, TruckType.OPEN, 0.0) for i in range(3)]
    loads = [
        Load(
            f"L{j}",
            nodes[(j * 397) % len(nodes)],
            nodes[-1 - j],
            5.0,
            TruckType.OPEN,
            2.0 + j,
            30.0 + j,
            1000.0,
        )
        for j in range(12)
    ]
    r = simulate_day(graph, trucks, loads, DaySettings(batch_minutes=15, max_hours=400))
    assert r.kpis.loads_delivered > 3
    assert graph.cached_rows <= 50


class _PlainOptimal:
    """The optimal matcher seen only through ``match`` (no ``choose``, not ``maximal``)."""

    name = "plain"

    def match(self, *args: object, **kw: object) -> object:
        return OptimalMatcher().match(*args, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("window", [0.0, 15.0])
def test_incremental_day_equals_building_every_pair_each_run(window: float) -> None:
    trucks, loads = random_day(INDIA, 80, 240, seed=11)
    s = DaySettings(batch_minutes=window, seed=3)
    fast = simulate_day(INDIA, trucks, loads, s)
    plain = simulate_day(INDIA, trucks, loads, s, matcher=_PlainOptimal())  # type: ignore[arg-type]
    assert fast.kpis == plain.kpis
    assert [dataclasses.astuple(o) for o in fast.outcomes] == [
        dataclasses.astuple(o) for o in plain.outcomes
    ]


def test_busiest_instant_and_picked() -> None:
    t, which = busiest_instant([0.0, 1.0, 2.0, 5.0], [3.0, 4.0, 2.5, 6.0])
    assert t == 2.0 and which.tolist() == [0, 1, 2]
    assert busiest_instant([], [])[1].size == 0
    view = Picked(["a", "b", "c", "d"], np.array([3, 1]))
    assert len(view) == 2 and list(view) == ["d", "b"] and view[0] == "d"
    assert list(view[1:]) == ["b"]


def test_dense_route_reports_progress_in_order_and_can_be_cancelled() -> None:
    from freightlab.progress import Cancelled, Progress

    trucks, loads = random_day(INDIA, 2500, 2500, seed=2)
    loads = _wide(loads, 48.0)  # the open type (45 %) goes dense, the smaller ones sparse
    assert sorted(_plans(trucks, loads)) == [False, False, False, True]
    seen: list[tuple[float, str]] = []
    report = Progress(lambda f, m: seen.append((f, m)))
    OptimalMatcher().match(trucks, loads, INDIA, progress=report)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert "dense matrix" in {m for _, m in seen}

    def stop_in_dense(f: float, message: str) -> None:
        if message == "dense matrix":
            progress.cancel()

    progress = Progress(stop_in_dense)
    with pytest.raises(Cancelled):
        OptimalMatcher().match(trucks, loads, INDIA, progress=progress)


def test_the_pair_budget_stops_a_fleet_the_sample_underestimated() -> None:
    # Every load the density sample looks at is too heavy; all the others fit every truck.
    trucks, loads = dense_day(INDIA, 100, 640, seed=5)
    sampled = set(np.linspace(0, len(loads) - 1, 64).astype(np.intp).tolist())
    loads = [
        dataclasses.replace(ld, weight_t=99.0) if j in sampled else ld for j, ld in enumerate(loads)
    ]
    rules = PairRules(FleetArrays.of(trucks, loads, INDIA), INDIA, MatchSettings())
    assert plan(rules, "auto", 2**20)[0].density == 0.0  # the plan alone would let it through
    with pytest.raises(MatchTooLarge, match="more than 11,650 feasible pairs"):
        OptimalMatcher(memory_limit_mb=1).match(trucks, loads, INDIA)
    assert OptimalMatcher(memory_limit_mb=20).match(trucks, loads, INDIA).moved == 100
