"""Unmatched-loads panel rows (rules.unmatched) and the notice conditions on a big board.

Prints how long the core takes to turn a matcher run's left-out loads into rows in words
(done after every board change while the panel lists them) and one refusal check
(``rules.still_refused``, run after every board change while a refusal is shown).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from dispatcher import rules
from dispatcher.board import Board
from dispatcher.costs import MatchSettings
from dispatcher.matching import OptimalMatcher
from dispatcher.routes import RouteGraph
from dispatcher.synthetic import random_day
from freightlab.resources import default_map_path


def _best_ms(fn: Callable[[], object], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def measure(graph: RouteGraph, settings: MatchSettings, n_trucks: int, n_loads: int) -> str:
    trucks, loads = random_day(graph, n_trucks, n_loads, seed=1)
    board = Board(trucks, loads)
    left_out = OptimalMatcher().match(trucks, loads, graph, settings).unassigned
    rows_ms = _best_ms(lambda: rules.unmatched(board, graph, left_out))
    load_id, truck_id = loads[0].id, trucks[0].id
    then = rules.placement(board, load_id)
    check_ms = _best_ms(
        lambda: rules.still_refused(board, graph, settings, load_id, truck_id, then)
    )
    return (
        f"{n_trucks} trucks x {n_loads} loads: {len(left_out)} left out; "
        f"rows in words {rows_ms:.2f} ms; one refusal check {check_ms:.3f} ms"
    )


def main() -> None:
    graph = RouteGraph.load(default_map_path())
    settings = MatchSettings(max_deadhead_km=150.0)
    for n_trucks, n_loads in ((100, 300), (1000, 3000)):
        print(measure(graph, settings, n_trucks, n_loads))


if __name__ == "__main__":
    main()
