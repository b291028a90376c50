"""The Lab's results side, by clicks: live charts, cancel, compare N designs, the SLO search,
report and chart exports."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QTableWidget

from freightlab.ui.worker import running_tasks
from simulation.ui.lab import DesignLab
from tests.ui.lab_helpers import open_lab

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"
SHOTS = Path(__file__).resolve().parents[2] / "out"


def _shoot(widget, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def test_a_run_draws_live_charts_before_it_ends_and_cancel_stops_it(qtbot) -> None:
    lab = open_lab(qtbot, "autoscale_diurnal")  # a 7,200 s day with a diurnal curve: ~10 s
    qtbot.mouseClick(lab.run_button, Qt.MouseButton.LeftButton)
    live = lab.live
    assert live is not None and lab.results.tabText(0) == "Live"
    qtbot.waitUntil(lambda: live.updates >= 3 and live.throughput.paints > 0, timeout=60_000)
    assert lab.jobs.busy() and lab.last_outcome is None  # still running: the charts grew
    grown = len(live.series)
    assert 0 < grown < 6900
    assert live.latency.lines and live.queues.lines
    assert live.series.design in live.caption.text()
    _shoot(lab.results.parentWidget(), "lab_live.png")
    started = time.monotonic()
    qtbot.mouseClick(lab.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lab.run_button.isEnabled, timeout=5_000)  # generous: it takes ~0.1 s
    print(f"\ncancel took {1000 * (time.monotonic() - started):.0f} ms")
    assert lab.last_outcome is None and lab.progress_bar.format() == "cancelled"
    after = live.updates
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=10_000)
    assert live.updates == after  # no frame is applied once the run was cancelled
    assert lab.results.tabText(0) == "Results"


def test_a_finished_run_replaces_the_live_charts_with_the_full_ones(qtbot) -> None:
    lab = open_lab(qtbot, "cache_aside")
    lab.duration.setValue(900)
    qtbot.mouseClick(lab.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lab.last_outcome is not None, timeout=60_000)
    tabs = [lab.results.tabText(i) for i in range(lab.results.count())]
    assert tabs == ["Summary", "Throughput", "Latency", "Utilisation", "Queue"]
    assert lab.live is None


def _tick(qtbot, lab: DesignLab, stem: str) -> None:
    picker = lab.compare_picker
    item = lab.compare_panel.item(str(CATALOG / f"{stem}.toml"))
    assert item is not None
    picker.scrollToItem(item)
    qtbot.mouseClick(
        picker.viewport(), Qt.MouseButton.LeftButton, pos=picker.visualItemRect(item).center()
    )
    assert item.checkState() == Qt.CheckState.Checked


def test_compare_three_designs_shows_three_series(qtbot) -> None:
    lab = open_lab(qtbot, "replicas_round_robin")
    _tick(qtbot, lab, "replicas_least_connections")
    _tick(qtbot, lab, "monolith")
    lab.duration.setValue(200)
    lab.rates.clear()
    qtbot.keyClicks(lab.rates, "4, 8")
    qtbot.mouseClick(lab.compare_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lab.last_comparison is not None, timeout=120_000)
    names = [s.design for s in lab.last_comparison.sweeps]
    assert len(names) == 3 and names[0] == lab.current.design.name
    figure = lab.results.figures["Comparison"]
    throughput_axes = figure.axes[0]
    labelled = [ln.get_label() for ln in throughput_axes.get_lines()]
    assert sum(any(label.startswith(n) for n in names) for label in labelled) == 3
    lab.results.setCurrentIndex(1)
    table = lab.results.currentWidget()
    assert isinstance(table, QTableWidget) and table.rowCount() == 3
    lab.results.setCurrentIndex(0)
    qtbot.waitUntil(lambda: lab.results.currentWidget().image is not None, timeout=10_000)
    _shoot(lab.results.parentWidget(), "lab_compare3.png")


def test_the_slo_search_finds_a_rate_and_shows_it(qtbot) -> None:
    lab = open_lab(qtbot, "replicas_round_robin")  # three replicas, ~12 req/s offered
    lab.duration.setValue(600)
    spin = lab.compare_panel.p99
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "3000")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    assert spin.value() == 3000.0
    qtbot.mouseClick(lab.compare_panel.slo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lab.compare_panel.last_slo is not None, timeout=180_000)
    slo = lab.compare_panel.last_slo
    assert slo.best_rps is not None and slo.best_rps > 0
    assert all(p.meets for p in slo.points if p.rate_rps <= slo.best_rps)
    answer = lab.results.findChild(QLabel, "slo_answer")
    assert answer is not None and f"{slo.best_rps:.3g}" in answer.text().replace(",", "")
    assert [lab.results.tabText(i) for i in range(lab.results.count())] == [
        "SLO search",
        "Rates tried",
    ]
    _shoot(lab.results.parentWidget(), "lab_slo.png")


def test_cancel_stops_an_slo_search(qtbot) -> None:
    lab = open_lab(qtbot, "cache_aside")
    qtbot.mouseClick(lab.compare_panel.slo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lab.progress_bar.value() > 0, timeout=60_000)
    qtbot.mouseClick(lab.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lab.compare_panel.slo_button.isEnabled, timeout=10_000)
    assert lab.compare_panel.last_slo is None and lab.progress_bar.format() == "cancelled"


def test_export_report_and_charts_after_a_run(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warnings
) -> None:
    lab = open_lab(qtbot, "cache_aside")
    qtbot.mouseClick(lab.export_report_button, Qt.MouseButton.LeftButton)
    assert warnings and "nothing to report" in warnings[-1]  # nothing run yet
    lab.duration.setValue(900)
    qtbot.mouseClick(lab.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lab.last_outcome is not None, timeout=60_000)

    target = tmp_path / "review"  # no suffix: the chosen filter's is added
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "HTML report (*.html)")
    )
    qtbot.mouseClick(lab.export_report_button, Qt.MouseButton.LeftButton)
    panel = lab.compare_panel
    qtbot.waitUntil(lambda: bool(panel.last_written), timeout=60_000)
    page = tmp_path / "review.html"
    assert panel.last_written == [page]
    text = page.read_text(encoding="utf-8")
    assert text.count('src="data:image/png;base64,') == 5  # the diagram and four charts
    assert lab.current.design.name in text

    panel.last_written = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "c"))
    qtbot.mouseClick(panel.charts_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(panel.last_written), timeout=60_000)
    names = {p.name for p in panel.last_written}
    assert {"latency.png", "latency.svg", "diagram.png", "classes.csv", "components.csv"} <= names
    assert all((tmp_path / "c" / n).stat().st_size > 0 for n in names)
    assert len(warnings) == 1
