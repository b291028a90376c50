"""The main window opens, every tab shows, geometry survives a restart, menus work."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMenuBar, QTabWidget, QWidget

from freightlab.ui.app import make_app
from freightlab.ui.window import MainWindow

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "out"


def _window(qtbot) -> MainWindow:
    make_app()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def test_window_has_named_parts_and_switches_every_tab(qtbot) -> None:
    window = _window(qtbot)
    assert window.objectName() == "main_window"
    assert window.windowTitle().endswith("Freightlab")
    tabs = window.findChild(QTabWidget, "tabs")
    assert tabs is not None
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Dispatch", "Design Lab", "Rehearse"]
    for name in ("dispatch_desk", "design_lab", "rehearse_panel"):
        assert window.findChild(QWidget, name) is not None, name
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        qtbot.wait(20)
        assert tabs.currentIndex() == index
        image = window.grab()
        assert not image.isNull() and image.width() > 300
        image.save(str(SCREENSHOT_DIR / f"window_tab{index}.png"))


def test_keyboard_shortcuts_switch_tabs(qtbot) -> None:
    window = _window(qtbot)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 1
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 2
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 0


def test_switching_tabs_puts_focus_in_the_area_so_its_shortcuts_work(qtbot) -> None:
    window = _window(qtbot)
    lab = window.design_lab
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: lab.isAncestorOf(QApplication.focusWidget()) or lab.hasFocus())
    qtbot.waitUntil(lambda: lab.current is not None, timeout=10_000)
    lab.duration.setValue(10)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: lab.last_outcome is not None, timeout=30_000)


def test_menus_offer_file_and_help(qtbot) -> None:
    window = _window(qtbot)
    bar = window.findChild(QMenuBar)
    titles = [action.text().replace("&", "") for action in bar.actions()]
    assert titles[0] == "File" and titles[-1] == "Help"
    file_items = [a.text().replace("&", "") for a in bar.actions()[0].menu().actions()]
    assert "Open…" in file_items and "Quit" in file_items
    assert window.statusBar() is not None
    assert not window.windowIcon().isNull()


def test_geometry_and_tab_are_restored(qtbot) -> None:
    window = _window(qtbot)
    window.resize(780, 560)  # the offscreen screen is 800 px wide; fonts may widen the minimum
    qtbot.waitUntil(lambda: window.height() == 560)
    size = (window.width(), window.height())
    assert size != (1280, 820)  # not the first-run default
    window.tabs.setCurrentIndex(2)
    window.close()
    assert QSettings().value("main_window/tab", type=int) == 2
    again = _window(qtbot)
    assert again.tabs.currentIndex() == 2
    assert (again.width(), again.height()) == size


def test_shortcut_list_covers_every_area(qtbot) -> None:
    window = _window(qtbot)
    rows = window.shortcut_rows()
    keys = {keys for _menu, _name, keys in rows}
    assert {"Ctrl+O", "Ctrl+Z", "Ctrl+R", "F1"} <= keys
    assert {menu for menu, _name, _keys in rows} >= {"File", "Dispatch", "Design Lab", "Help"}


def test_the_window_talks_to_its_areas_through_the_area_protocol(qtbot, tmp_path: Path) -> None:
    from freightlab.ui.area import Area

    window = _window(qtbot)
    assert all(isinstance(area, Area) for area in window.areas)
    titles = [area.menu_title() for area in window.areas]
    assert titles == ["&Dispatch", "Design &Lab", None]  # Rehearse has no menu
    menus = [a.text() for a in window.menuBar().actions()]
    assert "&Dispatch" in menus and "Design &Lab" in menus
    assert window.desk.can_open("x.fboard") and not window.desk.can_open("x.toml")
    assert window.design_lab.can_open("x.toml") and not window.rehearse.can_open("x.toml")
    qtbot.waitUntil(window.desk.is_ready, timeout=15_000)
    assert window.desk.document_title() in window.windowTitle()
