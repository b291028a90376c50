"""The Design Lab shows failures, breakers, replicas and cost for a resilience design."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from simulation.ui.lab import DesignLab

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"
SHOTS = Path(__file__).resolve().parents[2] / "out"


def test_breaker_design_gets_a_failures_tab_and_its_cost(qtbot) -> None:
    lab = DesignLab()
    qtbot.addWidget(lab)
    lab.resize(1300, 800)
    lab.show()
    index = lab.design_picker.findData(str(CATALOG / "retry_storm_breaker.toml"))
    assert index >= 0
    lab.design_picker.setCurrentIndex(index)
    qtbot.waitUntil(lambda: lab.current is not None, timeout=10_000)
    assert "retry" in lab.canvas.boxes["pricing_api"].toolTip()
    lab.duration.setValue(500)
    qtbot.mouseClick(lab.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lab.last_outcome is not None, timeout=60_000)
    tabs = [lab.results.tabText(i) for i in range(lab.results.count())]
    assert tabs[-1] == "Failures"
    result = lab.last_outcome.result
    assert result.breakers["pricing_api->rate_backend"].trips >= 1
    labels = [w.text() for w in lab.results.widget(0).findChildren(QLabel)]
    assert any("per hour" in t for t in labels)
    lab.results.setCurrentIndex(tabs.index("Failures"))
    qtbot.waitUntil(lambda: lab.results.currentIndex() == tabs.index("Failures"), timeout=5_000)
    SHOTS.mkdir(exist_ok=True)
    lab.grab().save(str(SHOTS / "design_lab_failures.png"))
