"""Time the real matcher on this machine: the table behind the Design Lab's ``kind = "matcher"``.

For each batch size b, seeded synthetic batches of b idle trucks and b open loads on the map
(:func:`dispatcher.synthetic.random_day`) are matched by the desk's own engine
(:class:`dispatcher.matching.OptimalMatcher`: per-batch distance matrix, feasible pairs, the
optimal assignment), several repetitions each. The map's shortest-path rows are computed
once first, as a long-running desk or matching service holds them, and reported separately
(``startup_ms``). Each size's median is the solve time the simulator interpolates; the
spread of the repetitions (a lognormal sigma, robust to one disturbed repetition) is the
distribution it draws from.
"""

from __future__ import annotations

import datetime as _dt
import gc
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from designs.calibration import SIGMA_MAX
from dispatcher.matching import MatchSettings, OptimalMatcher
from dispatcher.routes import RouteGraph
from dispatcher.synthetic import random_day
from freightlab.errors import InputError
from freightlab.progress import Progress, check

DEFAULT_SIZES = (10, 100, 1000)
DEFAULT_REPETITIONS = 7
MAX_SIZE = 10_000  # 10,000 x 10,000 is seconds per batch already; beyond that, refuse

Clock = Callable[[], float]


@dataclass(frozen=True)
class SizeTiming:
    """The repetitions measured for one batch size (milliseconds, in measurement order)."""

    size: int
    samples_ms: tuple[float, ...]
    feasible_pairs: int  # median candidate-set size the matcher chose from

    @property
    def median_ms(self) -> float:
        return float(statistics.median(self.samples_ms))

    def quantile_ms(self, q: float) -> float:
        xs = sorted(self.samples_ms)
        pos = q * (len(xs) - 1)
        lo, hi = math.floor(pos), math.ceil(pos)
        return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)

    @property
    def spread(self) -> float:
        """Lognormal sigma of the solve time: 1.4826 x the median absolute deviation of logs."""
        logs = [math.log(max(x, 1e-9)) for x in self.samples_ms]
        if len(logs) < 2:
            return 0.0
        mid = statistics.median(logs)
        return 1.4826 * float(statistics.median(abs(v - mid) for v in logs))


@dataclass(frozen=True)
class CalibrationTable:
    map_name: str
    machine: str
    host: str
    measured_at: str  # ISO 8601, UTC
    repetitions: int
    seed: int
    startup_ms: float
    timings: list[SizeTiming] = field(default_factory=list)

    @property
    def sizes(self) -> list[int]:
        return [t.size for t in self.timings]

    @property
    def ms(self) -> list[float]:
        return [t.median_ms for t in self.timings]

    def design_field(self) -> dict[str, list[float] | list[int]]:
        """The ``calibration = {...}`` value of a ``kind = "matcher"`` component."""
        return {
            "sizes": self.sizes,
            "ms": [round(x, 4) for x in self.ms],
            # capped: a machine under load can measure a sigma no design may hold
            "spread": [round(min(t.spread, SIGMA_MAX), 4) for t in self.timings],
        }

    def to_toml(self) -> str:
        import tomli_w

        head = {
            "map": self.map_name,
            "machine": self.machine,
            "host": self.host,
            "measured_at": self.measured_at,
            "matcher": OptimalMatcher.name,
            "repetitions": self.repetitions,
            "seed": self.seed,
            "startup_ms": round(self.startup_ms, 4),
        }
        details: dict[str, list[float] | list[int]] = {
            "p10_ms": [round(t.quantile_ms(0.1), 4) for t in self.timings],
            "p90_ms": [round(t.quantile_ms(0.9), 4) for t in self.timings],
            "feasible_pairs": [t.feasible_pairs for t in self.timings],
        }
        return "\n".join(
            [
                "# Matcher calibration written by `python main.py calibrate`.",
                '# [calibration] is the value of a kind = "matcher" component\'s calibration:',
                "# median solve ms per batch size, and the lognormal sigma (spread) around it.",
                tomli_w.dumps(head),
                "[calibration]",
                *_number_rows(self.design_field()),
                "",
                "[details]",
                *_number_rows(details),
                "",
            ]
        )


