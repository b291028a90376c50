"""Charts of simulated days, as matplotlib Figures (no pyplot, no Qt): views embed them."""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.figure import Figure

from dispatcher.day_seeds import METRICS, SeedComparison
from dispatcher.operations import DayResult

DEADHEAD_COLOUR = "#c0392b"
WAIT_COLOUR = "#2471a3"


def batching_tradeoff_figure(
    results: Sequence[DayResult], *, width_in: float = 6.0, height_in: float = 3.2
) -> Figure:
    """Deadhead % and average wait to be matched against the batching window.

    Why both on one chart: the point of the comparison is the trade-off. Waiting longer
    gives the matcher more trucks and loads to pair (less empty driving) at the cost of
    shippers waiting longer to hear who takes their load.
    """
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    ax = fig.add_subplot()
    ordered = sorted(results, key=lambda r: r.batch_minutes)
    xs = [r.batch_minutes for r in ordered]
    labels = [
        ("instant" if r.batch_minutes == 0 else f"{r.batch_minutes:g} min")
        + f"\n{r.kpis.loads_delivered} deliv."
        for r in ordered
    ]
    deadhead = [r.kpis.deadhead_pct for r in ordered]
    wait = [r.kpis.avg_wait_to_match_min for r in ordered]
    positions = list(range(len(xs)))  # evenly spaced: 0/5/15/30 would crowd the left
    ax.plot(positions, deadhead, "o-", color=DEADHEAD_COLOUR, label="deadhead % of km")
    ax.set_ylabel("deadhead, % of km driven", color=DEADHEAD_COLOUR)
    ax.tick_params(axis="y", colors=DEADHEAD_COLOUR)
    ax.set_xticks(positions, labels)
    ax.set_xlabel("matcher batching window")
    ax.grid(True, axis="y", alpha=0.3)
    ax2 = ax.twinx()
    ax2.plot(positions, wait, "s--", color=WAIT_COLOUR, label="avg wait to match (min)")
    ax2.set_ylabel("avg wait to be matched, min", color=WAIT_COLOUR)
    ax2.tick_params(axis="y", colors=WAIT_COLOUR)
    for ax_, values in ((ax, deadhead), (ax2, wait)):
        top = max(values, default=0.0)
        ax_.set_ylim(0, top * 1.2 if top > 0 else 1.0)
    handles = ax.get_lines()[:1] + ax2.get_lines()[:1]
    ax.legend(handles, [str(h.get_label()) for h in handles], loc="lower right", fontsize=8)
    ax.set_title("Batching trade-off: empty km vs waiting", fontsize=10)
    return fig


def batching_seeds_figure(
    comparison: SeedComparison, *, width_in: float = 6.0, height_in: float = 3.4
) -> Figure:
    """The batching trade-off over several seeds: the mean deadhead % and wait per window,
    each with its 95 % Student-t interval as an error bar (one seed: no bar)."""
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    ax = fig.add_subplot()
    ordered = sorted(comparison.windows, key=lambda w: w.batch_minutes)
    positions = list(range(len(ordered)))
    labels = [
        ("instant" if w.batch_minutes == 0 else f"{w.batch_minutes:g} min")
        + f"\n{w['delivered'].mean:.0f} deliv."
        for w in ordered
    ]
    ax2 = ax.twinx()
    shift = 0.06  # the two series side by side, so their bars do not hide each other
    for axis, metric, colour, marker, dx in (
        (ax, "deadhead_pct", DEADHEAD_COLOUR, "o-", -shift),
        (ax2, "wait_min", WAIT_COLOUR, "s--", shift),
    ):
        est = [w[metric] for w in ordered]
        means = [e.mean for e in est]
        halves = [e.half_width if math.isfinite(e.half_width) else 0.0 for e in est]
        axis.errorbar(
            [p + dx for p in positions],
            means,
            yerr=halves,
            fmt=marker,
            color=colour,
            capsize=4,
            elinewidth=1.2,
            label=METRICS[metric][1],
        )
        axis.set_ylabel(METRICS[metric][1], color=colour)
        axis.tick_params(axis="y", colors=colour)
        top = max((m + h for m, h in zip(means, halves, strict=True)), default=0.0)
        axis.set_ylim(0, top * 1.45 if top > 0 else 1.0)  # room for the legend above
    ax.set_xticks(positions, labels)
    ax.set_xlabel("matcher batching window")
    ax.grid(True, axis="y", alpha=0.3)
    handles = [c for a in (ax, ax2) for c in a.containers]
    ax.legend(
        handles, [str(h.get_label()) for h in handles], loc="upper center", ncols=2, fontsize=7
    )
    n = len(comparison.seeds)
    bars = "mean ± 95 % CI" if n > 1 else "one seed, no interval"
    ax.set_title(f"Batching trade-off over {n} seed{'s' if n != 1 else ''} ({bars})", fontsize=9)
    return fig
