"""The properties panel: the selected component's fields as a form (or, with no component
selected, the workload's run settings, request classes and faults).

The panel never changes anything itself. Each finished edit becomes new design text
(designs.field_edits.propose, comments kept) sent by ``edit_proposed(text, undo_label)``; the
workbench pushes it on its undo stack and calls ``show_selection`` with the text it now holds.
Invalid values are proposed too (the TOML tab shows them, Run is disabled) and the loader's
message appears in red under the field it concerns.

Undo granularity: a spin box proposes when editing is finished (Enter, focus leaving) or,
for arrow-key and wheel steps, once the steps have rested for DEBOUNCE_MS, so holding an
arrow makes one undo step, not one per tick. While a figure is being typed the text it would
make is checked (debounced, LIVE_CHECK_MS) and the messages shown, without proposing.
"""

from __future__ import annotations

import dataclasses
import html
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QLocale, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from designs import field_edits as fe
from designs import fields
from designs.fields import FieldSpec
from designs.kinds import KINDS
from designs.schema import Design
from freightlab.ui.field_widgets import ERROR_COLOUR, Context, Edit, Editor, field_label, form
from freightlab.ui.shape_editors import make_editor as _make_editor

LIVE_CHECK_MS = 250
MAX_FORM_WIDTH = 560  # in a wide slot the form keeps a readable width, left-aligned


@dataclass
class _Group:
    """The editors of one target (a component, the workload, a class or a fault)."""

    target: fe.Target
    specs: tuple[FieldSpec, ...]
    editors: dict[str, Editor] = field(default_factory=dict)  # top-level, by field name

    def all_editors(self) -> dict[str, Editor]:
        out: dict[str, Editor] = {}
        for editor in self.editors.values():
            out.update(editor.editors())
        return out


