"""A four-city board (three trucks at Pune, loads Mumbai -> Delhi) for the Qt-free desk tests."""

from __future__ import annotations

from dispatcher.board import Board
from dispatcher.fleet import Load, Truck, TruckType

CITIES = frozenset({"pune", "mumbai", "delhi", "nagpur"})


class Nodes:
    """The map as the record checks see it: only the four cities."""

    def has_node(self, node: str) -> bool:
        return node in CITIES


def small_board(loads: int) -> Board:
    """Trucks T0-T2 (20 t, open) at Pune; loads L0.. (8 t, Mumbai -> Delhi, 0-24 h)."""
    trucks = [Truck(f"T{i}", "pune", 20.0, TruckType.OPEN) for i in range(3)]
    posted = [
        Load(f"L{i}", "mumbai", "delhi", 8.0, TruckType.OPEN, 0.0, 24.0, 900.0)
        for i in range(loads)
    ]
    return Board(trucks, posted, nodes=CITIES)
