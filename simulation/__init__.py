"""Architecture simulation engine (SimPy): run designs, replicate, sweep and compare.

Public API (import from here): simulate, replicate, sweep, compare and the result types.
Imports are lazy so ``import simulation`` stays cheap for the CLI's --help.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulation.replications import replicate
    from simulation.results import (
        ClassStats,
        Comparison,
        ComponentStats,
        Estimate,
        LatencyStats,
        ReplicationResult,
        SimResult,
        SweepPoint,
        SweepResult,
        Timeseries,
    )
    from simulation.runner import simulate
    from simulation.sweeps import compare, sweep

_WHERE = {
    "simulate": "simulation.runner",
    "replicate": "simulation.replications",
    "sweep": "simulation.sweeps",
    "compare": "simulation.sweeps",
}

__all__ = [
    "ClassStats",
    "Comparison",
    "ComponentStats",
    "Estimate",
    "LatencyStats",
    "ReplicationResult",
    "SimResult",
    "SweepPoint",
    "SweepResult",
    "Timeseries",
    "compare",
    "replicate",
    "simulate",
    "sweep",
]


def __getattr__(name: str) -> Any:
    import importlib

    module = _WHERE.get(name, "simulation.results" if name in __all__ else None)
    if module is None:
        raise AttributeError(name)
    return getattr(importlib.import_module(module), name)
