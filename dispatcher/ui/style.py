"""Colours and small formatters shared by the map, the tables and the KPI strip.

One palette so a status reads the same everywhere: the green truck on the map is the green
swatch in the table. Colours are picked to stay distinct for the common colour-vision
deficiencies (blue/orange contrast, shapes differ between trucks and loads too).
"""

from __future__ import annotations

import math

from PySide6.QtGui import QColor

from dispatcher.costs import format_clock
from dispatcher.fleet import LoadStatus, TruckStatus

TRUCK_COLORS: dict[TruckStatus, QColor] = {
    TruckStatus.IDLE: QColor("#1b9e77"),  # teal green: free to take a load
    TruckStatus.EN_ROUTE_TO_PICKUP: QColor("#2c6fbb"),  # blue: has a load to fetch
    TruckStatus.LOADED: QColor("#7b3294"),  # purple: carrying
    TruckStatus.OFF_DUTY: QColor("#9a9a9a"),  # grey: not available
}

LOAD_COLORS: dict[LoadStatus, QColor] = {
    LoadStatus.OPEN: QColor("#e66101"),  # orange: needs a truck
    LoadStatus.ASSIGNED: QColor("#2c6fbb"),  # blue, like its truck
    LoadStatus.PICKED_UP: QColor("#b2abd2"),  # pale violet: on the truck, not yet moving
    LoadStatus.IN_TRANSIT: QColor("#7b3294"),  # purple, like its loaded truck
    LoadStatus.DELIVERED: QColor("#6b8e23"),
    LoadStatus.CANCELLED: QColor("#bdbdbd"),
}

SUGGESTION_COLOR = QColor("#d01c8b")  # magenta dashed lines: proposals, not facts
ROAD_COLOR = QColor("#9c9385")
CITY_COLOR = QColor("#4a4a4a")
BACKGROUND = QColor("#f4f1ea")
SELECTION_COLOR = QColor("#ffb000")
OK_COLOR = QColor("#1a9641")
BAD_COLOR = QColor("#d7191c")
OVERDUE_COLOR = QColor("#d7191c")  # red: the pickup window closed and no truck has the load
OVERDUE_ROW = QColor("#fde0dc")  # the row of an overdue load in the loads table


def status_label(value: str) -> str:
    """``en_route_to_pickup`` -> ``en route to pickup`` for people."""
    return value.replace("_", " ")


def format_hours(hours: float) -> str:
    """Hours from day start as a clock time, the same way the matcher's reasons print it."""
    return format_clock(hours)


def parse_hours(text: str) -> float:
    """``08:30``, ``8.5``, ``d2 07:00`` -> hours from day start. Raises ValueError."""
    s = text.strip().lower()
    days = 0
    if s.startswith("d"):
        head, _, s = s.partition(" ")
        days = int(head[1:]) - 1
        if days < 0:
            raise ValueError(f"not a time: {text!r}")
    if ":" in s:
        hh, _, mm = s.partition(":")
        h, m = int(hh), int(mm)
        if not (0 <= m < 60) or h < 0:
            raise ValueError(f"not a time: {text!r}")
        value = h + m / 60
    else:
        value = float(s)
    if value < 0 or not math.isfinite(value):
        raise ValueError(f"not a time: {text!r}")
    return value + 24 * days
