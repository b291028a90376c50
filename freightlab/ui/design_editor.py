"""A design's TOML in an editor that validates as you type (debounced) and says what is wrong.

The Design Lab and Rehearse both edit designs; this is the one place that does it.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from designs.loader import loads_design
from designs.schema import Design
from freightlab.errors import InputError

DEBOUNCE_MS = 300


class DesignEditor(QWidget):
    """``design`` is the parsed draft, or None while it does not validate."""

    validated = Signal(object)  # the Design, or None when the text has problems
    edited = Signal()  # any change to the text (for drafts and dirty flags)

    def __init__(self, parent: QWidget | None = None, source_name: str = "your design") -> None:
        super().__init__(parent)
        self.source_name = source_name
        self.design: Design | None = None
        self.text_edit = QPlainTextEdit()
        self.text_edit.setObjectName("design_editor")
        self.text_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text_edit.setToolTip("The design in the Freightlab design language (TOML)")
        self.text_edit.textChanged.connect(self._changed)
        self.validation = QLabel()
        self.validation.setObjectName("validation_label")
        self.validation.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text_edit, 1)
        layout.addWidget(self.validation)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.validate)
        self._quiet = False

    def text(self) -> str:
        return self.text_edit.toPlainText()

    def set_text(self, text: str) -> None:
        """Replace the text (not an edit by the user) and validate at once."""
        self._quiet = True
        try:
            self.text_edit.setPlainText(text)
        finally:
            self._quiet = False
        self.validate()

    def _changed(self) -> None:
        if not self._quiet:
            self.edited.emit()
        self._timer.start()

    def validate(self) -> Design | None:
        """Parse the text (small and in memory: fine on the UI thread) and show the verdict."""
        self._timer.stop()
        try:
            design = loads_design(self.text(), source=self.source_name)
        except InputError as exc:
            self.design = None
            problems = getattr(exc, "problems", None) or [str(exc)]
            self.validation.setText(
                "<span style='color:#c62828'>✗ "
                + "<br>".join(html.escape(p) for p in problems[:4])
                + "</span>"
            )
        else:
            self.design = design
            self.validation.setText(
                f"<span style='color:#2e7d32'>✓ valid: {html.escape(design.name)}, "
                f"{len(design.components)} components</span>"
            )
        self.validated.emit(self.design)
        return self.design
