"""Route maps: load and validate a GraphML road network, answer distances and paths fast.

A map is small (tens to a few hundred cities) but it is queried for thousands of
(truck, load) pairs at once, so distances come from scipy's compiled Dijkstra over a
sparse matrix, one run per *source* city, cached. The graph never changes after loading,
so cached rows stay valid for the object's lifetime.
"""

from __future__ import annotations

import math
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from freightlab.errors import InputError

#: Attributes a map may carry. Anything else is a typo or a different file format,
#: so it is reported instead of silently ignored.
NODE_ATTRIBUTES = frozenset({"name", "lat", "lon", "population", "region"})
EDGE_ATTRIBUTES = frozenset({"km", "road", "estimated"})

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class City:
    id: str
    name: str
    lat: float
    lon: float
    population: int = 0
    region: str = ""


class UnknownNode(KeyError):
    """A node id that is not on the map."""


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance; the basis for estimated road distances and nearest-city lookup."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class RouteGraph:
    """An undirected, connected road network with km on every edge.

    Build one with :meth:`load` (a GraphML file) or :meth:`from_networkx`. Both validate,
    so every RouteGraph in the program is known-good.
    """

    def __init__(self, graph: nx.Graph, *, source: str = "<graph>", name: str | None = None):
        self._cities, self._edges = _validate(graph, source)
        self.source = source
        self.metadata: dict[str, Any] = {
            k: v for k, v in graph.graph.items() if k not in ("node_default", "edge_default")
        }
        self.name: str = name or str(self.metadata.get("name") or Path(source).stem)
        self._ids: list[str] = [c.id for c in self._cities]
        self._index: dict[str, int] = {cid: i for i, cid in enumerate(self._ids)}
        self._by_id: dict[str, City] = {c.id: c for c in self._cities}
        n = len(self._ids)
        rows = [self._index[u] for u, _, _ in self._edges] + [
            self._index[v] for _, v, _ in self._edges
        ]
        cols = [self._index[v] for _, v, _ in self._edges] + [
            self._index[u] for u, _, _ in self._edges
        ]
        kms = [km for _, _, km in self._edges] * 2
        self._matrix = csr_matrix((kms, (rows, cols)), shape=(n, n))
        self._dist: dict[int, NDArray[np.float64]] = {}
        self._pred: dict[int, NDArray[np.int32]] = {}
        self._lock = threading.Lock()

    # -- construction -------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path) -> RouteGraph:
        """Read and validate a GraphML map; any problem raises InputError naming the file."""
        p = Path(path)
        if not p.is_file():
            raise InputError(f"{p}: map file not found")
        try:
            with warnings.catch_warnings():  # "No key type ... Using string": _validate judges
                warnings.simplefilter("ignore", UserWarning)
                graph = nx.read_graphml(p)
        except Exception as exc:  # ElementTree/NetworkX raise many types for bad XML
            raise InputError(f"{p}: not a readable GraphML map ({exc})") from exc
        return cls(graph, source=str(p))

    @classmethod
    def from_networkx(cls, graph: nx.Graph, name: str | None = None) -> RouteGraph:
        return cls(graph, source=name or "<graph>", name=name)

    def to_networkx(self) -> nx.Graph:
        """A fresh copy (for drawing or saving); changing it does not change this map."""
        g = nx.Graph(**self.metadata)
        for c in self._cities:
            attrs: dict[str, Any] = {"name": c.name, "lat": c.lat, "lon": c.lon}
            if c.population:
                attrs["population"] = c.population
            if c.region:
                attrs["region"] = c.region
            g.add_node(c.id, **attrs)
        for u, v, km in self._edges:
            g.add_edge(u, v, km=km)
        return g

    # -- queries ------------------------------------------------------------------------

    @property
    def nodes(self) -> list[str]:
        return list(self._ids)

    @property
    def cities(self) -> list[City]:
        return list(self._cities)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._index

    def has_node(self, node_id: str) -> bool:
        return node_id in self._index

    def city(self, node_id: str) -> City:
        try:
            return self._by_id[node_id]
        except KeyError:
            raise UnknownNode(f"unknown city {node_id!r} on map {self.name!r}") from None

    def index(self, node_id: str) -> int:
        """Row/column of a node in distance matrices (the order of :attr:`nodes`)."""
        try:
            return self._index[node_id]
        except KeyError:
            raise UnknownNode(f"unknown city {node_id!r} on map {self.name!r}") from None

    def edges(self) -> list[tuple[str, str, float]]:
        return list(self._edges)

    def nearest_node(self, lat: float, lon: float) -> str:
        """The city closest to a point (e.g. a click on the map view)."""
        return min(self._cities, key=lambda c: great_circle_km(lat, lon, c.lat, c.lon)).id

    def distance(self, u: str, v: str) -> float:
        """Shortest road distance in km."""
        return float(self._rows([self.index(u)])[0][self.index(v)])

    def path(self, u: str, v: str) -> list[str]:
        """Cities along a shortest road route, both ends included."""
        iu, iv = self.index(u), self.index(v)
        self._rows([iu])
        pred = self._pred[iu]
        out = [iv]
        while out[-1] != iu:
            out.append(int(pred[out[-1]]))
        return [self._ids[i] for i in reversed(out)]

    def distances(self, sources: list[str], targets: list[str]) -> NDArray[np.float64]:
        """km matrix [len(sources), len(targets)]; repeated ids are cheap (cached by source)."""
        src = np.fromiter((self.index(s) for s in sources), dtype=np.intp, count=len(sources))
        tgt = np.fromiter((self.index(t) for t in targets), dtype=np.intp, count=len(targets))
        unique_src, inverse = np.unique(src, return_inverse=True)
        rows = self._rows([int(i) for i in unique_src])
        full = np.vstack(rows) if rows else np.empty((0, len(self._ids)))
        return np.asarray(full[np.ix_(inverse, tgt)], dtype=np.float64)

    def all_distances(self) -> NDArray[np.float64]:
        """Node-by-node km matrix in :attr:`nodes` order."""
        return self.distances(self._ids, self._ids)

    def _rows(self, indices: list[int]) -> list[NDArray[np.float64]]:
        with self._lock:
            missing = [i for i in indices if i not in self._dist]
            if missing:
                dist, pred = dijkstra(
                    self._matrix, directed=False, indices=missing, return_predecessors=True
                )
                for k, i in enumerate(missing):
                    self._dist[i] = dist[k]
                    self._pred[i] = pred[k]
            return [self._dist[i] for i in indices]

    def __repr__(self) -> str:
        return f"RouteGraph({self.name!r}, {len(self._ids)} cities, {len(self._edges)} roads)"


