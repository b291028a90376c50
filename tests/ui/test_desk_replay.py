"""The Day replay on the desk, driven by clicks and keys: its own legend and KPI strip, the
desk's strip marked as the live board's, and trucks drawn where they are mid-day."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from dispatcher.ui.desk import DispatchDesk
from dispatcher.ui.map_decor import REPLAY_LEGEND
from dispatcher.ui.map_view import TRUCK
from dispatcher.ui.replay_view import figure_texts

SHOTS = Path(__file__).resolve().parents[2] / "out"


def _open_day_tab(qtbot, d: DispatchDesk) -> None:
    tabs = d.side_tabs
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(d.day_tab.index).center())
    assert tabs.currentIndex() == d.day_tab.index


def test_replay_has_its_own_legend_kpis_and_mid_day_positions(qtbot, desk) -> None:
    _open_day_tab(qtbot, desk)
    panel = desk.day_panel
    assert panel.replay_kpis.values["delivered"] == "—"
    with qtbot.waitSignal(panel.simulated, timeout=30_000):
        qtbot.mouseClick(panel.simulate_button, Qt.MouseButton.LeftButton)
    replay = panel.replay
    # it opens with trucks on duty (not all grey) and loads posted
    opening = replay.figures_at(replay.opening_h)
    assert opening.trucks_idle + opening.trucks_empty > 0 and opening.posted > 0
    panel.slider.setFocus()
    qtbot.keyClick(panel.slider, Qt.Key.Key_Home)
    for _ in range(12):  # noon, a page (1 h) at a time
        qtbot.keyClick(panel.slider, Qt.Key.Key_PageUp)
    qtbot.waitUntil(lambda: desk.map._replay_positions is not None, timeout=5_000)
    assert panel.slider.value() == 12 * 60
    noon = replay.figures_at(12.0)
    assert panel.replay_kpis.values == figure_texts(noon)
    assert panel.replay_kpis.values["time"] == "12:00"
    assert noon.delivered >= 0 and noon.on_the_road + noon.trucks_idle > 0
    assert noon.deadhead_pct is not None and noon.deadhead_pct > 0
    # the replay's legend, in the panel and on the map; the board's strip says what it is
    assert panel.replay_legend.isVisible()
    assert len(panel.replay_legend.texts) == len(REPLAY_LEGEND)
    assert "expired, never matched" in panel.replay_legend.texts
    assert desk.map._legend is not desk.map._replay_legend
    assert desk.kpis.caption.isVisible()
    # every truck is drawn where the replay puts it at noon
    positions = replay.positions_at(12.0)
    proj, layer = desk.map.projection, desk.map.markers
    between = 0
    for tid, (lat, lon, _activity) in positions.items():
        p = proj.to_scene(lat, lon)
        assert np.allclose(layer.base[layer.index[(TRUCK, tid)]], (p.x(), p.y()), atol=0.2)
        at_city = any(abs(c.lat - lat) + abs(c.lon - lon) < 1e-6 for c in desk.graph.cities)
        between += not at_city
    assert between > 0  # some trucks are on a road between two cities at noon
    SHOTS.mkdir(exist_ok=True)
    desk.grab().save(str(SHOTS / "desk_replay.png"))
    # back to the board: the board's legend and strip again
    bar = desk.side_tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(0).center())
    assert desk.map._replay_positions is None and not desk.kpis.caption.isVisible()
