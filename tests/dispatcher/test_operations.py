"""The simulated day: a hand-checked haul, KPI invariants, determinism, cancel, replay, chart."""

from __future__ import annotations

import dataclasses
import json
import random
from itertools import pairwise
from pathlib import Path

import networkx as nx
import pytest
from matplotlib.figure import Figure

from dispatcher.day_charts import batching_tradeoff_figure
from dispatcher.day_replay import DayReplay, LoadPhase
from dispatcher.fleet import Load, Truck, TruckStatus, TruckType
from dispatcher.matching import GreedyMatcher, MatchSettings
from dispatcher.operations import (
    Activity,
    DayResult,
    DaySettings,
    compare_batching,
    simulate_day,
)
from dispatcher.routes import RouteGraph
from freightlab.errors import InputError
from freightlab.progress import Cancelled, Progress
from main import main

EXACT = DaySettings(
    speed_kmh=50.0,
    speed_jitter=0.0,
    lead_time_h=(3.0, 3.0),
    loading_minutes=30.0,
    unloading_minutes=30.0,
    day_hours=10.0,
    batch_minutes=0.0,
)


def _line_graph() -> RouteGraph:
    """a --100 km-- b --150 km-- c, plus a detour d that is never the shortest way."""
    g = nx.Graph()
    for node, lat, lon in (("a", 10.0, 70.0), ("b", 11.0, 71.0), ("c", 12.0, 73.0)):
        g.add_node(node, name=node.upper(), lat=lat, lon=lon)
    g.add_node("d", name="D", lat=10.0, lon=75.0)
    g.add_edge("a", "b", km=100.0)
    g.add_edge("b", "c", km=150.0)
    g.add_edge("a", "d", km=400.0)
    g.add_edge("d", "c", km=400.0)
    return RouteGraph.from_networkx(g, name="line")


def _one_haul(settings: DaySettings = EXACT, pickup_earliest: float = 5.0) -> DayResult:
    truck = Truck("T1", "a", 20.0, TruckType.OPEN, 0.0)
    load = Load("L1", "b", "c", 10.0, TruckType.OPEN, pickup_earliest, 7.0, 5000.0)
    return simulate_day(_line_graph(), [truck], [load], settings)


def test_one_truck_one_load_hand_checked() -> None:
    r = _one_haul()
    (o,) = r.outcomes
    # posted at 5 - 3 = 2.0 and matched at once; 100 km empty at 50 km/h -> at b at 4.0;
    # waits for the window (5.0), loads 30 min, 150 km loaded = 3 h, unloads 30 min.
    assert o.posted_at == pytest.approx(2.0)
    assert o.matched_at == pytest.approx(2.0)
    assert o.picked_up_at == pytest.approx(5.0)
    assert o.delivered_at == pytest.approx(9.0)
    assert o.on_time is True and o.truck_id == "T1" and o.deadhead_km == pytest.approx(100.0)
    k = r.kpis
    assert (k.loads_posted, k.loads_matched, k.loads_delivered, k.loads_unmatched) == (1, 1, 1, 0)
    assert k.deadhead_km == pytest.approx(100.0) and k.loaded_km == pytest.approx(150.0)
    assert k.deadhead_pct == pytest.approx(40.0)
    assert k.on_time_pickup_pct == pytest.approx(100.0)
    assert k.truck_utilisation_pct == pytest.approx(60.0)  # 2 + 0.5 + 3 + 0.5 h of 10 h
    assert k.avg_wait_to_match_min == pytest.approx(0.0)
    assert k.last_delivery_h == pytest.approx(9.0)
    frames = [(f.t, f.node, f.activity) for f in r.timeline["T1"]]
    assert frames == [
        (0.0, "a", Activity.IDLE),
        (2.0, "a", Activity.DEADHEAD),
        (pytest.approx(4.0), "b", Activity.WAITING),
        (5.0, "b", Activity.LOADING),
        (5.5, "b", Activity.LOADED),
        (pytest.approx(8.5), "c", Activity.UNLOADING),
        (pytest.approx(9.0), "c", Activity.IDLE),
    ]
    kinds = [(e.kind, e.t) for e in r.events if e.kind != "match_run"]
    assert kinds == [
        ("posted", 2.0),
        ("matched", 2.0),
        ("picked_up", 5.0),
        ("delivered", pytest.approx(9.0)),
    ]


def test_batching_window_delays_the_match_to_the_next_tick() -> None:
    settings = dataclasses.replace(EXACT, batch_minutes=30.0)
    r = _one_haul(settings, pickup_earliest=5.1)  # posted at 2.1, next tick 2.5
    (o,) = r.outcomes
    assert o.matched_at == pytest.approx(2.5)
    assert r.kpis.avg_wait_to_match_min == pytest.approx(24.0)
    assert o.picked_up_at == pytest.approx(5.1)  # at b by 4.5, window opens 5.1


