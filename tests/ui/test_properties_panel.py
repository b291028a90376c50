"""The properties panel driven by keys and clicks, with a small text holder standing in for
the workbench: it applies each proposal and shows the selection again."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QWidget,
)
from shiboken6 import isValid

from designs import field_edits as fe
from designs.loader import loads_design
from designs.schema import Design
from freightlab.errors import InputError
from freightlab.ui.field_widgets import DEBOUNCE_MS, Editor, NumberEditor, _Spin
from freightlab.ui.properties_panel import PropertiesPanel

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"
SHOTS = Path(__file__).resolve().parents[2] / "out"


class Holder:
    """The workbench's part: hold the text, apply proposals, show the selection again."""

    def __init__(self, panel: PropertiesPanel, text: str, component: str | None) -> None:
        self.panel, self.text, self.component = panel, text, component
        self.labels: list[str] = []
        panel.edit_proposed.connect(self.apply)
        self.refresh()

    def apply(self, text: str, label: str) -> None:
        self.text = text
        self.labels.append(label)
        self.refresh()

    def refresh(self) -> None:
        self.panel.show_selection(self.text, self.design(), self.component)

    def design(self) -> Design | None:
        try:
            return loads_design(self.text)
        except InputError:
            return None

    def select(self, component: str | None) -> None:
        self.component = component
        self.refresh()


def _open(qtbot, design: str, component: str | None, width: int = 340) -> Holder:
    panel = PropertiesPanel()
    qtbot.addWidget(panel)
    panel.resize(width, 900)
    holder = Holder(panel, (CATALOG / f"{design}.toml").read_text(), component)
    panel.show()
    qtbot.waitExposed(panel)
    return holder


def _editor(panel: QWidget, path: str, index: int = 0) -> Editor:
    found = panel.findChildren(Editor, f"field_{path.replace('.', '__')}")
    assert len(found) > index, path
    return found[index]


def _spin(panel: QWidget, path: str, index: int = 0) -> _Spin:
    editor = _editor(panel, path, index)
    assert isinstance(editor, NumberEditor)
    return editor.spin


