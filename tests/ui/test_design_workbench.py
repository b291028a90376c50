"""The design editor driven by mouse and keys: palette drags, port-to-box arrows, moves, rubber
band, Del, copy/paste, undo/redo, the TOML tab, save and reopen in the Lab."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from designs.loader import load_design, loads_design
from simulation.ui.design_workbench import DesignWorkbench
from simulation.ui.lab import DesignLab

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"
LEFT = Qt.MouseButton.LeftButton
SMALL = """# Two boxes, written by hand
name = "Small"

[workload]
duration_s = 600
warmup_s = 60

[[workload.classes]]
name = "match"
entry = "api"
arrival = { process = "poisson", rate_rps = 5.0 }

[[components]]
name = "api"  # the front door
kind = "service"
workers = 2
service_ms = { dist = "exponential", mean = 10.0 }
calls = ["db"]

[[components]]
name = "db"
kind = "database"
pool_size = 4
service_ms = { dist = "exponential", mean = 5.0 }
"""


@pytest.fixture
def bench(qtbot) -> DesignWorkbench:
    bench = DesignWorkbench()
    qtbot.addWidget(bench)
    bench.resize(1100, 700)
    bench.show()
    qtbot.waitExposed(bench)
    bench.set_text(SMALL)
    bench.canvas.setFocus()
    return bench


def _vp(bench: DesignWorkbench, scene: QPointF) -> QPoint:
    return bench.canvas.mapFromScene(scene)


def _box_point(bench: DesignWorkbench, name: str, dx: float = 40, dy: float = 50) -> QPoint:
    return _vp(bench, bench.canvas.boxes[name].scenePos() + QPointF(dx, dy))


def drag_from_palette(bench: DesignWorkbench, kind: str, target: QPoint) -> None:
    """Press on the palette entry, move over the canvas, release there (the palette keeps
    the mouse while it is pressed, as a real drag does)."""
    palette = bench.component_palette
    start = palette.visualItemRect(palette.item_for(kind)).center()
    QTest.mousePress(palette.viewport(), LEFT, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(palette.viewport(), start + QPoint(25, 0))
    over = palette.viewport().mapFromGlobal(bench.canvas.viewport().mapToGlobal(target))
    QTest.mouseMove(palette.viewport(), over)
    QTest.mouseRelease(palette.viewport(), LEFT, Qt.KeyboardModifier.NoModifier, over)


def drag(bench: DesignWorkbench, start: QPoint, end: QPoint) -> None:
    vp = bench.canvas.viewport()
    QTest.mousePress(vp, LEFT, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 5):
        QTest.mouseMove(vp, start + (end - start) * step / 4)
    QTest.mouseRelease(vp, LEFT, Qt.KeyboardModifier.NoModifier, end)


def wire(bench: DesignWorkbench, source: str, target: str) -> None:
    port = bench.canvas.boxes[source].port
    assert port is not None
    drag(bench, _vp(bench, port.scenePos()), _box_point(bench, target))


def pick_from_menu(qtbot, bench: DesignWorkbench, field: str) -> None:
    qtbot.waitUntil(lambda: bench.connect_menu is not None and bench.connect_menu.isVisible())
    menu = bench.connect_menu
    fields = [a.data() for a in menu.actions()]
    for _ in range(fields.index(field) + 1):
        QTest.keyClick(menu, Qt.Key.Key_Down)
    QTest.keyClick(menu, Qt.Key.Key_Return)


def key(bench: DesignWorkbench, k: Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(bench.canvas, k, mods)


CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = CTRL | Qt.KeyboardModifier.ShiftModifier


def test_build_wire_move_undo_redo_save_and_reopen(qtbot, tmp_path: Path, monkeypatch) -> None:
    lab = DesignLab()
    qtbot.addWidget(lab)
    lab.resize(1280, 800)
    lab.show()
    qtbot.waitUntil(lambda: lab.current is not None, timeout=10_000)
    bench = lab.workbench
    assert bench.valid and lab.run_button.isEnabled()
    texts = [bench.text()]
    canvas = bench.canvas
    size = canvas.viewport().size()

    drag_from_palette(bench, "service", QPoint(size.width() * 3 // 10, size.height() * 8 // 10))
    assert set(canvas.boxes) == {"matcher", "service"}
    texts.append(bench.text())
    drag_from_palette(bench, "database", QPoint(size.width() * 3 // 4, size.height() * 8 // 10))
    assert "database" in canvas.boxes and bench.undo_stack.count() == 2
    texts.append(bench.text())
    assert loads_design(texts[-1]).component("database").pool_size == 10  # its defaults

    wire(bench, "service", "database")  # a service may call or hand off: the menu asks
    pick_from_menu(qtbot, bench, "then")
    assert loads_design(bench.text()).component("service").then == "database"
    texts.append(bench.text())
    wire(bench, "matcher", "service")
    pick_from_menu(qtbot, bench, "calls")
    assert loads_design(bench.text()).component("matcher").calls == ["service"]
    assert len(canvas.edges) == 2
    texts.append(bench.text())

    before = canvas.boxes["database"].scenePos()
    drag(bench, _box_point(bench, "database"), _box_point(bench, "database", 40, -150))
    after = canvas.boxes["database"].scenePos()
    assert after.y() < before.y() - 60
    texts.append(bench.text())
    assert loads_design(texts[-1]).layout["database"][1] == pytest.approx(after.y(), abs=10)
    assert bench.undo_stack.count() == 5 and lab.edited

    canvas.setFocus()
    for expected in reversed(texts[:-1]):
        key(bench, Qt.Key.Key_Z, CTRL)
        assert bench.text() == expected
    assert set(canvas.boxes) == {"matcher"} and not lab.edited
    for expected in texts[1:]:
        key(bench, Qt.Key.Key_Z, CTRL_SHIFT)
        assert bench.text() == expected
    assert canvas.boxes["database"].scenePos() == after

    target = tmp_path / "built.toml"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert lab.save_design()  # a catalog design is saved under a new name
    assert not lab.edited and target.read_text() == bench.text()
    saved = load_design(target)
    assert set(saved.layout) == {"matcher", "service", "database"}
    lab.open_design(CATALOG / "cache_aside.toml")
    qtbot.waitUntil(lambda: lab.current.path.stem == "cache_aside", timeout=10_000)
    lab.open_design(target)
    qtbot.waitUntil(lambda: lab.current.path == target, timeout=10_000)
    assert lab.current.design == saved
    assert canvas.boxes["database"].scenePos() == QPointF(*saved.layout["database"])
    assert bench.undo_stack.count() == 0  # a fresh document


def test_an_illegal_arrow_is_refused_with_its_reason(bench: DesignWorkbench) -> None:
    wire(bench, "api", "db")  # already joined
    assert "already joined" in bench.message.text()
    assert bench.canvas.boxes["db"].port is None  # a database routes nowhere: no port
    drag_from_palette(bench, "load_balancer", _box_point(bench, "api", 90, 200))
    drag_from_palette(bench, "cache", _box_point(bench, "db", 90, 200))
    wire(bench, "load_balancer", "cache")
    assert "cannot route to a cache" in bench.message.text()
    assert "targets may point at a database or matcher or notifier" in bench.message.text()
    assert bench.undo_stack.count() == 2 and "targets" not in bench.text()
    assert not bench.valid  # a balancer without targets: Run waits for it
    wire(bench, "load_balancer", "api")  # one field fits: no menu
    assert loads_design(bench.text()).component("load_balancer").targets == ["api"]
    assert bench.valid and bench.message.text() == ""


def test_rubber_band_delete_is_one_undo_step(bench: DesignWorkbench) -> None:
    drag_from_palette(bench, "service", _box_point(bench, "db", 90, 200))
    wire(bench, "service", "db")  # menu: calls or then
    bench.connect_menu.actions()[0].trigger()
    steps = bench.undo_stack.count()
    before = bench.text()
    db, new = bench.canvas.boxes["db"].sceneBoundingRect(), bench.canvas.boxes["service"]
    band = db.united(new.sceneBoundingRect()).adjusted(-15, -15, 15, 15)
    drag(bench, _vp(bench, band.topLeft()), _vp(bench, band.bottomRight()))
    assert set(bench.canvas.selected_names()) == {"db", "service"}
    key(bench, Qt.Key.Key_Delete)
    assert set(bench.canvas.boxes) == {"api"} and bench.undo_stack.count() == steps + 1
    assert loads_design(bench.text()).component("api").calls == []
    assert "# the front door" in bench.text()
    key(bench, Qt.Key.Key_Z, CTRL)
    assert bench.text() == before


def test_deleting_an_entry_is_refused(bench: DesignWorkbench) -> None:
    QTest.mouseClick(bench.canvas.viewport(), LEFT, pos=_box_point(bench, "api"))
    assert bench.canvas.selected_names() == ["api"]
    key(bench, Qt.Key.Key_Delete)
    assert "request class 'match' enters" in bench.message.text()
    assert set(bench.canvas.boxes) == {"api", "db"}


def test_copy_paste_gives_fresh_names(bench: DesignWorkbench) -> None:
    QTest.mouseClick(bench.canvas.viewport(), LEFT, pos=_box_point(bench, "api"))
    QTest.mouseClick(
        bench.canvas.viewport(), LEFT, Qt.KeyboardModifier.ControlModifier, _box_point(bench, "db")
    )
    key(bench, Qt.Key.Key_C, CTRL)
    key(bench, Qt.Key.Key_V, CTRL)
    design = loads_design(bench.text())
    assert design.component("api_2").calls == ["db_2"]
    assert set(bench.canvas.selected_names()) == {"api_2", "db_2"}
    key(bench, Qt.Key.Key_V, CTRL)
    assert "api_3" in bench.canvas.boxes and bench.undo_stack.count() == 2


def test_typing_in_the_toml_tab_redraws_and_is_one_undo_step(qtbot, bench) -> None:
    bench.tabs.setCurrentWidget(bench.editor)
    edit = bench.editor.text_edit
    edit.setFocus()
    edit.moveCursor(QTextCursor.MoveOperation.End)
    for line in ("", "[[components]]", 'name = "queue_db"', 'kind = "database"', "pool_size = 2"):
        qtbot.keyClicks(edit, line)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert "queue_db" not in bench.canvas.boxes  # not valid yet: no step, old picture
    qtbot.keyClicks(edit, 'service_ms = { dist = "deterministic", mean = 3.0 }')
    qtbot.waitUntil(lambda: "queue_db" in bench.canvas.boxes, timeout=5_000)
    assert bench.undo_stack.count() == 1 and bench.undo_stack.undoText() == "Edit TOML"
    bench.tabs.setCurrentWidget(bench.diagram_page)
    bench.canvas.setFocus()
    key(bench, Qt.Key.Key_Z, CTRL)
    assert bench.text() == SMALL and "queue_db" not in bench.canvas.boxes


def test_zoom_and_fit(bench: DesignWorkbench) -> None:
    level = bench.canvas.zoom_level()
    key(bench, Qt.Key.Key_Equal, CTRL)
    assert bench.canvas.zoom_level() > level
    key(bench, Qt.Key.Key_Minus, CTRL)
    key(bench, Qt.Key.Key_Minus, CTRL)
    assert bench.canvas.zoom_level() < level
    key(bench, Qt.Key.Key_0, CTRL)
    assert bench.canvas.zoom_level() == pytest.approx(level)


def test_the_lab_asks_before_closing_over_unsaved_edits(qtbot, monkeypatch) -> None:
    lab = DesignLab()
    qtbot.addWidget(lab)
    qtbot.waitUntil(lambda: lab.current is not None, timeout=10_000)
    assert lab.maybe_close()
    lab.workbench.add_component("cache", (0, 300))
    asked: list[str] = []

    def answer(_parent, _title, text, *_a):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", answer)
    assert not lab.maybe_close() and "monolith.toml" in asked[0]


def test_an_arrow_is_selected_by_clicking_it_and_deleted_with_del(bench) -> None:
    [edge] = bench.canvas.edges
    QTest.mouseClick(bench.canvas.viewport(), LEFT, pos=_vp(bench, edge.path().pointAtPercent(0.3)))
    assert bench.canvas.selected_edges() == [("api", "db", "calls")]
    key(bench, Qt.Key.Key_Delete)
    assert bench.canvas.edges == [] and "calls" not in bench.text()
    assert set(bench.canvas.boxes) == {"api", "db"}


def test_f2_renames_and_references_follow(bench, monkeypatch) -> None:
    QTest.mouseClick(bench.canvas.viewport(), LEFT, pos=_box_point(bench, "db"))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("store", True))
    key(bench, Qt.Key.Key_F2)
    design = loads_design(bench.text())
    assert design.component("api").calls == ["store"]
    assert bench.canvas.selected_names() == ["store"]


class FakePanel(QWidget):
    """Stands in for the properties panel: records what it is shown, proposes an edit."""

    edit_proposed = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[tuple[str | None, bool]] = []

    def show_selection(self, text: str, design, component: str | None) -> None:  # type: ignore[no-untyped-def]
        self.shown.append((component, design is not None))


def test_the_properties_slot_sees_selections_and_its_edits_are_undo_steps(bench) -> None:
    panel = FakePanel()
    bench.set_properties_panel(panel)
    assert panel.shown[-1] == (None, True)  # nothing selected: the workload
    QTest.mouseClick(bench.canvas.viewport(), LEFT, pos=_box_point(bench, "api"))
    assert panel.shown[-1] == ("api", True)
    panel.edit_proposed.emit(bench.text().replace("workers = 2", "workers = 7"), "Set workers")
    assert loads_design(bench.text()).component("api").workers == 7
    assert bench.undo_stack.undoText() == "Set workers"
    key(bench, Qt.Key.Key_Z, CTRL)
    assert bench.text() == SMALL


def test_the_window_title_shows_unsaved_lab_edits(qtbot) -> None:
    from freightlab.ui.window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.tabs.setCurrentIndex(1)
    lab = window.design_lab
    qtbot.waitUntil(lambda: lab.current is not None, timeout=10_000)
    assert "monolith.toml" in window.windowTitle() and "*" not in window.windowTitle()
    lab.workbench.add_component("cache", (0, 300))
    assert window.windowTitle().startswith("*monolith.toml")
    lab.workbench.undo_stack.undo()
    assert not window.windowTitle().startswith("*")


def test_the_wheel_zooms_and_the_middle_button_pans(qtbot, bench) -> None:
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    canvas = bench.canvas
    level = canvas.zoom_level()
    centre = QPointF(canvas.viewport().rect().center())
    wheel = QWheelEvent(
        centre,
        QPointF(canvas.viewport().mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas.viewport(), wheel)
    assert canvas.zoom_level() == pytest.approx(level * 1.2)
    before = canvas.mapToScene(canvas.viewport().rect().center())
    vp, mid = canvas.viewport(), Qt.MouseButton.MiddleButton
    start = vp.rect().center()
    QTest.mousePress(vp, mid, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(vp, start + QPoint(-60, -40))
    QTest.mouseRelease(vp, mid, Qt.KeyboardModifier.NoModifier, start + QPoint(-60, -40))
    after = canvas.mapToScene(canvas.viewport().rect().center())
    assert after.x() > before.x() + 20 and after.y() > before.y() + 10
    assert bench.undo_stack.count() == 0  # looking around is not an edit


def test_a_move_that_lands_where_it_was_is_not_a_step(bench) -> None:
    start = _box_point(bench, "db")
    drag(bench, start, start + QPoint(2, 1))  # snaps back to the same place
    assert bench.undo_stack.count() == 0
    assert bench.canvas.boxes["db"].scenePos() == QPointF(290, 0)


def test_the_palette_lists_every_kind_from_the_registry(bench) -> None:
    from designs.kinds import KINDS

    palette = bench.component_palette
    assert palette.objectName() == "component_palette"
    assert palette.kinds() == list(KINDS)
    for kind, spec in KINDS.items():
        item = palette.item_for(kind)
        assert spec.label in item.text() and spec.tooltip in item.toolTip()
    palette.setCurrentItem(palette.item_for("notifier"))
    QTest.keyClick(palette, Qt.Key.Key_Return)  # the keyboard way: added in the middle
    assert "notifier" in bench.canvas.boxes
    assert loads_design(bench.text()).component("notifier").fanout == 1


def test_moving_a_multi_selection_is_one_step(bench) -> None:
    QTest.mouseClick(bench.canvas.viewport(), LEFT, pos=_box_point(bench, "api"))
    QTest.mouseClick(
        bench.canvas.viewport(), LEFT, Qt.KeyboardModifier.ControlModifier, _box_point(bench, "db")
    )
    start = _box_point(bench, "db")
    drag(bench, start, start + QPoint(0, 120))
    layout = loads_design(bench.text()).layout
    assert layout["api"][1] == layout["db"][1] > 50
    assert bench.undo_stack.count() == 1 and bench.undo_stack.undoText() == "Move api, db"


def test_opening_another_design_fits_it_in_view(bench) -> None:
    bench.canvas.zoom(3.0)
    bench.set_text((CATALOG / "notification_dlq.toml").read_text(encoding="utf-8"))
    view = bench.canvas.mapToScene(bench.canvas.viewport().rect()).boundingRect()
    for box in bench.canvas.boxes.values():
        assert view.contains(box.sceneBoundingRect())
    assert bench.undo_stack.count() == 0
