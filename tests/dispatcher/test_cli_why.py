"""`python main.py why`: one pair judged by the same rules as the desk's "Why not?"."""

from __future__ import annotations

import pytest

from dispatcher import rules
from dispatcher.board import Board
from dispatcher.costs import MatchSettings
from dispatcher.fleet import read_fleet
from dispatcher.routes import RouteGraph
from freightlab.resources import asset_path, default_map_path
from main import main

TRUCKS = str(asset_path("samples", "india_trucks.csv"))
LOADS = str(asset_path("samples", "india_loads.csv"))


def _args(truck: str, load: str) -> list[str]:
    return ["why", truck, load, "--trucks", TRUCKS, "--loads", LOADS]


def test_why_says_what_the_desk_says(capsys: pytest.CaptureFixture[str]) -> None:
    graph = RouteGraph.load(default_map_path())
    fleet = read_fleet(TRUCKS, LOADS, graph)
    board = Board(fleet.trucks, fleet.loads, nodes=graph.nodes)
    seen = set()
    for truck in list(board.trucks)[:6]:
        for load in list(board.loads)[:6]:
            possible, text = rules.explain_pair(board, graph, MatchSettings(), truck, load)
            if possible in seen:
                continue
            seen.add(possible)
            assert main(_args(truck, load)) == 0
            verdict = "can take" if possible else "cannot take"
            assert capsys.readouterr().out.strip() == f"{truck} {verdict} {load}: {text}"
    assert seen == {True, False}


def test_why_an_unknown_truck_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args("T999", "L001")) == 2
    assert "no truck 'T999'" in capsys.readouterr().err
