"""The Design Lab: pick or open a design, see it drawn, simulate it, read charts and theory.

All simulation runs in a worker (freightlab.ui.worker) with progress and a Cancel button;
the view only shows what the core returns.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from designs.loader import load_design
from designs.schema import Design
from freightlab.errors import InputError
from freightlab.jobs import Job
from freightlab.progress import Progress
from freightlab.ui.area import AreaDefaults
from freightlab.ui.jobs import END_TEXTS, JobRunner
from simulation.analytic import Prediction, predict_or_explain
from simulation.results import Comparison, ReplicationResult, SimResult
from simulation.sweeps import parse_rates  # noqa: F401  (re-exported: the Lab's rate syntax)
from simulation.ui.compare_panel import ComparePanel, LabContext
from simulation.ui.design_workbench import DesignWorkbench
from simulation.ui.lab_document import FIX_FIRST, LabDocument
from simulation.ui.live_charts import LiveView
from simulation.ui.results_view import Prepared, ResultsCharts, prepare_charts

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"
MAX_DURATION_S = 100_000
START_DESIGN = "monolith"  # the M/M/3 every queueing course starts with


@dataclass(frozen=True)
class LoadedDesign:
    path: Path
    design: Design
    text: str


@dataclass(frozen=True)
class RunOutcome:
    result: SimResult
    prediction: Prediction | None
    gaps: list[str]
    replications: ReplicationResult | None = None
    charts: Prepared | None = None  # built and drawn in the worker


def _report(design: Design, outcome: RunOutcome) -> Any:
    """The run's report (``simulation.report``), built in the worker that writes it."""
    from simulation.report import run_report

    return run_report(
        design, outcome.result, outcome.prediction, outcome.gaps, outcome.replications
    )


def _load(path: Path) -> LoadedDesign:
    return LoadedDesign(path, load_design(path), path.read_text(encoding="utf-8"))


def _run(
    design: Design,
    duration_s: float,
    seed: int,
    runs: int,
    chart_px: tuple[int, int],
    progress: Progress,
    scheduler: str | None = None,
) -> RunOutcome:
    """Simulate (or replicate), then build and draw the charts, all in the worker."""
    from simulation.charts import result_figures
    from simulation.runner import simulate

    prediction, gaps = predict_or_explain(design)
    reps = None
    if runs > 1:  # independent seeds in parallel (processes or a Dask cluster), for CIs
        from simulation.replications import replicate

        reps = replicate(
            design,
            runs,
            duration_s=duration_s,
            base_seed=seed,
            processes=2,
            progress=progress,
            scheduler=scheduler,
        )
        result = reps.runs[0]
    else:
        result = simulate(design, duration_s=duration_s, seed=seed, progress=progress)
    charts = prepare_charts(result_figures(result, prediction), chart_px)
    return RunOutcome(result, prediction, gaps, reps, charts)