def test_truck_slower_than_planned_picks_up_late() -> None:
    truck = Truck("T1", "a", 20.0, TruckType.OPEN, 0.0)
    load = Load("L1", "b", "c", 10.0, TruckType.OPEN, 1.0, 5.0, 5000.0)  # posted at 1.0
    as_planned = dataclasses.replace(EXACT, lead_time_h=(0.0, 0.0))
    r = simulate_day(_line_graph(), [truck], [load], as_planned)
    assert r.outcomes[0].picked_up_at == pytest.approx(3.0)  # 1.0 + 100 km / 50 km/h
    assert r.outcomes[0].on_time is True and r.kpis.on_time_pickup_pct == 100.0
    # the matcher plans at its default 60 km/h (feasible) but the truck drives at 18 km/h
    slow = dataclasses.replace(as_planned, speed_kmh=18.0, match_settings=MatchSettings())
    r = simulate_day(_line_graph(), [truck], [load], slow)
    (o,) = r.outcomes
    assert o.picked_up_at == pytest.approx(1.0 + 100.0 / 18.0)
    assert o.on_time is False and r.kpis.on_time_pickup_pct == 0.0


def test_load_with_no_feasible_truck_expires_unmatched() -> None:
    truck = Truck("T1", "a", 5.0, TruckType.OPEN, 0.0)  # too small
    load = Load("L1", "b", "c", 10.0, TruckType.OPEN, 5.0, 7.0, 5000.0)
    r = simulate_day(_line_graph(), [truck], [load], EXACT)
    (o,) = r.outcomes
    assert o.matched_at is None and o.expired_at == pytest.approx(7.0)
    assert r.kpis.loads_unmatched == 1 and r.kpis.loads_delivered == 0
    assert r.kpis.truck_utilisation_pct == 0.0 and r.kpis.deadhead_pct == 0.0


def test_truck_available_later_and_off_duty_trucks() -> None:
    late = Truck("T1", "a", 20.0, TruckType.OPEN, 3.0)
    off = Truck("T2", "b", 20.0, TruckType.OPEN, 0.0, TruckStatus.OFF_DUTY)
    load = Load("L1", "b", "c", 10.0, TruckType.OPEN, 5.0, 7.0, 5000.0)
    r = simulate_day(_line_graph(), [late, off], [load], EXACT)
    (o,) = r.outcomes
    assert o.truck_id == "T1" and o.matched_at == pytest.approx(3.0)
    assert "T2" not in r.timeline
    assert r.timeline["T1"][0].activity is Activity.OFF_DUTY
    # on duty 7 of the 10 h: 2 + 0.5 + 3 h busy by hour 10 (unloading ends 10.0)
    assert r.kpis.truck_utilisation_pct == pytest.approx(100.0 * 6.0 / 7.0)


def _scenario(seed: int, n_trucks: int = 25, n_loads: int = 70) -> tuple[list[Truck], list[Load]]:
    rng = random.Random(seed)
    nodes = _grid().nodes
    types = [TruckType.OPEN, TruckType.REEFER]
    trucks = [
        Truck(f"T{i}", rng.choice(nodes), 20.0, rng.choice(types), rng.uniform(0, 4))
        for i in range(n_trucks)
    ]
    loads = []
    for i in range(n_loads):
        o, d = rng.sample(nodes, 2)
        pe = rng.uniform(1, 20)
        loads.append(Load(f"L{i}", o, d, rng.uniform(1, 20), rng.choice(types), pe, pe + 3, 1000.0))
    return trucks, loads


_GRID: RouteGraph | None = None