def _reveal(qtbot, widget: QWidget) -> QWidget:
    """Scroll the panel so ``widget`` shows (a click lands where a person would see it)."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    if parent is not None:
        parent.ensureWidgetVisible(widget, 10, 40)
        qtbot.waitUntil(lambda: not widget.visibleRegion().isEmpty())
    return widget


def _click(qtbot, widget: QWidget) -> None:
    """Click it where a person would: a check box on its box, anything else mid-way."""
    pos = (
        QPoint(7, widget.height() // 2) if isinstance(widget, QCheckBox) else widget.rect().center()
    )
    qtbot.mouseClick(_reveal(qtbot, widget), Qt.MouseButton.LeftButton, pos=pos)


def _type_into(qtbot, spin: _Spin, text: str, enter: bool = True) -> None:
    _reveal(qtbot, spin)
    qtbot.mouseClick(spin.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, text)
    if enter:
        qtbot.keyClick(spin, Qt.Key.Key_Return)


def _choose(qtbot, combo: QComboBox, text: str) -> None:
    """Open the combo with a click and click the item showing ``text``."""
    _click(qtbot, combo)
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    # A popup ignores a release within a double-click interval of opening (Qt's guard
    # against the opening click selecting): let that pass, as a person's would.
    opened = time.monotonic()
    guard = QApplication.doubleClickInterval() / 1000 + 0.05
    qtbot.waitUntil(lambda: time.monotonic() - opened > guard)
    index = combo.findText(text)
    assert index >= 0, (text, [combo.itemText(i) for i in range(combo.count())])
    model_index = view.model().index(index, 0)
    view.scrollTo(model_index)
    rect = view.visualRect(model_index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not isValid(view) or not view.isVisible())


def _problem(editor: Editor) -> str:
    return editor.problem.text() if editor.problem.isVisibleTo(editor.window()) else ""


def test_typing_workers_proposes_one_edit_that_loads(qtbot) -> None:
    h = _open(qtbot, "cache_aside", "matcher")
    spin = _spin(h.panel, "workers")
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _type_into(qtbot, spin, "6")
    assert h.labels == ["Set matcher.workers to 6"]
    assert loads_design(h.text).component("matcher").workers == 6
    assert "# " not in h.text or "#" in (CATALOG / "cache_aside.toml").read_text()
    assert spin.value() == 6 and "2 x 6 workers" in h.panel.subtitle.text()


def test_arrow_steps_settle_into_one_undo_step(qtbot) -> None:
    h = _open(qtbot, "cache_aside", "matcher")
    spin = _spin(h.panel, "replicas")
    qtbot.mouseClick(spin.lineEdit(), Qt.MouseButton.LeftButton)
    for _ in range(4):
        qtbot.keyClick(spin, Qt.Key.Key_Up)
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=DEBOUNCE_MS * 10):
        pass
    assert h.labels == ["Set matcher.replicas to 6"]
    assert loads_design(h.text).component("matcher").replicas == 6


def test_choosing_a_distribution_changes_the_preview(qtbot) -> None:
    h = _open(qtbot, "cache_aside", "matcher")
    editor = _editor(h.panel, "service_ms")
    preview = editor.preview  # type: ignore[attr-defined]
    before = preview.shape
    assert before is not None and not before.spike
    combo = h.panel.findChild(QComboBox, "field_service_ms__dist")
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _choose(qtbot, combo, "deterministic")
    service = loads_design(h.text).component("matcher").service_ms
    assert service is not None and (service.dist, service.mean) == ("deterministic", 20.0)
    assert h.labels == ["Set matcher.service_ms to deterministic"]
    editor = _editor(h.panel, "service_ms")
    assert editor.preview.shape is not None and editor.preview.shape.spike  # type: ignore[attr-defined]
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _choose(qtbot, combo, "erlang")
    assert _spin(h.panel, "service_ms.k").value() == 2  # the new shape's parameter row
    assert not _editor(h.panel, "service_ms").preview.shape.spike  # type: ignore[attr-defined]


def test_the_preview_follows_a_mean_as_it_is_typed(qtbot) -> None:
    h = _open(qtbot, "cache_aside", "matcher")
    preview = _editor(h.panel, "service_ms").preview  # type: ignore[attr-defined]
    mean_before = preview.shape.mean_ms
    _type_into(qtbot, _spin(h.panel, "service_ms.mean"), "200", enter=False)
    qtbot.waitUntil(lambda: preview.shape.mean_ms > 5 * mean_before)
    assert h.labels == []  # typing alone proposes nothing


def test_a_negative_mean_is_proposed_and_the_loader_message_shows_under_it(qtbot) -> None:
    h = _open(qtbot, "cache_aside", "matcher")
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _type_into(qtbot, _spin(h.panel, "service_ms.mean"), "-5")
    assert h.design() is None  # the text is invalid, and was proposed all the same
    expected = fe.check(h.text).for_target(fe.component("matcher"))["service_ms.mean"]
    message = _problem(_editor(h.panel, "service_ms.mean"))
    assert message == "\n".join(expected) and "greater than or equal to 0" in message
    assert _problem(_editor(h.panel, "workers")) == ""
    assert "#c62828" in _editor(h.panel, "service_ms.mean").problem.styleSheet()


def test_zero_replicas_shows_the_message_while_typing_then_clears(qtbot) -> None:
    h = _open(qtbot, "cache_aside", "matcher")
    editor = _editor(h.panel, "replicas")
    _type_into(qtbot, _spin(h.panel, "replicas"), "0", enter=False)
    qtbot.waitUntil(lambda: "greater than or equal to 1" in _problem(editor), timeout=3000)
    assert h.labels == []
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        qtbot.keyClick(_spin(h.panel, "replicas"), Qt.Key.Key_Return)
    assert "replicas = 0" in h.text
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _type_into(qtbot, _spin(h.panel, "replicas"), "3")
    assert _problem(_editor(h.panel, "replicas")) == ""
    assert loads_design(h.text).component("matcher").replicas == 3


def test_edit_a_workload_class_rate(qtbot) -> None:
    h = _open(qtbot, "cache_aside", None)
    assert h.panel.title.text() == "Workload"
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _type_into(qtbot, _spin(h.panel, "arrival.rate_rps"), "90")
    assert h.labels == ["Set class match.arrival.rate_rps to 90"]
    assert loads_design(h.text).workload.classes[0].arrival.rate_rps == 90.0


def test_switch_a_class_to_diurnal_arrivals(qtbot) -> None:
    h = _open(qtbot, "cache_aside", None)
    combo = h.panel.findChild(QComboBox, "field_arrival__process")
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _choose(qtbot, combo, "diurnal")
    arrival = loads_design(h.text).workload.classes[0].arrival
    assert (arrival.process, arrival.rate_rps, arrival.amplitude) == ("diurnal", 150.0, 0.5)
    assert _spin(h.panel, "arrival.period_s").value() == 3600


def test_edit_retry_and_breaker_sub_forms(qtbot) -> None:
    h = _open(qtbot, "retry_storm_breaker", "pricing_api")
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _type_into(qtbot, _spin(h.panel, "retry.attempts"), "2")
    retry = loads_design(h.text).component("pricing_api").retry
    assert retry is not None and retry.attempts == 2 and retry.jitter == "full"
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _choose(qtbot, h.panel.findChild(Editor, "field_retry__jitter").combo, "equal")  # type: ignore[union-attr]
    assert loads_design(h.text).component("pricing_api").retry.jitter == "equal"  # type: ignore[union-attr]
    toggle = h.panel.findChild(QCheckBox, "field_circuit_breaker__on")
    assert toggle.isChecked()
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _click(qtbot, toggle)
    assert loads_design(h.text).component("pricing_api").circuit_breaker is None
    assert h.labels[-1] == "Clear pricing_api.circuit_breaker"
    toggle = h.panel.findChild(QCheckBox, "field_circuit_breaker__on")
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _click(qtbot, toggle)
    breaker = loads_design(h.text).component("pricing_api").circuit_breaker
    assert breaker is not None and breaker.failure_ratio == 0.5
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _type_into(qtbot, _spin(h.panel, "circuit_breaker.open_s"), "7.5")
    assert loads_design(h.text).component("pricing_api").circuit_breaker.open_s == 7.5  # type: ignore[union-attr]


def test_edit_autoscale_and_see_a_bound_problem(qtbot) -> None:
    h = _open(qtbot, "autoscale_diurnal", "matcher")
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _type_into(qtbot, _spin(h.panel, "autoscale.max"), "20")
    autoscale = loads_design(h.text).component("matcher").autoscale
    assert autoscale is not None and autoscale.max == 20
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _type_into(qtbot, _spin(h.panel, "autoscale.max"), "3")  # below replicas = 5
    assert h.design() is None
    assert "within autoscale [1, 3]" in _problem(_editor(h.panel, "replicas"))


def test_clearing_an_optional_field_with_its_check_box(qtbot) -> None:
    h = _open(qtbot, "retry_storm_breaker", "rate_backend")
    editor = _editor(h.panel, "queue_limit")
    assert isinstance(editor, NumberEditor) and editor.check.isChecked()
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _click(qtbot, editor.check)
    assert loads_design(h.text).component("rate_backend").queue_limit is None
    assert h.labels == ["Clear rate_backend.queue_limit"]
    editor = _editor(h.panel, "timeout_ms")
    assert isinstance(editor, NumberEditor)
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _click(qtbot, editor.check)
    assert loads_design(h.text).component("rate_backend").timeout_ms == 1000.0


def test_fault_kind_switch_and_strategy_choice(qtbot) -> None:
    h = _open(qtbot, "retry_storm_breaker", None)
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _choose(qtbot, h.panel.findChild(Editor, "field_kind").combo, "outage")  # type: ignore[union-attr]
    fault = loads_design(h.text).faults[0]
    assert (fault.kind, fault.factor, fault.duration_s) == ("outage", None, 30.0)
    assert h.panel.findChildren(Editor, "field_factor") == []
    h2 = _open(qtbot, "autoscale_diurnal", "lb")
    with qtbot.waitSignal(h2.panel.edit_proposed, timeout=3000):
        _choose(qtbot, h2.panel.findChild(Editor, "field_strategy").combo, "power of two")  # type: ignore[union-attr]
    assert loads_design(h2.text).component("lb").strategy == "power_of_two"


def test_comments_survive_a_panel_edit(qtbot) -> None:
    h = _open(qtbot, "cache_aside", "matcher")
    h.text = "# keep me\n" + h.text.replace("replicas = 2", "replicas = 2  # two")
    h.refresh()
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _type_into(qtbot, _spin(h.panel, "workers"), "5")
    assert h.text.startswith("# keep me\n") and "replicas = 2  # two" in h.text


def test_a_text_that_does_not_parse_is_said_so(qtbot) -> None:
    h = _open(qtbot, "cache_aside", "matcher")
    h.text = "name = "
    h.refresh()
    assert h.panel.title.text() == "The design does not parse"
    assert h.panel.findChildren(Editor) == []


@pytest.mark.parametrize(
    ("design", "component"),
    [
        ("cache_aside", "matcher"),
        ("cache_aside", "distance_cache"),
        ("async_broker", "load_events"),
        ("retry_storm_breaker", "pricing_api"),
        ("matcher_batching", "matcher"),
        ("retry_storm_breaker", None),
    ],
)
@pytest.mark.parametrize("width", [340, 520])
def test_screenshots(qtbot, design: str, component: str | None, width: int) -> None:
    h = _open(qtbot, design, component, width=width)
    h.panel.resize(width, 780)
    body, viewport = h.panel.scroller.widget(), h.panel.scroller.viewport()
    qtbot.waitUntil(lambda: body.width() == viewport.width())  # laid out: nothing clipped
    SHOTS.mkdir(exist_ok=True)
    image = h.panel.grab()
    path = SHOTS / f"properties_{design}_{component or 'workload'}_{width}.png"
    assert image.save(str(path))
    assert h.panel.findChildren(QLabel, "properties_section")


def test_tick_keys_on_a_class_and_edit_their_count(qtbot) -> None:
    h = _open(qtbot, "retry_storm_breaker", None)
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _click(qtbot, h.panel.findChild(QCheckBox, "field_keys__on"))
    keys = loads_design(h.text).workload.classes[0].keys
    assert keys is not None and (keys.dist, keys.count) == ("zipf", 1000)
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _type_into(qtbot, _spin(h.panel, "keys.count"), "5000")
    assert loads_design(h.text).workload.classes[0].keys.count == 5000  # type: ignore[union-attr]


def _line(qtbot, panel: QWidget, path: str, text: str) -> None:
    line = _editor(panel, path).line  # type: ignore[attr-defined]
    _click(qtbot, line)
    qtbot.keyClick(line, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def test_calibration_lists_and_their_loader_message(qtbot) -> None:
    h = _open(qtbot, "matcher_batching", "matcher")
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _line(qtbot, h.panel, "calibration.sizes", "10, 100")
    assert h.design() is None
    message = _problem(_editor(h.panel, "calibration"))
    assert "'ms' has" in message and "'sizes' 2" in message


def test_calls_as_a_list_of_names(qtbot) -> None:
    h = _open(qtbot, "cache_aside", "matcher")
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _line(qtbot, h.panel, "calls", "distance_cache, routes_db")
    assert loads_design(h.text).component("matcher").calls == ["distance_cache", "routes_db"]
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _line(qtbot, h.panel, "calls", "ghost")
    assert _problem(_editor(h.panel, "calls")) == "unknown component 'ghost'"


def test_add_and_remove_a_fault_and_a_class_with_buttons(qtbot) -> None:
    h = _open(qtbot, "cache_aside", None)
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _click(qtbot, h.panel.findChild(QPushButton, "add_fault_button"))
    assert h.labels == ["Add outage on matcher"]
    assert [f.kind for f in loads_design(h.text).faults] == ["outage"]
    assert _editor(h.panel, "at_s") is not None  # the new fault's form is there
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _click(qtbot, h.panel.findChild(QPushButton, "add_class_button"))
    assert [c.name for c in loads_design(h.text).workload.classes] == ["match", "class_2"]
    removers = h.panel.findChildren(QToolButton, "remove_button")
    assert [b.toolTip() for b in removers] == [
        "Remove class match",
        "Remove class class_2",
        "Remove fault #1",
    ]
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _click(qtbot, removers[2])
    assert loads_design(h.text).faults == []
    with qtbot.waitSignal(h.panel.edit_proposed, timeout=3000):
        _click(qtbot, h.panel.findChildren(QToolButton, "remove_button")[0])
    assert [c.name for c in loads_design(h.text).workload.classes] == ["class_2"]
    assert h.labels[-1] == "Remove class match"


class _WindowShows(QObject):
    """Records every widget shown as a window of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        shown = event.type() == QEvent.Type.Show and isinstance(watched, QWidget)
        if shown and watched.isWindow():  # type: ignore[attr-defined]
            self.shown.append(type(watched).__name__)
        return False


def test_the_panel_never_shows_a_window_of_its_own(qtbot) -> None:
    """Building forms must not flash a parentless widget: it would be a window of its own,
    take activation from the host, and the host's shortcuts would stop working."""
    host = QWidget()
    qtbot.addWidget(host)
    panel = PropertiesPanel(host)
    panel.resize(340, 700)
    host.show()
    qtbot.waitExposed(host)
    spy = _WindowShows()
    QApplication.instance().installEventFilter(spy)
    try:
        for design, component in [("retry_storm_breaker", "rate_backend"), ("cache_aside", None)]:
            text = (CATALOG / f"{design}.toml").read_text()
            panel.show_selection(text, loads_design(text), component)
    finally:
        QApplication.instance().removeEventFilter(spy)
    assert spy.shown == []


def test_the_panel_asks_little_height_of_its_host(qtbot) -> None:
    panel = PropertiesPanel()
    qtbot.addWidget(panel)
    text = (CATALOG / "cache_aside.toml").read_text()
    panel.show_selection(text, loads_design(text), "matcher")
    assert panel.minimumSizeHint().height() < 100  # the form scrolls in what it gets
