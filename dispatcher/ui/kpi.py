"""The KPI strip: what a dispatcher checks at a glance after every action."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from dispatcher.board import Kpis
from dispatcher.clock import ClockFigures


class KpiStrip(QFrame):
    FIELDS = (
        ("loads_open", "Open loads", "Loads waiting for a truck"),
        ("loads_assigned", "Assigned", "Loads with a truck on its way"),
        ("loads_on_the_road", "On the road", "Loads picked up or in transit"),
        ("loads_delivered", "Delivered today", "Loads delivered today (of all delivered)"),
        ("total_deadhead_km", "Empty km", "Total deadhead: km trucks drive empty to pickups"),
        ("avg_deadhead_km", "Avg empty km", "Average deadhead per assigned load"),
        ("trucks_idle", "Idle trucks", "Trucks free to take a load"),
        (
            "on_time",
            "On time",
            "Delivered loads delivered by the close of their delivery window "
            "(pickup by + drive time + 1 h handling)",
        ),
        ("deadhead_pct", "Deadhead", "Empty km over all km of the loads trucks hold now"),
        (
            "overdue",
            "Overdue",
            "Loads whose pickup window closed before the board time, still "
            "open or not picked up (red in the table and on the map)",
        ),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpi_strip")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setSpacing(18)
        self.caption = QLabel("Live board:", self)
        self.caption.setObjectName("kpi_caption")
        self.caption.setToolTip(
            "The map shows the Day replay; these are the live board's figures (the replay's "
            "own are in the Day panel)"
        )
        self.caption.setStyleSheet("color: #8a6d00; font-style: italic;")
        self.caption.hide()
        layout.addWidget(self.caption)
        self.labels: dict[str, QLabel] = {}
        for key, title, tip in self.FIELDS:
            label = QLabel(self)
            label.setObjectName(f"kpi_{key}")
            label.setToolTip(tip)
            label.setAccessibleName(title)
            layout.addWidget(label)
            self.labels[key] = label
        layout.addStretch(1)
        self.values: dict[str, str] = {}

    def set_replaying(self, on: bool) -> None:
        """While the map shows the Day replay, say that these figures are the live board's."""
        self.caption.setVisible(on)
        for key, label in self.labels.items():
            if key != "overdue":
                label.setStyleSheet("color: #777;" if on else "")

    def update_from(self, k: Kpis, clock: ClockFigures | None = None) -> None:
        values = {
            "loads_open": f"{k.loads_open}",
            "loads_assigned": f"{k.loads_assigned}",
            "loads_on_the_road": f"{k.loads_on_the_road}",
            "loads_delivered": f"{k.delivered_today}",
            "total_deadhead_km": f"{k.total_deadhead_km:,.0f}",
            "avg_deadhead_km": f"{k.avg_deadhead_km:,.0f}",
            "trucks_idle": f"{k.trucks_idle} / {k.trucks_total}",
            "on_time": _pct(clock.on_time_pct if clock else None),
            "deadhead_pct": _pct(clock.deadhead_pct if clock else None),
            "overdue": f"{len(clock.overdue)}" if clock else "0",
        }
        self.values = values
        for key, title, _tip in self.FIELDS:
            self.labels[key].setText(f"{title} <b>{values[key]}</b>")
        late = clock is not None and bool(clock.overdue)
        self.labels["overdue"].setStyleSheet("color: #b00020;" if late else "")
        if clock is not None and clock.delivered:
            self.labels["on_time"].setToolTip(
                f"{clock.on_time} of {clock.delivered} delivered loads on time"
            )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} %"