def _grid() -> RouteGraph:
    """A 6x6 grid of cities 60 km apart: hauls take a few hours, so trucks do several."""
    global _GRID
    if _GRID is None:
        g = nx.Graph()
        for i in range(6):
            for j in range(6):
                g.add_node(f"n{i}{j}", name=f"N{i}{j}", lat=20 + 0.5 * i, lon=75 + 0.5 * j)
        for i in range(6):
            for j in range(6):
                if i < 5:
                    g.add_edge(f"n{i}{j}", f"n{i + 1}{j}", km=60.0)
                if j < 5:
                    g.add_edge(f"n{i}{j}", f"n{i}{j + 1}", km=60.0)
        _GRID = RouteGraph.from_networkx(g, name="grid")
    return _GRID


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("batch", [0.0, 15.0])
def test_kpis_are_consistent(seed: int, batch: float) -> None:
    trucks, loads = _scenario(seed)
    s = DaySettings(batch_minutes=batch, seed=seed)
    r = simulate_day(_grid(), trucks, loads, s)
    k = r.kpis
    assert 0 < k.loads_posted <= len(loads)
    assert k.loads_delivered <= k.loads_matched <= k.loads_posted
    assert k.loads_matched + k.loads_unmatched == k.loads_posted
    assert k.loads_delivered > 0
    for pct in (k.on_time_pickup_pct, k.deadhead_pct, k.truck_utilisation_pct):
        assert 0.0 <= pct <= 100.0
    assert k.avg_wait_to_match_min >= 0
    if batch:
        assert k.matcher_runs <= 24 * 60 / batch + 1
    by_truck: dict[str, list[tuple[float, float]]] = {}
    deadhead = 0.0
    load_by_id = {ld.id: ld for ld in loads}
    for o in r.outcomes:
        ld = load_by_id[o.load_id]
        if o.matched_at is None:
            assert o.expired_at is not None and o.expired_at <= ld.pickup_latest + 1e-9
            continue
        assert o.posted_at <= o.matched_at <= ld.pickup_latest + 1e-9
        assert o.picked_up_at is not None and o.delivered_at is not None  # all finish
        assert ld.pickup_earliest <= o.picked_up_at <= o.delivered_at
        deadhead += o.deadhead_km
        assert o.truck_id is not None
        by_truck.setdefault(o.truck_id, []).append((o.matched_at, o.delivered_at))
    assert deadhead == pytest.approx(k.deadhead_km)
    for hauls in by_truck.values():  # a truck carries one load at a time
        hauls.sort()
        for (_, end), (start, _) in pairwise(hauls):
            assert start >= end - 1e-9
    for frames in r.timeline.values():
        times = [f.t for f in frames]
        assert times == sorted(times)


def test_same_seed_same_day_different_seed_different_day() -> None:
    trucks, loads = _scenario(5)
    a = simulate_day(_grid(), trucks, loads, DaySettings(seed=11))
    b = simulate_day(_grid(), trucks, loads, DaySettings(seed=11))
    c = simulate_day(_grid(), trucks, loads, DaySettings(seed=12))
    assert a.kpis == b.kpis
    assert a.outcomes == b.outcomes
    assert a.timeline == b.timeline
    assert [o.posted_at for o in a.outcomes] != [o.posted_at for o in c.outcomes]


def test_compare_batching_runs_each_window_and_reports_progress() -> None:
    trucks, loads = _scenario(4)
    seen: list[float] = []
    progress = Progress(lambda f, _m: seen.append(f))
    results = compare_batching(
        _grid(),
        trucks,
        loads,
        windows=[0, 5, 15, 30],
        settings=DaySettings(seed=4),
        progress=progress,
    )
    assert [r.batch_minutes for r in results] == [0, 5, 15, 30]
    assert all(r.kpis.loads_posted == results[0].kpis.loads_posted for r in results)
    assert seen[-1] == 1.0 and min(seen) >= 0.0
    # batching never runs the matcher more often than every window
    assert results[3].kpis.matcher_runs <= results[1].kpis.matcher_runs
    greedy = compare_batching(_grid(), trucks, loads, windows=[15], matcher=GreedyMatcher())
    assert greedy[0].kpis.loads_posted == results[0].kpis.loads_posted


def test_cancel_stops_the_day() -> None:
    trucks, loads = _scenario(6)
    progress = Progress(lambda f, _m: progress.cancel() if f > 0.2 else None)
    with pytest.raises(Cancelled):
        simulate_day(_grid(), trucks, loads, DaySettings(), progress=progress)


def test_bad_inputs_are_reported() -> None:
    with pytest.raises(InputError, match="speed_kmh"):
        simulate_day(_line_graph(), [], [], DaySettings(speed_kmh=0))
    with pytest.raises(InputError, match="batch_minutes"):
        simulate_day(_line_graph(), [], [], DaySettings(batch_minutes=-5))
    truck = Truck("T1", "atlantis", 20.0, TruckType.OPEN)
    with pytest.raises(InputError, match="atlantis"):
        simulate_day(_line_graph(), [truck], [], EXACT)
    empty = simulate_day(_line_graph(), [], [], EXACT)
    assert empty.kpis.loads_posted == 0 and empty.kpis.deadhead_pct == 0.0


def test_replay_interpolates_between_cities() -> None:
    r = _one_haul()
    replay = DayReplay(r)
    g = _line_graph()
    a, b, c = g.city("a"), g.city("b"), g.city("c")
    lat, lon, act = replay.positions_at(3.0)["T1"]  # halfway from a to b
    assert (lat, lon) == pytest.approx(((a.lat + b.lat) / 2, (a.lon + b.lon) / 2))
    assert act is Activity.DEADHEAD
    assert replay.positions_at(0.0)["T1"] == (a.lat, a.lon, Activity.IDLE)
    assert replay.positions_at(4.5)["T1"] == (b.lat, b.lon, Activity.WAITING)
    assert replay.positions_at(100.0)["T1"] == (c.lat, c.lon, Activity.IDLE)
    assert replay.load_phases_at(1.0) == {}
    assert replay.load_phases_at(3.0) == {"L1": LoadPhase.WAITING}
    assert replay.load_phases_at(6.0) == {"L1": LoadPhase.ON_TRUCK}
    assert replay.load_phases_at(9.5) == {"L1": LoadPhase.DELIVERED}


