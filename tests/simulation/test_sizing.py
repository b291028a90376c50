"""Size the matcher backend for a board: its map's calibration, its posting rate, enough
solvers; the design it makes loads, runs stable and round-trips as a file."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from designs.calibration import Calibration
from designs.loader import load_design, save_design
from dispatcher.calibration import calibrate
from dispatcher.fleet import read_fleet
from dispatcher.routes import RouteGraph
from freightlab.resources import asset_path, default_map_path
from simulation.runner import simulate
from simulation.sizing import backend_design, board_load, solvers_needed


def test_board_load_is_loads_over_the_span_of_pickups() -> None:
    load = board_load([6.0, 8.0, 18.0, 10.0])
    assert load.loads == 4 and load.span_h == 12.0
    assert load.rate_rps == pytest.approx(4 / (12 * 3600))
    assert board_load([5.0]).span_h == 1.0  # at least an hour
    with pytest.raises(ValueError):
        board_load([])


def test_more_postings_need_more_solvers() -> None:
    cal = Calibration(sizes=[1, 100, 1000], ms=[1.0, 50.0, 5000.0])
    counts = [solvers_needed(cal, rate, 60_000.0) for rate in (0.1, 5.0, 50.0)]
    assert counts[0] == 1 and counts[0] <= counts[1] < counts[2]


def test_the_sample_board_gets_a_calibrated_matcher_design_that_runs(tmp_path: Path) -> None:
    g = nx.grid_2d_graph(4, 4)
    grid = nx.Graph(name="grid")
    for i, j in g.nodes:
        grid.add_node(f"c{i}{j}", name=f"C{i}{j}", lat=20 + i, lon=75 + j)
    for (a, b), (c, d) in g.edges:
        grid.add_edge(f"c{a}{b}", f"c{c}{d}", km=90.0)
    table = calibrate(RouteGraph.from_networkx(grid, name="grid"), [1, 10, 100], repetitions=2)
    cal = Calibration.model_validate(table.design_field())
    graph = RouteGraph.load(default_map_path())
    fleet = read_fleet(
        asset_path("samples", "india_trucks.csv"), asset_path("samples", "india_loads.csv"), graph
    )
    load = board_load([ld.pickup_earliest for ld in fleet.loads])
    design = backend_design("grid", cal, load, measured=table.measured_at)
    matcher = design.component("matcher")
    assert matcher.kind == "matcher" and matcher.calibration == cal
    assert design.workload.classes[0].arrival.rate_rps == pytest.approx(load.rate_rps)
    path = tmp_path / "backend.toml"
    save_design(design, path)
    assert load_design(path) == design
    result = simulate(design)
    assert result.verdict == "stable"
    assert result.components["matcher"].utilization <= 0.5


def test_size_backend_cli_writes_a_design_the_lab_can_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from main import main

    out = tmp_path / "backend.toml"
    assert main(["size-backend", "--repetitions", "1", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "postings/h" in captured.out and "timing the matcher" in captured.err
    design = load_design(out)
    matcher = design.component("matcher")
    assert matcher.kind == "matcher" and matcher.batch_window_ms == 300_000.0
    assert matcher.calibration is not None and matcher.calibration.sizes == [1, 10, 100, 1000]
    rate = design.workload.classes[0].arrival.rate_rps
    assert rate is not None and design.workload.duration_s * rate >= 2000
    assert main(["size-backend", "--window-min", "-1"]) == 2
