"""The desk's file work, without Qt: the sample board, board files, CSV imports, exports.

Each function runs in a job (a worker thread) and returns plain data the desk shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dispatcher import rules
from dispatcher.board import Board
from dispatcher.board_file import board_map
from dispatcher.board_settings import META_KEY, BoardSettings, from_json
from dispatcher.costs import MatchSettings
from dispatcher.fleet import (
    Load,
    Truck,
    read_fleet,
    read_loads_csv,
    read_trucks_csv,
    write_assignments_csv,
    write_loads_csv,
    write_trucks_csv,
)
from dispatcher.routes import RouteGraph
from dispatcher.store import BoardStore
from freightlab.errors import InputError, InputErrors
from freightlab.progress import Progress
from freightlab.resources import asset_path


@dataclass
class Loaded:
    """A board ready to show: its map, and the board file it came from (if any)."""

    graph: RouteGraph
    board: Board
    path: Path | None = None
    name: str = ""
    revision: int = 0
    store: BoardStore | None = None  # the open board file, handed to the UI thread
    settings: BoardSettings = field(default_factory=BoardSettings)  # the board's matcher's


@dataclass
class ImportResult:
    kind: str  # "trucks" | "loads"
    path: str
    items: list[Any]
    problems: list[str] | None = None  # set when the file had bad rows


@dataclass(frozen=True)
class ShippedMap:
    """A map that comes with Freightlab, and its sample board."""

    key: str
    label: str
    graphml: str
    trucks: str
    loads: str

    def path(self) -> Path:
        return asset_path("maps", self.graphml)


SHIPPED_MAPS: tuple[ShippedMap, ...] = (
    ShippedMap("india", "India", "india.graphml", "india_trucks.csv", "india_loads.csv"),
    ShippedMap("us_canada", "US / Canada", "us_canada.graphml", "us_trucks.csv", "us_loads.csv"),
)


def load_sample(progress: Progress, key: str = "india") -> Loaded:
    """A shipped map (India by default) and its sample trucks and loads."""
    shipped = next(m for m in SHIPPED_MAPS if m.key == key)
    progress.update(0.1, "map")
    graph = RouteGraph.load(shipped.path())
    progress.update(0.5, "trucks")
    trucks_csv = asset_path("samples", shipped.trucks)
    loads_csv = asset_path("samples", shipped.loads)
    fleet = read_fleet(trucks_csv, loads_csv, graph)  # one clock for both files
    day0 = fleet.day_start.isoformat() if fleet.day_start else None
    board = Board(fleet.trucks, fleet.loads, day_start=day0)
    return Loaded(graph, board, None, f"{shipped.label} sample board")


@dataclass
class MapSwitch:
    """A map switch: the new map, and the board to start on it (None: keep the board)."""

    graph: RouteGraph
    loaded: Loaded | None


def switch_map(path: Path, cities: frozenset[str], progress: Progress) -> MapSwitch:
    """Another map for the desk. The board is kept when every one of its ``cities`` is on
    the new map (an empty board is not kept); otherwise the desk starts that map's sample
    board (a shipped map) or an empty board on it."""
    progress.update(0.1, "map")
    graph = RouteGraph.load(path)
    if cities and all(graph.has_node(c) for c in cities):
        return MapSwitch(graph, None)
    shipped = next((m for m in SHIPPED_MAPS if same_file(m.path(), path)), None)
    if shipped is not None:
        return MapSwitch(graph, load_sample(progress, shipped.key))
    return MapSwitch(graph, Loaded(graph, Board(), None, f"New board on {path.stem}"))


def board_cities(board: Board) -> frozenset[str]:
    """Every city the board's trucks and loads name."""
    cities = {t.location for t in board.trucks.values()}
    cities |= {c for ld in board.loads.values() for c in (ld.origin, ld.destination)}
    return frozenset(cities)


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
    saved = store.meta(META_KEY)
    settings = from_json(saved, str(target)) if saved else BoardSettings()
    return Loaded(graph, board, target, snap.name or target.stem, revision, store, settings)


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


_WRITERS: dict[str, Callable[[Path, list[Any]], None]] = {
    "trucks": write_trucks_csv,
    "loads": write_loads_csv,
}


def export_records(kind: str, target: Path, items: list[Any]) -> int:
    """Write copies of the board's trucks or loads as a CSV the importers read back."""
    _WRITERS[kind](target, items)
    return len(items)


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
    "SHIPPED_MAPS",
    "ImportResult",
    "Loaded",
    "ShippedMap",
    "export_assignments",
    "export_records",
    "load_sample",
    "open_board",
    "read_import",
    "same_file",
    "switch_map",
]
