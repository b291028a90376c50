"""Unmatched loads in words: city names (never slugs), the pickup window, still-open only."""

from __future__ import annotations

import networkx as nx

from dispatcher import rules
from dispatcher.board import Board
from dispatcher.fleet import Load, Truck, TruckType
from dispatcher.matching import OptimalMatcher
from dispatcher.routes import RouteGraph
from dispatcher.store import BoardAssignment


def _graph() -> RouteGraph:
    g = nx.Graph(name="pair")
    g.add_node("bhubaneswar", name="Bhubaneswar", lat=20.3, lon=85.8)
    g.add_node("new_delhi", name="New Delhi", lat=28.6, lon=77.2)
    g.add_edge("bhubaneswar", "new_delhi", km=1700.0)
    return RouteGraph.from_networkx(g, name="pair")


def test_left_out_loads_are_named_by_city_with_the_reason_as_a_sentence() -> None:
    graph = _graph()
    trucks = [Truck("T1", "new_delhi", 20, TruckType.OPEN, 0.0)]
    loads = [
        Load("L1", "bhubaneswar", "new_delhi", 5, TruckType.OPEN, 0.0, 2.0, 1000.0),
        Load("L2", "new_delhi", "bhubaneswar", 5, TruckType.REEFER, 1.0, 3.5, 1000.0),
    ]
    result = OptimalMatcher().match(trucks, loads, graph)
    board = Board(trucks, loads)
    rows = rules.unmatched(board, graph, result.unassigned)
    assert [r.load_id for r in rows] == ["L1", "L2"]
    first = rows[0]
    assert first.route == "Bhubaneswar → New Delhi"
    assert first.window == "00:00–02:00"
    assert first.reason.startswith("No suitable truck reaches Bhubaneswar by 02:00")
    assert "bhubaneswar" not in first.reason and "new_delhi" not in first.reason
    assert rows[1].reason == "No idle reefer truck"


def test_a_load_assigned_since_the_run_is_no_longer_listed() -> None:
    graph = _graph()
    trucks = [Truck("T1", "bhubaneswar", 20, TruckType.OPEN, 0.0)]
    loads = [Load("L1", "bhubaneswar", "new_delhi", 5, TruckType.OPEN, 0.0, 2.0, 1000.0)]
    board = Board(trucks, loads)
    left_out = {"L1": "no idle open truck", "L9": "gone from the board"}
    assert [r.load_id for r in rules.unmatched(board, graph, left_out)] == ["L1"]
    board.assign(BoardAssignment("L1", "T1", 0.0))
    assert rules.unmatched(board, graph, left_out) == []
