"""The catalog's descriptions make claims; the simulator has to back them up."""

from __future__ import annotations

from pathlib import Path

from designs.loader import load_design, loads_design
from simulation.runner import simulate

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"


def test_replica_outage_hurts_round_robin_but_not_least_connections() -> None:
    path = CATALOG / "replica_outage.toml"
    text = path.read_text()
    round_robin = simulate(load_design(path), duration_s=2400)
    least = simulate(
        loads_design(text.replace('"round_robin"', '"least_connections"')), duration_s=2400
    )
    rr_p99 = round_robin.classes["match"].latency_ms.p99
    lc_p99 = least.classes["match"].latency_ms.p99
    # A quarter of the traffic queues behind the hung replica for ten minutes with round robin;
    # least connections stops choosing it once its connections pile up.
    assert rr_p99 > 60_000 and lc_p99 < 2_000, (rr_p99, lc_p99)
    served = round_robin.components["matcher"].replica_served
    assert len(served) == 4 and min(served) > 0  # the failed replica recovers and drains
