"""Trucks and loads: the freight domain objects and their statuses.

Times are float hours from the start of the dispatch day (0.0 = 00:00 on day one);
CSV parsing turns ISO 8601 stamps into that scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TruckType(StrEnum):
    OPEN = "open"
    CONTAINER = "container"
    TRAILER = "trailer"
    REEFER = "reefer"


class LoadStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class TruckStatus(StrEnum):
    IDLE = "idle"
    EN_ROUTE_TO_PICKUP = "en_route_to_pickup"
    LOADED = "loaded"
    OFF_DUTY = "off_duty"


@dataclass
class Truck:
    id: str
    location: str  # map node id
    capacity_t: float
    truck_type: TruckType
    available_at: float = 0.0  # hours from day start
    status: TruckStatus = TruckStatus.IDLE


@dataclass
class Load:
    id: str
    origin: str  # map node id
    destination: str  # map node id
    weight_t: float
    truck_type: TruckType
    pickup_earliest: float  # hours from day start
    pickup_latest: float  # hours from day start
    price: float
    status: LoadStatus = LoadStatus.OPEN
    truck_id: str | None = None  # the truck it is assigned to, if any
