"""The Design Lab's open design as a document: its title, unsaved changes, Save / Save as,
and the question before leaving unsaved edits — closing, or opening another design from the
picker, Open…, or a route from another area (mixed into :class:`DesignLab`)."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QComboBox, QFileDialog, QMessageBox, QWidget

from designs.schema import Design
from freightlab.atomic import atomic_write_text
from freightlab.ui.design_editor import DesignEditor
from simulation.ui.design_workbench import DesignWorkbench

if TYPE_CHECKING:
    from simulation.ui.compare_panel import ComparePanel
    from simulation.ui.lab import LoadedDesign

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"
FIX_FIRST = "The design has problems (see the TOML tab); fix them first."


class SaveChoice(enum.Enum):
    """The answer to "Save the changes to …?"."""

    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


def ask_with_message_box(parent: QWidget, name: str) -> SaveChoice:
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        parent,
        "Design Lab",
        f"Save the changes to {name}?",
        buttons.Save | buttons.Discard | buttons.Cancel,
        buttons.Save,
    )
    choices = {buttons.Save: SaveChoice.SAVE, buttons.Discard: SaveChoice.DISCARD}
    return choices.get(answer, SaveChoice.CANCEL)


class LabDocument:
    #: Asks "Save the changes to NAME?" (tests put a callable here: no modal box).
    ask_save: Callable[[str], SaveChoice] | None = None
    current: LoadedDesign | None
    editor: DesignEditor
    workbench: DesignWorkbench
    design_picker: QComboBox
    compare_panel: ComparePanel
    _wanted: Path | None
    status_message: SignalInstance
    _error: Callable[[str, str], None]
    _draft_validated: Callable[[Design | None], None]

    @property
    def edited(self) -> bool:
        """The editor holds changes not saved to the design's file."""
        return self.current is not None and self.editor.text() != self.current.text

    def document_title(self) -> str:
        return self.current.path.name if self.current is not None else ""

    def watch_document(self, changed: Callable[[bool], None]) -> None:
        self.workbench.dirty_changed.connect(changed)
        self.workbench.text_changed.connect(lambda _text: changed(self.edited))  # opened

    def maybe_close(self) -> bool:
        """Unsaved edits: save them (True once saved), discard them, or stay (False).

        Asked before closing and before another design replaces this one."""
        if not self.edited:
            return True
        ask = self.ask_save or (lambda name: ask_with_message_box(cast(QWidget, self), name))
        answer = ask(self.document_title())
        if answer is SaveChoice.SAVE:
            return self.save_design()
        return answer is SaveChoice.DISCARD

    def show_current_in_picker(self) -> None:
        """The picker names the open design again (after a switch the user called off)."""
        index = self.design_picker.findData(str(self.current.path)) if self.current else -1
        if index >= 0:
            self.design_picker.blockSignals(True)
            self.design_picker.setCurrentIndex(index)
            self.design_picker.blockSignals(False)

    def save_design(self) -> bool:
        """Save over the open file (a shipped catalog design is saved under a new name)."""
        if self.current is None or self.current.path.parent == CATALOG:
            return self.save_design_as()
        return self._write_design(str(self.current.path))

    def save_design_as(self) -> bool:
        if self.current is None:
            return False
        if self.editor.validate() is None:
            self._error("Save design", FIX_FIRST)
            return False
        path, _ = QFileDialog.getSaveFileName(
            cast(QWidget, self), "Save design as", "", "Designs (*.toml)"
        )
        return bool(path) and self._write_design(path)

    def _write_design(self, path: str) -> bool:
        if self.current is None or self.editor.validate() is None:
            self._error("Save design", FIX_FIRST)
            return False
        text = self.editor.text()
        try:
            atomic_write_text(path, text)
        except OSError as exc:
            self._error("Save design", f"{path}: {exc.strerror or exc}")
            return False
        self.current = dataclasses.replace(self.current, path=Path(path), text=text)
        self._wanted = Path(path)
        self._list_design(path)
        self.compare_panel.mark_current(path)
        self.workbench.mark_saved()
        self._draft_validated(self.current.design)
        self.status_message.emit(f"Saved {Path(path).name}")
        return True

    def _list_design(self, path: str) -> None:
        """A newly saved file joins both pickers (shown as the current design)."""
        if self.design_picker.findData(path) >= 0:
            return
        label = Path(path).stem.replace("_", " ")
        self.design_picker.blockSignals(True)
        self.design_picker.addItem(label, path)
        self.design_picker.setCurrentIndex(self.design_picker.count() - 1)
        self.design_picker.blockSignals(False)
        self.compare_panel.add_design(label, path)
