"""The desk's "Day" panel: simulate a day of operations, replay it on the map, compare batching.

The simulation runs in a worker (``freightlab.ui.jobs.JobRunner``) with a progress bar and a
Cancel button; the UI thread only draws. Replay is a time slider (plus play/pause and a speed
selector) that emits ``positions_changed`` with every truck's interpolated position, which the
desk forwards to the map. "Compare batching" runs the same day for several matcher windows
and shows the trade-off chart (built Qt-free in ``dispatcher.day_charts``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from dispatcher.costs import format_clock
from dispatcher.day_replay import DayReplay
from dispatcher.day_seeds import MAX_SEEDS, SeedComparison, compare_batching_seeds, seeds_from
from dispatcher.fleet import Load, Truck
from dispatcher.operations import DayResult, DaySettings, simulate_day
from dispatcher.routes import RouteGraph
from dispatcher.ui.replay_view import ReplayKpiStrip, ReplayLegend
from freightlab.jobs import Job
from freightlab.memory import freeze_long_lived
from freightlab.progress import Progress
from freightlab.ui.jobs import JobRunner
from simulation.results import Estimate

if TYPE_CHECKING:  # matplotlib loads when the first chart is drawn, not with the window
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

COMPARE_WINDOWS = (0, 5, 15, 30)
#: Seeds per window in "Compare batching" (the chart's intervals need at least two).
COMPARE_SEEDS = 5
#: The bar's text once a run ends, however it ended.
_BAR_AT_END = dict.fromkeys(("done", "cancelled", "failed"), "%p%")
#: Replay speeds: simulated minutes per real second.
SPEEDS: tuple[tuple[str, float], ...] = (
    ("10 min/s", 10.0),
    ("30 min/s", 30.0),
    ("1 h/s", 60.0),
    ("2 h/s", 120.0),
    ("4 h/s", 240.0),
)
TICK_MS = 40


class DayPanel(QWidget):
    """Simulate, replay and compare a day; the desk connects ``positions_changed`` to its map."""

    positions_changed = Signal(object)  # dict[truck id, (lat, lon, Activity)]; Activity is a str
    loads_changed = Signal(object)  # dict[load id, LoadPhase] of posted loads at the slider time
    time_changed = Signal(float)  # slider time, hours from day start
    simulated = Signal(object)  # DayResult, after "Simulate day" finishes
    compared = Signal(object)  # list[DayResult] (first seed's days), after "Compare batching"
    compared_seeds = Signal(object)  # SeedComparison: every window over every seed, with CIs
    run_ended = Signal(str)  # "done", "cancelled" or "failed: ..." for any run

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("day_panel")
        self._graph: RouteGraph | None = None
        self._trucks: list[Truck] = []
        self._loads: list[Load] = []
        self._result: DayResult | None = None
        self._replay: DayReplay | None = None
        self._comparison: list[DayResult] = []
        self.seed_comparison: SeedComparison | None = None
        self._play_h = 0.0
        self._board_changed = False
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._update_enabled()

    # ------------------------------------------------------------------------------ public
    def set_board(self, graph: RouteGraph, trucks: Sequence[Truck], loads: Sequence[Load]) -> None:
        """The board to simulate. Copies are kept, so later edits never race the worker."""
        self._graph = graph
        self._trucks = [dataclasses.replace(t) for t in trucks]
        self._loads = [dataclasses.replace(ld) for ld in loads]
        self._board_changed = self._result is not None
        self._board_label.setText(f"{len(self._trucks)} trucks, {len(self._loads)} loads")
        self._update_enabled()
        self._show_note()

    @property
    def result(self) -> DayResult | None:
        return self._result

    @property
    def replay(self) -> DayReplay | None:
        return self._replay

    @property
    def comparison(self) -> list[DayResult]:
        return list(self._comparison)

    @property
    def busy(self) -> bool:
        return self.jobs.busy()

    def settings(self) -> DaySettings:
        return DaySettings(
            batch_minutes=float(self.batch_spin.value()), seed=self.seed_spin.value()
        )

    def set_result(self, result: DayResult) -> None:
        """Show a finished day: KPIs, slider over its span, positions at the start."""
        self.pause()
        self._result = result
        self._replay = DayReplay(result, self._graph)
        freeze_long_lived()  # ~100,000 keyframes live on: keep full GCs off replay frames
        self._board_changed = False
        self.slider.blockSignals(True)
        self.slider.setRange(0, math.ceil(result.end_h * 60))
        opening = round(self._replay.opening_h * 60)  # not midnight: trucks on duty, a load
        self.slider.setValue(opening)
        self.slider.blockSignals(False)
        self._show_kpis(result)
        self._show_note()
        self._update_enabled()
        self._on_slider(opening)

    def current_time_h(self) -> float:
        return self.slider.value() / 60.0

    def play(self) -> None:
        if self._replay is None:
            return
        if self.slider.value() >= self.slider.maximum():
            self.slider.setValue(0)
        self._play_h = self.current_time_h()
        self._timer.start()
        self.play_button.setText("Pause")
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause))

    def pause(self) -> None:
        self._timer.stop()
        self.play_button.setText("Play")
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    # ------------------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)

        run_box = QGroupBox("Simulate a day of operations", self)
        run = QGridLayout(run_box)
        self._board_label = QLabel("no board yet", run_box)
        self._board_label.setObjectName("day_board_label")
        self.batch_spin = QSpinBox(run_box)
        self.batch_spin.setObjectName("day_batch_minutes")
        self.batch_spin.setRange(0, 240)
        self.batch_spin.setValue(5)
        self.batch_spin.setSuffix(" min")
        self.batch_spin.setSpecialValueText("instant")
        self.batch_spin.setToolTip(
            "Run the matcher every N minutes; 'instant' matches each new load or free truck"
        )
        self.seed_spin = QSpinBox(run_box)
        self.seed_spin.setObjectName("day_seed")
        self.seed_spin.setRange(0, 1_000_000)
        self.seed_spin.setValue(1)
        self.seed_spin.setToolTip("Same seed, same day: posting times are drawn from it")
        self.simulate_button = QPushButton("Simulate day", run_box)
        self.simulate_button.setObjectName("simulate_day_button")
        self.simulate_button.clicked.connect(self.simulate)
        self.compare_button = QPushButton("Compare batching", run_box)
        self.compare_button.setObjectName("compare_batching_button")
        self.compare_button.setToolTip(
            "Run the same day with the matcher batching "
            + ", ".join("instantly" if w == 0 else f"every {w} min" for w in COMPARE_WINDOWS)
        )
        self.compare_button.clicked.connect(self.compare)
        self.cancel_button = QPushButton("Cancel", run_box)
        self.cancel_button.setObjectName("day_cancel_button")
        self.progress_bar = QProgressBar(run_box)
        self.progress_bar.setObjectName("day_progress")
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(True)
        self.jobs = JobRunner(
            self, self.progress_bar, self.cancel_button, messages=True, end_texts=_BAR_AT_END
        )
        self.status_label = QLabel("", run_box)
        self.status_label.setObjectName("day_status")
        self.status_label.setWordWrap(True)
        run.addWidget(self._board_label, 0, 0, 1, 4)
        run.addWidget(QLabel("Matcher batching", run_box), 1, 0)
        run.addWidget(self.batch_spin, 1, 1)
        run.addWidget(QLabel("Seed", run_box), 1, 2, Qt.AlignmentFlag.AlignRight)
        run.addWidget(self.seed_spin, 1, 3)
        buttons = QHBoxLayout()
        buttons.addWidget(self.simulate_button)
        buttons.addWidget(self.compare_button)
        self.seeds_spin = QSpinBox(run_box)
        self.seeds_spin.setObjectName("day_compare_seeds")
        self.seeds_spin.setRange(1, MAX_SEEDS)
        self.seeds_spin.setValue(COMPARE_SEEDS)
        self.seeds_spin.setSuffix(" seeds")
        self.seeds_spin.setToolTip(
            "Compare each window over this many seeds (from Seed on): the chart shows the "
            "means with 95 % confidence intervals"
        )
        buttons.addWidget(self.seeds_spin)
        buttons.addWidget(self.cancel_button)
        run.addLayout(buttons, 2, 0, 1, 4)
        run.addWidget(self.progress_bar, 3, 0, 1, 4)
        run.addWidget(self.status_label, 4, 0, 1, 4)
        outer.addWidget(run_box)

        replay_box = QGroupBox("Replay on the map", self)
        replay = QGridLayout(replay_box)
        self.play_button = QPushButton("Play", replay_box)
        self.play_button.setObjectName("day_play_button")
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.clicked.connect(self._toggle_play)
        self.speed_combo = QComboBox(replay_box)
        self.speed_combo.setObjectName("day_speed")
        for label, minutes_per_s in SPEEDS:
            self.speed_combo.addItem(label, minutes_per_s)
        self.speed_combo.setCurrentIndex(2)
        self.speed_combo.setToolTip("Simulated time per real second")
        self.time_label = QLabel("--:--", replay_box)
        self.time_label.setObjectName("day_time_label")
        self.time_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("d2 00:00") + 8)
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.slider = QSlider(Qt.Orientation.Horizontal, replay_box)
        self.slider.setObjectName("day_slider")
        self.slider.setRange(0, 24 * 60)
        self.slider.setSingleStep(5)
        self.slider.setPageStep(60)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(6 * 60)
        self.slider.setToolTip("Time of day (drag to scrub; arrow keys 5 min, PgUp/PgDn 1 h)")
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderPressed.connect(self.pause)  # the user scrubs: stop playing
        self.now_label = QLabel("", replay_box)
        self.now_label.setObjectName("day_now_label")
        self.now_label.setWordWrap(True)
        replay.addWidget(self.play_button, 0, 0)
        replay.addWidget(self.speed_combo, 0, 1)
        replay.addWidget(self.time_label, 0, 3)
        replay.addWidget(self.slider, 1, 0, 1, 4)
        replay.addWidget(self.now_label, 2, 0, 1, 4)
        self.replay_kpis = ReplayKpiStrip(replay_box)
        self.replay_legend = ReplayLegend(replay_box)
        replay.addWidget(self.replay_kpis, 3, 0, 1, 4)
        replay.addWidget(self.replay_legend, 4, 0, 1, 4)
        replay.setColumnStretch(2, 1)
        outer.addWidget(replay_box)

        kpi_box = QGroupBox("Day KPIs", self)
        kpi_box.setObjectName("day_kpis")
        grid = QGridLayout(kpi_box)
        self.kpi_labels: dict[str, QLabel] = {}
        names = (
            ("delivered", "Delivered"),
            ("on_time", "On-time pickup"),
            ("deadhead", "Deadhead"),
            ("utilisation", "Truck utilisation"),
            ("wait", "Avg wait to match"),
            ("unmatched", "Never matched"),
        )
        for i, (key, title) in enumerate(names):
            caption = QLabel(title, kpi_box)
            caption.setStyleSheet("color: #555;")
            value = QLabel("—", kpi_box)
            value.setObjectName(f"day_kpi_{key}")
            value.setStyleSheet("font-weight: 600;")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.kpi_labels[key] = value
            row, col = divmod(i, 2)
            grid.addWidget(caption, row, 2 * col)
            grid.addWidget(value, row, 2 * col + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        outer.addWidget(kpi_box)

        self.chart_box = QGroupBox("Batching trade-off", self)
        self._chart_layout = QVBoxLayout(self.chart_box)
        self.chart_placeholder = QLabel(
            "Click “Compare batching” to run the day with the matcher batching instantly and "
            "every 5, 15 and 30 minutes over several seeds, and see empty kilometres against "
            "waiting with 95 % confidence intervals.",
            self.chart_box,
        )
        self.chart_placeholder.setWordWrap(True)
        self.chart_placeholder.setStyleSheet("color: #666;")
        self._chart_layout.addWidget(self.chart_placeholder, 0, Qt.AlignmentFlag.AlignTop)
        self.chart_canvas: FigureCanvasQTAgg | None = None
        outer.addWidget(self.chart_box, 1)

    # ----------------------------------------------------------------------------- running
    def simulate(self) -> None:
        if self.busy or self._graph is None:
            return
        graph, trucks, loads, settings = self._graph, self._trucks, self._loads, self.settings()

        def work(progress: Progress) -> DayResult:
            return simulate_day(graph, trucks, loads, settings, progress=progress)

        self._run(work, self._on_simulated, "Simulating the day…")

    def compare(self) -> None:
        if self.busy or self._graph is None:
            return
        graph, trucks, loads = self._graph, self._trucks, self._loads
        settings = self.settings()
        seeds = seeds_from(settings.seed, self.seeds_spin.value())

        def work(progress: Progress) -> SeedComparison:
            return compare_batching_seeds(
                graph, trucks, loads, COMPARE_WINDOWS, seeds, settings, progress=progress
            )

        text = f"Comparing batching windows over {len(seeds)} seed(s)…"
        self._run(work, self._on_compared, text)

    def cancel(self) -> None:
        if self.jobs.busy():
            self.jobs.cancel()
            self.status_label.setText("Cancelling…")

    def _run(
        self, work: Callable[[Progress], Any], on_done: Callable[[Any], None], message: str
    ) -> None:
        self.pause()
        self.status_label.setStyleSheet("")
        self.status_label.setText(message)
        self.jobs.run(Job(message, work, on_done, self._on_failed, self._on_cancelled, bar="%p%"))
        self._update_enabled()

    def _finish(self, outcome: str) -> None:
        self._update_enabled()
        self.run_ended.emit(outcome)

    def _on_simulated(self, result: DayResult) -> None:
        self.progress_bar.setValue(100)
        self.status_label.setText(
            f"Simulated {format_clock(result.end_h)} of operations "
            f"({result.kpis.matcher_runs} matcher runs)."
        )
        self.set_result(result)
        self._finish("done")
        self.simulated.emit(result)

    def _on_compared(self, comparison: SeedComparison) -> None:
        self.progress_bar.setValue(100)
        self.seed_comparison = comparison
        self._comparison = list(comparison.days)
        self._show_chart(comparison)
        best, quickest = comparison.best("deadhead_pct"), comparison.best("wait_min")
        self.status_label.setText(
            f"Least empty driving: {_window_name(best.batch_minutes)} "
            f"({_ci(best['deadhead_pct'], ' %')}); shortest wait: "
            f"{_window_name(quickest.batch_minutes)} ({_ci(quickest['wait_min'], ' min')}); "
            f"means over {len(comparison.seeds)} seed(s), 95 % intervals."
        )
        # the first seed's run with the chosen window becomes the replay
        chosen = [r for r in comparison.days if r.batch_minutes == self.batch_spin.value()]
        if chosen:
            self.set_result(chosen[0])
        self._finish("done")
        self.compared.emit(list(comparison.days))
        self.compared_seeds.emit(comparison)

    def _on_failed(self, message: str) -> None:
        self.status_label.setStyleSheet("color: #b00020;")
        self.status_label.setText(message)
        self._finish(f"failed: {message}")

    def _on_cancelled(self) -> None:
        self.progress_bar.setValue(0)
        self.status_label.setText("Cancelled.")
        self._finish("cancelled")

    def _update_enabled(self) -> None:
        idle = not self.jobs.busy()
        ready = idle and self._graph is not None
        self.simulate_button.setEnabled(ready)
        self.compare_button.setEnabled(ready)
        self.batch_spin.setEnabled(idle)
        self.seed_spin.setEnabled(idle)
        self.seeds_spin.setEnabled(idle)
        self.cancel_button.setEnabled(not idle)
        has_day = self._replay is not None
        self.play_button.setEnabled(has_day)
        self.slider.setEnabled(has_day)
        self.speed_combo.setEnabled(has_day)

    # ------------------------------------------------------------------------------ replay
    def _toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def _tick(self) -> None:
        minutes_per_s = float(self.speed_combo.currentData() or 60.0)
        self._play_h += minutes_per_s * (TICK_MS / 1000.0) / 60.0
        value = round(self._play_h * 60)
        if value >= self.slider.maximum():
            self.slider.setValue(self.slider.maximum())
            self.pause()
            return
        self.slider.setValue(value)

    def _on_slider(self, value: int) -> None:
        t = value / 60.0
        if not self.playing:
            self._play_h = t
        self.time_label.setText(format_clock(t))
        if self._replay is None:
            return
        frame = self._replay.frame_at(t)
        f = frame.figures
        self.now_label.setText(
            f"At {format_clock(t)}: {f.trucks_empty} trucks driving empty or at a pickup, "
            f"{f.trucks_loaded} loaded, {f.trucks_idle} idle, {f.trucks_off_duty} not on duty "
            f"yet; {f.expired} loads expired unmatched."
        )
        self.replay_kpis.update_from(f)
        self.time_changed.emit(t)
        self.positions_changed.emit(frame.positions)
        self.loads_changed.emit(frame.phases)

    # ------------------------------------------------------------------------------- views
    def _show_kpis(self, result: DayResult) -> None:
        k = result.kpis
        text = {
            "delivered": f"{k.loads_delivered} of {k.loads_posted} posted",
            "on_time": f"{k.on_time_pickup_pct:.1f} %",
            "deadhead": f"{k.deadhead_pct:.1f} % of km ({k.deadhead_km:,.0f} km)",
            "utilisation": f"{k.truck_utilisation_pct:.1f} %",
            "wait": f"{k.avg_wait_to_match_min:.0f} min",
            "unmatched": f"{k.loads_unmatched}",
        }
        for key, value in text.items():
            self.kpi_labels[key].setText(value)

    def _show_note(self) -> None:
        if self._board_changed and not self.jobs.busy():
            self.status_label.setText("The board changed since this run; simulate again.")

    def _show_chart(self, comparison: SeedComparison) -> None:
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        from dispatcher.day_charts import batching_seeds_figure

        figure = batching_seeds_figure(comparison)
        canvas = FigureCanvasQTAgg(figure)
        canvas.setObjectName("batching_chart")
        canvas.setMinimumHeight(220)
        canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        if self.chart_canvas is not None:
            self._chart_layout.removeWidget(self.chart_canvas)
            self.chart_canvas.deleteLater()
        self.chart_placeholder.hide()
        self._chart_layout.addWidget(canvas)
        self.chart_canvas = canvas
        canvas.draw_idle()


def _ci(e: Estimate, unit: str) -> str:
    if e.n < 2:
        return f"{e.mean:.1f}{unit}"
    return f"{e.mean:.1f} ± {e.half_width:.1f}{unit}"


def _window_name(minutes: float) -> str:
    return "instant" if minutes == 0 else f"every {minutes:g} min"
