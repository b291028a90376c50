"""Charts: Figure builders show what they claim (bottleneck highlighted, theory beside the
simulation, knees marked) and the PNG writers produce real images, all without pyplot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from designs.loader import loads_design
from simulation.analytic import Prediction, predict
from simulation.charts import (
    BOTTLENECK_COLOR,
    NORMAL_COLOR,
    comparison_figure,
    latency_figure,
    queue_length_figure,
    throughput_figure,
    utilization_figure,
    write_charts,
    write_comparison_charts,
)
from simulation.results import (
    ClassStats,
    Comparison,
    ComponentStats,
    LatencyStats,
    SimResult,
    SweepPoint,
    SweepResult,
    Timeseries,
)
from simulation.runner import simulate

ROOT = Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

DESIGN = """
name = "Gateway and matcher"
[workload]
duration_s = 400
warmup_s = 50
seed = 3
[[workload.classes]]
name = "match"
entry = "gw"
arrival = { process = "poisson", rate_rps = 20.0 }
[[components]]
name = "gw"
kind = "gateway"
workers = 2
service_ms = { dist = "exponential", mean = 10.0 }
then = "matcher"
[[components]]
name = "matcher"
kind = "service"
workers = 3
service_ms = { dist = "exponential", mean = 120.0 }
"""


@pytest.fixture(scope="module")
def run() -> tuple[SimResult, Prediction]:
    design = loads_design(DESIGN)
    prediction = predict(design)
    assert prediction is not None
    return simulate(design), prediction


def _component(util: float, workers: int | None = 2) -> ComponentStats:
    return ComponentStats(
        kind="service",
        replicas=1,
        workers=workers,
        arrivals=100,
        served=100,
        dropped=0,
        timed_out=0,
        utilization=util,
        mean_wait_ms=1.0,
        mean_queue_len=0.1,
        mean_in_system=1.0,
        visits=1.0,
        mean_service_ms=10.0,
        mean_hold_ms=10.0,
        arrival_rate_rps=10.0,
    )


def _result(
    rate: float = 10.0, p99: float = 50.0, verdict: str = "stable", empty: bool = False
) -> SimResult:
    n = 0 if empty else 60
    ts = Timeseries(
        bucket_s=1.0,
        time_s=[float(i + 1) for i in range(n)],
        throughput_rps={"a": [rate] * n},
        offered_rps={"a": [rate] * n},
        queue_len={"db": [0.5] * n, "svc": [2.0] * n, "lb": [0.0] * n},
        utilization={"db": [0.3] * n, "svc": [0.9] * n, "lb": [0.0] * n},
        latency_p50_ms={"a": [10.0] * n},
        latency_p99_ms={"a": [p99] * n},
    )
    lat = LatencyStats(count=0 if empty else 600, mean=12.0, p50=10.0, p95=30.0, p99=p99)
    cls = ClassStats(
        offered=600,
        completed=600,
        rejected=0,
        dropped=0,
        timed_out=0,
        in_flight=0,
        throughput_rps=rate,
        offered_rps=rate,
        latency_ms=lat,
    )
    comps = {"lb": _component(0.0, None), "svc": _component(0.9), "db": _component(0.3)}
    return SimResult(
        "Synthetic", verdict, {"a": cls}, comps, "svc", "svc is busiest", ts, 60.0, 0.0, 1
    )


def _bars(fig: Figure) -> list[Rectangle]:
    return [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]


def test_utilization_highlights_the_bottleneck_and_skips_delays() -> None:
    fig = utilization_figure(_result())
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["db", "svc\n(bottleneck)"]  # pure-delay lb left out; first on top
    bars = _bars(fig)
    colors = {round(b.get_width(), 3): to_hex(b.get_facecolor()) for b in bars}
    assert colors[0.9] == to_hex(BOTTLENECK_COLOR)
    assert colors[0.3] == to_hex(NORMAL_COLOR)
    assert "utilisation" in ax.get_title()


def test_utilization_and_latency_show_theory(run: tuple[SimResult, Prediction]) -> None:
    result, prediction = run
    fig = utilization_figure(result, prediction)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "theory" in legend
    # One theory tick per component with workers, at theory's utilisation.
    ticks = [ln for ln in fig.axes[0].get_lines() if len(ln.get_xdata()) == 2]
    xs = sorted(round(float(ln.get_xdata()[0]), 4) for ln in ticks if ln.get_linestyle() == "-")
    expected = sorted(round(c.utilization, 4) for c in prediction.components.values())
    assert xs == expected

    lat = latency_figure(result, prediction)
    bars_ax = lat.axes[0]
    markers = [c for c in bars_ax.collections if isinstance(c, PathCollection)]
    assert markers, "theory markers missing"
    # mean is known for this Jackson network, percentiles are not (M/M/2 -> M/M/3).
    assert len(markers[0].get_offsets()) == 1
    mean_th = prediction.classes["match"].mean_response_ms
    assert markers[0].get_offsets()[0][1] == pytest.approx(mean_th)


def test_time_series_figures_have_units_and_data(run: tuple[SimResult, Prediction]) -> None:
    result, _ = run
    thr = throughput_figure(result)
    ax = thr.axes[0]
    assert ax.get_xlabel() == "simulated time (s)"
    assert "requests per second" in ax.get_ylabel()
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert names == ["match completed", "match offered"]
    q = queue_length_figure(result)
    assert {t.get_text() for t in q.axes[0].get_legend().get_texts()} == {"gw", "matcher"}


def test_smoothed_throughput_tracks_the_rate() -> None:
    fig = throughput_figure(_result(rate=7.0))
    y = fig.axes[0].get_lines()[0].get_ydata()
    assert y == pytest.approx([7.0] * len(y))


def test_empty_and_unstable_results_still_draw() -> None:
    fig = throughput_figure(_result(empty=True))
    assert "no throughput data" in [t.get_text() for t in fig.axes[0].texts]
    lat = latency_figure(_result(empty=True))
    assert "no completed requests" in [t.get_text() for t in lat.axes[0].texts]
    unstable = utilization_figure(_result(verdict="unstable"))
    assert "UNSTABLE" in unstable.axes[0].get_title()


def _comparison() -> Comparison:
    rates = [10.0, 20.0, 40.0]
    sweeps = []
    for name, knee, p99s in (("A", 40.0, [20.0, 40.0, 900.0]), ("B", None, [15.0, 18.0, 25.0])):
        points = [
            SweepPoint(rate, _result(rate=min(rate, 30.0), p99=p), healthy=rate != knee)
            for rate, p in zip(rates, p99s, strict=True)
        ]
        sweeps.append(SweepResult(name, rates, points, knee, 20.0 if knee else None, 32.0))
    return Comparison(rates, 7, sweeps, "B")


def test_comparison_marks_the_knee() -> None:
    fig = comparison_figure(_comparison())
    thr_ax, p99_ax = fig.axes
    labels = [t.get_text() for t in fig.legends[0].get_texts()]  # one legend under both
    assert labels[1:3] == ["A (knee 40/s)", "B (no knee)"]
    assert "knee (first unhealthy rate)" in labels
    circles = [c for c in p99_ax.collections if isinstance(c, PathCollection)]
    assert len(circles) == 1 and tuple(circles[0].get_offsets()[0]) == (40.0, 900.0)
    assert p99_ax.get_yscale() == "log"
    assert thr_ax.get_xlabel() == "offered rate (requests/s)"


def test_writers_produce_png_files(tmp_path: Path, run: tuple[SimResult, Prediction]) -> None:
    result, prediction = run
    paths = write_charts(result, tmp_path / "charts", prediction)
    assert [p.name for p in paths] == [
        "throughput.png",
        "latency.png",
        "utilization.png",
        "queue_length.png",
    ]
    for p in paths:
        data = p.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    cmp_paths = write_comparison_charts(_comparison(), tmp_path / "cmp")
    assert [p.name for p in cmp_paths] == ["comparison.png"]
    assert cmp_paths[0].read_bytes().startswith(PNG_MAGIC)
    assert not list((tmp_path / "charts").glob(".*.tmp"))  # atomic writes leave no temp files


def test_charts_do_not_use_pyplot_or_qt() -> None:
    code = (
        "import sys, simulation.charts\n"
        "bad = [m for m in ('matplotlib.pyplot', 'PySide6') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_fault_window_is_shaded_and_the_backlog_builds_and_drains() -> None:
    import numpy as np

    text = """
name = "slowdown"
[workload]
duration_s = 900
warmup_s = 60
seed = 2
[[workload.classes]]
name = "req"
entry = "s"
arrival = { process = "poisson", rate_rps = 50.0 }
[[components]]
name = "s"
kind = "service"
workers = 4
service_ms = { dist = "exponential", mean = 60.0 }
[[faults]]
component = "s"
kind = "slowdown"
factor = 3.0
at_s = 200.0
duration_s = 150.0
"""
    result = simulate(loads_design(text))
    assert result.verdict == "degraded"
    fig = queue_length_figure(result)
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert legend is not None
    names = [t.get_text() for t in legend.get_texts()]
    assert "3x slowdown of s" in names and "in flight (whole design)" in names
    assert "degraded" in names
    line = next(li for li in ax.get_lines() if li.get_label() == "in flight (whole design)")
    backlog = np.asarray(line.get_ydata(), dtype=float)
    peak = int(np.argmax(backlog))
    assert backlog[peak] > 1000 and backlog[-1] < 0.05 * backlog[peak]  # built, then drained
    latency = latency_figure(result)
    over_time = latency.axes[1].get_legend()
    assert over_time is not None
    assert any("slowdown" in t.get_text() for t in over_time.get_texts())
