"""The design diagram as a matplotlib Figure (no Qt): for reports and the command line.

The same picture as the Lab's canvas, from the same layout (``designs.layout``): components
as boxes in request-flow order (entries on the left), arrows styled by how work moves. Given
a result, boxes are filled by utilisation (green idle, red saturated) and the bottleneck gets
a thick red frame, so the picture answers "where does it hurt?" on paper too.
"""

from __future__ import annotations

import colorsys
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from designs.layout import DiagramLayout, layered_layout
from designs.schema import Component, Design
from freightlab import numbers as fmt
from simulation.results import SimResult

BOX_W, BOX_H, GAP_X, GAP_Y = 2.3, 1.0, 0.9, 0.45  # data units; one unit ~ 0.8 inch
INCH_PER_UNIT = 0.8
BOTTLENECK = "#c62828"

EDGE_STYLES: dict[
    str, tuple[Any, str, str]
] = {  # kind -> (line style, colour, legend label); the canvas's, as matplotlib
    "calls": ("-", "#333333", "calls (synchronous)"),
    "then": ("--", "#1f4e79", "then (hand-off)"),
    "on_miss": (":", "#9a6700", "on cache miss"),
    "targets": ("-", "#6a4c93", "balances over"),
    "consumers": ("-.", "#0b7a75", "consumed by"),
    "dead_letter": (":", "#c62828", "dead letters"),
}


def utilisation_colour(util: float) -> str:
    """Green (idle) through amber to red (saturated): the canvas's colour scale."""
    u = min(1.0, max(0.0, util))
    r, g, b = colorsys.hsv_to_rgb(120.0 * (1.0 - u) / 360.0, 0.45, 0.97)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def _status(name: str, result: SimResult | None) -> tuple[str | None, str]:
    """(fill colour or None, a line of figures) for one component after a run."""
    stats = result.components.get(name) if result is not None else None
    if stats is None:
        return None, ""
    if stats.workers:
        text = f"util {fmt.pct(stats.utilization)} · wait {fmt.ms(stats.mean_wait_ms)}"
        return utilisation_colour(stats.utilization), text
    if stats.hit_ratio is not None:
        return None, f"hit ratio {stats.hit_ratio:.0%}"
    return None, fmt.rate(stats.arrival_rate_rps)


def _origin(layout: DiagramLayout, name: str) -> tuple[float, float]:
    layer, row = layout.positions[name]
    return layer * (BOX_W + GAP_X), -row * (BOX_H + GAP_Y)


def _box(ax: Axes, comp: Component, xy: tuple[float, float], result: SimResult | None) -> None:
    fill, status = _status(comp.name, result)
    hot = result is not None and comp.name == result.bottleneck
    x, y = xy
    ax.add_patch(
        FancyBboxPatch(
            (x, y - BOX_H),
            BOX_W,
            BOX_H,
            boxstyle="round,pad=0,rounding_size=0.08",
            facecolor=fill or comp.spec().colour,
            edgecolor=BOTTLENECK if hot else "#555555",
            linewidth=3.0 if hot else 1.0,
            zorder=2,
        )
    )
    ax.text(x + 0.1, y - 0.22, comp.name, fontsize=9, fontweight="bold", va="center", zorder=3)
    detail = f"{comp.kind.replace('_', ' ')} · {comp.spec().capacity_text(comp)}"
    ax.text(x + 0.1, y - 0.5, detail, fontsize=7.5, va="center", zorder=3)
    if status:
        ax.text(x + 0.1, y - 0.78, status, fontsize=7.5, va="center", zorder=3)


def _edge_path(source: tuple[float, float], target: tuple[float, float]) -> Path:
    """Right side to left side as an S-curve (the canvas's); down the middle in one layer."""
    (sx, sy), (tx, ty) = source, target
    if sx == tx:  # same layer (cannot happen for a DAG layering, kept for safety)
        start, end = (sx + BOX_W / 2, sy - BOX_H), (tx + BOX_W / 2, ty)
        return Path([start, end], [Path.MOVETO, Path.LINETO])
    start, end = (sx + BOX_W, sy - BOX_H / 2), (tx, ty - BOX_H / 2)
    mid = (start[0] + end[0]) / 2
    return Path(
        [start, (mid, start[1]), (mid, end[1]), end],
        [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4],
    )


def _edges(ax: Axes, layout: DiagramLayout) -> set[str]:
    """Every arrow, styled by its kind; the kinds drawn (for the legend)."""
    for edge in layout.edges:
        style, colour, _label = EDGE_STYLES.get(edge.kind, EDGE_STYLES["calls"])
        path = _edge_path(_origin(layout, edge.source), _origin(layout, edge.target))
        ax.add_patch(
            FancyArrowPatch(
                path=path,
                arrowstyle="-|>",
                mutation_scale=12,
                linestyle=style,
                color=colour,
                linewidth=1.3,
                zorder=1,
            )
        )
    return {edge.kind for edge in layout.edges}


def _entries(ax: Axes, layout: DiagramLayout) -> None:
    """An arrow from the left into each entry component, named by its request classes."""
    for name, classes in layout.entries.items():
        x, y = _origin(layout, name)
        ax.annotate(
            ", ".join(classes),
            xy=(x, y - BOX_H / 2),
            xytext=(x - 1.2, y - BOX_H / 2),
            fontsize=8,
            va="center",
            ha="right",
            arrowprops={"arrowstyle": "-|>", "color": "#333333"},
        )


def _legend(ax: Axes, used: set[str]) -> None:
    handles = [
        Line2D([], [], linestyle=style, color=colour, label=label)
        for kind, (style, colour, label) in EDGE_STYLES.items()
        if kind in used
    ]
    if handles:
        ax.legend(handles=handles, loc="lower right", fontsize=7, frameon=False, ncols=3)


def diagram_figure(design: Design, result: SimResult | None = None) -> Figure:
    """The design drawn left to right; with ``result``, utilisation and the bottleneck."""
    layout = layered_layout(design)
    rows = 1 + max((row for _, row in layout.positions.values()), default=0)
    width = layout.layers * (BOX_W + GAP_X) + 1.6
    height = rows * (BOX_H + GAP_Y) + 1.0
    size = (max(6.0, width * INCH_PER_UNIT), max(2.2, height * INCH_PER_UNIT))
    fig = Figure(figsize=size, dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    for comp in design.components:
        _box(ax, comp, _origin(layout, comp.name), result)
    _legend(ax, _edges(ax, layout))
    _entries(ax, layout)
    label = max((len(", ".join(c)) for c in layout.entries.values()), default=0)
    ax.set_xlim(-1.7 - 0.05 * label, width - 1.2)
    ax.set_ylim(-(height - 0.3), 0.4)
    return fig


__all__ = ["diagram_figure", "utilisation_colour"]
