"""The KPI strip: what a dispatcher checks at a glance after every action."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from dispatcher.board import Kpis


class KpiStrip(QFrame):
    FIELDS = (
        ("loads_open", "Open loads", "Loads waiting for a truck"),
        ("loads_assigned", "Assigned", "Loads with a truck on its way"),
        ("loads_on_the_road", "On the road", "Loads picked up or in transit"),
        ("loads_delivered", "Delivered today", "Loads delivered today (of all delivered)"),
        ("total_deadhead_km", "Empty km", "Total deadhead: km trucks drive empty to pickups"),
        ("avg_deadhead_km", "Avg empty km", "Average deadhead per assigned load"),
        ("trucks_idle", "Idle trucks", "Trucks free to take a load"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpi_strip")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setSpacing(18)
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

    def update_from(self, k: Kpis) -> None:
        values = {
            "loads_open": f"{k.loads_open}",
            "loads_assigned": f"{k.loads_assigned}",
            "loads_on_the_road": f"{k.loads_on_the_road}",
            "loads_delivered": f"{k.delivered_today}",
            "total_deadhead_km": f"{k.total_deadhead_km:,.0f}",
            "avg_deadhead_km": f"{k.avg_deadhead_km:,.0f}",
            "trucks_idle": f"{k.trucks_idle} / {k.trucks_total}",
        }
        self.values = values
        for key, title, _tip in self.FIELDS:
            self.labels[key].setText(f"{title} <b>{values[key]}</b>")