class DesignLab(LabDocument, AreaDefaults, QWidget):
    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("design_lab")
        self.current: LoadedDesign | None = None
        self.last_outcome: RunOutcome | None = None
        self.live: LiveView | None = None  # the charts of the run in progress
        self._wanted: Path | None = None
        self._announce = False
        # Replications and comparisons on a Dask cluster (tcp://HOST:PORT); "" = local
        self.scheduler = str(QSettings().value("design_lab/scheduler", "", type=str))

        self.design_picker = QComboBox()
        self.design_picker.setObjectName("design_picker")
        self.design_picker.setToolTip("Designs from the catalog and files you opened")
        self.design_picker.setMinimumWidth(200)
        for path in sorted(CATALOG.glob("*.toml")):
            self.design_picker.addItem(path.stem.replace("_", " "), str(path))
        self.design_picker.currentIndexChanged.connect(self._picked)
        open_button = QPushButton("Open…")
        open_button.setToolTip("Open a design file (TOML)")
        open_button.clicked.connect(self.choose_design)

        self.duration = QSpinBox()
        self.duration.setObjectName("duration_spin")
        self.duration.setRange(10, MAX_DURATION_S)
        self.duration.setSuffix(" s")
        self.duration.setToolTip("Simulated seconds (the design's warm-up is excluded)")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setPrefix("seed ")
        self.seed.setToolTip("Same seed, same numbers")
        self.runs = QSpinBox()
        self.runs.setObjectName("runs_spin")
        self.runs.setRange(1, 30)
        self.runs.setSuffix(" run(s)")
        self.runs.setToolTip(
            "Replications: more than 1 runs that many seeds in parallel processes and shows\n"
            "means with 95% confidence intervals"
        )

        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("run_button")
        self.run_button.setToolTip("Simulate this design (Ctrl+R)")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancel_button")
        self.cancel_button.setToolTip("Stop the running simulation (Esc)")
        self.cancel_button.setEnabled(False)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("run_progress")
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(True)
        self.jobs = JobRunner(
            self, self.progress_bar, self.cancel_button, messages=True, end_texts=END_TEXTS
        )
        self.jobs.busy_changed.connect(self._busy)

        top = QHBoxLayout()
        for widget in (
            QLabel("Design"),
            self.design_picker,
            open_button,
            self.run_button,
            self.cancel_button,
            self.progress_bar,
        ):
            top.addWidget(widget)
        top.setStretch(top.indexOf(self.progress_bar), 1)

        bottom = QHBoxLayout()
        for item in (self.duration, self.seed, self.runs):
            bottom.addWidget(item)
        bottom.addStretch(1)

        self.workbench = DesignWorkbench()  # palette | diagram, TOML | properties
        self.workbench.status_message.connect(self.status_message)
        self.workbench.validity_changed.connect(lambda _valid: self._busy(self.jobs.busy()))
        self.canvas, self.editor = self.workbench.canvas, self.workbench.editor
        self.left_tabs = self.workbench.tabs
        self.editor.validated.connect(self._draft_validated)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        left_tabs = QWidget()
        left_layout = QVBoxLayout(left_tabs)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.workbench, 1)
        left_layout.addWidget(self.description)

        self.results = ResultsCharts()
        self.compare_panel = ComparePanel(
            self.jobs, self._context, self.results, self._error, self.status_message.emit
        )
        panel = self.compare_panel  # its controls, by the names the Lab always had
        self.compare_picker, self.rates = panel.designs, panel.rates
        self.compare_button, self.export_report_button = panel.compare_button, panel.report_button
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.compare_panel)
        right_layout.addWidget(self.results, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left_tabs)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([1000, 1000])  # halves, whatever the results side holds first

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(bottom)
        layout.addWidget(splitter, 1)

        self._actions = self._make_actions()
        first = max(0, self.design_picker.findText(START_DESIGN))
        if self.design_picker.count():
            self.design_picker.setCurrentIndex(first)  # emits, unless it is already 0
            if first == 0:
                self._picked(0)

    # --- actions ---------------------------------------------------------------------------
    def _make_actions(self) -> list[QAction | None]:
        def action(
            text: str, shortcut: str | QKeySequence.StandardKey, tip: str, slot: Callable[[], Any]
        ) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.setStatusTip(tip)
            act.setToolTip(tip)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        edits = [self.workbench.actions_by_name[name] for name in ("undo", "redo")]
        return [
            action("Open design…", "Ctrl+Shift+O", "Open a design file", self.choose_design),
            None,
            *edits,
            None,
            action("Run", "Ctrl+R", "Simulate the current design", self.run),
            action("Cancel run", "Esc", "Stop the running simulation", self.cancel),
            action("Compare", "Ctrl+Shift+R", "Compare designs over rates", self.run_comparison),
            None,
            action("Save design", "Ctrl+S", "Save the design to its file", self.save_design),
            action(
                "Save design as…",
                "Ctrl+Shift+D",
                "Save the (edited) design as a TOML file",
                self.save_design_as,
            ),
            action(
                "Save charts…",
                "Ctrl+Shift+S",
                "Save the charts as PNG and SVG files and the figures as CSV",
                self.save_charts,
            ),
            action(
                "Export report…",
                "Ctrl+Alt+E",
                "Write a report (HTML or Markdown) of the results shown",
                self.export_report,
            ),
            None,
            action(
                "Run on a Dask cluster…",
                "Ctrl+Shift+K",
                "Send replications and comparisons to a Dask scheduler (empty: local processes)",
                self.choose_scheduler,
            ),
        ]

    def menu_title(self) -> str | None:
        return "Design &Lab"

    def can_open(self, path: str) -> bool:
        return path.lower().endswith(".toml")

    def open_path(self, path: str) -> None:
        self.open_design(path)

    def menu_actions(self) -> list[QAction | None]:
        return list(self._actions)

    # --- designs ---------------------------------------------------------------------------
    def _picked(self, index: int) -> None:
        path = self.design_picker.itemData(index)
        if path:
            self.open_design(path)

    def choose_design(self) -> None:
        start_dir = QSettings().value("design_lab/last_dir", str(CATALOG), type=str)
        path, _ = QFileDialog.getOpenFileName(
            self, "Open design", str(start_dir), "Designs (*.toml)"
        )
        if path:
            QSettings().setValue("design_lab/last_dir", str(Path(path).parent))
            self.open_design(path)

    def open_design(self, path: str | Path) -> None:
        """Load and validate in a worker; an invalid file gets a dialog naming the field.

        Unsaved edits to the open design are saved, discarded or kept (then nothing opens)."""
        if not self.maybe_close():
            self.show_current_in_picker()
            return
        self._wanted = Path(path)  # the latest request wins if loads finish out of order
        self.jobs.background(
            Job(
                f"Opening {Path(path).name}",
                lambda _progress: _load(Path(path)),
                self._design_loaded,
                lambda message: self._error("Cannot open design", message),
            )
        )

    def _design_loaded(self, loaded: LoadedDesign) -> None:
        if loaded.path != self._wanted:
            return
        self.current = loaded
        self.last_outcome = None
        index = self.design_picker.findData(str(loaded.path))
        if index < 0:
            self.design_picker.addItem(loaded.path.stem.replace("_", " "), str(loaded.path))
            index = self.design_picker.count() - 1
        for i in range(self.design_picker.count()):
            self.compare_panel.add_design(
                self.design_picker.itemText(i), self.design_picker.itemData(i)
            )
        self.design_picker.blockSignals(True)
        self.design_picker.setCurrentIndex(index)
        self.design_picker.blockSignals(False)
        design = loaded.design
        self.duration.setValue(int(min(MAX_DURATION_S, max(10, design.workload.duration_s))))
        self.seed.setValue(design.workload.seed)
        self.compare_panel.set_current(design, str(loaded.path))
        self.editor.source_name = str(loaded.path)
        self.editor.set_text(loaded.text)  # validates: shows the diagram and description
        self.results.clear_results()
        if self._announce:  # the start-up pick of the first catalog design is not news
            self.status_message.emit(f"Opened {loaded.path.name}")
        self._announce = True

    def _draft_validated(self, design: Design | None) -> None:
        if design is None or self.current is None:
            return  # the editor shows the problems; runs use the last valid version
        self.current = LoadedDesign(self.current.path, design, self.current.text)
        self.last_outcome = None
        note = " <i>(edited, not saved)</i>" if self.edited else ""
        self.description.setText(
            f"<b>{html.escape(design.name)}</b>{note}<br>{html.escape(design.description.strip())}"
        )

    # --- running ---------------------------------------------------------------------------
    def choose_scheduler(self) -> None:
        text, ok = QInputDialog.getText(
            self,
            "Run on a Dask cluster",
            "Scheduler address (tcp://HOST:PORT); leave empty to run in local processes:",
            text=self.scheduler,
        )
        if ok:
            self.set_scheduler(text)

    def set_scheduler(self, address: str) -> bool:
        """Use (and remember) a Dask scheduler for replications and comparisons."""
        address = address.strip()
        if address:
            from simulation.cluster import check_address

            try:
                check_address(address)
            except InputError as exc:
                self._error("Run on a Dask cluster", str(exc))
                return False
        self.scheduler = address
        QSettings().setValue("design_lab/scheduler", address)
        where = f"the Dask cluster at {address}" if address else "local processes"
        self.runs.setToolTip(
            f"Replications: more than 1 runs that many seeds in parallel on {where} and shows\n"
            "means with 95% confidence intervals"
        )
        self.status_message.emit(f"Replications and comparisons run on {where}")
        return True

    def _busy(self, busy: bool) -> None:
        self.run_button.setEnabled(not busy and self.workbench.valid)

    def _start(
        self,
        text: str,
        work: Callable[[Progress], Any],
        on_done: Callable[[Any], None],
        partial: Callable[[Any], None] | None = None,
    ) -> None:
        self.jobs.run(
            Job(
                text,
                work,
                on_done,
                self._finished_with_error,
                self._cancelled,
                bar="%p%",
                partial=partial,
            )
        )

    def _context(self) -> LabContext | None:
        """The current design and settings, for a comparison or an SLO search."""
        if self.current is None:
            return None
        return LabContext(
            self.current.design,
            self.current.path,
            float(self.duration.value()),
            self.seed.value(),
            self.scheduler or None,
            self.results.chart_size(),
        )

    @property
    def last_comparison(self) -> Comparison | None:
        return self.compare_panel.last_comparison

    def run(self) -> None:
        if self.current is None or self.jobs.busy():
            return
        if self.editor.validate() is None:
            self.left_tabs.setCurrentWidget(self.editor)
            self._error("Cannot run", FIX_FIRST)
            return
        design, duration, seed = (
            self.current.design,
            float(self.duration.value()),
            self.seed.value(),
        )
        runs, px = self.runs.value(), self.results.chart_size()
        self.live = LiveView() if runs == 1 else None  # replications run in other processes
        if self.live is not None:
            self.results.show_live(self.live)
        else:
            self.results.clear_results("Simulating…")
        where = self.scheduler or None
        self._start(
            "Simulating",
            lambda p: _run(design, duration, seed, runs, px, p, where),
            self._run_done,
            self.live.add if self.live is not None else None,
        )

    def run_comparison(self) -> None:
        self.compare_panel.compare()

    def cancel(self) -> None:
        self.jobs.cancel()

    def _run_done(self, outcome: RunOutcome) -> None:
        self.last_outcome = outcome
        self.live = None
        self.canvas.show_result(outcome.result)
        self.results.show_result(
            outcome.result, outcome.prediction, outcome.gaps, outcome.replications, outcome.charts
        )
        result = outcome.result
        self.status_message.emit(
            f"{result.design}: {result.verdict}, bottleneck {result.bottleneck}"
        )
        design = self.current.design if self.current is not None else None
        if design is not None and design.name == result.design:
            self.compare_panel.shown("run", lambda: _report(design, outcome))

    def _cancelled(self) -> None:
        self.results.clear_results("Cancelled. Run again when ready.")

    def _finished_with_error(self, message: str) -> None:
        self.results.clear_results("The run failed.")
        self._error("Simulation failed", message)

    def _error(self, title: str, message: str) -> None:
        self.status_message.emit(message)
        QMessageBox.warning(self, title, message)

    def save_charts(self) -> None:
        """Every chart as PNG and SVG, every table as CSV (in the job runner)."""
        self.compare_panel.export_charts()

    def export_report(self) -> None:
        self.compare_panel.export_report()
