"""The day panel: simulate in a worker, scrub and play the replay, compare batching, cancel."""

from __future__ import annotations

import random

import networkx as nx
import pytest
from PySide6.QtCore import Qt

from dispatcher.fleet import Load, Truck, TruckType
from dispatcher.operations import Activity, DayResult
from dispatcher.routes import RouteGraph
from dispatcher.ui.day_panel import COMPARE_WINDOWS, DayPanel

LAT = (20.0, 22.5)
LON = (75.0, 77.5)


def _board(n_trucks: int = 15, n_loads: int = 40) -> tuple[RouteGraph, list[Truck], list[Load]]:
    g = nx.Graph()
    for i in range(6):
        for j in range(6):
            g.add_node(f"n{i}{j}", name=f"N{i}{j}", lat=LAT[0] + 0.5 * i, lon=LON[0] + 0.5 * j)
    for i in range(6):
        for j in range(6):
            if i < 5:
                g.add_edge(f"n{i}{j}", f"n{i + 1}{j}", km=60.0)
            if j < 5:
                g.add_edge(f"n{i}{j}", f"n{i}{j + 1}", km=60.0)
    graph = RouteGraph.from_networkx(g, name="grid")
    rng = random.Random(9)
    nodes = graph.nodes
    trucks = [
        Truck(f"T{i}", rng.choice(nodes), 20.0, TruckType.OPEN, rng.uniform(0, 3))
        for i in range(n_trucks)
    ]
    loads = []
    for i in range(n_loads):
        o, d = rng.sample(nodes, 2)
        pe = rng.uniform(1, 18)
        loads.append(Load(f"L{i}", o, d, 10.0, TruckType.OPEN, pe, pe + 3, 1000.0))
    return graph, trucks, loads


@pytest.fixture
def panel(qtbot) -> DayPanel:
    widget = DayPanel()
    qtbot.addWidget(widget)
    widget.resize(460, 820)
    widget.show()
    return widget


def _simulate(qtbot, panel: DayPanel) -> DayResult:
    with qtbot.waitSignal(panel.simulated, timeout=60_000) as blocker:
        qtbot.mouseClick(panel.simulate_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_buttons_wait_for_a_board(panel: DayPanel) -> None:
    assert panel.objectName() == "day_panel"
    assert not panel.simulate_button.isEnabled() and not panel.slider.isEnabled()
    panel.set_board(*_board())
    assert panel.simulate_button.isEnabled() and panel.compare_button.isEnabled()
    assert not panel.cancel_button.isEnabled()


def test_simulate_then_scrub_emits_plausible_positions(qtbot, panel: DayPanel) -> None:
    graph, trucks, loads = _board()
    panel.set_board(graph, trucks, loads)
    panel.batch_spin.setValue(15)
    result = _simulate(qtbot, panel)
    assert result.batch_minutes == 15 and panel.result is result
    assert result.kpis.loads_delivered > 0
    assert panel.progress_bar.value() == 100
    assert panel.kpi_labels["delivered"].text().startswith(f"{result.kpis.loads_delivered} of")
    assert panel.slider.isEnabled() and panel.slider.maximum() >= 24 * 60

    # the replay opens when a truck is on duty and a load is posted, not at midnight
    assert panel.slider.value() == round(panel.replay.opening_h * 60) > 0
    panel.slider.setFocus()
    qtbot.keyClick(panel.slider, Qt.Key.Key_Home)
    assert panel.slider.value() == 0
    with qtbot.waitSignal(panel.positions_changed, timeout=2000) as blocker:
        for _ in range(10):  # 10 h into the day with the keyboard, as a user would
            qtbot.keyClick(panel.slider, Qt.Key.Key_PageUp)
    assert panel.slider.value() == 10 * 60
    assert panel.time_label.text() == "10:00"
    positions = blocker.args[0]
    assert set(positions) == {t.id for t in trucks}
    for lat, lon, activity in positions.values():
        assert LAT[0] <= lat <= LAT[1] and LON[0] <= lon <= LON[1]
        assert isinstance(activity, Activity)
    # at 10:00 at least one truck is doing something other than standing idle
    assert any(a is not Activity.IDLE for _, _, a in positions.values())
    assert "At 10:00" in panel.now_label.text()


def test_play_advances_the_slider_and_pause_stops_it(qtbot, panel: DayPanel) -> None:
    panel.set_board(*_board())
    _simulate(qtbot, panel)
    panel.speed_combo.setCurrentIndex(panel.speed_combo.count() - 1)  # fastest
    seen: list[float] = []
    panel.time_changed.connect(seen.append)
    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    assert panel.playing and panel.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: panel.slider.value() > 30, timeout=10_000)
    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    assert not panel.playing
    stopped = panel.slider.value()
    qtbot.wait(150)
    assert panel.slider.value() == stopped
    assert seen == sorted(seen) and len(seen) >= 2


def test_compare_batching_shows_a_chart(qtbot, panel: DayPanel) -> None:
    panel.set_board(*_board())
    assert panel.chart_canvas is None
    with qtbot.waitSignal(panel.compared, timeout=90_000) as blocker:
        qtbot.mouseClick(panel.compare_button, Qt.MouseButton.LeftButton)
    results = blocker.args[0]
    assert [r.batch_minutes for r in results] == list(COMPARE_WINDOWS)
    comparison = panel.seed_comparison
    assert comparison is not None and len(comparison.seeds) == panel.seeds_spin.value() > 1
    canvas = panel.chart_canvas
    assert canvas is not None and canvas.objectName() == "batching_chart"
    ax, ax2 = canvas.figure.axes
    for axis in (ax, ax2):  # one error-bar series per axis, with 95 % intervals
        (bars,) = axis.containers
        (segments,) = bars.lines[2]
        assert max(abs(a[1] - b[1]) for a, b in segments.get_segments()) > 0
    assert "Least empty driving" in panel.status_label.text() and "±" in panel.status_label.text()
    qtbot.wait(50)
    panel.grab().save("/tmp/day_panel.png")


def test_cancel_stops_the_run(qtbot, panel: DayPanel) -> None:
    panel.set_board(*_board(n_trucks=40, n_loads=200))
    with qtbot.waitSignal(panel.run_ended, timeout=60_000) as blocker:
        qtbot.mouseClick(panel.compare_button, Qt.MouseButton.LeftButton)
        assert panel.busy and panel.cancel_button.isEnabled()
        assert not panel.simulate_button.isEnabled()
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["cancelled"]
    assert panel.status_label.text() == "Cancelled."
    assert panel.result is None and panel.chart_canvas is None
    assert panel.simulate_button.isEnabled() and not panel.busy


def test_changing_the_board_marks_the_replay_stale(qtbot, panel: DayPanel) -> None:
    graph, trucks, loads = _board()
    panel.set_board(graph, trucks, loads)
    _simulate(qtbot, panel)
    trucks[0].location = "n00"  # the panel holds copies: editing ours does not touch them
    panel.set_board(graph, trucks[:5], loads)
    assert "changed" in panel.status_label.text()
    assert panel.result is not None  # the old replay stays until the next run
