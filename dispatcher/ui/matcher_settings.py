"""The matcher settings panel: speed, max deadhead, the opt-in cost weights and greedy vs
optimal, generated from :data:`dispatcher.board_settings.SETTING_FIELDS`.

Apply sets them on the session (the rules, why-not and suggestions use them at once),
writes them into the board file (meta ``match_settings``, one logged transaction) and
suggests again when suggestions were showing, so the dispatcher sees what they change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from dispatcher.board_settings import META_KEY, SETTING_FIELDS, BoardSettings, from_json
from dispatcher.costs import MatchSettings
from dispatcher.matching import MATCHERS
from dispatcher.store import BoardStore
from freightlab.errors import InputError

if TYPE_CHECKING:
    from dispatcher.ui.desk import DispatchDesk

MATCHER_TEXT = {
    "optimal": "Optimal (fewest empty km overall)",
    "greedy": "Greedy (cheapest pair first, for comparison)",
}


class MatcherSettingsPanel(QDialog):
    """``matcher_settings_dialog``: one spin box per knob (ticked limit for optional ones)."""

    def __init__(self, current: BoardSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("matcher_settings_dialog")
        self.setWindowTitle("Matcher settings")
        self.spins: dict[str, QDoubleSpinBox] = {}
        self.limits: dict[str, QCheckBox] = {}
        form = QFormLayout()
        self.matcher = QComboBox(self)
        self.matcher.setObjectName("settings_matcher")
        for name in MATCHERS:
            self.matcher.addItem(MATCHER_TEXT.get(name, name), name)
        form.addRow("Matcher", self.matcher)
        for f in SETTING_FIELDS:
            spin = QDoubleSpinBox(self)
            spin.setObjectName(f"settings_{f.name}")
            spin.setRange(0.0 if f.name != "speed_kmh" else 1.0, f.top)
            spin.setSingleStep(f.step)
            spin.setDecimals(f.decimals)
            spin.setSuffix(f" {f.unit}" if f.unit else "")
            spin.setToolTip(f.tip)
            row: QWidget = spin
            if f.optional:
                limit = QCheckBox("Limit", self)
                limit.setObjectName(f"settings_{f.name}_limit")
                limit.setToolTip(f.tip)
                limit.toggled.connect(spin.setEnabled)
                self.limits[f.name] = limit
                row = QWidget(self)
                box = QHBoxLayout(row)
                box.setContentsMargins(0, 0, 0, 0)
                box.addWidget(limit)
                box.addWidget(spin, 1)
            form.addRow(f.label, row)
            self.spins[f.name] = spin
        self.message = QLabel(self)
        self.message.setObjectName("settings_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Close
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            self,
        )
        self.apply_button = buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.apply_button.setObjectName("settings_apply_button")
        defaults = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.setObjectName("settings_defaults_button")
        defaults.clicked.connect(lambda: self.show_settings(BoardSettings()))
        buttons.rejected.connect(self.reject)
        note = QLabel(
            "Saved with the board. Apply re-runs the suggestions when they are showing.", self
        )
        note.setObjectName("settings_note")
        note.setWordWrap(True)
        note.setStyleSheet("color: #57606a;")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.show_settings(current)

    def show_settings(self, s: BoardSettings) -> None:
        self.matcher.setCurrentIndex(self.matcher.findData(s.matcher))
        for f in SETTING_FIELDS:
            value = getattr(s.match, f.name)
            if f.optional:
                self.limits[f.name].setChecked(value is not None)
                self.spins[f.name].setEnabled(value is not None)
            self.spins[f.name].setValue(value if value is not None else f.top / 10)

    def settings(self) -> BoardSettings:
        """What the panel says (raises InputError for a value MatchSettings refuses)."""
        values: dict[str, float | None] = {}
        for f in SETTING_FIELDS:
            off = f.optional and not self.limits[f.name].isChecked()
            values[f.name] = None if off else self.spins[f.name].value()
        return BoardSettings(MatchSettings(**values), str(self.matcher.currentData()))  # type: ignore[arg-type]


class MatcherSettings:
    """The desk's matcher settings: the panel, and the board's copy of them."""

    def __init__(self, desk: DispatchDesk) -> None:
        self.desk = desk
        self.name = "optimal"  # the matcher that suggests
        self.panel: MatcherSettingsPanel | None = None

    def current(self) -> BoardSettings:
        return BoardSettings(self.desk.settings, self.name)

    def loaded(self, settings: BoardSettings) -> None:
        """A board was opened: its settings are the desk's."""
        self.desk.settings = settings.match
        self.name = settings.matcher
        if self.panel is not None:
            self.panel.show_settings(settings)

    def show(self) -> MatcherSettingsPanel:
        panel = MatcherSettingsPanel(self.current(), self.desk)
        panel.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        panel.apply_button.clicked.connect(lambda: self._apply(panel))
        panel.destroyed.connect(lambda: setattr(self, "panel", None))
        self.panel = panel
        panel.open()
        return panel

    def _apply(self, panel: MatcherSettingsPanel) -> None:
        try:
            wanted = panel.settings()
        except InputError as exc:
            panel.message.setText(str(exc))
            panel.message.show()
            return
        panel.message.hide()
        self.apply(wanted)

    def apply(self, wanted: BoardSettings) -> str | None:
        """Use ``wanted`` and save it with the board; the refusal, or None."""
        d = self.desk
        if wanted == self.current():
            return None
        store = d.store
        if store is not None:
            reason = write(store, wanted)
            if reason is not None:
                d.show_notice(f"Matcher settings not saved: {reason}")
                return reason
        was = self.current()
        self.desk.settings, self.name = wanted.match, wanted.matcher
        where = f", saved in {store.path.name}" if store is not None else ""
        d.show_notice(
            f"Matcher settings: {wanted.describe()} (were {was.describe()}{where})", error=False
        )
        if d.suggestion_model.items:
            d.suggest()  # show what they change
        return None

    def reread(self) -> None:
        """Take in settings another desk saved in the board file (one indexed SELECT)."""
        store = self.desk.store
        if store is None:
            return
        try:
            text = store.meta(META_KEY)
            theirs = from_json(text, store.path.name) if text else BoardSettings()
        except InputError as exc:
            self.desk.show_notice(str(exc))
            return
        if theirs != self.current():
            self.loaded(theirs)
            self.desk.show_notice(
                f"Matcher settings changed by another desk: {theirs.describe()}", error=False
            )

    def saved_as(self, store: BoardStore) -> None:
        """Save As made a new board file: it keeps the settings too."""
        if self.current() != BoardSettings():
            write(store, self.current())


def write(store: BoardStore, settings: BoardSettings) -> str | None:
    try:
        store.set_meta(META_KEY, settings.to_json(), settings.describe())
    except InputError as exc:
        return str(exc)
    return None


__all__ = ["MatcherSettings", "MatcherSettingsPanel", "write"]
