"""Route maps: load and validate a GraphML road network, answer distances and paths fast.

A map is usually small (tens to a few hundred cities) but it is queried for thousands of
(truck, load) pairs at once, so distances come from scipy's compiled Dijkstra over a
sparse matrix, one run per *source* city, cached. The graph never changes after loading,
so cached rows stay valid for the object's lifetime. The cache is bounded
(``ROW_CACHE_BYTES``, least recently used rows go first): on a 10,000-city map one row with
its predecessors is 120 kB, and a day of driving touches thousands of sources.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections import OrderedDict
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
#: Memory for cached shortest-path rows (distances + predecessors) per map.
ROW_CACHE_BYTES = 256 * 2**20


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
        self._edge_km: dict[tuple[str, str], float] = {}
        for u, v, km in self._edges:
            self._edge_km[(u, v)] = self._edge_km[(v, u)] = km
        # source index -> (distance row, predecessor row), least recently used first
        self._cache: OrderedDict[int, tuple[NDArray[np.float64], NDArray[np.int32]]] = OrderedDict()
        self.cache_rows = max(16, ROW_CACHE_BYTES // (12 * max(1, n)))
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
        return float(self._rows([self.index(u)])[0][0][self.index(v)])

    def road_km(self, u: str, v: str) -> float:
        """Length of the road between two neighbouring cities (one leg of a :meth:`path`)."""
        try:
            return self._edge_km[(u, v)]
        except KeyError:
            raise UnknownNode(f"no road {u!r}-{v!r} on map {self.name!r}") from None

    def path(self, u: str, v: str) -> list[str]:
        """Cities along a shortest road route, both ends included."""
        iu, iv = self.index(u), self.index(v)
        pred = self._rows([iu])[0][1]
        out = [iv]
        while out[-1] != iu:
            out.append(int(pred[out[-1]]))
        return [self._ids[i] for i in reversed(out)]

    def distances(self, sources: list[str], targets: list[str]) -> NDArray[np.float64]:
        """km matrix [len(sources), len(targets)]; repeated ids are cheap (cached by source)."""
        src = np.fromiter((self.index(s) for s in sources), dtype=np.intp, count=len(sources))
        tgt = np.fromiter((self.index(t) for t in targets), dtype=np.intp, count=len(targets))
        unique_src, inverse = np.unique(src, return_inverse=True)
        return self.distances_between(unique_src, tgt)[inverse]

    def distances_between(
        self, sources: NDArray[np.intp], targets: NDArray[np.intp]
    ) -> NDArray[np.float64]:
        """km matrix [len(sources), len(targets)] for node indices (see :meth:`index`)."""
        out = np.empty((len(sources), len(targets)), dtype=np.float64)
        step = max(1, self.cache_rows // 2)  # never ask the cache for more than it keeps
        for a in range(0, len(sources), step):
            rows = self._rows([int(i) for i in sources[a : a + step]])
            for k, (dist, _) in enumerate(rows):
                out[a + k] = dist[targets]
        return out

    def distances_pairs(
        self, sources: NDArray[np.intp], targets: NDArray[np.intp]
    ) -> NDArray[np.float64]:
        """km from ``sources[i]`` to ``targets[i]`` for each i (node indices)."""
        out = np.empty(len(sources), dtype=np.float64)
        if not len(sources):
            return out
        order = np.argsort(sources, kind="stable")
        cuts = np.flatnonzero(np.diff(sources[order])) + 1
        for group in np.split(order, cuts):
            out[group] = self._rows([int(sources[group[0]])])[0][0][targets[group]]
        return out

    def all_distances(self) -> NDArray[np.float64]:
        """Node-by-node km matrix in :attr:`nodes` order."""
        return self.distances(self._ids, self._ids)

    @property
    def cached_rows(self) -> int:
        """How many shortest-path rows the cache holds now (at most :attr:`cache_rows`)."""
        return len(self._cache)

    def _rows(self, indices: list[int]) -> list[tuple[NDArray[np.float64], NDArray[np.int32]]]:
        """(distance, predecessor) rows of these sources; computed once, kept LRU-bounded."""
        with self._lock:
            cache = self._cache
            missing = list(dict.fromkeys(i for i in indices if i not in cache))
            fresh: dict[int, tuple[NDArray[np.float64], NDArray[np.int32]]] = {}
            if missing:
                dist, pred = dijkstra(
                    self._matrix, directed=False, indices=missing, return_predecessors=True
                )
                fresh = {i: (dist[k].copy(), pred[k].copy()) for k, i in enumerate(missing)}
            out = []
            for i in indices:
                row = fresh.get(i) or cache[i]
                cache[i] = row
                cache.move_to_end(i)
                out.append(row)
            while len(cache) > self.cache_rows:
                cache.popitem(last=False)
            return out

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
