"""The desk's child-process matcher gives the in-process answer and can be cancelled."""

from __future__ import annotations

import threading

import pytest

from dispatcher.costs import MatchSettings
from dispatcher.matching import OptimalMatcher
from dispatcher.routes import RouteGraph
from dispatcher.synthetic import random_day
from dispatcher.ui.match_process import match_in_child, use_child
from freightlab.progress import Cancelled, Progress
from freightlab.resources import default_map_path


def test_child_matches_like_the_thread() -> None:
    graph = RouteGraph.load(default_map_path())
    trucks, loads = random_day(graph, 60, 90, seed=3)
    seen: list[float] = []
    result = match_in_child(
        trucks,
        loads,
        str(default_map_path()),
        MatchSettings(),
        Progress(lambda f, m: seen.append(f)),
    )
    expected = OptimalMatcher().match(trucks, loads, graph, MatchSettings())
    assert result.assignments == expected.assignments
    assert result.unassigned == expected.unassigned
    assert result.total_deadhead_km == pytest.approx(expected.total_deadhead_km)
    assert seen and seen[-1] == 1.0
    assert use_child(3000, 3000, str(default_map_path()))
    assert not use_child(100, 300, str(default_map_path()))
    assert not use_child(3000, 3000, "<graph>")


def test_cancel_stops_the_child() -> None:
    graph = RouteGraph.load(default_map_path())
    trucks, loads = random_day(graph, 50, 50, seed=4)
    progress = Progress()
    threading.Timer(0.05, progress.cancel).start()  # before the child can even finish importing
    with pytest.raises(Cancelled):
        match_in_child(trucks, loads, str(default_map_path()), MatchSettings(), progress)