def _number_rows(table: dict[str, list[float] | list[int]]) -> list[str]:
    """``key = [1, 2.5, 3]`` lines: numeric arrays on one line each (valid TOML)."""
    return [f"{k} = [{', '.join(repr(v) for v in vs)}]" for k, vs in table.items()]


def machine_description() -> str:
    """CPU model, cores, OS and the numeric stack: what the figures depend on."""
    import numpy
    import scipy

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count() or 1} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, numpy {numpy.__version__}, scipy {scipy.__version__}"
    )


def parse_sizes(text: str) -> list[int]:
    """'10,100 1000' -> [10, 100, 1000]: distinct whole numbers in 1..MAX_SIZE, ascending."""
    sizes: list[int] = []
    for part in text.replace(",", " ").split():
        try:
            n = int(part)
        except ValueError:
            raise InputError(f"--sizes: {part!r} is not a whole number") from None
        if not 1 <= n <= MAX_SIZE:
            raise InputError(f"--sizes: {n} is outside 1..{MAX_SIZE} (trucks and loads per batch)")
        sizes.append(n)
    if not sizes:
        raise InputError("--sizes: give at least one batch size, e.g. 10,100,1000")
    if len(set(sizes)) != len(sizes):
        raise InputError(f"--sizes: {text!r} repeats a size")
    return sorted(sizes)


def batch_seed(seed: int, size: int, rep: int) -> int:
    """The seed of repetition ``rep`` at ``size``: the same batches whatever else is measured."""
    return seed * 1_000_003 + size * 1_009 + rep


def time_batch(
    graph: RouteGraph, size: int, seed: int, clock: Clock = time.perf_counter
) -> tuple[float, int]:
    """One seeded batch of ``size`` trucks and loads matched as the desk does: (ms, pairs)."""
    trucks, loads = random_day(graph, size, size, seed)
    matcher = OptimalMatcher()
    gc.collect()
    start = clock()
    result = matcher.match(trucks, loads, graph, MatchSettings())
    return 1000.0 * (clock() - start), result.feasible_pairs


def _time_size(
    graph: RouteGraph,
    size: int,
    repetitions: int,
    seed: int,
    clock: Clock,
    report: Callable[[int, str], None],
) -> SizeTiming:
    """One warm-up batch (first touch of this size's code paths), then the timed ones."""
    report(0, "warming up")
    time_batch(graph, size, seed, clock)
    samples: list[float] = []
    pairs: list[int] = []
    for rep in range(repetitions):
        report(rep + 1, f"repetition {rep + 1} of {repetitions}")
        ms, n_pairs = time_batch(graph, size, batch_seed(seed, size, rep), clock)
        samples.append(ms)
        pairs.append(n_pairs)
    return SizeTiming(size, tuple(samples), int(statistics.median(pairs)))


def calibrate(
    graph: RouteGraph,
    sizes: Sequence[int] = DEFAULT_SIZES,
    *,
    repetitions: int = DEFAULT_REPETITIONS,
    seed: int = 1,
    progress: Progress | None = None,
    clock: Clock = time.perf_counter,
) -> CalibrationTable:
    """Measure the matcher on ``repetitions`` seeded batches of each size (smallest first)."""
    if repetitions < 1:
        raise InputError(f"--repetitions must be >= 1, got {repetitions}")
    order = sorted(sizes)
    start = clock()
    graph.all_distances()  # every shortest-path row, once, as a running service holds them
    startup_ms = 1000.0 * (clock() - start)
    total = len(order) * (repetitions + 1)
    timings: list[SizeTiming] = []
    for i, size in enumerate(order):

        def report(done: int, what: str, i: int = i, size: int = size) -> None:
            step = i * (repetitions + 1) + done
            check(progress, step / total, f"size {size} ({i + 1} of {len(order)}): {what}")

        timings.append(_time_size(graph, size, repetitions, seed, clock, report))
    check(progress, 1.0, "done")
    return CalibrationTable(
        map_name=graph.name,
        machine=machine_description(),
        host=platform.node(),
        measured_at=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        repetitions=repetitions,
        seed=seed,
        startup_ms=startup_ms,
        timings=timings,
    )