class PropertiesPanel(QWidget):
    """``show_selection(text, design, component)``; ``edit_proposed(new_text, undo_label)``."""

    edit_proposed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("properties_panel")
        self.setLocale(QLocale.c())  # figures as the design file writes them: 12.5, not 12,5
        self.title = QLabel()
        self.title.setObjectName("properties_title")
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.subtitle = QLabel()
        self.subtitle.setObjectName("properties_subtitle")
        self.subtitle.setStyleSheet("color: #666;")
        self.subtitle.setWordWrap(True)
        self.banner = QLabel()
        self.banner.setObjectName("properties_problems")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.hide()
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setMinimumHeight(24)
        self.scroller.setAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        )  # the host decides how much room the form gets
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 4)
        layout.setSpacing(4)
        for w in (self.title, self.subtitle, self.banner):
            layout.addWidget(w)
        layout.addWidget(self.scroller, 1)
        self._text = ""
        self._groups: list[_Group] = []
        self._form_key: tuple[Any, ...] | None = None
        self._pending: tuple[fe.Target, Edit] | None = None
        self._live = QTimer(self)
        self._live.setSingleShot(True)
        self._live.setInterval(LIVE_CHECK_MS)
        self._live.timeout.connect(self._check_pending)
        self._show_message("Nothing selected", "")

    # --- what the workbench calls ------------------------------------------------------

    def text(self) -> str:
        """The design text the panel shows (and proposes edits to)."""
        return self._text

    def show_selection(self, text: str, design: Design | None, component: str | None) -> None:
        """Show ``component`` of the design ``text`` (None: the workload and faults).
        ``design`` is the loaded text when it is valid (for capacity summaries)."""
        self._text = text
        self._pending = None
        self._live.stop()
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            self._show_message("The design does not parse", f"Fix it in the TOML tab: {exc}")
            return
        result = fe.Check(design) if design is not None else fe.check(text)
        if component is None:
            self._show_workload(data)
        else:
            self._show_component(data, component, design)
        self._show_problems(result)

    # --- building the forms ------------------------------------------------------------

    def _show_message(self, title: str, detail: str) -> None:
        self.title.setText(title)
        self.subtitle.setText(detail)
        self.banner.hide()
        self._groups, self._form_key = [], None
        self._replace_body(QWidget())

    def _replace_body(self, body: QWidget) -> None:
        """Swap the form; the old one goes later, as its widget may be mid-signal (a
        combo whose choice changed the form's shape)."""
        old = self.scroller.widget()
        if old is not None:
            old.hide()  # while still inside: focus moves on within the window
            self.scroller.takeWidget()  # parentless now, hidden, and soon gone
            old.deleteLater()
        self.scroller.setWidget(body)

    def _show_component(self, data: dict[str, Any], name: str, design: Design | None) -> None:
        raw = _named(data.get("components"), name)
        kind = raw.get("kind") if raw is not None else None
        if raw is None or not isinstance(kind, str) or kind not in KINDS:
            self._show_message(name, "No such component in the design" if raw is None else "")
            return
        spec = KINDS[kind]
        self.title.setText(f"{spec.icon}  {name}")
        self.subtitle.setText(_summary(kind, name, design))
        ctx = Context(names=_names(data, but=name), kind=kind)
        key = ("component", name, kind, tuple(ctx.names))
        if key != self._form_key:
            group = _Group(fe.component(name), fields.component_fields(kind))
            body = self._build([(group, fields.by_section(group.specs))], ctx)
            self._fill(self._groups[0], raw)
            self._place(body, key)  # filled first: folded sub-forms take no room
        else:
            self._fill(self._groups[0], raw)

    def _show_workload(self, data: dict[str, Any]) -> None:
        found = data.get("workload")
        workload: dict[str, Any] = found if isinstance(found, dict) else {}
        classes = [c for c in workload.get("classes", []) if isinstance(c, dict)]
        faults = [f for f in data.get("faults", []) if isinstance(f, dict)]
        self.title.setText("Workload")
        self.subtitle.setText(
            f"{len(classes)} request class(es), {len(faults)} fault(s). "
            "Select a component to edit it."
        )
        ctx = Context(names=_names(data))
        fault_kinds = tuple(str(f.get("kind")) for f in faults)
        key = ("workload", tuple(str(c.get("name")) for c in classes), fault_kinds, ctx.names)
        body = (
            self._build(_workload_layout(classes, fault_kinds), ctx, _WORKLOAD_ACTIONS)
            if key != self._form_key
            else None
        )
        for group, raw in zip(self._groups, [workload, *classes, *faults], strict=True):
            self._fill(group, raw)
        if body is not None:
            self._place(body, key)

    def _build(self, layout: _Layout, ctx: Context, actions: Sequence[_Action] = ()) -> QWidget:
        """A fresh form: per group its sections (a class's or fault's first heading with a
        remove button), then the ``actions`` as buttons."""
        body = QWidget()
        body.setObjectName("properties_body")
        body.setMaximumWidth(MAX_FORM_WIDTH)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 6, 6)
        column.setSpacing(2)
        self._groups = []
        rows = form()  # one form, so labels line up across sections
        column.addLayout(rows)
        for group, sections in layout:
            for i, (section, specs) in enumerate(sections):
                remover = _REMOVERS.get(group.target.table) if i == 0 else None
                if section:
                    rows.addRow(self._heading(section, group.target, remover))
                for spec in specs:
                    editor = self._editor(spec, group.target, ctx)
                    group.editors[spec.name] = editor
                    _add_row(rows, spec, editor)
            self._groups.append(group)
        if actions:
            rows.addRow(self._buttons(actions))
        column.addStretch(1)
        return body

    def _place(self, body: QWidget, key: tuple[Any, ...]) -> None:
        position = self.scroller.verticalScrollBar().value()
        self._replace_body(body)
        self._form_key = key
        self.scroller.verticalScrollBar().setValue(position)

    def _heading(self, text: str, target: fe.Target, remover: _Remover | None) -> QWidget:
        label = _heading_label(text)
        if remover is None:
            return label
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(label, 1)
        button = QToolButton()
        button.setObjectName("remove_button")
        button.setText("✕")
        button.setAutoRaise(True)
        button.setToolTip(f"Remove {target.label()}")
        button.clicked.connect(lambda: self._propose(lambda text: remover(text, target.key)))
        line.addWidget(button, 0, Qt.AlignmentFlag.AlignBottom)
        return row

    def _buttons(self, actions: Sequence[_Action]) -> QWidget:
        bar = QWidget()
        line = QHBoxLayout(bar)
        line.setContentsMargins(0, 10, 0, 0)
        for name, text, tip, make in actions:
            button = QPushButton(text)
            button.setObjectName(name)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, make=make: self._propose(make))
            line.addWidget(button)
        line.addStretch(1)
        return bar

    def _propose(self, make: Callable[[str], tuple[str, str]]) -> None:
        """Propose what ``make`` turns the text into (an add or remove button's edit)."""
        try:
            text, label = make(self._text)
        except (fe.FieldEditError, StopIteration) as exc:
            self._banner([str(exc) or "no component to put it on"])
            return
        self._text = text
        self.edit_proposed.emit(text, label)

    def _editor(self, spec: FieldSpec, target: fe.Target, ctx: Context) -> Editor:
        editor = _make_editor(spec, spec.name, dataclasses.replace(ctx, target=target))
        editor.committed.connect(self._commit)  # bound methods: cheap to connect
        editor.typing.connect(self._typing)
        return editor

    @staticmethod
    def _fill(group: _Group, raw: dict[str, Any]) -> None:
        for name, editor in group.editors.items():
            editor.set_value(raw.get(name))

    # --- edits -------------------------------------------------------------------------

    def _commit(self, edit: Edit) -> None:
        target: fe.Target = edit.target
        self._live.stop()
        self._pending = None
        try:
            text, label = fe.propose(self._text, target, edit.path, edit.value, edit.cleared)
        except fe.FieldEditError as exc:
            self._banner([str(exc)])
            return
        if text == self._text:
            return
        self._text = text  # what was proposed; the workbench confirms by show_selection
        self.edit_proposed.emit(text, label)

    def _typing(self, edit: Edit) -> None:
        self._pending = (edit.target, edit)
        self._live.start()

    def _check_pending(self) -> None:
        """Check the text the figure being typed would make, and show its problems."""
        if self._pending is None:
            return
        target, edit = self._pending
        try:
            candidate, _ = fe.propose(self._text, target, edit.path, edit.value, edit.cleared)
        except fe.FieldEditError:
            return
        self._show_problems(fe.check(candidate))

    # --- problems ----------------------------------------------------------------------

    def _show_problems(self, result: fe.Check) -> None:
        """Each problem under the field it concerns; the rest in the banner."""
        unplaced: list[str] = []
        shown = {g.target for g in self._groups}
        for group in self._groups:
            editors = group.all_editors()
            placed: dict[str, list[str]] = {}
            for path, reasons in result.for_target(group.target).items():
                home = _home(path, editors)
                if home is None:
                    unplaced.extend(f"{_where(group.target, path)}: {r}" for r in reasons)
                else:
                    placed.setdefault(home, []).extend(reasons)
            for path, editor in editors.items():
                editor.show_problems(placed.get(path, []))
        others = [p.message for p in result.problems if p.target not in shown]
        self._banner(unplaced, others)

    def _banner(self, lines: Sequence[str], elsewhere: Sequence[str] = ()) -> None:
        parts = [html.escape(line) for line in lines]
        if elsewhere:
            noun = "problem" if len(elsewhere) == 1 else "problems"
            parts.append(f"{len(elsewhere)} {noun} elsewhere in the design")
        self.banner.setText(
            f"<span style='color:{ERROR_COLOUR}'>✗ " + "<br>✗ ".join(parts) + "</span>"
        )
        self.banner.setToolTip("\n".join(elsewhere))
        self.banner.setVisible(bool(parts))


