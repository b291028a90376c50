"""The main window: three tabs (Dispatch, Design Lab, Rehearse), menus, status bar.

The window only arranges the areas and keeps its geometry; each area owns its own work.
"""

from __future__ import annotations

import importlib
from functools import partial

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from freightlab.ui.app import app_icon
from freightlab.ui.area import Area, AreaDefaults

ABOUT_TEXT = """<h3>Freightlab 0.1</h3>
<p>A dispatch desk for freight and a sandbox for the system that matches loads to trucks.</p>
<ul>
<li><b>Dispatch</b>: trucks and loads on a real route map, optimal matching, drag-and-drop.</li>
<li><b>Design Lab</b>: simulate the load-matching backend and compare designs.</li>
<li><b>Rehearse</b>: practise system-design answers against a simulated scorecard.</li>
</ul>"""


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setWindowIcon(app_icon())
        self._base_title = "Freightlab"
        self.setWindowTitle(self._base_title)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tabs")
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)

        self.desk = self._make_desk()
        self.tabs.addTab(_widget(self.desk), "Dispatch")
        self.design_lab = self._make_design_lab()
        self.tabs.addTab(_widget(self.design_lab), "Design Lab")
        self.rehearse = self._make_rehearse()
        self.tabs.addTab(_widget(self.rehearse), "Rehearse")
        for index, tip in enumerate(
            (
                "Trucks and loads on the map; suggested matches (Ctrl+1)",
                "Simulate the load-matching backend (Ctrl+2)",
                "Rehearse a system-design answer (Ctrl+3)",
            )
        ):
            self.tabs.setTabToolTip(index, tip)

        self.areas: list[Area] = [self.desk, self.design_lab, self.rehearse]
        for area in self.areas:
            area.status_message.connect(self._show_status)
            area.route_opens(self.open_path)  # e.g. the desk's sized backend -> the Lab
        self._dirty: dict[int, bool] = {}  # id(area) -> its document has unsaved changes
        for area in self.areas:
            area.watch_document(partial(self._document_changed, area))
        self.tabs.currentChanged.connect(lambda _index: self._update_title())
        # An area's shortcuts (Ctrl+Z, Ctrl+R...) work while focus is inside it: follow the tab.
        self.tabs.currentChanged.connect(self._focus_area)
        self._build_menus()
        self.statusBar().showMessage("Ready", 3000)
        self._restore_settings()

    # --- areas -----------------------------------------------------------------------------
    def _make_desk(self) -> Area:
        return _area("dispatcher.ui.desk", "DispatchDesk", "dispatch_desk", "Dispatch", self)

    def _make_design_lab(self) -> Area:
        return _area("simulation.ui.lab", "DesignLab", "design_lab", "Design Lab", self)

    def _make_rehearse(self) -> Area:
        return _area("designs.ui.rehearse", "RehearsePanel", "rehearse_panel", "Rehearse", self)

    # --- menus -----------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.setStatusTip("Open a dispatch board (.fboard) or a design (.toml)")
        open_action.triggered.connect(self.open_file)
        file_menu.addAction(open_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        for area in self.areas:
            title = area.menu_title()
            if title is None:
                continue
            menu = self.menuBar().addMenu(title)
            for action in area.menu_actions():
                if action is None:
                    menu.addSeparator()
                else:
                    menu.addAction(action)

        view_menu = self.menuBar().addMenu("&View")
        for index in range(self.tabs.count()):
            action = QAction(self.tabs.tabText(index), self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _=False, i=index: self.tabs.setCurrentIndex(i))
            view_menu.addAction(action)
            self.addAction(action)

        help_menu = self.menuBar().addMenu("&Help")
        keys_action = QAction("&Keyboard shortcuts", self)
        keys_action.setShortcut(QKeySequence("F1"))
        keys_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(keys_action)
        about_action = QAction("&About Freightlab", self)
        about_action.setMenuRole(QAction.MenuRole.AboutRole)
        about_action.triggered.connect(self.show_about)
        help_menu.addAction(about_action)

    def open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open",
            "",
            "Freightlab files (*.fboard *.sqlite *.toml);;Dispatch boards (*.fboard *.sqlite);;"
            "Designs (*.toml);;All files (*)",
        )
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> None:
        """Route a file to the area that owns its kind."""
        target = next((area for area in self.areas if area.can_open(path)), None)
        if target is None:
            QMessageBox.warning(self, "Open", f"Cannot open {path}: no area handles this file.")
            return
        self.tabs.setCurrentWidget(_widget(target))
        target.open_path(path)

    def _focus_area(self, index: int) -> None:
        area = self.tabs.widget(index)
        focus = QApplication.focusWidget()
        if area is not None and (focus is None or not area.isAncestorOf(focus)):
            area.setFocus(Qt.FocusReason.TabFocusReason)

    def _show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def shortcut_rows(self) -> list[tuple[str, str, str]]:
        """(menu, action, keys) for every menu action that has a shortcut."""
        rows = []
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            if not isinstance(menu, QMenu):
                continue
            for action in menu.actions():
                keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                if keys:
                    rows.append(
                        (menu_action.text().replace("&", ""), action.text().replace("&", ""), keys)
                    )
        return rows

    def show_shortcuts(self) -> None:
        rows = "".join(
            f"<tr><td>{menu}</td><td>{name}</td><td><b>{keys}</b></td></tr>"
            for menu, name, keys in self.shortcut_rows()
        )
        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setText(f"<table cellspacing='6'>{rows}</table>")
        box.open()

    def show_about(self) -> None:
        QMessageBox.about(self, "About Freightlab", ABOUT_TEXT)

    # --- title and settings ----------------------------------------------------------------
    def _document_changed(self, area: Area, dirty: bool) -> None:
        self._dirty[id(area)] = dirty
        self._update_title()

    def _update_title(self) -> None:
        """The current tab's document (the desk's board elsewhere), * when unsaved."""
        shown = next((a for a in self.areas if _widget(a) is self.tabs.currentWidget()), None)
        area = shown if shown is not None and shown.document_title() else self.desk
        name, dirty = area.document_title(), self._dirty.get(id(area), False)
        title = f"{name} — {self._base_title}" if name else self._base_title
        self.setWindowTitle(("*" if dirty else "") + title)

    def _restore_settings(self) -> None:
        settings = QSettings()
        geometry = settings.value("main_window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)
        state = settings.value("main_window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        tab = settings.value("main_window/tab", 0, type=int)
        if isinstance(tab, int) and 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)

    def save_settings(self) -> None:
        settings = QSettings()
        settings.setValue("main_window/geometry", self.saveGeometry())
        settings.setValue("main_window/state", self.saveState())
        settings.setValue("main_window/tab", self.tabs.currentIndex())

    def closeEvent(self, event: QCloseEvent) -> None:
        if not all(area.maybe_close() for area in self.areas):
            event.ignore()
            return
        self.save_settings()
        super().closeEvent(event)


class _Placeholder(AreaDefaults, QWidget):
    """An area whose module is not built yet: it says so plainly."""

    status_message = Signal(str)

    def __init__(self, title: str, parent: QWidget) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        label = QLabel(f"<h2>{title}</h2><p>This area is being built.</p>")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(label)


def _widget(area: Area) -> QWidget:
    assert isinstance(area, QWidget)
    return area


def _area(module: str, cls: str, object_name: str, title: str, parent: QWidget) -> Area:
    """The area's widget (an :class:`Area`); a placeholder while its module is not built."""
    try:
        area: Area = getattr(importlib.import_module(module), cls)(parent)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        area = _Placeholder(title, parent)
    _widget(area).setObjectName(object_name)
    return area
