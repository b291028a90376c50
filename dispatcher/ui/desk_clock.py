"""The board clock on the desk: the time a dispatcher sees, sets and advances, and what it
changes (overdue loads red in the table and on the map, on-time % and deadhead % in the KPI
strip, loads on the road drawn where they are).

The rules are :mod:`dispatcher.clock`'s; this module shows them. Live, the clock follows the
wall clock's time of day (checked every ``TICK_MS``); set, it stays at the hour the
dispatcher chose until it is advanced or put back to live.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from dispatcher.clock import BoardClock, ClockFigures, clock_figures, road_positions
from dispatcher.ui import style

if TYPE_CHECKING:
    from dispatcher.ui.desk import DispatchDesk

log = logging.getLogger(__name__)

#: How often a live clock looks at the wall clock.
TICK_MS = 15_000
#: Start every board with the clock set to this board time (HH:MM, hours or d2 07:00)
#: instead of live: demos, screenshots and tests that must not depend on the time of day.
START_ENV = "FREIGHTLAB_CLOCK"
#: The step buttons: (text, hours, object name).
STEPS: tuple[tuple[str, float, str], ...] = (
    ("+15 min", 0.25, "clock_plus_15"),
    ("+1 h", 1.0, "clock_plus_hour"),
)


class ClockBar(QWidget):
    """``board_clock``: "Board time 14:05 (live)", a field to set it, +15 min, +1 h, Live."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("board_clock")
        self.clock = _start(BoardClock.for_board(None))
        self._shown_minute = -1
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.label = QLabel(self)
        self.label.setObjectName("clock_label")
        self.label.setToolTip(
            "The board's time: pickups whose window closed before it are overdue (red)"
        )
        self.edit = QLineEdit(self)
        self.edit.setObjectName("clock_edit")
        self.edit.setPlaceholderText("HH:MM")
        self.edit.setMaximumWidth(self.fontMetrics().horizontalAdvance("d2 00:00") + 16)
        self.edit.setToolTip("Set the board time (HH:MM, hours, or d2 07:00) and press Enter")
        self.edit.returnPressed.connect(self._set_from_text)
        layout.addWidget(self.label)
        layout.addWidget(self.edit)
        for text, hours, name in STEPS:
            layout.addWidget(
                self._button(text, name, lambda _checked=False, h=hours: self.advance(h))
            )
        self.live_button = self._button("Live", "clock_live", self.go_live)
        self.live_button.setToolTip("Follow the wall clock's time of day again")
        layout.addWidget(self.live_button)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._show()

    def _button(self, text: str, name: str, slot: object) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setObjectName(name)
        button.setToolTip(f"Advance the board time by {text.removeprefix('+')}")
        button.clicked.connect(slot)
        return button

    # -- changing the time ----------------------------------------------------------------
    def set_day_start(self, day_start: str | None) -> None:
        """A new board: its hour 0, the clock live again, or set to ``$FREIGHTLAB_CLOCK``
        (the desk refreshes after it)."""
        self.clock = _start(BoardClock.for_board(day_start))
        self._show()

    def set_hours(self, hours: float) -> None:
        self._change(self.clock.set(hours))

    def advance(self, hours: float) -> None:
        self._change(self.clock.advance(hours))

    def go_live(self) -> None:
        self._change(self.clock.go_live())

    def _set_from_text(self) -> None:
        try:
            hours = style.parse_hours(self.edit.text())
        except ValueError:
            self.edit.setStyleSheet("QLineEdit { border: 1px solid #d7191c; }")
            self.edit.setToolTip(f"{self.edit.text()!r} is not a time (use HH:MM or hours)")
            return
        self.edit.setStyleSheet("")
        self.edit.clear()
        self.set_hours(hours)

    def _change(self, clock: BoardClock) -> None:
        self.clock = clock
        self._show()
        self.changed.emit()

    def _tick(self) -> None:
        if self.clock.live and self._minute() != self._shown_minute:
            self._show()
            self.changed.emit()

    def _minute(self) -> int:
        return round(self.clock.now_h() * 60)

    def _show(self) -> None:
        self._shown_minute = self._minute()
        mode = "live" if self.clock.live else "set"
        self.label.setText(f"Board time <b>{style.format_hours(self.clock.now_h())}</b> ({mode})")
        self.live_button.setEnabled(not self.clock.live)


def _start(clock: BoardClock) -> BoardClock:
    text = os.environ.get(START_ENV, "").strip()
    if not text:
        return clock
    try:
        return clock.set(style.parse_hours(text))
    except ValueError:
        log.warning(
            "%s=%r is not a board time (HH:MM or hours); the clock is live", START_ENV, text
        )
        return clock


class DeskClock:
    """Applies the clock's figures to the desk after every board change or clock move."""

    def __init__(self, desk: DispatchDesk, bar: ClockBar) -> None:
        self.desk, self.bar = desk, bar
        self.figures: ClockFigures | None = None
        bar.changed.connect(self.refresh)

    @property
    def clock(self) -> BoardClock:
        return self.bar.clock

    def stamp(self) -> str:
        """Now on the board's scale: what a lifecycle step records."""
        return self.clock.stamp()

    def refresh(self) -> None:
        desk = self.desk
        board, graph, speed = desk.board, desk.graph, desk.settings.speed_kmh
        figures = self.figures = clock_figures(board, graph, self.clock, speed)
        desk.load_model.set_overdue(figures.overdue)
        on_road = road_positions(board, graph, self.clock, speed) if graph is not None else {}
        desk.map.set_clock_state(figures.overdue, on_road)
        desk.kpis.update_from(board.kpis(today=self.clock.today()), figures)


__all__ = ["START_ENV", "STEPS", "TICK_MS", "ClockBar", "DeskClock"]
