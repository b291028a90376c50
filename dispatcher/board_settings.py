"""The matcher settings a board keeps (no Qt): what they are, as a table, and their JSON.

A board file holds them in its ``meta`` table under ``match_settings`` (a JSON object; a
board without the key uses the defaults, so older boards open unchanged). The settings
panel is generated from :data:`SETTING_FIELDS`; each row names a
:class:`~dispatcher.costs.MatchSettings` field (or ``matcher``: greedy or optimal, kept for
comparison).
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

from dispatcher.costs import MatchSettings
from dispatcher.matching import MATCHERS
from freightlab.errors import InputError

META_KEY = "match_settings"


@dataclass(frozen=True)
class SettingField:
    """One knob of the panel: a MatchSettings field, its label, unit and range."""

    name: str
    label: str
    unit: str
    top: float
    step: float
    decimals: int
    tip: str
    optional: bool = False  # None allowed (no limit)


SETTING_FIELDS: tuple[SettingField, ...] = (
    SettingField("speed_kmh", "Speed", "km/h", 200.0, 5.0, 0, "Average speed of an empty truck"),
    SettingField(
        "max_deadhead_km",
        "Max deadhead",
        "km",
        5000.0,
        50.0,
        0,
        "Farthest a truck may drive empty to a pickup (unticked: any distance)",
        optional=True,
    ),
    SettingField(
        "deadhead_weight", "Deadhead weight", "per km", 100.0, 0.1, 2, "Cost per empty km"
    ),
    SettingField(
        "lateness_risk_weight",
        "Lateness risk weight",
        "per h",
        1000.0,
        1.0,
        2,
        "Cost per hour of slack below the risk margin",
    ),
    SettingField(
        "risk_margin_h", "Risk margin", "h", 48.0, 0.5, 1, "Arriving with less slack is at risk"
    ),
    SettingField(
        "waiting_weight", "Waiting weight", "per h", 1000.0, 1.0, 2, "Cost per hour a truck waits"
    ),
    SettingField(
        "price_per_km_weight",
        "Price per km weight",
        "",
        1000.0,
        1.0,
        2,
        "Cost reduction per unit of price per total km (well-paid loads first)",
    ),
)


@dataclass(frozen=True)
class BoardSettings:
    """What the board keeps: the cost model's knobs and which matcher suggests."""

    match: MatchSettings = field(default_factory=MatchSettings)
    matcher: str = "optimal"

    def to_json(self) -> str:
        data: dict[str, Any] = dataclasses.asdict(self.match)
        data["matcher"] = self.matcher
        return json.dumps(data, sort_keys=True)

    def describe(self) -> str:
        """One line for the log and the notices."""
        m = self.match
        limit = f"max {m.max_deadhead_km:g} km" if m.max_deadhead_km is not None else "no limit"
        return f"{self.matcher}, {m.speed_kmh:g} km/h, {limit}"


def from_json(text: str, source: str) -> BoardSettings:
    """Parse a board's settings; a bad one is an InputError naming the file and the field."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: meta {META_KEY} is not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise InputError(f"{source}: meta {META_KEY} must be a JSON object")
    known = {f.name for f in dataclasses.fields(MatchSettings)}
    matcher = data.pop("matcher", "optimal")
    if matcher not in MATCHERS:
        raise InputError(
            f"{source}: meta {META_KEY}: matcher {matcher!r} is not one of optimal, greedy"
        )
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            continue  # a newer Freightlab's knob: kept out, not refused
        ok = value is None and key == "max_deadhead_km"
        if not ok and not (isinstance(value, int | float) and math.isfinite(value)):
            raise InputError(f"{source}: meta {META_KEY}: {key} {value!r} is not a number")
        values[key] = value
    try:
        return BoardSettings(MatchSettings(**values), matcher)
    except InputError as exc:
        raise InputError(f"{source}: meta {META_KEY}: {exc}") from None


__all__ = ["META_KEY", "SETTING_FIELDS", "BoardSettings", "SettingField", "from_json"]
