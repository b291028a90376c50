"""Results of a run or a comparison: a summary beside theory, and the charts as tabs."""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from freightlab import numbers as fmt
from simulation.analytic import Prediction, theory_summary
from simulation.results import Comparison, Estimate, ReplicationResult, SimResult
from simulation.verdict import verdict_sentences

if TYPE_CHECKING:  # matplotlib loads with the first result, not with the window
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    from matplotlib.figure import Figure

VERDICT_COLOURS = {"stable": "#2e7d32", "degraded": "#b26a00", "unstable": "#c62828"}
Show = Callable[[float], str]


def _fmt(value: float | None, show: Show = fmt.num) -> str:
    return "—" if value is None else show(value)


def _est(estimate: Estimate | None, fallback: float | None, show: Show = fmt.num) -> str:
    """'12.3 ± 0.4' over replications, or the single run's figure."""
    if estimate is None:
        return _fmt(fallback, show)
    return f"{show(estimate.mean)} ± {show(estimate.half_width)}"


def _table(
    headers: list[str], rows: list[list[str]], tips: list[str] | None = None
) -> QTableWidget:
    # Columns with nothing to say for this design (no theory, no queue, no cache) are left out,
    # so what matters fits without scrolling sideways.
    keep = [c for c in range(len(headers)) if c == 0 or any(r[c] != "—" for r in rows)]
    headers = [headers[c] for c in keep]
    rows = [[r[c] for c in keep] for r in rows]
    if tips:
        tips = [tips[c] if c < len(tips) else "" for c in keep]
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c > 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    header_h = table.horizontalHeader().sizeHint().height()
    scroll_h = table.horizontalScrollBar().sizeHint().height()  # wide tables scroll sideways
    table.setFixedHeight(
        header_h + sum(table.rowHeight(r) for r in range(len(rows))) + scroll_h + 6
    )
    if tips:
        for c, tip in enumerate(tips):
            header = table.horizontalHeaderItem(c)
            if header is not None:
                header.setToolTip(tip)
    return table


class SummaryView(QWidget):
    """Verdict, bottleneck paragraph, class and component tables with theory columns."""

    def __init__(
        self,
        result: SimResult,
        prediction: Prediction | None,
        gaps: list[str],
        replications: ReplicationResult | None = None,
    ) -> None:
        super().__init__()
        reps = replications
        layout = QVBoxLayout(self)
        colour = VERDICT_COLOURS.get(result.verdict, "#c62828")
        sentences = "".join(f"<br><i>{html.escape(t)}</i>" for t in verdict_sentences(result))
        verdict = QLabel(
            f"<span style='font-size:15pt;color:{colour}'><b>{result.verdict.upper()}</b></span>"
            f" &nbsp; {html.escape(result.design)} —"
            f" {fmt.seconds(result.duration_s - result.warmup_s)} measured"
            f" after {fmt.seconds(result.warmup_s)} warm-up, seed {result.seed}"
            + sentences
            + (
                f"<br>{len(reps.runs)} replications (seeds {reps.seeds[0]}–{reps.seeds[-1]}):"
                " figures with ± are means with 95% confidence intervals; charts show the first."
                if reps
                else ""
            )
        )
        verdict.setWordWrap(True)
        verdict.setObjectName("verdict_label")
        layout.addWidget(verdict)
        explanation = QLabel(result.bottleneck_explanation)
        explanation.setWordWrap(True)
        explanation.setObjectName("bottleneck_explanation")
        layout.addWidget(explanation)

        # An overloaded run has no steady state: the few latencies it has are not the design's.
        steady = result.verdict != "unstable"
        theory_classes = prediction.classes if prediction and prediction.stable else {}
        class_rows = []
        for name, stats in result.classes.items():
            th = theory_classes.get(name)
            lat = stats.latency_ms if steady and stats.latency_ms.count else None
            e2e = stats.e2e_latency_ms if steady else None
            cest = reps.classes.get(name) if reps and steady else None
            class_rows.append(
                [
                    name,
                    fmt.count(stats.offered),
                    fmt.count(stats.completed),
                    fmt.count(stats.rejected + stats.dropped + stats.timed_out),
                    _est(cest.throughput_rps if cest else None, stats.throughput_rps),
                    _est(cest.latency_mean_ms if cest else None, lat and lat.mean, fmt.ms),
                    _fmt(th.mean_response_ms if th else None, fmt.ms),
                    _fmt(lat and lat.p50, fmt.ms),
                    _fmt(lat and lat.p95, fmt.ms),
                    _est(cest.latency_p99_ms if cest else None, lat and lat.p99, fmt.ms),
                    _fmt(th.percentiles_ms.get("p99") if th else None, fmt.ms),
                    _fmt(e2e.mean if e2e else None, fmt.ms),
                    _fmt(e2e.p99 if e2e else None, fmt.ms),
                ]
            )
        layout.addWidget(
            _table(
                [
                    "class",
                    "offered",
                    "completed",
                    "lost",
                    "req/s",
                    "mean",
                    "theory",
                    "p50",
                    "p95",
                    "p99",
                    "theory p99",
                    "e2e mean",
                    "e2e p99",
                ],
                class_rows,
                [
                    "request class",
                    "arrivals after warm-up",
                    "",
                    "rejected + dropped + timed out",
                    "completions per second",
                    "mean response time",
                    "queueing theory's mean",
                    "",
                    "",
                    "",
                    "queueing theory's p99",
                ],
            )
        )
        theory_components = prediction.components if prediction else {}
        component_rows = []
        for name, stats in result.components.items():
            th = theory_components.get(name)
            marker = " ◀ bottleneck" if name == result.bottleneck else ""
            kest = reps.components.get(name) if reps and stats.workers else None
            component_rows.append(
                [
                    name + marker,
                    stats.kind,
                    fmt.count(stats.workers) if stats.workers else "—",
                    _est(
                        kest.utilization if kest else None,
                        stats.utilization if stats.workers else None,
                        fmt.pct,
                    ),
                    _fmt(th.utilization if th and not th.is_delay else None, fmt.pct),
                    _est(kest.mean_wait_ms if kest else None, stats.mean_wait_ms, fmt.ms),
                    _fmt(th.mean_wait_ms if th and not th.is_delay else None, fmt.ms),
                    fmt.num(stats.mean_queue_len),
                    fmt.count(stats.dropped),
                    _fmt(stats.hit_ratio, fmt.pct),
                ]
            )
        layout.addWidget(
            _table(
                [
                    "component",
                    "kind",
                    "workers",
                    "util",
                    "theory",
                    "wait",
                    "theory",
                    "queue",
                    "dropped",
                    "hit",
                ],
                component_rows,
            )
        )
        note = theory_summary(reps or result, prediction, gaps)
        theory = QLabel(note)
        theory.setWordWrap(True)
        theory.setObjectName("theory_note")
        layout.addWidget(theory)
        layout.addStretch(1)


