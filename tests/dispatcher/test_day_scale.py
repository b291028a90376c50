"""The scale work (issue 17) kept every answer: the same days, the same matches, bit for bit.

``day_baseline.json`` was written by ``tests/dispatcher/day_baseline.py`` on the commit before
the matcher and the day simulation were reworked. The x10 and x30 days run only with
``FREIGHTLAB_LONG_TESTS=1`` (about a minute); everything else runs in the normal suite.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.dispatcher.day_baseline import FIXTURE, MATCH_CASES, SCENARIOS, MatchCase, Scenario

BASELINE = json.loads(FIXTURE.read_text())
LONG = os.environ.get("FREIGHTLAB_LONG_TESTS") == "1"


def _params(items: list[Scenario]) -> list[object]:
    return [
        pytest.param(
            sc,
            id=sc.name,
            marks=pytest.mark.skipif(sc.slow and not LONG, reason="FREIGHTLAB_LONG_TESTS=1"),
        )
        for sc in items
    ]


@pytest.mark.parametrize("scenario", _params(SCENARIOS))
def test_day_is_identical_to_before_the_scale_work(scenario: Scenario) -> None:
    from tests.dispatcher.day_baseline import fingerprint

    got = fingerprint(scenario.run())
    want = BASELINE[scenario.name]
    assert got["kpis"] == want["kpis"]
    assert got["outcomes_sha256"] == want["outcomes_sha256"]
    assert got["events_sha256"] == want["events_sha256"]


@pytest.mark.parametrize("case", MATCH_CASES, ids=[c.name for c in MATCH_CASES])
def test_match_is_identical_to_before_the_scale_work(case: MatchCase) -> None:
    """The sparse route gives the very same pairs; the default route (dense where most pairs
    are feasible) the same optimum, possibly another of several equally good answers."""
    want = BASELINE[case.name]
    assert case.run("sparse") == want
    got = case.run("auto")
    assert got["moved"] == want["moved"]
    assert got["total_cost"] == pytest.approx(want["total_cost"], rel=1e-12)
