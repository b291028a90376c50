"""The Lab's compare / SLO / export controls: intent in, core work in the job runner.

Compare sweeps the current design and every design ticked in the list over the rates, all on
one seed (common random numbers: ``simulation.sweeps.compare``); *Find max rate* runs the SLO
search (``simulation.slo.slo_search``) for the highest rate whose p99 stays within the
objective; *Export report* writes what the results side shows last (a run, a comparison or an
SLO search) as HTML or Markdown (``simulation.report``), *Export charts* every chart as PNG
and SVG and every table as CSV. All of it runs in the Lab's job runner (progress, Cancel).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from designs.loader import load_design
from designs.schema import Design
from freightlab.errors import InputError
from freightlab.jobs import Job
from freightlab.progress import Progress
from freightlab.ui.jobs import JobRunner
from simulation.results import Comparison
from simulation.sweeps import parse_rates
from simulation.ui.results_view import Prepared, ResultsCharts, prepare_charts

if TYPE_CHECKING:
    from simulation.slo import SloResult

PathRole = Qt.ItemDataRole.UserRole
LabelRole = Qt.ItemDataRole.UserRole + 1
OPEN_SUFFIX = " (open)"
DEFAULT_P99_MS = 500.0


@dataclass(frozen=True)
class LabContext:
    """What the Lab is set to when the user asks: the design and the run settings."""

    design: Design
    path: Path
    duration_s: float
    seed: int
    scheduler: str | None
    chart_px: tuple[int, int]


@dataclass(frozen=True)
class CompareOutcome:
    comparison: Comparison
    designs: list[Design]
    charts: Prepared


@dataclass(frozen=True)
class SloOutcome:
    result: SloResult
    design: Design
    charts: Prepared


ReportMaker = Callable[[], Any]  # builds a simulation.report.Report (in the worker)


def _compare(
    ctx: LabContext, others: list[Path], rates: list[float], p: Progress
) -> CompareOutcome:
    from simulation.charts import comparison_figure
    from simulation.sweeps import compare

    designs = [ctx.design, *(load_design(path) for path in others)]
    comparison = compare(
        designs,
        rates,
        duration_s=ctx.duration_s,
        seed=ctx.seed,
        progress=p,
        scheduler=ctx.scheduler,
    )
    charts = prepare_charts({"Comparison": comparison_figure(comparison)}, ctx.chart_px)
    return CompareOutcome(comparison, designs, charts)


def _slo(ctx: LabContext, p99_ms: float, p: Progress) -> SloOutcome:
    from simulation.slo import slo_search
    from simulation.slo_chart import slo_figure

    result = slo_search(
        ctx.design,
        p99_ms,
        duration_s=ctx.duration_s,
        seed=ctx.seed,
        progress=p,
        scheduler=ctx.scheduler,
    )
    return SloOutcome(
        result, ctx.design, prepare_charts({"SLO search": slo_figure(result)}, ctx.chart_px)
    )


def _write_report(make: ReportMaker, path: str, p: Progress) -> list[Path]:
    from simulation.report_render import write_report

    return write_report(make(), path, p)


def _export_files(make: ReportMaker, folder: str, p: Progress) -> list[Path]:
    from simulation.report_render import export_files

    return export_files(make(), folder, p)


class ComparePanel(QWidget):
    """Designs to compare (ticked), rates, the SLO objective, and the export buttons."""

    def __init__(
        self,
        jobs: JobRunner,
        context: Callable[[], LabContext | None],
        results: ResultsCharts,
        error: Callable[[str, str], None],
        status: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("compare_panel")
        self.jobs, self.context, self.results = jobs, context, results
        self._error, self._status = error, status
        self.last_comparison: Comparison | None = None
        self.last_slo: SloResult | None = None
        self.report_maker: ReportMaker | None = None  # what Export writes: the latest shown
        self.report_name = "report"
        self.last_written: list[Path] = []
        self._current: str | None = None  # the open design's row: always compared
        self._was_ticked = False  # that row's tick before it became the open design's

        self.designs = QListWidget()
        self.designs.setObjectName("compare_picker")
        self.designs.setToolTip("Tick the designs to compare with the current one")
        self.designs.setFixedHeight(76)
        self.designs.itemClicked.connect(self._toggle)
        self.rates = QLineEdit("50, 100, 150, 200")
        self.rates.setObjectName("rates_edit")
        self.rates.setToolTip("Total offered rates in requests/s, comma separated")
        self.compare_button = self._button(
            "Compare",
            "compare_button",
            "Sweep this design and the ticked ones over the rates, on the same random arrivals",
            self.compare,
        )
        self.p99 = QDoubleSpinBox()
        self.p99.setObjectName("slo_p99_spin")
        self.p99.setRange(0.1, 10_000_000.0)
        self.p99.setDecimals(1)
        self.p99.setValue(DEFAULT_P99_MS)
        self.p99.setPrefix("p99 ≤ ")
        self.p99.setSuffix(" ms")
        self.p99.setToolTip("The latency objective of the SLO search")
        self.slo_button = self._button(
            "Find max rate",
            "slo_button",
            "The highest offered rate at which this design stays "
            "stable and keeps every class's p99 within the objective",
            self.find_max_rate,
        )
        self.report_button = self._button(
            "Export report…",
            "export_report_button",
            "A design-review report of the results shown: HTML (one file) or Markdown with PNGs",
            lambda: self.export_report(),
        )
        self.charts_button = self._button(
            "Export charts…",
            "export_charts_button",
            "Every chart as PNG and SVG, every table as CSV, into a folder",
            lambda: self.export_charts(),
        )
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Compare with"), 0, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.designs, 0, 1, 3, 1)
        rows: list[list[QWidget]] = [
            [QLabel("at rates"), self.rates, self.compare_button],
            [self.p99, self.slo_button],
            [self.report_button, self.charts_button],
        ]
        for r, widgets in enumerate(rows):
            line = QHBoxLayout()
            for w in widgets:
                line.addWidget(w)
            if r:
                line.addStretch(1)
            grid.addLayout(line, r, 2)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 3)
        jobs.busy_changed.connect(self._busy)
        self._busy(False)

    def _button(self, text: str, name: str, tip: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    # ------------------------------------------------------------------ designs
    def add_design(self, label: str, path: str) -> None:
        if self.item(path) is None:
            item = QListWidgetItem(label)
            item.setData(PathRole, path)
            item.setData(LabelRole, label)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.designs.addItem(item)
            if path == self._current:
                self._show_current(item)

    def item(self, path: str) -> QListWidgetItem | None:
        for row in range(self.designs.count()):
            item = self.designs.item(row)
            if item.data(PathRole) == path:
                return item
        return None

    def set_current(self, design: Design, path: str) -> None:
        """A design was opened: it is the one compared first; rates around its load."""
        self.mark_current(path)
        base = design.workload.total_rate()
        self.rates.setText(", ".join(f"{base * f:.3g}" for f in (0.5, 0.75, 1.0, 1.25)))

    def mark_current(self, path: str) -> None:
        """The open design's row is ticked, greyed and says "(open)": it is always compared
        and cannot be unticked. The row it replaces gets back the tick the user gave it."""
        if path == self._current:
            return
        previous = self.item(self._current) if self._current else None
        if previous is not None:
            previous.setFlags(previous.flags() | Qt.ItemFlag.ItemIsEnabled)
            previous.setText(previous.data(LabelRole))
            previous.setToolTip("")
            ticked = Qt.CheckState.Checked if self._was_ticked else Qt.CheckState.Unchecked
            previous.setCheckState(ticked)
        self._current = path
        item = self.item(path)
        self._was_ticked = item is not None and item.checkState() == Qt.CheckState.Checked
        if item is not None:
            self._show_current(item)

    def _show_current(self, item: QListWidgetItem) -> None:
        item.setCheckState(Qt.CheckState.Checked)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
        item.setText(f"{item.data(LabelRole)}{OPEN_SUFFIX}")
        item.setToolTip("The open design: every comparison includes it")

    def _toggle(self, item: QListWidgetItem) -> None:
        """A click anywhere on the row ticks or unticks it (not only on the box)."""
        if item.flags() & Qt.ItemFlag.ItemIsEnabled:
            checked = item.checkState() == Qt.CheckState.Checked
            item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def ticked(self, current: str) -> list[Path]:
        """Ticked designs other than the current one, in list order."""
        out = []
        for row in range(self.designs.count()):
            item = self.designs.item(row)
            path = item.data(PathRole)
            if item.checkState() == Qt.CheckState.Checked and path != current:
                out.append(Path(path))
        return out

    # ------------------------------------------------------------------ running
    def _busy(self, busy: bool) -> None:
        for button in (
            self.compare_button,
            self.slo_button,
            self.report_button,
            self.charts_button,
        ):
            button.setEnabled(not busy)

    def _start(
        self,
        text: str,
        work: Callable[[Progress], Any],
        done: Callable[[Any], None],
        *,
        export: bool = False,
    ) -> None:
        """A foreground job; an export that fails or is cancelled leaves the results shown."""
        failed = (lambda m: self._error(text, m)) if export else self._failed
        cancelled = (lambda: self._status(f"{text}: cancelled")) if export else self._cancelled
        self.jobs.run(Job(text, work, done, failed, cancelled, bar="%p%"))

    def compare(self) -> None:
        ctx = self.context()
        if ctx is None or self.jobs.busy():
            return
        try:
            rates = parse_rates(self.rates.text())
        except InputError as exc:
            self._error("Cannot compare", str(exc))
            return
        others = self.ticked(str(ctx.path))
        self.results.clear_results(f"Comparing {1 + len(others)} design(s)…")
        self._start("Comparing", lambda p: _compare(ctx, others, rates, p), self._compared)

    def _compared(self, outcome: CompareOutcome) -> None:
        self.last_comparison = outcome.comparison
        self.results.show_comparison(outcome.comparison, outcome.charts)
        self._status(f"Best under load: {outcome.comparison.best_design}")
        from simulation.report import comparison_report

        designs, comparison = outcome.designs, outcome.comparison
        self.shown("comparison", lambda: comparison_report(designs, comparison))

    def find_max_rate(self) -> None:
        ctx = self.context()
        if ctx is None or self.jobs.busy():
            return
        p99 = self.p99.value()
        self.results.clear_results(f"Searching for the highest rate with p99 ≤ {p99:g} ms…")
        self._start("SLO search", lambda p: _slo(ctx, p99, p), self._searched)

    def _searched(self, outcome: SloOutcome) -> None:
        self.last_slo = outcome.result
        self.results.show_slo(outcome.result, outcome.charts)
        best = outcome.result.best_rps
        self._status(
            "No rate tried meets the objective"
            if best is None
            else f"Meets the SLO up to {best:.3g} req/s"
        )
        from simulation.report import slo_report

        design, result = outcome.design, outcome.result
        self.shown("slo", lambda: slo_report(design, result))

    def _cancelled(self) -> None:
        self.results.clear_results("Cancelled. Run again when ready.")

    def _failed(self, message: str) -> None:
        self.results.clear_results("The run failed.")
        self._error("Simulation failed", message)

    # ------------------------------------------------------------------ exports
    def shown(self, name: str, make: ReportMaker | None) -> None:
        """The results side now shows this; Export writes it (None: nothing to export)."""
        self.report_name, self.report_maker = name, make

    def export_report(self, path: str | None = None) -> None:
        if self.report_maker is None:
            self._error(
                "Export report", "Run, compare or search first: there is nothing to report."
            )
            return
        if not path:
            path, chosen = QFileDialog.getSaveFileName(
                self,
                "Export report",
                f"{self.report_name}.html",
                "HTML report (*.html);;Markdown with PNG charts (*.md)",
            )
            if not path:
                return
            if Path(path).suffix.lower() not in (".html", ".htm", ".md"):
                path += ".md" if "*.md" in chosen else ".html"
        if self.jobs.busy():
            return
        make, target = self.report_maker, path
        self._start(
            "Writing the report",
            lambda p: _write_report(make, target, p),
            self._written,
            export=True,
        )

    def export_charts(self, folder: str | None = None) -> None:
        if self.report_maker is None:
            self._error("Export charts", "Run, compare or search first: there are no charts yet.")
            return
        folder = folder or QFileDialog.getExistingDirectory(self, "Export charts and figures into")
        if not folder or self.jobs.busy():
            return
        make, target = self.report_maker, folder
        self._start(
            "Exporting charts", lambda p: _export_files(make, target, p), self._written, export=True
        )

    def _written(self, paths: list[Path]) -> None:
        self.last_written = paths
        where = paths[0] if len(paths) == 1 else paths[0].parent
        self._status(f"Wrote {len(paths)} file(s): {where}")