# A chart in a tab that is not shown yet is drawn once at zero size; matplotlib then warns
# that constrained layout could not apply. It applies as soon as the tab is shown.
warnings.filterwarnings("ignore", message="constrained_layout not applied")


def figure_widget(figure: Figure) -> FigureCanvasQTAgg:
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

    canvas = FigureCanvasQTAgg(figure)
    canvas.setMinimumSize(360, 260)
    return canvas


class ResultsCharts(QTabWidget):
    """Tabs: Summary, Throughput, Latency, Utilisation, Queue (and Comparison)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("results_charts")
        self.figures: dict[str, Figure] = {}
        self.clear_results()

    def clear_results(self, message: str = "Run the design to see results here.") -> None:
        self.clear()
        self.figures = {}
        label = QLabel(message)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.addTab(label, "Results")

    def show_result(
        self,
        result: SimResult,
        prediction: Prediction | None,
        gaps: list[str] | None = None,
        replications: ReplicationResult | None = None,
    ) -> None:
        from simulation import charts

        self.clear()
        self.figures = {
            "Throughput": charts.throughput_figure(result),
            "Latency": charts.latency_figure(result, prediction),
            "Utilisation": charts.utilization_figure(result, prediction),
            "Queue": charts.queue_length_figure(result),
        }
        self.addTab(SummaryView(result, prediction, gaps or [], replications), "Summary")
        for title, figure in self.figures.items():
            self.addTab(figure_widget(figure), title)

    def show_comparison(self, comparison: Comparison) -> None:
        from simulation import charts

        self.clear()
        self.figures = {"Comparison": charts.comparison_figure(comparison)}
        self.addTab(figure_widget(self.figures["Comparison"]), "Comparison")
        rows = []
        for sweep in comparison.sweeps:
            rows.append(
                [
                    sweep.design + (" ★" if sweep.design == comparison.best_design else ""),
                    _fmt(sweep.knee_rps),
                    _fmt(sweep.last_healthy_rps),
                    _fmt(sweep.capacity_estimate_rps),
                ]
            )
        self.addTab(
            _table(["design", "knee req/s", "last healthy req/s", "capacity req/s"], rows),
            "Table",
        )
