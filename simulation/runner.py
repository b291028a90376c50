"""Run one design: build the engine, run it, and summarise into a SimResult."""

from __future__ import annotations

from designs.schema import Design
from freightlab.progress import Progress
from simulation.results import SimResult


def simulate(
    design: Design,
    *,
    duration_s: float | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
    rate_rps: float | None = None,
    max_in_system: int | None = None,
) -> SimResult:
    """Simulate ``design``; same design and seed give the same result.

    rate_rps scales every class together to that total offered rate (sweeps).
    """
    raise NotImplementedError
