"""The design workbench: palette | diagram and TOML tabs | properties, one widget for the Lab
and Rehearse.

There is one change path: every edit (a drop from the palette, a move, an arrow, a delete, a
paste, a property change, and typing in the TOML tab once the text validates again) becomes
one :class:`TextEdit` on the undo stack, holding the TOML text before and after; undo and
redo put that text back in the TOML tab and redraw the diagram from it. The structural edits
themselves are Qt-free (:mod:`designs.editing`), so comments in the file survive.

Loading a document is ``editor.set_text(text)`` (what the Lab and Rehearse did before the
workbench): it clears the undo history. Typing that does not validate yet is not a step; the
step is taken when the text next validates (so Ctrl+Z in the diagram returns to the last
valid text before the typing).
"""

from __future__ import annotations

import contextlib
import html
import importlib
from collections.abc import Callable
from functools import partial
from typing import Protocol, cast

from PySide6.QtCore import QPointF, Qt, Signal, SignalInstance
from PySide6.QtGui import (
    QAction,
    QCursor,
    QGuiApplication,
    QKeySequence,
    QResizeEvent,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QMenu,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from designs import editing
from designs.edges import EDGES
from designs.kinds import kind_spec
from designs.schema import Design
from designs.sketch import Flow, SketchError, sketch
from freightlab.ui.design_editor import DesignEditor
from simulation.ui.canvas import GRID, DesignCanvas
from simulation.ui.palette import ComponentPalette

PASTE_OFFSET = (40.0, 40.0)
COMPACT_BELOW = 640  # workbench width (px) under which the palette shows icons only
TALL = 1.4  # a canvas this much taller than wide lays unplaced boxes out top down
BESIDE_FROM = 1100  # and from which the properties sit beside the diagram, not under it


class SelectionPanel(Protocol):
    """What the workbench asks of the properties panel in its slot."""

    edit_proposed: SignalInstance  # (new TOML text, undo label)

    def show_selection(self, text: str, design: Design | None, component: str | None) -> None:
        """Show ``component`` of the text (None: the design's workload and faults)."""
        ...


class _PropertiesSlot(QWidget):
    """Where the properties panel goes until it is built: names what is selected."""

    edit_proposed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("properties_slot")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.label)

    def show_selection(self, text: str, design: Design | None, component: str | None) -> None:
        self.label.setText(f"<b>{component}</b>" if component else "<b>Workload</b>")


def _properties_panel() -> QWidget:
    """The properties panel (freightlab.ui.properties_panel) once it exists, else the slot."""
    try:
        module = importlib.import_module("freightlab.ui.properties_panel")
    except ModuleNotFoundError as exc:
        if exc.name != "freightlab.ui.properties_panel":
            raise
        return _PropertiesSlot()
    panel: QWidget = module.PropertiesPanel()
    return panel


class TextEdit(QUndoCommand):
    """One edit: the design text before and after."""

    def __init__(self, bench: DesignWorkbench, before: str, after: str, label: str) -> None:
        super().__init__(label)
        self.bench, self.before, self.after = bench, before, after

    def redo(self) -> None:
        self.bench._show_text(self.after)

    def undo(self) -> None:
        self.bench._show_text(self.before)


