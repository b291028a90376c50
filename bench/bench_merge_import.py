"""Merge-import and record ops on a big board: how long the preview's plan, the merge step
(one whole-board save) and a single add/delete (one compare-and-set) take.

Run: .venv/bin/python bench/bench_merge_import.py [N]   (default N = 3000 trucks and loads)
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from dispatcher import documents, records
from dispatcher.board import Board
from dispatcher.merge import merge_change, plan_merge
from dispatcher.routes import RouteGraph
from dispatcher.session import QuietView, Session
from dispatcher.store import BoardStore
from dispatcher.synthetic import random_day
from freightlab.jobs import RunNow
from freightlab.resources import default_map_path

T = TypeVar("T")


def _timed(what: str, fn: Callable[[], T]) -> T:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    print(
        f"{what:<46} {time.perf_counter() - t0:8.3f} s wall {time.process_time() - c0:8.3f} s CPU"
    )
    return out


def main(n: int) -> None:
    graph = RouteGraph.load(default_map_path())
    trucks, loads = random_day(graph, n, n, seed=n)
    board = Board(trucks, loads, nodes=frozenset(graph.nodes))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        changed = [replace(ld, price=ld.price + 1) for ld in loads[: n // 10]]
        extra = [replace(ld, id=f"X{ld.id}") for ld in loads[: n // 10]]
        csv = folder / "loads.csv"
        documents.export_records("loads", csv, changed + loads[n // 10 :] + extra)
        print(
            f"board: {n} trucks, {n} loads; file: {n + n // 10} rows "
            f"({n // 10} updated, {n // 10} added)"
        )
        plan = _timed(
            "plan_merge (the preview, in a job)", lambda: plan_merge("loads", csv, graph, board)
        )
        print(f"  -> {plan.counts()}")
        s = Session(RunNow(), lambda fn: fn(), "bench", QuietView())
        s.open(graph, board, None, "bench", 0, None)
        path = folder / "b.fboard"
        BoardStore.create(path, board.to_snapshot("b")).close()
        s.use_store(BoardStore.open(path, owner="bench", any_thread=True))
        _timed("merge step on a board file (whole save)", lambda: s.apply(merge_change(plan)))
        _timed("undo of the merge (whole save)", s.undo)
        cells = records.form_cells("truck", trucks[0]) | {"id": "NEW1"}
        checked = _timed(
            "check_form (one truck)",
            lambda: records.check_form("truck", cells, graph, s.board, new=True),
        )
        assert checked.record is not None
        _timed(
            "add one truck (compare-and-set insert)",
            lambda: s.apply(records.add("truck", checked.record)),
        )
        change = records.delete(s.board, "truck", "NEW1")
        assert not isinstance(change, str)
        _timed("delete it again", lambda: s.apply(change))
        s.use_store(None)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
