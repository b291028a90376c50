"""Size the matching backend for a dispatch board: a matcher design calibrated on the board's
map and loaded at the board's posting rate (the desk's "Size the backend for this board").

The rate is the board's loads over the span of their pickup windows' openings (at least an
hour). The matcher batches like the desk does (``window_ms``, default the day simulation's
5 minutes); its workers are the fewest whose utilisation stays under ``target_utilization``
at that rate, from the exact gathering theory (mean batch, batches per second) and the
calibration's mean solve time for that batch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from designs.calibration import Calibration
from designs.schema import Design
from freightlab.progress import Progress

if TYPE_CHECKING:
    from dispatcher.routes import RouteGraph

DEFAULT_WINDOW_MS = 300_000.0
TARGET_UTILIZATION = 0.5
MIN_SPAN_H = 1.0
MIN_REQUESTS = 2000
#: Batch sizes timed: the full calibration (the CLI) and a quick one (the desk, seconds).
SIZES = (1, 10, 100, 1000)
QUICK_SIZES = (1, 10, 50)


@dataclass(frozen=True)
class BoardLoad:
    loads: int
    span_h: float
    rate_rps: float


def board_load(pickup_earliest_h: Sequence[float]) -> BoardLoad:
    """Posting rate of a board from its loads' earliest pickup times (hours)."""
    if not pickup_earliest_h:
        raise ValueError("the board has no loads to size a backend for")
    span = max(MIN_SPAN_H, max(pickup_earliest_h) - min(pickup_earliest_h))
    return BoardLoad(len(pickup_earliest_h), span, len(pickup_earliest_h) / (span * 3600.0))


def solvers_needed(
    calibration: Calibration,
    rate_rps: float,
    window_ms: float,
    target_utilization: float = TARGET_UTILIZATION,
) -> int:
    """Fewest solvers with batch rate x mean solve / solvers <= the target utilisation."""
    from simulation.theory.batching import gathering

    g = gathering(rate_rps, window_ms / 1000.0, None)
    mean_solve_s = (
        sum(p * calibration.mean_ms(b) for b, p in zip(g.sizes, g.probabilities, strict=True))
        / 1000.0
    )
    return max(1, math.ceil(g.batch_rate * mean_solve_s / target_utilization))


def backend_design(
    map_name: str,
    calibration: Calibration,
    load: BoardLoad,
    *,
    window_ms: float = DEFAULT_WINDOW_MS,
    measured: str = "",
) -> Design:
    """The matcher design for this board: its map's calibration, its rate, enough solvers."""
    from designs.loader import design_from_dict

    workers = solvers_needed(calibration, load.rate_rps, window_ms)
    data = {
        "name": f"Matcher backend for the {map_name} board",
        "description": (
            f"{load.loads} loads over {load.span_h:.1f} h of pickups: "
            f"{load.rate_rps * 3600:.1f} postings/h reach the dispatcher's optimal matcher, "
            f"which batches them for {window_ms / 60_000:g} min and solves each batch in the "
            f"time measured on the {map_name} map{(' (' + measured + ')') if measured else ''}. "
            f"{workers} solver(s) keep it under {TARGET_UTILIZATION:.0%} busy."
        ),
        "workload": _workload(load, window_ms),
        "components": [
            {
                "name": "matcher",
                "kind": "matcher",
                "workers": workers,
                "batch_window_ms": window_ms,
                "calibration": calibration.model_dump(exclude_none=True),
            }
        ],
    }
    return design_from_dict(data, f"backend for {map_name}")


def size_backend(
    graph: RouteGraph,
    pickup_earliest_h: Sequence[float],
    *,
    sizes: Sequence[int] = SIZES,
    repetitions: int = 3,
    window_ms: float = DEFAULT_WINDOW_MS,
    progress: Progress | None = None,
) -> tuple[Design, BoardLoad]:
    """Time the matcher on ``graph`` and build the design for a board with these pickups
    (``python main.py size-backend`` and the desk's "Size the backend for this board")."""
    from dispatcher.calibration import calibrate

    load = board_load(pickup_earliest_h)
    table = calibrate(graph, sizes, repetitions=repetitions, progress=progress)
    design = backend_design(
        graph.name,
        Calibration.model_validate(table.design_field()),
        load,
        window_ms=window_ms,
        measured=f"{table.machine}, {table.measured_at}",
    )
    return design, load


def _workload(load: BoardLoad, window_ms: float) -> dict[str, object]:
    """Postings at the board's rate: an hour, twenty windows or 2,000 postings, whichever is
    longest (a few dozen requests make no statistics), after a 10% warm-up."""
    duration = max(3600.0, 20 * window_ms / 1000.0, MIN_REQUESTS / load.rate_rps)
    arrival = {"process": "poisson", "rate_rps": load.rate_rps}
    return {
        "duration_s": duration,
        "warmup_s": duration / 10.0,
        "seed": 1,
        "classes": [{"name": "post", "entry": "matcher", "arrival": arrival}],
    }
