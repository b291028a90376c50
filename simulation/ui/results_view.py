"""Results of a run or a comparison: a summary beside theory, and the charts as tabs."""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QResizeEvent
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
from freightlab.ui.worker import Task, start
from simulation import report
from simulation.analytic import Prediction
from simulation.results import Comparison, Estimate, ReplicationResult, SimResult
from simulation.theory_check import theory_summary
from simulation.verdict import verdict_sentences

if TYPE_CHECKING:  # matplotlib loads with the first result, not with the window
    from matplotlib.figure import Figure

    from simulation.slo import SloResult

RESIZE_DEBOUNCE_MS = 120

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
            f" after {fmt.seconds(result.warmup_s)} warm-up, seed {result.seed};"
            f" costs {result.cost_per_hour:,.2f} per hour"
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
        class_rows = [
            [*row, _fmt(e2e.mean if e2e else None, fmt.ms), _fmt(e2e.p99 if e2e else None, fmt.ms)]
            for row, e2e in zip(
                report.class_rows(result, prediction, reps),
                [s.e2e_latency_ms if steady else None for s in result.classes.values()],
                strict=True,
            )
        ]
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
                    fmt.count(comp.workers) if comp.workers else "—",
                    _est(
                        kest.utilization if kest else None,
                        comp.utilization if comp.workers else None,
                        fmt.pct,
                    ),
                    _fmt(cth.utilization if cth and not cth.is_delay else None, fmt.pct),
                    _est(kest.mean_wait_ms if kest else None, comp.mean_wait_ms, fmt.ms),
                    _fmt(cth.mean_wait_ms if cth and not cth.is_delay else None, fmt.ms),
                    fmt.num(comp.mean_queue_len),
                    fmt.count(comp.dropped),
                    _fmt(comp.hit_ratio, fmt.pct),
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


Prepared = dict[str, tuple["Figure", QImage | None]]


def _image(figure: Figure, size_px: tuple[int, int]) -> QImage:
    """Agg's pixels as a QImage in the format the raster painter blits without converting
    (QImage, unlike QPixmap, may be made in any thread)."""
    from simulation.charts import render_rgba

    r = render_rgba(figure, *size_px)
    image = QImage(r.rgba, r.width, r.height, r.width * 4, QImage.Format.Format_RGBA8888)
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


def prepare_charts(figures: dict[str, Figure], size_px: tuple[int, int]) -> Prepared:
    """Draw every figure at ``size_px`` (call it in a worker, with the result)."""
    return {title: (fig, _image(fig, size_px)) for title, fig in figures.items()}


class ChartView(QWidget):
    """A chart shown as pixels that Agg drew off the UI thread.

    The first picture comes drawn with the result; when the view is resized a worker draws
    the figure again at the new size (debounced), and the old picture stays, scaled,
    meanwhile, so neither a result nor a resize stalls the window. One drawing per figure
    at a time."""

    def __init__(self, figure: Figure, image: QImage | None = None) -> None:
        super().__init__()
        self.figure = figure
        self.setObjectName("chart_view")
        self.setMinimumSize(360, 260)
        self.image = image
        self._task: Task | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(RESIZE_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._render)
        if image is None:
            self._debounce.start()

    def pixel_size(self) -> tuple[int, int]:
        dpr = self.devicePixelRatioF()
        return max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr))

    def shown_size(self) -> tuple[int, int] | None:
        return None if self.image is None else (self.image.width(), self.image.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.pixel_size() != self.shown_size():
            self._debounce.start()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        if self.image is not None:
            target = QRectF(0.0, 0.0, float(self.width()), float(self.height()))
            if self.pixel_size() == self.shown_size():
                painter.drawImage(QPointF(0.0, 0.0), self.image)
            else:  # a resize is being redrawn: stretch the old picture meanwhile
                painter.drawImage(target, self.image)
        painter.end()

    def _render(self) -> None:
        if self._task is not None:
            return  # _rendered looks at the size again when this drawing is done
        figure, size = self.figure, self.pixel_size()
        task = Task(lambda _progress: _image(figure, size))
        task.signals.done.connect(self._rendered)
        task.signals.failed.connect(self._render_failed)
        self._task = start(task)

    def _rendered(self, image: QImage) -> None:
        self._task = None
        image.setDevicePixelRatio(self.devicePixelRatioF())
        self.image = image
        self.update()
        if self.pixel_size() != self.shown_size():
            self._debounce.start()

    def _render_failed(self, message: str) -> None:
        self._task = None
        self.setToolTip(f"The chart could not be drawn: {message}")


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
        prepared: Prepared | None = None,
    ) -> None:
        """Show a result; ``prepared`` (from ``prepare_charts`` in the worker) saves building
        and drawing the charts here on the UI thread."""
        if prepared is None:
            from simulation.charts import result_figures

            prepared = {t: (f, None) for t, f in result_figures(result, prediction).items()}
        self.clear()
        self.figures = {title: fig for title, (fig, _) in prepared.items()}
        self.addTab(SummaryView(result, prediction, gaps or [], replications), "Summary")
        for title, (figure, image) in prepared.items():
            self.addTab(ChartView(figure, image), title)

    def show_live(self, live: QWidget) -> None:
        """The charts of a run in progress (``simulation.ui.live_charts.LiveView``)."""
        self.clear()
        self.figures = {}
        self.addTab(live, "Live")

    def show_slo(self, slo: SloResult, prepared: Prepared) -> None:
        """The SLO search's answer, its chart and every rate it tried."""
        self.clear()
        self.figures = {title: fig for title, (fig, _) in prepared.items()}
        page = QWidget()
        layout = QVBoxLayout(page)
        best = "none of the rates tried" if slo.best_rps is None else fmt.rate(slo.best_rps)
        miss = (
            "" if slo.first_miss_rps is None else f" (misses from {fmt.rate(slo.first_miss_rps)})"
        )
        objective = html.escape(fmt.ms(slo.p99_slo_ms))
        answer = QLabel(
            f"<span style='font-size:14pt'>Highest rate with p99 ≤ {objective}:"
            f" <b>{html.escape(best)}</b></span>{html.escape(miss)}<br>{html.escape(slo.design)},"
            f" {len(slo.points)} runs on one seed"
        )
        answer.setObjectName("slo_answer")
        answer.setWordWrap(True)
        layout.addWidget(answer)
        figure, image = prepared["SLO search"]
        layout.addWidget(ChartView(figure, image), 1)
        self.addTab(page, "SLO search")
        rows = [
            [fmt.rate(p.rate_rps), fmt.ms(p.p99_ms), p.verdict, "meets" if p.meets else "misses"]
            for p in sorted(slo.points, key=lambda p: p.rate_rps)
        ]
        self.addTab(_table(["rate", "worst p99", "verdict", "objective"], rows), "Rates tried")

    def chart_size(self) -> tuple[int, int]:
        """Pixels a chart tab has (what a worker should draw at)."""
        page = self.currentWidget() or self
        dpr = self.devicePixelRatioF()
        return max(360, round(page.width() * dpr)), max(260, round(page.height() * dpr))

    def show_comparison(self, comparison: Comparison, prepared: Prepared | None = None) -> None:
        if prepared is None:
            from simulation.charts import comparison_figure

            prepared = {"Comparison": (comparison_figure(comparison), None)}
        self.clear()
        self.figures = {title: fig for title, (fig, _) in prepared.items()}
        figure, image = prepared["Comparison"]
        self.addTab(ChartView(figure, image), "Comparison")
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
