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
