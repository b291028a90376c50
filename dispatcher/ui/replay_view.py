"""The Day replay's own legend and KPI strip (inside the Day panel, so they move with it).

The replay colours trucks by what they are doing at the slider's moment and loads by their
phase; the board's legend and KPI strip describe the live board instead. The strip's figures
are the day so far (:class:`dispatcher.day_replay.ReplayFigures`).
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from dispatcher.day_replay import ReplayFigures
from dispatcher.ui import style
from dispatcher.ui.map_decor import REPLAY_LEGEND
from dispatcher.ui.map_markers import _sprite

#: (key, caption, tooltip) of the replay's KPI strip.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("time", "At", "The replay's moment (time of day)"),
    ("delivered", "Delivered so far", "Loads delivered by this moment (of the posted ones)"),
    ("on_the_road", "On the road", "Loads picked up and not yet delivered"),
    ("waiting", "Waiting", "Posted loads no truck has picked up yet"),
    ("idle", "Idle trucks", "On duty with nothing to do (of the trucks on duty)"),
    ("deadhead", "Deadhead so far", "Empty km over all km driven by this moment"),
)


def figure_texts(f: ReplayFigures) -> dict[str, str]:
    on_duty = f.trucks_idle + f.trucks_empty + f.trucks_loaded
    dead = f.deadhead_pct
    return {
        "time": style.format_hours(f.t),
        "delivered": f"{f.delivered} / {f.posted}",
        "on_the_road": f"{f.on_the_road}",
        "waiting": f"{f.waiting}",
        "idle": f"{f.trucks_idle} / {on_duty}",
        "deadhead": "—" if dead is None else f"{dead:.1f} %",
    }


def _km(f: ReplayFigures) -> str:
    km = f.deadhead_km + f.loaded_km
    return f"{km:,.0f} km"


#: The panel's legend captions (narrower than the map's: the marker shape says truck or load).
PANEL_TEXTS: tuple[str, ...] = (
    "idle truck",
    "empty / at pickup",
    "loaded truck",
    "not on duty yet",
    "load waiting",
    "delivered",
    "expired, never matched",
)


class ReplayKpiStrip(QFrame):
    """``replay_kpis``: the time-of-day figures of the replayed day."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replay_kpis")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 3, 6, 3)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        self.labels: dict[str, QLabel] = {}
        self.values: dict[str, str] = {}
        for i, (key, title, tip) in enumerate(FIELDS):
            label = QLabel(self)
            label.setObjectName(f"replay_kpi_{key}")
            label.setToolTip(tip)
            label.setAccessibleName(title)
            row, col = divmod(i, 2)
            grid.addWidget(label, row, col)
            self.labels[key] = label
        self.clear()

    def clear(self) -> None:
        self._show(dict.fromkeys(self.labels, "—"))

    def update_from(self, figures: ReplayFigures) -> None:
        self._show(figure_texts(figures))
        self.labels["deadhead"].setToolTip(
            f"{figures.deadhead_km:,.0f} km empty of {_km(figures)} driven by this moment"
        )

    def _show(self, values: dict[str, str]) -> None:
        if values == self.values:
            return
        self.values = values
        for key, title, _tip in FIELDS:
            self.labels[key].setText(f"{title} <b>{values[key]}</b>")


class ReplayLegend(QFrame):
    """``replay_legend``: what the replay's colours mean (the map shows the same legend)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replay_legend")
        grid = QGridLayout(self)
        grid.setContentsMargins(2, 0, 2, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(0)
        self.texts: list[str] = []
        for i, ((kind, status, _map_text), text) in enumerate(
            zip(REPLAY_LEGEND, PANEL_TEXTS, strict=True)
        ):
            colors = style.TRUCK_COLORS if kind == "truck" else style.LOAD_COLORS
            swatch = QLabel(self)
            swatch.setPixmap(_sprite(kind, colors[status]))  # type: ignore[index]
            caption = QLabel(text, self)
            caption.setStyleSheet("color: #444;")
            row, col = divmod(i, 2)
            grid.addWidget(swatch, row, 2 * col)
            grid.addWidget(caption, row, 2 * col + 1)
            self.texts.append(caption.text())
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.setToolTip("\n".join(t for _k, _s, t in REPLAY_LEGEND))


__all__ = ["FIELDS", "ReplayKpiStrip", "ReplayLegend", "figure_texts"]
