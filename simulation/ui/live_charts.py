"""Charts that grow while a simulation runs: throughput, latency percentiles, queue lengths.

The worker publishes the newest time-series buckets (``simulation.live``) at most four times
a second; :class:`LiveView` adds them to a :class:`~simulation.live.LiveSeries` and asks its
three :class:`LineChart` widgets to repaint. A chart paints with QPainter straight from numpy
arrays binned to its pixel width (a few hundred points per line), so a repaint costs a
millisecond or two on the UI thread, however long the run. When the run ends the Lab
replaces these with the full matplotlib charts.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from freightlab import numbers as fmt
from simulation.live import LiveFrame, LiveSeries

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
MAX_QUEUE_LINES = 5  # the longest queues; the rest would only hide them
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 58.0, 12.0, 24.0, 26.0


@dataclass(frozen=True)
class Line:
    label: str
    values: np.ndarray  # per bucket; NaN = no value (no completion in the bucket)
    colour: str
    dashed: bool = False


def nice_step(span: float, ticks: int = 4) -> float:
    """A 1-2-5 step that cuts ``span`` into about ``ticks`` parts."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= raw)


def axis_top(top: float) -> float:
    """The y axis's top: a tick a little above the highest value (1 for an empty chart)."""
    want = top * 1.1 if top > 0 and math.isfinite(top) else 1.0
    step = nice_step(want)
    return step * math.ceil(want / step)


