"""The desk's file work, without Qt: the sample board, board files, CSV imports, exports.

Each function runs in a job (a worker thread) and returns plain data the desk shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from dispatcher import rules
from dispatcher.board import Board
from dispatcher.board_file import board_map
from dispatcher.costs import MatchSettings
from dispatcher.fleet import (
    Load,
    Truck,
    read_fleet,
    read_loads_csv,
    read_trucks_csv,
    write_assignments_csv,
)
from dispatcher.routes import RouteGraph
from dispatcher.store import BoardStore
from freightlab.errors import InputError, InputErrors
from freightlab.progress import Progress
from freightlab.resources import asset_path, default_map_path


@dataclass
class Loaded:
    """A board ready to show: its map, and the board file it came from (if any)."""

    graph: RouteGraph
    board: Board
    path: Path | None = None
    name: str = ""
    revision: int = 0
    store: BoardStore | None = None  # the open board file, handed to the UI thread


@dataclass
class ImportResult:
    kind: str  # "trucks" | "loads"
    path: str
    items: list[Any]
    problems: list[str] | None = None  # set when the file had bad rows


def load_sample(progress: Progress) -> Loaded:
    """The India map and its sample trucks and loads."""
    progress.update(0.1, "map")
    graph = RouteGraph.load(default_map_path())
    progress.update(0.5, "trucks")
    trucks_csv = asset_path("samples", "india_trucks.csv")
    loads_csv = asset_path("samples", "india_loads.csv")
    fleet = read_fleet(trucks_csv, loads_csv, graph)  # one clock for both files
    day0 = fleet.day_start.isoformat() if fleet.day_start else None
    board = Board(fleet.trucks, fleet.loads, day_start=day0)
    return Loaded(graph, board, None, "India sample board")


def open_board(target: Path, owner: str, current: RouteGraph | None, progress: Progress) -> Loaded:
    """Open a board file and its map (``current`` is reused when it is that map)."""
    store = BoardStore.open(target, owner=owner, any_thread=True)
    try:
        return _read(store, target, current, progress)
    except BaseException:
        store.close()
        raise


def _read(
    store: BoardStore, target: Path, current: RouteGraph | None, progress: Progress
) -> Loaded:
    snap = store.load()
    revision = store.revision
    progress.update(0.5, "map")
    graph = current
    wanted = board_map(target, snap.map_path)  # the board's folder or the shipped maps only
    if graph is None or Path(graph.source).resolve() != wanted.resolve():
        if not wanted.is_file():
            raise InputError(f"{target}: its map {wanted} is missing")
        graph = RouteGraph.load(wanted)
    board = Board.from_snapshot(snap)
    unknown = sorted(
        {t.location for t in snap.trucks if not graph.has_node(t.location)}
        | {ld.origin for ld in snap.loads if not graph.has_node(ld.origin)}
    )
    if unknown:
        raise InputError(f"{target}: cities not on the map: {', '.join(unknown[:5])}")
    return Loaded(graph, board, target, snap.name or target.stem, revision, store)


_READERS: dict[str, Callable[..., list[Any]]] = {
    "trucks": read_trucks_csv,
    "loads": read_loads_csv,
}


def read_import(kind: str, path: Path, graph: RouteGraph, board_day: str | None) -> ImportResult:
    """Read a trucks or loads CSV; its bad rows come back as ``problems`` (nothing raised)."""
    try:
        # Times in the file count from the board's day start, so the trucks and loads
        # already on the board keep sharing one clock with the new rows.
        day0 = datetime.fromisoformat(board_day) if board_day else None
        items = _READERS[kind](path, graph, day_start=day0)
    except InputErrors as exc:
        return ImportResult(kind, str(path), [], exc.problems)
    except InputError as exc:
        return ImportResult(kind, str(path), [], [str(exc)])
    return ImportResult(kind, str(path), list(items))


def export_assignments(
    target: Path, pairs: list[tuple[Truck, Load]], graph: RouteGraph, settings: MatchSettings
) -> int:
    """Write the board's assignments (copies of their pairs) as ``match``'s CSV."""
    rows = rules.priced(pairs, graph, settings)
    write_assignments_csv(target, rows)
    return len(rows)


def same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


__all__ = [
    "ImportResult",
    "Loaded",
    "export_assignments",
    "load_sample",
    "open_board",
    "read_import",
    "same_file",
]