def _validate(graph: nx.Graph, source: str) -> tuple[list[City], list[tuple[str, str, float]]]:
    if graph.is_directed():
        raise InputError(f"{source}: map must be undirected (roads go both ways)")
    if graph.is_multigraph():
        raise InputError(f"{source}: map has parallel roads between the same cities")
    if graph.number_of_nodes() == 0:
        raise InputError(f"{source}: map has no cities")
    cities: list[City] = []
    for node, data in graph.nodes(data=True):
        nid = str(node)
        unknown = sorted(set(data) - NODE_ATTRIBUTES)
        if unknown:
            raise InputError(f"{source}: node {nid!r}: unknown attribute(s) {', '.join(unknown)}")
        for key in ("name", "lat", "lon"):
            if key not in data:
                raise InputError(f"{source}: node {nid!r}: missing attribute {key!r}")
        lat = _number(data["lat"], f"{source}: node {nid!r}: attribute 'lat'")
        lon = _number(data["lon"], f"{source}: node {nid!r}: attribute 'lon'")
        if not -90 <= lat <= 90:
            raise InputError(f"{source}: node {nid!r}: attribute 'lat' {lat} not in [-90, 90]")
        if not -180 <= lon <= 180:
            raise InputError(f"{source}: node {nid!r}: attribute 'lon' {lon} not in [-180, 180]")
        pop = data.get("population", 0)
        population = int(_number(pop, f"{source}: node {nid!r}: attribute 'population'"))
        cities.append(
            City(nid, str(data["name"]), lat, lon, population, str(data.get("region", "")))
        )
    edges: list[tuple[str, str, float]] = []
    for u, v, data in graph.edges(data=True):
        where = f"{source}: road {u}-{v}"
        if u == v:
            raise InputError(f"{where}: a road from a city to itself")
        unknown = sorted(set(data) - EDGE_ATTRIBUTES)
        if unknown:
            raise InputError(f"{where}: unknown attribute(s) {', '.join(unknown)}")
        if "km" not in data:
            raise InputError(f"{where}: missing attribute 'km'")
        km = _number(data["km"], f"{where}: attribute 'km'")
        if km <= 0:
            raise InputError(f"{where}: attribute 'km' must be > 0, got {km}")
        edges.append((str(u), str(v), km))
    if not nx.is_connected(graph):
        parts = sorted(nx.connected_components(graph), key=len, reverse=True)
        stray = sorted(str(n) for n in parts[1])[:5]
        raise InputError(
            f"{source}: map is not connected ({len(parts)} separate parts; "
            f"e.g. {', '.join(stray)} cannot be reached from {sorted(map(str, parts[0]))[0]})"
        )
    return cities, edges


def _number(value: object, where: str) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # OverflowError: a 400-digit long
        raise InputError(f"{where} is not a number: {value!r}") from None
    if not math.isfinite(x):
        raise InputError(f"{where} is not finite: {value!r}")
    return x
