"""Seeded synthetic dispatch days: trucks and loads that look like a real day on a map.

Used for the shipped samples (scripts/make_samples.py), benchmarks and tests. Trucks
wait and loads start where people live: origins are drawn in proportion to city
population; destinations follow a gravity model (population / distance^1.2), so most
freight moves between big, nearby cities while some goes coast to coast.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from dispatcher.fleet import Load, Truck, TruckType
from dispatcher.routes import RouteGraph

#: Share of the fleet by body type, and the payloads (t) each type comes in.
TYPE_SHARE: dict[TruckType, float] = {
    TruckType.OPEN: 0.45,
    TruckType.CONTAINER: 0.25,
    TruckType.TRAILER: 0.15,
    TruckType.REEFER: 0.15,
}
CAPACITIES_T: dict[TruckType, tuple[float, ...]] = {
    TruckType.OPEN: (9.0, 16.0, 25.0),
    TruckType.CONTAINER: (20.0, 28.0),
    TruckType.TRAILER: (30.0, 40.0),
    TruckType.REEFER: (9.0, 16.0),
}


def _weights(graph: RouteGraph) -> np.ndarray:
    pop = np.array([max(c.population, 1) for c in graph.cities], dtype=float)
    return pop / pop.sum()


def random_day(
    graph: RouteGraph,
    n_trucks: int,
    n_loads: int,
    seed: int,
    *,
    rate_per_km: float = 50.0,
    first_pickup_h: float = 6.0,
    last_pickup_h: float = 18.0,
) -> tuple[list[Truck], list[Load]]:
    """One day's idle trucks and open loads; the same seed gives the same day."""
    rng = np.random.default_rng(seed)
    nodes = graph.nodes
    w = _weights(graph)
    types = list(TYPE_SHARE)
    share = np.array([TYPE_SHARE[t] for t in types])
    dist = graph.all_distances()

    trucks: list[Truck] = []
    locs = rng.choice(len(nodes), size=n_trucks, p=w)
    ttypes = rng.choice(len(types), size=n_trucks, p=share)
    avail = np.round(rng.uniform(4.0, 12.0, size=n_trucks) * 4) / 4  # quarter hours
    width = len(str(max(n_trucks, 1)))
    for i in range(n_trucks):
        tt = types[int(ttypes[i])]
        cap = float(rng.choice(CAPACITIES_T[tt]))
        trucks.append(Truck(f"T{i + 1:0{width}d}", nodes[int(locs[i])], cap, tt, float(avail[i])))

    loads: list[Load] = []
    origins = rng.choice(len(nodes), size=n_loads, p=w)
    ltypes = rng.choice(len(types), size=n_loads, p=share)
    width = len(str(max(n_loads, 1)))
    pop = np.array([max(c.population, 1) for c in graph.cities], dtype=float)
    for j in range(n_loads):
        o = int(origins[j])
        gravity = pop / np.maximum(dist[o], 50.0) ** 1.2
        gravity[o] = 0.0
        d = int(rng.choice(len(nodes), p=gravity / gravity.sum()))
        tt = types[int(ltypes[j])]
        weight = round(float(rng.choice(CAPACITIES_T[tt])) * float(rng.uniform(0.3, 1.0)), 1)
        earliest = float(np.round(rng.uniform(first_pickup_h, last_pickup_h) * 4) / 4)
        latest = earliest + float(rng.choice([2.0, 4.0, 6.0, 8.0]))
        km = float(dist[o, d])
        price = round(km * rate_per_km * float(rng.uniform(0.8, 1.3)) * (0.6 + weight / 50), -1)
        loads.append(
            Load(
                f"L{j + 1:0{width}d}",
                nodes[o],
                nodes[d],
                weight,
                tt,
                earliest,
                latest,
                max(price, 1.0),
            )
        )
    return trucks, loads


def dense_day(
    graph: RouteGraph, n_trucks: int, n_loads: int, seed: int
) -> tuple[list[Truck], list[Load]]:
    """A day where (almost) every truck can take every load: one body type, every load fits
    every truck, and pickup windows stay open for four days. The matcher's hardest case."""
    trucks, loads = random_day(graph, n_trucks, n_loads, seed)
    trucks = [replace(t, truck_type=TruckType.OPEN, capacity_t=25.0) for t in trucks]
    loads = [
        replace(
            ld,
            truck_type=TruckType.OPEN,
            weight_t=min(ld.weight_t, 9.0),
            pickup_earliest=0.0,
            pickup_latest=96.0,
        )
        for ld in loads
    ]
    return trucks, loads
