"""Day KPIs captured before the scale work (issue 17), and the scenarios that produce them.

``python -m tests.dispatcher.day_baseline`` rewrites ``day_baseline.json`` from the code as it
is. It was run once on the commit *before* the matcher and day simulation were reworked; the
test in ``test_day_scale.py`` replays every scenario and asserts the KPIs and a digest of
every load's outcome are bit-for-bit the same.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dispatcher.fleet import read_loads_csv, read_trucks_csv
from dispatcher.matching import GreedyMatcher, MatchSettings, OptimalMatcher
from dispatcher.operations import DayResult, DaySettings, simulate_day
from dispatcher.routes import RouteGraph
from dispatcher.synthetic import random_day
from freightlab.resources import asset_path

FIXTURE = Path(__file__).with_name("day_baseline.json")


@dataclass(frozen=True)
class Scenario:
    """One simulated day: a fleet (sample files or synthetic x scale), window, seed, settings."""

    name: str
    map_name: str = "india.graphml"
    scale: int = 0  # 0: the shipped sample files; k: random_day(100 k trucks, 300 k loads)
    fleet_seed: int = 1
    batch_minutes: float = 5.0
    seed: int = 1
    matcher: str = "optimal"
    price_per_km_weight: float = 0.0
    max_deadhead_km: float | None = None
    slow: bool = False  # only in the long profile

    def run(self) -> DayResult:
        graph = RouteGraph.load(asset_path("maps", self.map_name))
        if self.scale == 0:
            prefix = "india" if self.map_name.startswith("india") else "us"
            trucks = read_trucks_csv(asset_path("samples", f"{prefix}_trucks.csv"), graph)
            loads = read_loads_csv(asset_path("samples", f"{prefix}_loads.csv"), graph)
        else:
            trucks, loads = random_day(graph, 100 * self.scale, 300 * self.scale, self.fleet_seed)
        match = MatchSettings(
            speed_kmh=55.0,
            price_per_km_weight=self.price_per_km_weight,
            max_deadhead_km=self.max_deadhead_km,
        )
        settings = DaySettings(batch_minutes=self.batch_minutes, seed=self.seed)
        if match != MatchSettings(speed_kmh=55.0):
            settings = dataclasses.replace(settings, match_settings=match)
        matcher = GreedyMatcher() if self.matcher == "greedy" else OptimalMatcher()
        return simulate_day(graph, trucks, loads, settings, matcher=matcher)


def _scenarios() -> list[Scenario]:
    out: list[Scenario] = []
    for window in (0.0, 5.0, 15.0, 30.0):
        out.append(Scenario(f"india-sample-{window:g}", batch_minutes=window))
        out.append(Scenario(f"us-sample-{window:g}", "us_canada.graphml", batch_minutes=window))
    for fleet_seed in (2, 3):
        for window in (0.0, 5.0, 30.0):
            name = f"x1-f{fleet_seed}-{window:g}"
            out.append(Scenario(name, scale=1, fleet_seed=fleet_seed, batch_minutes=window, seed=7))
    out += [
        Scenario("x1-greedy-0", scale=1, batch_minutes=0.0, matcher="greedy"),
        Scenario("x1-greedy-15", scale=1, batch_minutes=15.0, matcher="greedy"),
        Scenario("x1-price-0", scale=1, batch_minutes=0.0, price_per_km_weight=2.0),
        Scenario("x1-price-5", scale=1, batch_minutes=5.0, price_per_km_weight=2.0),
        Scenario("x1-limit-5", scale=1, batch_minutes=5.0, max_deadhead_km=300.0),
        Scenario("x3-0", scale=3, batch_minutes=0.0),
        Scenario("x3-5", scale=3, batch_minutes=5.0),
        Scenario("x3-30", scale=3, batch_minutes=30.0, seed=4),
        Scenario("x10-0", scale=10, batch_minutes=0.0, slow=True),
        Scenario("x10-5", scale=10, batch_minutes=5.0, slow=True),
        Scenario("x10-15", scale=10, batch_minutes=15.0, slow=True),
        Scenario("x10-30", scale=10, batch_minutes=30.0, slow=True),
        Scenario("x30-0", scale=30, batch_minutes=0.0, slow=True),
        Scenario("x30-5", scale=30, batch_minutes=5.0, slow=True),
    ]
    return out


SCENARIOS = _scenarios()


def fingerprint(result: DayResult) -> dict[str, Any]:
    """KPIs exactly (floats round-trip through JSON) plus a digest of every outcome and event."""
    outcomes = json.dumps([dataclasses.asdict(o) for o in result.outcomes])
    events = json.dumps([dataclasses.astuple(e) for e in result.events])
    return {
        "kpis": dataclasses.asdict(result.kpis),
        "outcomes_sha256": hashlib.sha256(outcomes.encode()).hexdigest(),
        "events_sha256": hashlib.sha256(events.encode()).hexdigest(),
    }


@dataclass(frozen=True)
class MatchCase:
    """One static match on a synthetic day; ``wide`` opens every window to two days."""

    name: str
    n_trucks: int
    n_loads: int
    seed: int
    matcher: str = "optimal"
    wide: bool = False
    settings: MatchSettings = field(default_factory=MatchSettings)

    def run(self, method: str = "auto") -> dict[str, Any]:
        """Fingerprint of the match; ``method`` is ignored by code that predates it."""
        graph = RouteGraph.load(asset_path("maps", "india.graphml"))
        trucks, loads = random_day(graph, self.n_trucks, self.n_loads, self.seed)
        if self.wide:
            loads = [
                dataclasses.replace(ld, pickup_earliest=0.0, pickup_latest=48.0) for ld in loads
            ]
        if self.matcher == "greedy":
            matcher: Any = GreedyMatcher()
        else:
            try:
                matcher = OptimalMatcher(method)  # type: ignore[arg-type]
            except ValueError:  # before the scale work: "sparse" and "dense" only
                matcher = OptimalMatcher()
        r = matcher.match(trucks, loads, graph, self.settings)
        pairs = json.dumps(sorted((a.truck_id, a.load_id) for a in r.assignments))
        return {
            "moved": r.moved,
            "total_cost": r.total_cost,
            "total_deadhead_km": r.total_deadhead_km,
            "pairs_sha256": hashlib.sha256(pairs.encode()).hexdigest(),
            "reasons_sha256": hashlib.sha256(
                json.dumps(sorted(r.unassigned.items())).encode()
            ).hexdigest(),
        }


MATCH_CASES = [
    MatchCase("match-200x250", 200, 250, 7),
    MatchCase("match-1000", 1000, 1000, 1000),
    MatchCase("match-1000-wide", 1000, 1000, 1000, wide=True),
    MatchCase("match-1000-greedy", 1000, 1000, 1000, matcher="greedy"),
    MatchCase("match-2000x1500", 2000, 1500, 5),
    MatchCase("match-3000x4000-wide", 3000, 4000, 9, wide=True),
    MatchCase(
        "match-1500-settings",
        1500,
        1500,
        3,
        settings=MatchSettings(
            max_deadhead_km=500.0,
            lateness_risk_weight=20.0,
            waiting_weight=5.0,
            price_per_km_weight=1.5,
        ),
    ),
]


def main(argv: list[str]) -> int:
    names = set(argv)
    old = json.loads(FIXTURE.read_text()) if FIXTURE.exists() else {}
    for sc in SCENARIOS:
        if names and sc.name not in names:
            continue
        old[sc.name] = fingerprint(sc.run())
        print(sc.name, old[sc.name]["kpis"]["loads_delivered"], flush=True)
    for case in MATCH_CASES:
        if names and case.name not in names:
            continue
        old[case.name] = case.run()
        print(case.name, old[case.name]["moved"], flush=True)
    FIXTURE.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