def _home(path: str, editors: dict[str, Editor]) -> str | None:
    """The editor a problem at ``path`` belongs under: the deepest one whose path is it or
    a prefix of it (``service_ms.mean`` -> the mean box, ``service_ms`` -> the picker)."""
    parts = path.split(".") if path else []
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in editors:
            return candidate
    return None


def _where(target: fe.Target, path: str) -> str:
    return f"{target.label()}.{path}" if path else target.label()


def _add_row(rows: QFormLayout, spec: FieldSpec, editor: Editor) -> None:
    if spec.widget == "table":
        rows.addRow(editor)  # a group box with its own title
    else:
        rows.addRow(field_label(spec), editor)


def _heading_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("properties_section")
    label.setStyleSheet(
        "font-weight: 600; font-size: 11px; color: #37474f; padding-top: 8px;"
        "padding-bottom: 2px; border-bottom: 1px solid #d0d7de;"
    )
    return label


_Layout = list[tuple[_Group, list[tuple[str, tuple[FieldSpec, ...]]]]]
_Remover = Callable[[str, str | int], tuple[str, str]]
_Action = tuple[str, str, str, Callable[[str], tuple[str, str]]]

# How a class or a fault is removed (its heading's button).
_REMOVERS: dict[str, _Remover] = {
    "class": lambda text, key: fe.remove_class(text, str(key)),
    "fault": lambda text, key: fe.remove_fault(text, int(key)),
}


