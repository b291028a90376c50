"""The catalog's descriptions make claims; the simulator has to back them up."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def _share_served(result: object, start_s: float) -> float:
    """Completions over arrivals (all classes) in the buckets after ``start_s``."""
    from simulation.results import SimResult

    assert isinstance(result, SimResult)
    ts = result.timeseries
    idx = [i for i, t in enumerate(ts.time_s) if t > start_s]
    done = sum(ts.throughput_rps[c][i] for c in ts.throughput_rps for i in idx)
    offered = sum(ts.offered_rps[c][i] for c in ts.offered_rps for i in idx)
    return done / offered


def test_retry_storm_turns_a_brief_slowdown_into_an_outage_and_a_breaker_heals_it() -> None:
    storm = simulate(load_design(CATALOG / "retry_storm.toml"), duration_s=900)
    healed = simulate(load_design(CATALOG / "retry_storm_breaker.toml"), duration_s=900)
    # Both serve everything before the slowdown (300-330 s)...
    assert _share_served(storm, 60.0) > 0 and storm.timeseries.time_s[0] < 300
    before = [i for i, t in enumerate(storm.timeseries.time_s) if t < 290]
    assert min(storm.timeseries.throughput_rps["quote"][i] for i in before[5:]) > 20
    # ...but long after it ends the storm still serves (almost) nothing: metastable.
    assert _share_served(storm, 600.0) < 0.05
    backend = storm.components["rate_backend"]
    assert backend.visits > 2.5  # retries of retries: the backend does abandoned work
    # The breaker and jittered backoff recover fully and fail only during the episode.
    assert _share_served(healed, 400.0) > 0.99
    assert healed.breakers["pricing_api->rate_backend"].trips >= 1
    assert healed.classes["quote"].success_ratio > 0.95 > 0.5 > storm.classes["quote"].success_ratio
    assert "Retries added" in storm.bottleneck_explanation


def test_autoscaling_follows_the_daily_load_and_costs_less_than_a_peak_fleet() -> None:
    import numpy as np

    path = CATALOG / "autoscale_diurnal.toml"
    r = simulate(load_design(path))
    ts = r.timeseries
    replicas = np.array(ts.replicas["matcher"])
    offered = np.array(ts.offered_rps["match"])
    assert float(np.corrcoef(replicas, offered)[0, 1]) > 0.9  # the fleet follows the day
    assert replicas.max() >= 7 and replicas.min() <= 2
    m = r.components["matcher"]
    # offered work 100/s x 0.1 s = 10 busy workers = 2.5 replicas of 4; at 60%: ~4.2
    assert 3.8 <= m.replicas_mean <= 5.0, m.replicas_mean
    assert m.cost_per_hour == m.replicas_mean * 0.10
    assert r.classes["match"].latency_ms.p99 < 1000
    peak = simulate(
        loads_design(
            path.read_text()
            .replace("replicas = 5", "replicas = 8")
            .replace(
                "autoscale = { min = 1, max = 12, target_utilization = 0.6, interval_s = 30.0,"
                " warmup_s = 60.0 }",
                "",
            )
        )
    )
    assert peak.components["matcher"].cost_per_hour == 0.80
    assert r.cost_per_hour < 0.7 * peak.cost_per_hour


def test_notifications_dead_letter_what_three_deliveries_could_not_send() -> None:
    r = simulate(load_design(CATALOG / "notification_dlq.toml"), duration_s=900)
    published = r.components["notifications"].arrivals
    assert r.components["sender"].visits == pytest.approx(1.3125, rel=0.03)
    assert r.components["notifications"].dead_lettered == pytest.approx(
        published * 0.25**3, rel=0.2
    )
    assert r.components["ops_review"].arrivals == r.components["notifications"].dead_lettered
    booking = r.classes["booking"]
    assert booking.failed == 0 and booking.success_ratio == 1.0  # bookings never wait
    assert booking.e2e_latency_ms is not None
    assert booking.e2e_latency_ms.p99 > 2 * booking.latency_ms.p99