def test_replay_figures_so_far_hand_checked() -> None:
    """a -> b empty (100 km, 2.0-4.0 h), wait, load 5.0-5.5, b -> c loaded (150 km, 5.5-8.5),
    unload to 9.0: the replay's time-of-day figures at several moments."""
    replay = DayReplay(_one_haul(), _line_graph())
    assert replay.opening_h == pytest.approx(2.0)  # the load is posted at 2.0
    at3 = replay.figures_at(3.0)
    assert (at3.posted, at3.waiting, at3.trucks_empty, at3.trucks_idle) == (1, 1, 1, 0)
    assert at3.deadhead_km == pytest.approx(50.0) and at3.deadhead_pct == pytest.approx(100.0)
    at7 = replay.frame_at(7.0)
    assert at7.figures.on_the_road == 1 and at7.figures.trucks_loaded == 1
    assert at7.figures.loaded_km == pytest.approx(75.0)
    assert at7.figures.deadhead_pct == pytest.approx(100 * 100 / 175)
    assert at7.positions == replay.positions_at(7.0)
    assert at7.phases == {"L1": LoadPhase.ON_TRUCK}
    end = replay.figures_at(10.0)
    assert (end.delivered, end.on_the_road, end.trucks_idle) == (1, 0, 1)
    assert end.deadhead_pct == pytest.approx(40.0)  # the day's own KPI
    assert replay.figures_at(0.0).deadhead_pct is None


def test_tradeoff_chart_has_both_series() -> None:
    trucks, loads = _scenario(7)
    results = compare_batching(_grid(), trucks, loads, windows=[30, 0, 15])
    fig = batching_tradeoff_figure(results)
    assert isinstance(fig, Figure)
    ax, ax2 = fig.axes
    (dh_line,) = ax.get_lines()
    (wait_line,) = ax2.get_lines()
    by_window = sorted(results, key=lambda r: r.batch_minutes)
    assert list(dh_line.get_ydata()) == [r.kpis.deadhead_pct for r in by_window]
    assert list(wait_line.get_ydata()) == [r.kpis.avg_wait_to_match_min for r in by_window]
    ticks = [t.get_text().split("\n")[0] for t in ax.get_xticklabels()]
    assert ticks == ["instant", "15 min", "30 min"]


def test_json_document_has_kpis_and_loads() -> None:
    doc = _one_haul().to_json()
    assert doc["kpis"]["loads_delivered"] == 1
    assert doc["loads"][0]["load_id"] == "L1"


def _write_csvs(tmp_path: Path) -> tuple[Path, Path]:
    trucks = tmp_path / "t.csv"
    trucks.write_text(
        "id,location,capacity_t,truck_type,available_at\nT1,delhi,20,open,6\nT2,jaipur,20,open,7\n"
    )
    loads = tmp_path / "l.csv"
    loads.write_text(
        "id,origin,destination,weight_t,truck_type,pickup_earliest,pickup_latest,price\n"
        "L1,jaipur,delhi,10,open,9,14,20000\nL2,delhi,jaipur,5,open,10,16,15000\n"
    )
    return trucks, loads


def test_day_cli_prints_kpis_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trucks, loads = _write_csvs(tmp_path)
    out = tmp_path / "day.json"
    args = ["day", "--trucks", str(trucks), "--loads", str(loads), "--batch-minutes", "15"]
    assert main([*args, "--seed", "3", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "loads delivered" in text and "15 min" in text
    doc = json.loads(out.read_text())
    assert doc["batch_minutes"] == 15 and doc["seed"] == 3
    assert doc["kpis"]["loads_posted"] == 2
    assert doc["kpis"]["loads_delivered"] == 2  # two trucks, each next to a load
    assert main([*args, "--compare", "0,30", "--json", str(out)]) == 0
    assert [run["batch_minutes"] for run in json.loads(out.read_text())["runs"]] == [0, 30]


@pytest.mark.parametrize(
    "extra, reason",
    [
        (["--batch-minutes", "-1"], "batch_minutes"),
        (["--compare", "0,x"], "--compare"),
        (["--trucks", "/nonexistent/t.csv"], "t.csv"),
    ],
)
def test_day_cli_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], reason: str
) -> None:
    trucks, loads = _write_csvs(tmp_path)
    code = main(["day", "--trucks", str(trucks), "--loads", str(loads), *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert reason in err and "\n" not in err