def _first_faultable(text: str) -> str:
    """The first component an outage applies to (a new fault starts there)."""
    data = tomllib.loads(text)
    return next(
        str(c["name"])
        for c in data.get("components", [])
        if isinstance(c, dict) and "outage" in getattr(KINDS.get(str(c.get("kind"))), "faults", ())
    )


def _first_entry(text: str) -> str:
    data = tomllib.loads(text)
    classes = data.get("workload", {}).get("classes", [])
    if classes and isinstance(classes[0], dict) and isinstance(classes[0].get("entry"), str):
        return str(classes[0]["entry"])
    return next(str(c["name"]) for c in data.get("components", []) if isinstance(c, dict))


_WORKLOAD_ACTIONS: tuple[_Action, ...] = (
    (
        "add_class_button",
        "Add class",
        "A new request class (Poisson, 1 req/s)",
        lambda text: fe.add_class(text, _first_entry(text)),
    ),
    (
        "add_fault_button",
        "Add fault",
        "An outage halfway through the run",
        lambda text: fe.add_fault(text, _first_faultable(text)),
    ),
)


def _workload_layout(classes: list[dict[str, Any]], fault_kinds: tuple[str, ...]) -> _Layout:
    run = fields.workload_fields()
    out: _Layout = [(_Group(fe.WORKLOAD, run), [("Run", run)])]
    for c in classes:
        name = str(c.get("name"))
        specs = fields.class_fields()
        out.append((_Group(fe.request_class(name), specs), [(f"Class '{name}'", specs)]))
    for i, kind in enumerate(fault_kinds):
        specs = fields.fault_fields(kind) if kind in fields.FAULT_KINDS else ()
        out.append((_Group(fe.fault(i), specs), [(f"Fault #{i + 1}", specs)]))
    return out


def _named(entries: Any, name: str) -> dict[str, Any] | None:
    if not isinstance(entries, list):
        return None
    return next((e for e in entries if isinstance(e, dict) and e.get("name") == name), None)


def _names(data: dict[str, Any], but: str | None = None) -> tuple[str, ...]:
    entries = data.get("components")
    found = (
        [e.get("name") for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    )
    return tuple(n for n in found if isinstance(n, str) and n != but)


def _summary(kind: str, name: str, design: Design | None) -> str:
    spec = KINDS[kind]
    if design is None:
        return spec.label
    try:
        c = design.component(name)
    except KeyError:
        return spec.label
    return f"{spec.label} · {spec.capacity_text(c)} · {c.replica_cost_per_hour():.2f} $/h each"
