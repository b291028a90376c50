"""Closed-form queueing theory that the simulation engine is checked against.

Pure functions over numbers (no Design, no SimPy): M/M/c via Erlang C, M/G/1 via
Pollaczek-Khinchine, open Jackson networks, the bottleneck bound and Che's approximation for
LRU caches. ``simulation.analytic`` maps a Design onto these.
"""

from simulation.theory.bounds import BottleneckBound, StationDemand, bottleneck_bound
from simulation.theory.cache import (
    che_characteristic_time,
    fifo_hit_ratio,
    lfu_hit_ratio,
    lru_hit_ratio,
    ttl_hit_ratio,
    zipf_popularity,
)
from simulation.theory.jackson import (
    ClassFlow,
    JacksonResult,
    Station,
    StationResult,
    solve_jackson,
    visit_counts,
)
from simulation.theory.queues import (
    QueueResult,
    ServiceMoments,
    erlang_b,
    erlang_c,
    gi_g_c_approx,
    gi_m1,
    mg1,
    mgc,
    mmc,
    round_robin_m1,
    round_robin_mc,
)

__all__ = [
    "BottleneckBound",
    "ClassFlow",
    "JacksonResult",
    "QueueResult",
    "ServiceMoments",
    "Station",
    "StationDemand",
    "StationResult",
    "bottleneck_bound",
    "che_characteristic_time",
    "erlang_b",
    "erlang_c",
    "fifo_hit_ratio",
    "gi_g_c_approx",
    "gi_m1",
    "lfu_hit_ratio",
    "lru_hit_ratio",
    "mg1",
    "mgc",
    "mmc",
    "round_robin_m1",
    "round_robin_mc",
    "solve_jackson",
    "ttl_hit_ratio",
    "visit_counts",
    "zipf_popularity",
]