def binned(x: np.ndarray, y: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Means of ``y`` (NaN = no value) over at most ``bins`` equal runs of points."""
    n = len(y)
    if n <= bins:
        return x, y
    edges = np.linspace(0, n, bins + 1).astype(int)
    ok = ~np.isnan(y)
    sums = np.add.reduceat(np.where(ok, y, 0.0), edges[:-1])
    counts = np.add.reduceat(ok.astype(float), edges[:-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1.0), np.nan)
    return x[np.minimum(edges[1:] - 1, n - 1)], means


class LineChart(QWidget):
    """One live chart: lines over simulated time, the warm-up shaded, a 'now' marker."""

    def __init__(self, title: str, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title, self.unit = title, unit
        self.setObjectName("live_chart")
        self.setMinimumSize(320, 150)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # the picture covers it all
        self.lines: list[Line] = []
        self.xs: np.ndarray = np.zeros(0)
        self.x_max = 1.0
        self.warmup = 0.0
        self.now = 0.0
        self.paints = 0
        self._static = QImage()
        self._version = 0  # data changes; the binned curves are kept per version and size
        self._curves: list[tuple[Line, np.ndarray, np.ndarray]] = []
        self._curves_key: tuple[int, int, int] | None = None
        self._static_key: tuple[object, ...] | None = None

    def set_data(self, series: LiveSeries, lines: list[Line]) -> None:
        self.xs = np.asarray(series.time_s, dtype=float)
        self.x_max = max(series.duration_s, 1e-9)
        self.warmup = series.warmup_s
        self.now = series.fraction * series.duration_s
        self.lines = lines
        self._version += 1
        self.update()

    def _plot_rect(self) -> QRectF:
        return QRectF(
            MARGIN_L,
            MARGIN_T,
            max(10.0, self.width() - MARGIN_L - MARGIN_R),
            max(10.0, self.height() - MARGIN_T - MARGIN_B),
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        """The axes, labels and legend come from a cached picture (redrawn only when the
        size or the scale changes); only the lines are drawn each time. Few Qt calls: each
        one lets the simulation thread take the GIL, and getting it back costs the UI thread
        up to the interpreter's switch interval."""
        self.paints += 1
        plot = self._plot_rect()
        if self._curves_key != (self._version, self.width(), self.height()):
            self._curves = [
                (line, *binned(self.xs, line.values, self._bins(plot))) for line in self.lines
            ]
            self._curves_key = (self._version, self.width(), self.height())
        curves = self._curves
        top = max((float(np.nanmax(y)) for _, _, y in curves if np.any(~np.isnan(y))), default=0)
        y_max = axis_top(top)
        key = (self.width(), self.height(), y_max, self.x_max, self.warmup, self._labels())
        if key != self._static_key:
            self._static = self._draw_static(plot, y_max)
            self._static_key = key
        p = QPainter(self)
        p.drawImage(QPointF(0.0, 0.0), self._static)
        for line, xs, ys in curves:
            self._curve(p, plot, xs, ys, y_max, line)
        if 0 < self.now < self.x_max:
            now = self._to_px(plot, self.now, 0.0, y_max)
            p.setPen(QPen(QColor("#999999"), 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(now.x(), plot.top()), QPointF(now.x(), plot.bottom()))
        p.end()

    def _bins(self, plot: QRectF) -> int:
        """A point every other pixel of the part of the axis the data covers so far."""
        if len(self.xs) < 2:
            return 2
        covered = (self.xs[-1] - self.xs[0]) / self.x_max
        return max(2, int(plot.width() / 2 * min(1.0, covered)))

    def _labels(self) -> tuple[tuple[str, str], ...]:
        return tuple((line.label, line.colour) for line in self.lines)

    def _draw_static(self, plot: QRectF, y_max: float) -> QImage:
        image = QImage(max(1, self.width()), max(1, self.height()), QImage.Format.Format_RGB32)
        image.fill(Qt.GlobalColor.white)
        p = QPainter(image)
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        p.drawText(QPointF(MARGIN_L, 16.0), f"{self.title} ({self.unit})")
        font.setBold(False)
        p.setFont(font)
        self._frame(p, plot, y_max)
        self._legend(p, plot)
        p.end()
        return image

    def _to_px(self, plot: QRectF, x: float, y: float, y_max: float) -> QPointF:
        return QPointF(
            plot.left() + plot.width() * x / self.x_max,
            plot.bottom() - plot.height() * min(y, y_max) / y_max,
        )

    def _frame(self, p: QPainter, plot: QRectF, y_max: float) -> None:
        if self.warmup > 0:
            w = plot.width() * min(1.0, self.warmup / self.x_max)
            p.fillRect(QRectF(plot.left(), plot.top(), w, plot.height()), QColor("#eeeeee"))
            p.setPen(QColor("#888888"))
            p.drawText(QPointF(plot.left() + 4, plot.top() + 14), "warm-up")
        grid = QPen(QColor("#dddddd"))
        step = nice_step(y_max)
        for k in range(int(y_max / step) + 1):
            y = k * step
            pt = self._to_px(plot, 0.0, y, y_max)
            p.setPen(grid)
            p.drawLine(QPointF(plot.left(), pt.y()), QPointF(plot.right(), pt.y()))
            p.setPen(QColor("#333333"))
            p.drawText(
                QRectF(0, pt.y() - 8, MARGIN_L - 6, 16), Qt.AlignmentFlag.AlignRight, fmt.num(y)
            )
        x_step = nice_step(self.x_max, 5)
        for k in range(int(self.x_max / x_step) + 1):
            pt = self._to_px(plot, k * x_step, 0.0, y_max)
            p.drawText(
                QRectF(pt.x() - 30, plot.bottom() + 4, 60, 16),
                Qt.AlignmentFlag.AlignHCenter,
                fmt.num(k * x_step),
            )
        p.drawText(
            QRectF(plot.right() - 120, plot.bottom() + 4, 120, 16),
            Qt.AlignmentFlag.AlignRight,
            "simulated s",
        )
        p.setPen(QPen(QColor("#555555")))
        p.drawRect(plot)

    def _curve(
        self, p: QPainter, plot: QRectF, xs: np.ndarray, ys: np.ndarray, y_max: float, line: Line
    ) -> None:
        pen = QPen(QColor(line.colour), 1.0)
        pen.setCosmetic(True)  # hairline-fast stroking: a wide antialiased pen costs 10x
        if line.dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        run: list[QPointF] = []
        for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
            if math.isnan(y):  # a gap: no completion in those buckets
                if len(run) > 1:
                    p.drawPolyline(QPolygonF(run))
                run = []
            else:
                run.append(self._to_px(plot, x, y, y_max))
        if len(run) > 1:
            p.drawPolyline(QPolygonF(run))
        elif run:
            p.drawEllipse(run[0], 1.5, 1.5)

    def _legend(self, p: QPainter, plot: QRectF) -> None:
        x = plot.right() - 8
        for line in reversed(self.lines):
            text = line.label
            width = p.fontMetrics().horizontalAdvance(text)
            x -= width
            p.setPen(QColor(line.colour))
            p.drawText(QPointF(x, 16.0), text)
            x -= 14


class LiveView(QWidget):
    """The three live charts of a running simulation, stacked; ``updates`` counts frames."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("live_charts")
        self.series = LiveSeries()
        self.updates = 0
        self._arrays: dict[tuple[str, str], np.ndarray] = {}
        self._queue_max: dict[str, float] = {}
        self.caption = QLabel("Waiting for the first simulated seconds…")
        self.caption.setObjectName("live_caption")
        self.caption.setFixedHeight(self.caption.sizeHint().height())  # no relayout per frame
        self.throughput = LineChart("Throughput", "requests/s")
        self.latency = LineChart("Latency", "ms, p50 dashed, p99 solid")
        self.queues = LineChart("Queue length", "requests waiting")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        for chart in (self.throughput, self.latency, self.queues):
            layout.addWidget(chart, 1)

    def _grow(self, kind: str, name: str, values: list[float] | list[float | None]) -> np.ndarray:
        """The series so far as one float array (None -> NaN), grown by this frame's part."""
        key = (kind, name)
        old = self._arrays.get(key, np.zeros(0))
        self._arrays[key] = grown = np.concatenate((old, np.array(values, dtype=float)))
        return grown

    def add(self, frame: LiveFrame) -> None:
        """Take the newest buckets and repaint (Qt folds repaints into one per frame)."""
        self.series.add(frame)
        self.updates += 1
        s = self.series
        colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(frame.throughput)}
        offered = [sum(v) for v in zip(*frame.offered.values(), strict=True)]
        done = [
            Line(f"{n} done", self._grow("done", n, v), colours[n])
            for n, v in frame.throughput.items()
        ]
        done.append(Line("offered", self._grow("offered", "", offered), "#888888", dashed=True))
        self.throughput.set_data(s, done)
        latency = [
            Line(f"{n} p50", self._grow("p50", n, v), colours[n], True)
            for n, v in frame.p50.items()
        ]
        latency += [
            Line(f"{n} p99", self._grow("p99", n, v), colours[n]) for n, v in frame.p99.items()
        ]
        self.latency.set_data(s, latency)
        queues = {n: self._grow("queue", n, v) for n, v in frame.queue_len.items()}
        for name, values in frame.queue_len.items():
            self._queue_max[name] = max([self._queue_max.get(name, 0.0), *values])
        longest = sorted(queues, key=lambda n: -self._queue_max.get(n, 0.0))[:MAX_QUEUE_LINES]
        self.queues.set_data(
            s, [Line(n, queues[n], PALETTE[i % len(PALETTE)]) for i, n in enumerate(longest)]
        )
        more = len(queues) - len(longest)
        self.caption.setText(
            f"<b>{html.escape(s.design)}</b> — live: {fmt.seconds(s.fraction * s.duration_s)} of"
            f" {fmt.seconds(s.duration_s)} simulated"
            + (f"; the {len(longest)} longest queues shown, {more} more" if more > 0 else "")
        )
