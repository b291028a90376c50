"""Results of a run or a comparison: a summary beside theory, and the charts as tabs."""

from __future__ import annotations

import warnings

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
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

from simulation import charts
from simulation.analytic import Prediction
from simulation.results import Comparison, Estimate, ReplicationResult, SimResult
from simulation.theory_check import theory_summary


def _fmt(value: float | None, digits: int = 1, suffix: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}{suffix}"


def _est(
    estimate: Estimate | None,
    fallback: float | None,
    scale: float = 1.0,
    digits: int = 1,
    suffix: str = "",
) -> str:
    """'12.3 ± 0.4' over replications, or the single run's figure."""
    if estimate is None:
        return _fmt(fallback * scale if fallback is not None else None, digits, suffix)
    return (
        f"{estimate.mean * scale:,.{digits}f} ± {estimate.half_width * scale:,.{digits}f}{suffix}"
    )


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
        colour = "#2e7d32" if result.verdict == "stable" else "#c62828"
        verdict = QLabel(
            f"<span style='font-size:15pt;color:{colour}'><b>{result.verdict.upper()}</b></span>"
            f" &nbsp; {result.design} — {result.duration_s - result.warmup_s:,.0f} s measured "
            f"after {result.warmup_s:,.0f} s warm-up, seed {result.seed};"
            f" costs {result.cost_per_hour:,.2f} per hour"
            + (f"<br><i>Stopped early: {result.stop_reason}</i>" if result.stopped_early else "")
            + (
                f"<br>{len(reps.runs)} replications (seeds {reps.seeds[0]}–{reps.seeds[-1]}):"
                " figures with ± are means with 95% confidence intervals; charts show the first."
                if reps
                else ""
            )
        )
        verdict.setWordWrap(True)
        layout.addWidget(verdict)
        explanation = QLabel(result.bottleneck_explanation)
        explanation.setWordWrap(True)
        explanation.setObjectName("bottleneck_explanation")
        layout.addWidget(explanation)

        theory_classes = prediction.classes if prediction else {}
        class_rows = []
        for name, stats in result.classes.items():
            th = theory_classes.get(name)
            lat = stats.latency_ms
            cest = reps.classes.get(name) if reps else None
            class_rows.append(
                [
                    name,
                    f"{stats.offered:,}",
                    f"{stats.completed:,}",
                    f"{stats.rejected + stats.dropped + stats.timed_out + stats.failed:,}",
                    _est(cest.throughput_rps if cest else None, stats.throughput_rps, digits=2),
                    _est(cest.latency_mean_ms if cest else None, lat.mean),
                    _fmt(th.mean_response_ms if th else None),
                    _fmt(lat.p50),
                    _fmt(lat.p95),
                    _est(cest.latency_p99_ms if cest else None, lat.p99),
                    _fmt(th.percentiles_ms.get("p99") if th else None),
                    _fmt(stats.e2e_latency_ms.mean if stats.e2e_latency_ms else None),
                    _fmt(stats.e2e_latency_ms.p99 if stats.e2e_latency_ms else None),
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
                    "mean ms",
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
                    "rejected + dropped + timed out + failed",
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
        for name, comp in result.components.items():
            cth = theory_components.get(name)
            marker = " ◀ bottleneck" if name == result.bottleneck else ""
            kest = reps.components.get(name) if reps and comp.workers else None
            component_rows.append(
                [
                    name + marker,
                    comp.kind,
                    str(comp.workers or "—"),
                    _est(
                        kest.utilization if kest else None,
                        comp.utilization if comp.workers else None,
                        scale=100,
                        suffix="%",
                    ),
                    _fmt(cth.utilization * 100 if cth and not cth.is_delay else None, 1, "%"),
                    _est(kest.mean_wait_ms if kest else None, comp.mean_wait_ms),
                    _fmt(cth.mean_wait_ms if cth and not cth.is_delay else None),
                    _fmt(comp.mean_queue_len, 2),
                    f"{comp.dropped:,}",
                    _fmt(comp.hit_ratio * 100 if comp.hit_ratio is not None else None, 1, "%"),
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
                    "wait ms",
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
        self.clear()
        self.figures = {
            "Throughput": charts.throughput_figure(result),
            "Latency": charts.latency_figure(result, prediction),
            "Utilisation": charts.utilization_figure(result, prediction),
            "Queue": charts.queue_length_figure(result),
        }
        if charts.has_resilience_data(result):
            self.figures["Failures"] = charts.resilience_figure(result)
        self.addTab(SummaryView(result, prediction, gaps or [], replications), "Summary")
        for title, figure in self.figures.items():
            self.addTab(figure_widget(figure), title)

    def show_comparison(self, comparison: Comparison) -> None:
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
