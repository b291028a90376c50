"""A chart of a candidate's progress: score per attempt, one line per exercise (no Qt)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from designs.history import Attempt

PASS_COLOR, FAIL_COLOR = "#2e7d32", "#c62828"


def progress_figure(attempts: Sequence[Attempt], size: tuple[float, float] = (5.0, 2.6)) -> Figure:
    """Score (% of the maximum, hints deducted) against attempt number, per exercise;
    passed attempts are filled dots, the others hollow."""
    fig = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_ylim(0, 105)
    ax.set_ylabel("score (%)")
    ax.set_xlabel("attempt")
    ax.grid(True, alpha=0.3)
    if not attempts:
        ax.text(0.5, 0.5, "No attempts yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        return fig
    by_exercise: dict[str, list[Attempt]] = defaultdict(list)
    for a in attempts:
        by_exercise[a.exercise_name].append(a)
    for name, mine in by_exercise.items():
        xs = list(range(1, len(mine) + 1))
        ys = [100 * a.share for a in mine]
        (line,) = ax.plot(xs, ys, marker="", linewidth=1.6, label=name)
        for x, y, a in zip(xs, ys, mine, strict=True):
            ax.plot(
                [x],
                [y],
                marker="o",
                markersize=6,
                color=line.get_color(),
                markerfacecolor=line.get_color() if a.passed else "white",
            )
    ax.axhline(90, color=PASS_COLOR, linewidth=0.8, linestyle="--")
    ax.text(
        0.99,
        90,
        " A",
        color=PASS_COLOR,
        va="bottom",
        ha="right",
        transform=ax.get_yaxis_transform(),
    )
    longest = max(len(v) for v in by_exercise.values())
    ax.set_xlim(0.5, longest + 0.5)
    ax.set_xticks(range(1, longest + 1))
    ax.set_title("Progress per exercise (filled: passed)", fontsize=9)
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    return fig
