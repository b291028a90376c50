"""A design as the canvas draws it while it is being built: lenient where the loader is strict.

A draft in the middle of an edit may not validate (a new load balancer has no targets yet),
but the canvas must still show it: :func:`sketch` reads every ``[[components]]`` table that
has a name and a kind, checks each on its own (so a box can say what it lacks), keeps the
arrows that point at components that exist, and places every box: where ``[layout]`` says,
else in request-flow layers beside the placed ones.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from designs.edges import EDGE_FIELDS
from designs.kinds import KINDS
from designs.layout import Edge, layered
from designs.schema import Component

BOX_W, BOX_H, GAP_X, GAP_Y = 180.0, 76.0, 110.0, 40.0
DOWN_GAP_X, DOWN_GAP_Y = 40.0, 80.0  # a top-down layout (tall, narrow views)
Flow = Literal["right", "down"]


@dataclass(frozen=True)
class SketchComponent:
    name: str
    kind: str
    component: Component | None  # None while this table does not validate on its own
    problem: str = ""


@dataclass(frozen=True)
class Sketch:
    components: list[SketchComponent]
    edges: list[Edge]
    entries: dict[str, list[str]]
    positions: dict[str, tuple[float, float]]  # top-left corner in diagram pixels
    placed: frozenset[str] = field(default_factory=frozenset)  # those from [layout]

    def names(self) -> list[str]:
        return [c.name for c in self.components]


class SketchError(ValueError):
    """The text is not TOML at all (the canvas keeps the last picture)."""


def sketch(text: str, flow: Flow = "right") -> Sketch:
    """The drawable design; boxes without a [layout] position are laid out in layers
    left to right (``flow="right"``) or top down (``"down"``)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SketchError(f"TOML syntax error: {exc}") from None
    tables = [t for t in _list(data.get("components")) if _named(t)]
    seen: set[str] = set()
    components = []
    for table in tables:
        if table["name"] not in seen:
            seen.add(table["name"])
            components.append(_component(table))
    edges = [
        Edge(str(t["name"]), target, fname)
        for t in tables
        for fname, target in _routes(t)
        if target in seen and target != t["name"]
    ]
    entries: dict[str, list[str]] = {}
    workload = data.get("workload")
    for rc in _list(workload.get("classes") if isinstance(workload, dict) else None):
        if isinstance(rc, dict) and isinstance(rc.get("entry"), str):
            entries.setdefault(rc["entry"], []).append(str(rc.get("name", "?")))
    layout = _layout(data.get("layout"), seen)
    names = [c.name for c in components]
    return Sketch(
        components,
        edges,
        entries,
        _positions(names, edges, entries, layout, flow),
        frozenset(layout),
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _named(table: Any) -> bool:
    return (
        isinstance(table, dict)
        and isinstance(table.get("name"), str)
        and isinstance(table.get("kind"), str)
    )


def _component(table: dict[str, Any]) -> SketchComponent:
    name, kind = table["name"], table["kind"]
    if kind not in KINDS:
        return SketchComponent(name, kind, None, f"unknown kind '{kind}'")
    try:
        return SketchComponent(name, kind, Component.model_validate(table))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(x) for x in first.get("loc", ()))
        msg = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        return SketchComponent(name, kind, None, f"{where}: {msg}" if where else msg)


def _routes(table: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for edge in EDGE_FIELDS:
        value = table.get(edge.name)
        if isinstance(value, list):
            out.extend((edge.name, v) for v in value if isinstance(v, str))
        elif isinstance(value, str):
            out.append((edge.name, value))
    return out


def _layout(value: Any, names: set[str]) -> dict[str, tuple[float, float]]:
    if not isinstance(value, dict):
        return {}
    out = {}
    for name, point in value.items():
        if name in names and isinstance(point, list) and len(point) == 2:
            x, y = point
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y)):
                out[name] = (float(x), float(y))
    return out


def _positions(
    names: list[str],
    edges: list[Edge],
    entries: dict[str, list[str]],
    placed: dict[str, tuple[float, float]],
    flow: Flow = "right",
) -> dict[str, tuple[float, float]]:
    """Placed boxes where they were put; the rest in layers, moved down off any placed box."""
    auto = layered(names, edges, entries)
    out = dict(placed)
    for name in names:
        if name in out:
            continue
        layer, row = auto.positions[name]
        if flow == "right":
            x, y = layer * (BOX_W + GAP_X), row * (BOX_H + GAP_Y)
        else:
            x, y = row * (BOX_W + DOWN_GAP_X), layer * (BOX_H + DOWN_GAP_Y)
        while any(_overlap((x, y), other) for other in placed.values()):
            y += BOX_H + GAP_Y
        out[name] = (x, y)
    return out


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) < BOX_W and abs(a[1] - b[1]) < BOX_H
