"""RouteGraph: validation of map files, distances, paths, and the shipped maps."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from dispatcher.routes import RouteGraph, UnknownNode, great_circle_km
from freightlab.errors import InputError
from freightlab.resources import asset_path, default_map_path


def tiny() -> nx.Graph:
    g = nx.Graph(name="tiny")
    for nid, lat, lon in [
        ("a", 10.0, 70.0),
        ("b", 10.0, 71.0),
        ("c", 11.0, 71.0),
        ("d", 12.0, 72.0),
    ]:
        g.add_node(nid, name=nid.upper(), lat=lat, lon=lon)
    g.add_edge("a", "b", km=100.0)
    g.add_edge("b", "c", km=50.0)
    g.add_edge("a", "c", km=200.0)
    g.add_edge("c", "d", km=10.0)
    return g


def write(tmp_path: Path, g: nx.Graph) -> Path:
    path = tmp_path / "map.graphml"
    nx.write_graphml(g, path)
    return path


def test_distances_paths_and_matrix(tmp_path: Path) -> None:
    graph = RouteGraph.load(write(tmp_path, tiny()))
    assert graph.name == "tiny"
    assert graph.nodes == ["a", "b", "c", "d"]
    assert graph.city("c").name == "C" and graph.city("c").lat == 11.0
    assert graph.distance("a", "c") == 150.0  # via b beats the direct 200 km road
    assert graph.path("a", "d") == ["a", "b", "c", "d"]
    assert graph.path("d", "d") == ["d"]
    m = graph.distances(["a", "d", "a"], ["c", "a"])
    np.testing.assert_array_equal(m, [[150.0, 0.0], [10.0, 160.0], [150.0, 0.0]])
    assert sorted(graph.edges()) == [
        ("a", "b", 100.0),
        ("a", "c", 200.0),
        ("b", "c", 50.0),
        ("c", "d", 10.0),
    ]
    assert graph.has_node("a") and not graph.has_node("z")


def test_matrix_agrees_with_networkx_on_shipped_maps() -> None:
    for name in ("india.graphml", "us_canada.graphml"):
        graph = RouteGraph.load(asset_path("maps", name))
        g = nx.read_graphml(asset_path("maps", name))
        src = graph.nodes[:7]
        m = graph.distances(src, graph.nodes)
        for i, s in enumerate(src):
            lengths = nx.single_source_dijkstra_path_length(g, s, weight="km")
            for j, t in enumerate(graph.nodes):
                assert m[i, j] == pytest.approx(lengths[t])
        u, v = graph.nodes[0], graph.nodes[-1]
        path = graph.path(u, v)
        assert sum(graph.distance(a, b) for a, b in itertools.pairwise(path)) == pytest.approx(
            graph.distance(u, v)
        )


def test_unknown_node_is_a_key_error(tmp_path: Path) -> None:
    graph = RouteGraph.from_networkx(tiny())
    with pytest.raises(UnknownNode, match="atlantis"):
        graph.distance("a", "atlantis")
    with pytest.raises(KeyError):
        graph.city("atlantis")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda g: g.add_edge("a", "d", km=-5.0), "'km' must be > 0"),
        (lambda g: g.add_edge("a", "d", km=0.0), "'km' must be > 0"),
        (lambda g: g.add_edge("a", "d", miles=5.0), "unknown attribute"),
        (lambda g: g.add_edge("a", "d"), "missing attribute 'km'"),
        (lambda g: g.add_node("e", name="E", lat=1.0, lon=2.0), "not connected"),
        (lambda g: g.nodes["a"].update(colour="red"), "unknown attribute"),
        (lambda g: g.nodes["a"].pop("lat"), "missing attribute 'lat'"),
        (lambda g: g.nodes["a"].update(lat="north"), "not a number"),
        (lambda g: g.nodes["a"].update(lat=95.0), "not in"),
    ],
)
def test_bad_maps_are_rejected_naming_the_file(tmp_path: Path, mutate, message: str) -> None:
    g = tiny()
    mutate(g)
    path = write(tmp_path, g)
    with pytest.raises(InputError, match=message) as info:
        RouteGraph.load(path)
    assert str(path) in str(info.value)


def test_not_graphml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml><oops")
    with pytest.raises(InputError, match=r"bad\.graphml"):
        RouteGraph.load(bad)
    with pytest.raises(InputError, match="not found"):
        RouteGraph.load(tmp_path / "nothing.graphml")
    directed = nx.DiGraph(tiny())
    with pytest.raises(InputError, match="undirected"):
        RouteGraph.load(write(tmp_path, directed))


def test_shipped_maps_are_valid_and_credited() -> None:
    india = RouteGraph.load(default_map_path())
    assert 40 <= len(india) <= 80
    assert india.metadata["circuity_factor"] == pytest.approx(1.15)
    mumbai = india.city("mumbai")
    assert mumbai.lat == pytest.approx(19.07, abs=0.05) and mumbai.lon == pytest.approx(
        72.88, abs=0.05
    )
    # A road is never shorter than the straight line, and estimated km = circuity x great circle.
    for u, v, km in india.edges():
        a, b = india.city(u), india.city(v)
        assert km == pytest.approx(great_circle_km(a.lat, a.lon, b.lat, b.lon) * 1.15, abs=0.06)
    us = RouteGraph.load(asset_path("maps", "us_canada.graphml"))
    assert len(us) == 128
    assert np.isfinite(us.all_distances()).all()
    assert us.city("youngstown-oh").name == "Youngstown, OH"
    # Edge km are whole 1949 mileages converted to km, and the sparse map stays within the
    # stated stretch of the full table: Yankton-Youngstown is 966 miles in the source.
    for _, _, km in us.edges():
        assert km / 1.609344 == pytest.approx(round(km / 1.609344), abs=0.07)
    true_km = 966 * 1.609344
    assert true_km * 0.999 <= us.distance("yankton-sd", "youngstown-oh") <= true_km * 1.2