class DesignWorkbench(QWidget):
    text_changed = Signal(str)  # the text after any edit, undo, redo, typing or load
    validity_changed = Signal(bool)  # whether the text validates (Run needs it to)
    dirty_changed = Signal(bool)  # the text differs from the last load or save
    selection_changed = Signal(list)  # selected component names
    status_message = Signal(str)  # one line for the status bar (refusals say why)

    def __init__(
        self,
        parent: QWidget | None = None,
        source_name: str = "your design",
        canvas_name: str = "design_canvas",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("design_workbench")
        self.undo_stack = QUndoStack(self)
        self.editor = DesignEditor(source_name=source_name)
        self.canvas = DesignCanvas()
        self.canvas.setObjectName(canvas_name)
        self.component_palette = ComponentPalette()
        self.properties: QWidget = _properties_panel()
        self.message = QLabel()
        self.message.setObjectName("canvas_message")
        self.message.setWordWrap(True)
        self.connect_menu: QMenu | None = None
        self._committed = ""  # the text the undo history ends at
        self._saved = ""
        self._typed = False
        self._applying = False
        self._valid = False
        self._dirty = False
        self._arranged = False  # the first resize sizes the properties section
        self._flow: Flow = "right"  # how the automatic layout runs (tall canvases: down)
        self._build()
        self._wire()

    # --- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.actions_by_name = self._make_actions()
        bar = QToolBar()
        bar.setObjectName("workbench_toolbar")
        for name in ("undo", "redo", None, "zoom_in", "zoom_out", "fit"):
            if name is None:
                bar.addSeparator()
            else:
                bar.addAction(self.actions_by_name[name])
        diagram = QWidget()
        column = QVBoxLayout(diagram)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(bar)
        column.addWidget(self.canvas, 1)
        column.addWidget(self.message)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("workbench_tabs")
        self.tabs.addTab(diagram, "Diagram")
        self.tabs.addTab(self.editor, "TOML")
        self.tabs.setTabToolTip(0, "Drag components in from the palette; wire, move, delete")
        self.tabs.setTabToolTip(1, "Edit the design as text; it is checked as you type")
        self.diagram_page = diagram
        self.splitter = QSplitter(Qt.Orientation.Vertical)  # diagram/TOML | properties
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.properties)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setCollapsible(0, False)
        self.outer = QSplitter(Qt.Orientation.Horizontal)  # palette | the rest
        self.outer.addWidget(self.component_palette)
        self.outer.addWidget(self.splitter)
        self.outer.setStretchFactor(1, 1)
        self.outer.setCollapsible(1, False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.outer)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Narrow (Rehearse's middle column): icon-only palette, properties below the
        diagram; wide: names in the palette, properties beside the diagram."""
        super().resizeEvent(event)
        drawn = self.canvas.sketch
        auto = drawn is not None and bool(set(drawn.names()) - drawn.placed)
        if auto and self._wanted_flow() != self._flow:  # unplaced boxes follow the shape
            self._redraw(self.text())
            self.canvas.fit()
        width = event.size().width()
        self.component_palette.set_compact(width < COMPACT_BELOW)
        side = self.component_palette.maximumWidth()
        if self.outer.sizes()[0] != side:  # the palette takes what it needs, no more
            self.outer.setSizes([side, max(0, width - side)])
        wide = Qt.Orientation.Horizontal if width >= BESIDE_FROM else Qt.Orientation.Vertical
        if self.splitter.orientation() != wide or not self._arranged:
            self.splitter.setOrientation(wide)
            total = sum(self.splitter.sizes())
            self._arranged = total >= 300  # sized for real, not while the window is built
            hint = self.properties.sizeHint()
            if wide == Qt.Orientation.Horizontal:
                side = min(320, max(160, hint.width()))
            else:  # under the diagram: at least ~45% of the height, so a form is usable
                side = max(min(260, hint.height()), int(total * 0.45))
            self.splitter.setSizes([max(0, total - side), side])

    def _make_actions(self) -> dict[str, QAction]:
        stack = self.undo_stack
        undo, redo = QAction("Undo", self), QAction("Redo", self)
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        undo.triggered.connect(stack.undo)
        redo.triggered.connect(stack.redo)
        stack.canUndoChanged.connect(undo.setEnabled)
        stack.canRedoChanged.connect(redo.setEnabled)
        stack.undoTextChanged.connect(lambda text: undo.setToolTip(f"Undo {text} (Ctrl+Z)"))
        stack.redoTextChanged.connect(lambda text: redo.setToolTip(f"Redo {text} (Ctrl+Shift+Z)"))
        acts = {"undo": undo, "redo": redo}
        for act in acts.values():
            act.setEnabled(False)
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(act)
        canvas_actions: list[tuple[str, str, list[str], Callable[[], object]]] = [
            ("copy", "Copy", ["Ctrl+C"], self.copy),
            ("paste", "Paste", ["Ctrl+V"], self.paste),
            ("select_all", "Select all", ["Ctrl+A"], self.select_all),
            ("rename", "Rename…", ["F2"], self.ask_rename),
            ("zoom_in", "Zoom in", ["Ctrl++", "Ctrl+="], lambda: self.canvas.zoom(1.2)),
            ("zoom_out", "Zoom out", ["Ctrl+-"], lambda: self.canvas.zoom(1 / 1.2)),
            ("fit", "Fit", ["Ctrl+0"], self.canvas.fit),
        ]
        for name, text, keys, slot in canvas_actions:
            act = QAction(text, self.canvas)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            act.setToolTip(f"{text} ({keys[0]})")
            act.triggered.connect(slot)
            self.canvas.addAction(act)
            acts[name] = act
        return acts

    def _wire(self) -> None:
        self.editor.edited.connect(self._typing)
        self.editor.validated.connect(self._validated)
        self.canvas.moved.connect(self._moved)
        self.canvas.connect_requested.connect(self._connect)
        self.canvas.delete_requested.connect(self.delete)
        self.canvas.selection_changed.connect(self._selected)
        self.component_palette.dropped.connect(self._dropped)
        self.component_palette.dragging.connect(lambda _kind, pos: self.canvas.show_ghost(pos))
        self.component_palette.activated_kind.connect(self._add_in_middle)
        panel = cast(SelectionPanel, self.properties)
        panel.edit_proposed.connect(self.propose)

    def set_properties_panel(self, panel: QWidget) -> None:
        """Put a panel with ``show_selection`` and ``edit_proposed`` in the slot."""
        old = self.properties
        self.splitter.replaceWidget(self.splitter.indexOf(old), panel)
        old.deleteLater()
        self.properties = panel
        cast(SelectionPanel, panel).edit_proposed.connect(self.propose)
        self._show_selection()

    # --- state -----------------------------------------------------------------------------
    def text(self) -> str:
        return self.editor.text()

    def set_text(self, text: str) -> None:
        """Load a document: the text replaces what was there and the undo history starts
        again (what the editor's own ``set_text`` does too)."""
        self.editor.set_text(text)

    @property
    def design(self) -> Design | None:
        return self.editor.design

    @property
    def valid(self) -> bool:
        return self._valid

    def is_dirty(self) -> bool:
        return self.text() != self._saved

    def mark_saved(self) -> None:
        self._saved = self.text()
        self._update_dirty()

    def _update_dirty(self) -> None:
        if self.is_dirty() != self._dirty:
            self._dirty = self.is_dirty()
            self.dirty_changed.emit(self._dirty)

    # --- the one change path ---------------------------------------------------------------
    def propose(self, after: str, label: str) -> None:
        """An edit from outside the canvas (the properties panel): one undo step."""
        before = self.text()
        if after != before:
            self.undo_stack.push(TextEdit(self, before, after, label))

    def _push_steps(self, label: str, texts: list[str]) -> None:
        """Each text is one step from the one before; several become one macro."""
        before = self.text()
        steps = [(a, b) for a, b in zip([before, *texts], texts, strict=False) if a != b]
        if len(steps) == 1:
            self.undo_stack.push(TextEdit(self, *steps[0], label))
        elif steps:
            self.undo_stack.beginMacro(label)
            for a, b in steps:
                self.undo_stack.push(TextEdit(self, a, b, label))
            self.undo_stack.endMacro()
        self.message.clear()

    def _edit(self, label: str, *changes: Callable[[str], str]) -> bool:
        """Apply ``changes`` in turn to the current text (the shown layout frozen into it
        first); any refusal cancels them all and says why."""
        try:
            texts = [editing.ensure_layout(self.text(), self.canvas.positions())]
            for change in changes:
                texts.append(change(texts[-1]))
        except editing.EditError as exc:
            self.refuse(str(exc))
            return False
        self._push_steps(label, texts)
        return True

    def refuse(self, reason: str) -> None:
        self.message.setText(
            f"<span style='color:#c62828'>✗ {html.escape(reason, quote=False)}</span>"
        )
        self.status_message.emit(reason)

    def _show_text(self, text: str) -> None:
        """Put ``text`` in the TOML tab (unless it is there) and redraw the diagram."""
        self._applying = True
        try:
            if self.editor.text() != text:
                self.editor.set_text(text)
        finally:
            self._applying = False
        self._committed, self._typed = text, False
        self._redraw(text)
        self._after_change()

    def _redraw(self, text: str) -> None:
        # Not TOML at all: keep the last picture, the TOML tab says what is wrong.
        self._flow = self._wanted_flow()
        with contextlib.suppress(SketchError):
            self.canvas.show_sketch(sketch(text, self._flow))

    def _wanted_flow(self) -> Flow:
        viewport = self.canvas.viewport().size()
        return "down" if viewport.height() > TALL * viewport.width() else "right"

    def _after_change(self) -> None:
        valid = self.editor.design is not None
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)
        self.text_changed.emit(self.text())
        self._update_dirty()
        self._show_selection()

    def _typing(self) -> None:
        self._typed = True
        self._update_dirty()

    def _validated(self, design: Design | None) -> None:
        if self._applying:
            return
        text = self.text()
        if self._typed:
            if design is not None:
                self._typed = False
                if text != self._committed:
                    self.undo_stack.push(TextEdit(self, self._committed, text, "Edit TOML"))
                    return
        elif text != self._committed:  # a load (set_text from outside)
            self.undo_stack.clear()
            self._committed = self._saved = text
            self._redraw(text)
            self.canvas.fit()  # another document: all of it in view
        self._after_change()

    # --- canvas requests -------------------------------------------------------------------
    def _moved(self, positions: dict[str, tuple[float, float]]) -> None:
        snapped = {n: (_snap(x), _snap(y)) for n, (x, y) in positions.items()}
        drawn = self.canvas.sketch
        was = drawn.positions if drawn is not None else {}
        moved = {n: p for n, p in snapped.items() if was.get(n) != p}
        before = self.text()
        if moved:
            names = ", ".join(sorted(moved))
            self._edit(f"Move {names}", lambda t: editing.move(t, moved))
        if self.text() == before:  # snapped back to where it was, or refused
            self._redraw(before)

    def add_component(self, kind: str, position: tuple[float, float]) -> str | None:
        """Add a ``kind`` component at ``position`` (scene pixels); returns its name."""
        made: list[str] = []

        def change(text: str) -> str:
            new_text, name = editing.add_component(
                text, kind, (_snap(position[0]), _snap(position[1]))
            )
            made.append(name)
            return new_text

        if not self._edit(f"Add {kind_spec(kind).label.lower()}", change):
            return None
        self.canvas.select(made)
        return made[0]

    def _dropped(self, kind: str, global_pos: QPointF) -> None:
        self.canvas.show_ghost(None)
        self.component_palette.clearSelection()
        point = self.canvas.drop_point(global_pos)
        if point is None:
            self.status_message.emit("Drop components on the diagram to add them")
            return
        self.add_component(kind, (point.x(), point.y()))

    def _add_in_middle(self, kind: str) -> None:
        self.tabs.setCurrentWidget(self.diagram_page)
        centre = self.canvas.mapToScene(self.canvas.viewport().rect().center())
        self.add_component(kind, (centre.x() - 80, centre.y() - 40))

    def _connect(self, source: str, target: str) -> None:
        try:
            options = editing.connect_options(self.text(), source, target)
        except editing.EditError as exc:
            self.refuse(str(exc))
            return
        if len(options) == 1:
            self.connect_components(source, target, options[0])
            return
        menu = QMenu(self)
        menu.setObjectName("connect_menu")
        menu.setToolTipsVisible(True)
        for field in options:
            act = menu.addAction(f"{EDGES[field].label}: {EDGES[field].meaning}")
            act.setData(field)
        menu.triggered.connect(lambda act: self.connect_components(source, target, str(act.data())))
        self.connect_menu = menu
        menu.popup(QCursor.pos())

    def connect_components(self, source: str, target: str, field: str) -> bool:
        return self._edit(
            f"Connect {source} → {target} ({field})",
            lambda t: editing.connect(t, source, target, field),
        )

    def delete(self, names: list[str], edges: list[tuple[str, str, str]]) -> bool:
        """Delete components and arrows: one undo step however many."""
        gone = set(names)
        changes: list[Callable[[str], str]] = [
            partial(_disconnect, edge=e) for e in edges if e[0] not in gone and e[1] not in gone
        ]
        if names:
            changes.append(lambda t: editing.remove_components(t, names))
        count = len(names) + len(changes) - (1 if names else 0)
        return self._edit(f"Delete {count} item(s)", *changes)

    def copy(self) -> None:
        names = self.canvas.selected_names()
        try:
            snippet = editing.copy_components(self.text(), names)
        except editing.EditError as exc:
            self.refuse(str(exc))
            return
        QGuiApplication.clipboard().setText(snippet)
        self.status_message.emit(f"Copied {len(names)} component(s)")

    def paste(self) -> list[str]:
        snippet = QGuiApplication.clipboard().text()
        made: list[str] = []

        def change(text: str) -> str:
            new_text, names = editing.paste(text, snippet, PASTE_OFFSET)
            made.extend(names)
            return new_text

        if not self._edit("Paste", change):
            return []
        self.canvas.select(made)
        return made

    def ask_rename(self) -> None:
        old = self.canvas.single_selection()
        if old is None:
            self.refuse("select one component to rename it")
            return
        new, ok = QInputDialog.getText(self, "Rename component", f"New name for '{old}':", text=old)
        if ok and new.strip():
            self.rename(old, new.strip())

    def rename(self, old: str, new: str) -> bool:
        """Rename a component; arrows, entries, faults and its position follow."""
        if not self._edit(f"Rename {old} to {new}", lambda t: editing.rename(t, old, new)):
            return False
        self.canvas.select([new])
        return True

    def select_all(self) -> None:
        self.canvas.select(list(self.canvas.boxes))

    # --- properties ------------------------------------------------------------------------
    def _selected(self, names: list[str]) -> None:
        self.selection_changed.emit(names)
        self._show_selection()

    def _show_selection(self) -> None:
        names = self.canvas.selected_names()
        panel = cast(SelectionPanel, self.properties)
        panel.show_selection(self.text(), self.design, names[0] if len(names) == 1 else None)


def _disconnect(text: str, edge: tuple[str, str, str]) -> str:
    return editing.disconnect(text, *edge)


def _snap(value: float) -> float:
    """To half the grid: tidy numbers in the file, boxes that line up."""
    step = GRID / 2
    return round(value / step) * step
