"""Every kind the design language knows has an engine builder; strategies come from tables."""

from __future__ import annotations

import random

import pytest

from designs.kinds import KINDS
from simulation.caches import POLICIES, make_policy
from simulation.kinds import BUILDERS, builder, unbuilt_kinds
from simulation.strategies import STRATEGIES, make_strategy


def test_every_kind_is_built() -> None:
    assert unbuilt_kinds() == []
    assert set(KINDS) <= set(BUILDERS)


def test_unknown_builder_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="service"):
        builder("mainframe")


def test_strategy_and_policy_tables_cover_the_schema() -> None:
    from typing import get_args

    from designs.schema import CachePolicy, Strategy

    assert set(get_args(Strategy)) == set(STRATEGIES)
    assert set(get_args(CachePolicy)) == set(POLICIES)
    names = ["a", "b", "c"]
    for name in STRATEGIES:
        s = make_strategy(name, names, lambda i: i, random.Random(1))
        assert 0 <= s.pick(7, 1) < 3
    for name in POLICIES:
        p = make_policy(name, 2, 5.0)
        assert p.lookup(1, 0.0) is False and p.lookup(1, 0.1) is True
    with pytest.raises(ValueError, match="unknown strategy"):
        make_strategy("fastest", names, lambda i: i, random.Random(1))


def test_a_new_kind_runs_end_to_end_with_one_spec_and_one_builder() -> None:
    import dataclasses

    from designs.kinds import register
    from designs.loader import loads_design
    from simulation.kinds import BUILDERS
    from simulation.runner import simulate

    register(
        dataclasses.replace(
            KINDS["service"], name="relay_test", label="Relay", theory="none", theory_gap="toy"
        )
    )
    BUILDERS["relay_test"] = BUILDERS["service"]
    try:
        design = loads_design(
            """
name = "relay"
[workload]
duration_s = 200.0
warmup_s = 20.0
[[workload.classes]]
name = "a"
entry = "r"
arrival = { process = "poisson", rate_rps = 5.0 }
[[components]]
name = "r"
kind = "relay_test"
workers = 2
service_ms = { dist = "exponential", mean = 50.0 }
fail_ratio = 0.5
"""
        )
        result = simulate(design)
        stats = result.components["r"]
        assert stats.kind == "relay_test" and stats.failed > 0
        assert stats.cost_per_hour == KINDS["service"].cost_per_hour
        assert result.classes["a"].failed == stats.failed
    finally:
        KINDS.pop("relay_test")
        BUILDERS.pop("relay_test")
