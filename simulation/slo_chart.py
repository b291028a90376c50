"""The SLO search as a chart: worst-class p99 at each rate tried, against the objective."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulation.slo import SloResult

MEETS, MISSES = "#2e7d32", "#c62828"


def slo_figure(result: SloResult) -> Figure:
    """p99 per rate (log scale when it spans decades), the objective dashed, the best rate
    marked; an unstable run's p99 is drawn at the top edge (it has no steady state)."""
    fig = Figure(figsize=(8.0, 4.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    points = sorted(result.points, key=lambda p: p.rate_rps)
    if not points:
        ax.text(0.5, 0.5, "no rates tried", ha="center", va="center", transform=ax.transAxes)
        return fig
    finite = [p.p99_ms for p in points if p.verdict != "unstable" and p.p99_ms > 0]
    ceiling = max([*finite, result.p99_slo_ms]) * 1.5
    ys = [p.p99_ms if p.verdict != "unstable" else ceiling for p in points]
    ax.plot([p.rate_rps for p in points], ys, color="#777777", linewidth=1, zorder=1)
    for p, y in zip(points, ys, strict=True):
        ax.scatter(
            [p.rate_rps],
            [y],
            color=MEETS if p.meets else MISSES,
            marker="o" if p.verdict != "unstable" else "^",
            s=40,
            zorder=2,
        )
    ax.axhline(result.p99_slo_ms, color="black", linestyle="--", linewidth=1)
    ax.text(
        points[0].rate_rps,
        result.p99_slo_ms,
        f" objective {result.p99_slo_ms:g} ms",
        va="bottom",
        fontsize=8,
    )
    if result.best_rps is not None:
        ax.axvline(result.best_rps, color=MEETS, linestyle=":", linewidth=1.2)
        ax.text(
            result.best_rps,
            ax.get_ylim()[1],
            f" best {result.best_rps:.3g} req/s",
            color=MEETS,
            va="top",
            fontsize=8,
        )
    if finite and max(finite) / max(min(finite), 1e-9) > 30:
        ax.set_yscale("log")
    ax.set_xlabel("offered rate (requests per second)")
    ax.set_ylabel("worst-class p99 (ms)")
    ax.set_title(f"{result.design}: highest rate with p99 ≤ {result.p99_slo_ms:g} ms")
    ax.grid(alpha=0.3)
    return fig
