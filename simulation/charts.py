"""Charts of simulation results as matplotlib ``Figure`` objects (no pyplot, no Qt).

The Design Lab embeds these figures with FigureCanvasQTAgg; the CLI's ``--charts DIR`` writes
them as PNG through ``write_charts`` / ``write_comparison_charts``. Builders take a
SimResult (or a Comparison) and, where it helps, theory's Prediction to draw beside it.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import (
    FuncFormatter,
    LogLocator,
    NullFormatter,
    PercentFormatter,
)

from freightlab.atomic import atomic_write_bytes
from freightlab.drawing import DRAW_LOCK
from simulation.analytic import Prediction
from simulation.results import Comparison, LatencyStats, SimResult, SweepResult

SIZE = (8.0, 4.5)  # inches; at 100 dpi an 800 x 450 PNG that reads well on a laptop
DPI = 100
BOTTLENECK_COLOR = "#d62728"
NORMAL_COLOR = "#1f77b4"
THEORY_COLOR = "black"
SMOOTH_POINTS = 120  # about this many points across a smoothed series


def _figure(size: tuple[float, float] = SIZE) -> Figure:
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # gives the figure a canvas so savefig/draw work without pyplot
    return fig


def _no_data(ax: Axes, what: str) -> None:
    ax.text(0.5, 0.5, f"no {what}", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _smooth(values: Sequence[float | None], min_window: int = 1) -> tuple[np.ndarray, int]:
    """A centred moving average (ignoring empty buckets) wide enough to show the trend:
    about SMOOTH_POINTS windows across, and at least ``min_window`` buckets. Returns the
    series and the window in buckets."""
    y = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    window = max(1, len(y) // SMOOTH_POINTS, min_window)
    window = min(window, max(1, len(y) // 4))
    if window == 1 or len(y) == 0:
        return y, 1
    ok = ~np.isnan(y)
    kernel = np.ones(window)
    num = np.convolve(np.where(ok, y, 0.0), kernel, mode="same")
    den = np.convolve(ok.astype(float), kernel, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.maximum(den, 1e-300), np.nan), window


def _count_window(rates: Sequence[float], bucket_s: float, events: float = 50.0) -> int:
    """Buckets needed to average about ``events`` events, so a Poisson count's noise
    (1 / sqrt(events), about 14%) does not hide the trend."""
    if not rates:
        return 1
    per_bucket = float(np.mean(rates)) * bucket_s
    return 1 if per_bucket <= 0 else math.ceil(events / per_bucket)


def _note_smoothing(ax: Axes, window: int, bucket_s: float) -> None:
    """Say in the corner how the per-bucket series was smoothed."""
    text = f"{bucket_s:g} s buckets" if window == 1 else f"{window * bucket_s:g} s moving average"
    ax.text(
        0.01,
        0.98,
        text,
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize="small",
        color="dimgrey",
    )


def _theory_label(prediction: Prediction) -> str:
    return "theory" if prediction.exact else "theory (approximate)"


def _time_unit(values_ms: Sequence[float]) -> tuple[str, float]:
    """Seconds when the numbers would otherwise run to five digits of milliseconds."""
    finite = [v for v in values_ms if math.isfinite(v)]
    return ("s", 1000.0) if finite and max(finite) >= 10_000 else ("ms", 1.0)


WINDOW_COLORS = {"burst": "#ff7f0e"}  # faults default to FAULT_COLOR
FAULT_COLOR = "#d62728"
DEGRADED_COLOR = "#b26a00"


def _shade(ax: Axes, result: SimResult) -> None:
    """Shade every fault and burst window, and mark degraded stretches along the top."""
    seen: set[str] = set()
    for w in result.windows:
        label = "burst" if w.kind == "burst" else w.label
        ax.axvspan(
            w.start_s,
            w.end_s,
            color=WINDOW_COLORS.get(w.kind, FAULT_COLOR),
            alpha=0.12,
            linewidth=0,
            zorder=0,
            label=None if label in seen else label,
        )
        seen.add(label)
    for i, d in enumerate(result.degraded):
        ax.axvspan(
            d.start_s,
            d.end_s,
            ymin=0.96,
            ymax=1.0,
            color=DEGRADED_COLOR,
            alpha=0.8,
            linewidth=0,
            label=None if i else "degraded",
        )


def _title(result: SimResult, what: str) -> str:
    verdict = "" if result.verdict == "stable" else f" [{result.verdict.upper()}]"
    return f"{result.design}: {what}{verdict}"


def throughput_figure(result: SimResult) -> Figure:
    """Completions per second per class over time, offered load dashed beside it."""
    fig = _figure()
    ax = fig.add_subplot()
    ts = result.timeseries
    if not ts.time_s or not ts.throughput_rps:
        _no_data(ax, "throughput data")
        ax.set_title(_title(result, "throughput over time"), wrap=True)
        return fig
    t = np.asarray(ts.time_s)
    window = 1
    for i, (name, series) in enumerate(sorted(ts.throughput_rps.items())):
        color = f"C{i}"
        y, window = _smooth(series, _count_window(series, ts.bucket_s))
        ax.plot(t, y, color=color, linewidth=2.0, label=f"{name} completed")
        offered = ts.offered_rps.get(name)
        if offered:
            oy, _ = _smooth(offered, window)
            ax.plot(t, oy, color=color, linestyle="--", linewidth=1.2, label=f"{name} offered")
    _shade(ax, result)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("requests per second")
    ax.set_ylim(bottom=0, top=ax.get_ylim()[1] * 1.15)
    ax.set_xlim(t[0] - ts.bucket_s, t[-1])
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    _note_smoothing(ax, window, ts.bucket_s)
    ax.set_title(_title(result, "throughput over time"), wrap=True)
    return fig


def latency_figure(result: SimResult, prediction: Prediction | None = None) -> Figure:
    """Left: mean/p50/p95/p99 response per class (theory's values as black ticks);
    right: p50 and p99 over time."""
    fig = _figure((10.0, 4.5))
    bars, over_time = fig.subplots(1, 2, width_ratios=[1, 1.4])
    names = sorted(result.classes)
    labels = ["mean", "p50", "p95", "p99"]
    # One bar group per class; classes that cross a queue get a hatched end-to-end bar too.
    series: list[tuple[str, int, LatencyStats, bool]] = []
    for i, name in enumerate(names):
        cs = result.classes[name]
        e2e = cs.e2e_latency_ms
        series.append((name if e2e is None else f"{name} response", i, cs.latency_ms, False))
        if e2e is not None and e2e.count:
            series.append((f"{name} end-to-end", i, e2e, True))
    if result.verdict == "unstable":
        _no_data(bars, "steady-state latency: the design is overloaded")
    elif not series or all(st.count == 0 for _, _, st, _ in series):
        _no_data(bars, "completed requests")
    else:
        unit, div = _time_unit([st.p99 for _, _, st, _ in series])
        width = 0.8 / len(series)
        x = np.arange(len(labels))
        theory_labelled = False
        for j, (label, i, lat, is_e2e) in enumerate(series):
            vals = [lat.mean / div, lat.p50 / div, lat.p95 / div, lat.p99 / div]
            pos = x - 0.4 + width * (j + 0.5)
            bars.bar(
                pos,
                vals,
                width * 0.9,
                color=f"C{i}",
                label=label,
                hatch="//" if is_e2e else None,
                alpha=0.6 if is_e2e else 1.0,
            )
            name = names[i]
            if prediction is not None and not is_e2e and name in prediction.classes:
                th = prediction.classes[name]
                tvals = [th.mean_response_ms] + [
                    th.percentiles_ms.get(k, math.nan) for k in labels[1:]
                ]
                ok = [math.isfinite(v) for v in tvals]
                if any(ok):
                    bars.scatter(
                        pos[ok],
                        np.asarray(tvals)[ok] / div,
                        marker="_",
                        s=400,
                        linewidths=2.5,
                        color=THEORY_COLOR,
                        zorder=3,
                        label=None if theory_labelled else _theory_label(prediction),
                    )
                    theory_labelled = True
        bars.set_xticks(x, labels)
        bars.set_ylabel(f"response time ({unit})")
        bars.set_ylim(bottom=0)
        bars.grid(axis="y", alpha=0.3)
        bars.legend(fontsize="small")
        bars.set_title("response time per class")
    ts = result.timeseries
    if not ts.time_s or not any(any(v is not None for v in s) for s in ts.latency_p99_ms.values()):
        _no_data(over_time, "latency samples")
    else:
        t = np.asarray(ts.time_s)
        window = 1
        unit, div = _time_unit(
            [v for s in ts.latency_p99_ms.values() for v in s if v is not None]
            + [w * 1000.0 for w in ts.oldest_wait_s]
        )
        for i, name in enumerate(sorted(ts.latency_p99_ms)):
            p99, window = _smooth(ts.latency_p99_ms[name])
            p50, _ = _smooth(ts.latency_p50_ms.get(name, []))
            over_time.plot(t, p99 / div, color=f"C{i}", linewidth=1.8, label=f"{name} p99")
            if len(p50) == len(t):
                over_time.plot(
                    t, p50 / div, color=f"C{i}", linewidth=1.2, linestyle=":", label=f"{name} p50"
                )
        if result.windows and len(ts.oldest_wait_s) == len(t):
            over_time.plot(
                t,
                np.asarray(ts.oldest_wait_s) * 1000.0 / div,
                color="dimgrey",
                linewidth=1.0,
                linestyle="--",
                label="oldest still waiting",
            )
        _shade(over_time, result)
        over_time.set_xlabel("simulated time (s)")
        over_time.set_ylabel(f"response time ({unit})")
        over_time.set_ylim(bottom=0, top=over_time.get_ylim()[1] * 1.1)
        over_time.grid(alpha=0.3)
        over_time.legend(fontsize="small", loc="upper right")
        _note_smoothing(over_time, window, ts.bucket_s)
        over_time.set_title("per-second percentiles over time")
    fig.suptitle(_title(result, "latency"), wrap=True)
    return fig


def utilization_figure(result: SimResult, prediction: Prediction | None = None) -> Figure:
    """Time-averaged utilisation per component; the bottleneck in red, theory as black ticks.
    Pure delays (no workers) have no utilisation and are left out."""
    comps = [(n, c) for n, c in result.components.items() if c.workers is not None]
    fig = _figure((8.0, max(2.2, 1.3 + 0.5 * len(comps))))
    ax = fig.add_subplot()
    if not comps:
        _no_data(ax, "components with workers")
        ax.set_title(_title(result, "utilisation"), wrap=True)
        return fig
    comps.reverse()  # first component at the top
    y = np.arange(len(comps), dtype=float)
    colors = [BOTTLENECK_COLOR if n == result.bottleneck else NORMAL_COLOR for n, _ in comps]
    values = [min(c.utilization, 1.0) for _, c in comps]
    ax.barh(y, values, color=colors, height=0.55)
    for yi, v in zip(y, values, strict=True):
        inside = v > 0.2
        ax.text(
            v - 0.01 if inside else v + 0.01,
            float(yi),
            f"{v:.0%}",
            va="center",
            ha="right" if inside else "left",
            color="white" if inside else "black",
            fontsize="small",
            fontweight="bold",
        )
    labels = [f"{n}\n(bottleneck)" if n == result.bottleneck else n for n, _ in comps]
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.6, len(comps) - 0.4)
    handles: list[Artist] = [Patch(color=BOTTLENECK_COLOR, label="bottleneck")]
    if prediction is not None:
        pts = [
            (min(prediction.components[n].utilization, 1.0), yi)
            for yi, (n, _) in zip(y, comps, strict=True)
            if n in prediction.components
        ]
        for tv, yi in pts:
            ax.plot([tv, tv], [yi - 0.38, yi + 0.38], color=THEORY_COLOR, linewidth=2.5, zorder=3)
        if pts:
            handles.append(
                Line2D([], [], color=THEORY_COLOR, linewidth=2.5, label=_theory_label(prediction))
            )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1.12)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("utilisation (busy workers / workers, time-averaged)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(_title(result, "utilisation"), wrap=True)
    return fig


def queue_length_figure(result: SimResult) -> Figure:
    """Requests waiting (not in service) per component over time, and every request in flight
    in the whole design (the backlog) when a fault or burst made it build and drain."""
    fig = _figure()
    ax = fig.add_subplot()
    ts = result.timeseries
    series = {
        n: s
        for n, s in sorted(ts.queue_len.items())
        if s and (result.components.get(n) is None or result.components[n].workers is not None)
    }
    if not ts.time_s or not series:
        _no_data(ax, "queue data")
        ax.set_title(_title(result, "queue length over time"), wrap=True)
        return fig
    t = np.asarray(ts.time_s)
    window = 1
    for i, (name, s) in enumerate(series.items()):
        y, window = _smooth(s)
        ax.plot(t, y, color=f"C{i}", linewidth=1.8, label=name)
    if (result.windows or result.verdict == "unstable") and len(ts.backlog) == len(t):
        ax.plot(t, ts.backlog, color="black", linewidth=1.2, label="in flight (whole design)")
    _shade(ax, result)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("requests waiting")
    ax.set_ylim(bottom=0, top=ax.get_ylim()[1] * 1.1)
    ax.set_xlim(t[0] - ts.bucket_s, t[-1])
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="upper right")
    _note_smoothing(ax, window, ts.bucket_s)
    ax.set_title(_title(result, "queue length over time"), wrap=True)
    return fig


def _sweep_series(sweep: SweepResult) -> tuple[list[float], list[float], list[float]]:
    rates, thr, p99 = [], [], []
    for p in sweep.points:
        rates.append(p.rate_rps)
        thr.append(sum(c.throughput_rps for c in p.result.classes.values()))
        worst = max((c.latency_ms.p99 for c in p.result.classes.values()), default=math.nan)
        p99.append(worst if worst > 0 else math.nan)
    return rates, thr, p99


def comparison_figure(comparison: Comparison) -> Figure:
    """Throughput and worst-class p99 against offered rate for each design; each design's
    knee (first unhealthy rate) circled, the ideal throughput = offered rate dotted."""
    fig = _figure((11.0, 5.5))
    thr_ax, p99_ax = fig.subplots(1, 2)
    if not comparison.sweeps:
        _no_data(thr_ax, "designs")
        _no_data(p99_ax, "designs")
        return fig
    all_rates = sorted({r for s in comparison.sweeps for p in s.points for r in [p.rate_rps]})
    if all_rates:
        thr_ax.plot(
            all_rates,
            all_rates,
            color="grey",
            linestyle=":",
            linewidth=1,
            label="throughput = offered",
        )
    unit, div = _time_unit([v for sw in comparison.sweeps for v in _sweep_series(sw)[2]])
    for i, sweep in enumerate(comparison.sweeps):
        color = f"C{i}"
        rates, thr, p99_ms = _sweep_series(sweep)
        p99 = [v / div for v in p99_ms]
        label = sweep.design
        label += f" (knee {sweep.knee_rps:g}/s)" if sweep.knee_rps is not None else " (no knee)"
        thr_ax.plot(rates, thr, marker="o", color=color, label=label)
        p99_ax.plot(rates, p99, marker="o", color=color, label=label)
        if sweep.knee_rps is not None and sweep.knee_rps in rates:
            k = rates.index(sweep.knee_rps)
            for ax, ys in ((thr_ax, thr), (p99_ax, p99)):
                if math.isfinite(ys[k]):
                    ax.scatter(
                        [rates[k]],
                        [ys[k]],
                        s=220,
                        facecolors="none",
                        edgecolors=color,
                        linewidths=2,
                        zorder=3,
                    )
        if sweep.capacity_estimate_rps is not None and math.isfinite(sweep.capacity_estimate_rps):
            thr_ax.axhline(
                sweep.capacity_estimate_rps, color=color, linestyle="--", linewidth=0.8, alpha=0.7
            )
    thr_ax.set_xlabel("offered rate (requests/s)")
    thr_ax.set_ylabel("throughput (requests/s)")
    thr_ax.set_ylim(bottom=0)
    thr_ax.grid(alpha=0.3)
    thr_ax.set_title("throughput")
    p99_ax.set_xlabel("offered rate (requests/s)")
    p99_ax.set_ylabel(f"p99 response time ({unit}, log scale)")
    if any(math.isfinite(v) for s in comparison.sweeps for v in _sweep_series(s)[2]):
        p99_ax.set_yscale("log")
    p99_ax.grid(alpha=0.3, which="both")
    p99_ax.set_title("p99 (worst class)")
    if p99_ax.get_yscale() == "log":
        p99_ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        p99_ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        p99_ax.yaxis.set_minor_formatter(NullFormatter())
    # One legend under both plots: long design names would squeeze narrow axes otherwise.
    handles, labels = thr_ax.get_legend_handles_labels()
    handles += [
        Line2D(
            [],
            [],
            marker="o",
            markersize=12,
            markerfacecolor="none",
            color="grey",
            linestyle="none",
        ),
        Line2D([], [], color="grey", linestyle="--", linewidth=0.8),
    ]
    labels += ["knee (first unhealthy rate)", "capacity bound (bottleneck)"]
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize="small")
    best = f"\nbest under load: {comparison.best_design}" if comparison.best_design else ""
    fig.suptitle(f"Designs over offered rate (seed {comparison.seed}){best}")
    return fig


def has_resilience_data(result: SimResult) -> bool:
    """Did the run fail requests, trip breakers or autoscale (is a failures chart useful)?"""
    ts = result.timeseries
    failed = any(any(v > 0 for v in series) for series in ts.failed_rps.values())
    return failed or bool(ts.breaker_open) or bool(ts.replicas)


def _shade_breakers(axes: Sequence[Axes], result: SimResult) -> list[Artist]:
    """Shade every span a circuit breaker was open, one colour per caller->callee pair."""
    handles: list[Artist] = []
    for i, (pair, stats) in enumerate(sorted(result.breakers.items())):
        color = f"C{(i + 3) % 10}"
        for a, b in stats.open_spans:
            for ax in axes:
                ax.axvspan(a, b, color=color, alpha=0.18, linewidth=0)
        handles.append(Patch(color=color, alpha=0.3, label=f"breaker {pair} open"))
    return handles


def resilience_figure(result: SimResult) -> Figure:
    """Failed requests per second per class (breaker-open spans shaded) and, under
    autoscaling, the replicas paid for over time with the design's cost per hour."""
    ts = result.timeseries
    fig = _figure((SIZE[0], SIZE[1] * 1.25))
    scaled = bool(ts.replicas)
    top, bottom = fig.subplots(2, 1, sharex=True) if scaled else (fig.add_subplot(), None)
    axes = [top] if bottom is None else [top, bottom]
    if not ts.time_s:
        _no_data(top, "failure data")
        top.set_title(_title(result, "failures"), wrap=True)
        return fig
    t = np.asarray(ts.time_s)
    handles = _shade_breakers(axes, result)
    window = 1
    for i, (name, series) in enumerate(sorted(ts.failed_rps.items())):
        y, window = _smooth(series, _count_window(ts.offered_rps.get(name, []), ts.bucket_s))
        (line,) = top.plot(t, y, color=f"C{i}", linewidth=2.0, label=f"{name} not completed")
        handles.append(line)
    top.set_ylabel("requests not completed per second")
    top.set_ylim(bottom=0, top=max(1.0, top.get_ylim()[1]) * 1.15)
    top.grid(alpha=0.3)
    top.legend(handles=handles, loc="upper right", fontsize="small")
    _note_smoothing(top, window, ts.bucket_s)
    if bottom is not None:
        for i, (name, series) in enumerate(sorted(ts.replicas.items())):
            bottom.step(t, series, where="pre", color=f"C{i}", linewidth=2.0, label=name)
        bottom.set_ylabel("replicas (paid)")
        bottom.set_ylim(bottom=0, top=bottom.get_ylim()[1] * 1.15)
        bottom.grid(alpha=0.3)
        offered = [sum(v) for v in zip(*ts.offered_rps.values(), strict=True)]
        right = bottom.twinx()
        oy, _ = _smooth(offered, _count_window(offered, ts.bucket_s))
        right.plot(t, oy, color="grey", linestyle="--", linewidth=1.2, label="offered req/s")
        right.set_ylabel("offered requests per second")
        right.set_ylim(bottom=0, top=max(1.0, right.get_ylim()[1]) * 1.15)
        lines = bottom.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
        bottom.legend(handles=lines, loc="upper right", fontsize="small")
        bottom.set_xlabel("simulated time (s)")
    else:
        top.set_xlabel("simulated time (s)")
    top.set_xlim(t[0] - ts.bucket_s, t[-1])
    what = f"failures and replicas ({result.cost_per_hour:.2f}/h)" if scaled else "failures"
    top.set_title(_title(result, what), wrap=True)
    return fig


@dataclass(frozen=True)
class Rendered:
    """A figure drawn by Agg at a size in pixels: RGBA bytes, row by row."""

    width: int
    height: int
    rgba: bytes


def render_rgba(fig: Figure, width_px: int, height_px: int) -> Rendered:
    """Draw ``fig`` at ``width_px`` x ``height_px`` (any thread; one draw per figure at a
    time), so a view only has to blit the pixels."""
    fig.set_size_inches(max(1, width_px) / fig.dpi, max(1, height_px) / fig.dpi)
    canvas = FigureCanvasAgg(fig)
    with DRAW_LOCK:
        canvas.draw()
        buf = canvas.buffer_rgba()
        return Rendered(int(buf.shape[1]), int(buf.shape[0]), bytes(buf))


def result_figures(result: SimResult, prediction: Prediction | None = None) -> dict[str, Figure]:
    """The run's charts by tab title, in the order the Lab shows them."""
    figures = {
        "Throughput": throughput_figure(result),
        "Latency": latency_figure(result, prediction),
        "Utilisation": utilization_figure(result, prediction),
        "Queue": queue_length_figure(result),
    }
    if has_resilience_data(result):
        figures["Failures"] = resilience_figure(result)
    return figures


def save_png(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Render ``fig`` to PNG and write it atomically."""
    buf = io.BytesIO()
    with DRAW_LOCK:
        FigureCanvasAgg(fig).print_png(buf)
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)


def write_charts(
    result: SimResult, out_dir: str | os.PathLike[str], prediction: Prediction | None = None
) -> list[Path]:
    """throughput.png, latency.png, utilization.png and queue_length.png in ``out_dir``, and
    failures.png when the run failed requests, tripped breakers or autoscaled."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = {
        "throughput.png": throughput_figure(result),
        "latency.png": latency_figure(result, prediction),
        "utilization.png": utilization_figure(result, prediction),
        "queue_length.png": queue_length_figure(result),
    }
    if has_resilience_data(result):
        figures["failures.png"] = resilience_figure(result)
    return [save_png(fig, out / name) for name, fig in figures.items()]


def write_comparison_charts(comparison: Comparison, out_dir: str | os.PathLike[str]) -> list[Path]:
    """comparison.png (throughput and p99 against offered rate) in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [save_png(comparison_figure(comparison), out / "comparison.png")]
