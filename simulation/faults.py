"""Scheduled faults as a table of small classes, one per ``[[faults]] kind``.

Each gets the fault, its node and the stations it hits (one replica or all) and the clock;
``start`` runs at ``at_s`` and ``end`` (for faults with a duration) at ``at_s + duration_s``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from designs.schema import Fault
from simulation.components import CacheNode, Node, Station
from simulation.resilient import ResilientStation


class _Action:
    def __init__(
        self, fault: Fault, node: Node, stations: list[Station], clock: Callable[[], float]
    ) -> None:
        self.fault = fault
        self.node = node
        self.stations = stations
        self.clock = clock

    def start(self, _ev: Any) -> None:
        raise NotImplementedError

    def end(self, _ev: Any) -> None:
        return None


class Outage(_Action):
    """No new work starts on the replicas; what they hold finishes; queues keep growing."""

    def start(self, _ev: Any) -> None:
        now = self.clock()
        for st in self.stations:
            st.flush(now)
            st.down = True

    def end(self, _ev: Any) -> None:
        now = self.clock()
        for st in self.stations:
            st.flush(now)
            st.down = False
            st.pump(now)


class Slowdown(_Action):
    """Every service time drawn meanwhile is multiplied by ``factor``."""

    def start(self, _ev: Any) -> None:
        for st in self.stations:
            st.slow = self.fault.factor or 1.0

    def end(self, _ev: Any) -> None:
        for st in self.stations:
            st.slow = 1.0


class Crash(_Action):
    """Work in flight and queued on the replicas is lost (callers see failures); they
    restart empty after ``duration_s``."""

    def start(self, _ev: Any) -> None:
        now = self.clock()
        for st in self.stations:
            assert isinstance(st, ResilientStation)  # the engine builds these for crashes
            st.crash(now)

    def end(self, _ev: Any) -> None:
        now = self.clock()
        for st in self.stations:
            assert isinstance(st, ResilientStation)
            st.restart(now)


class CacheFlush(_Action):
    """The cache forgets every entry at once (a restart, a bad deploy)."""

    def start(self, _ev: Any) -> None:
        assert isinstance(self.node, CacheNode)
        self.node.flush_entries()


FAULTS: dict[str, type[_Action]] = {
    "outage": Outage,
    "slowdown": Slowdown,
    "crash": Crash,
    "cache_flush": CacheFlush,
}
