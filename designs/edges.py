"""Which arrows may join two components: the routing fields as data, read from the registry.

A field may start at a component when its kind accepts the field (``KindSpec.fields``) and
may end at one when the field is open to every kind or the target's kind lists it in
``KindSpec.target_of`` (the rule ``designs.wiring`` checks on load). The canvas asks
:func:`edge_options` what to offer when the user drags from one box to another, and shows
:func:`edge_refusal` when nothing fits.
"""

from __future__ import annotations

from dataclasses import dataclass

from designs.kinds import KINDS, kind_spec


@dataclass(frozen=True)
class EdgeField:
    """One routing field: its name, whether it holds a list, how the diagram labels it and
    one line on what it means (the connect menu shows it)."""

    name: str
    many: bool
    label: str
    meaning: str

    def open_to_any(self) -> bool:
        return not any(self.name in spec.target_of for spec in KINDS.values())


EDGE_FIELDS: tuple[EdgeField, ...] = (
    EdgeField("calls", True, "calls", "synchronous call: the caller holds its worker"),
    EdgeField("then", False, "then", "hand-off: the caller's worker is released"),
    EdgeField("on_miss", False, "on miss", "what a cache miss asks"),
    EdgeField("targets", True, "targets", "the balancer spreads requests over it"),
    EdgeField("consumers", False, "consumed by", "the broker delivers messages to it"),
    EdgeField("dead_letter", False, "dead letters", "where failed deliveries go"),
)
EDGES: dict[str, EdgeField] = {e.name: e for e in EDGE_FIELDS}


def edge_field(name: str) -> EdgeField:
    try:
        return EDGES[name]
    except KeyError:
        raise ValueError(
            f"'{name}' is not a routing field (expected one of: {', '.join(EDGES)})"
        ) from None


def starts(kind: str) -> list[EdgeField]:
    """The routing fields a component of ``kind`` may have."""
    fields = kind_spec(kind).fields
    return [e for e in EDGE_FIELDS if e.name in fields]


def may_end_at(edge: EdgeField, kind: str) -> bool:
    return edge.open_to_any() or edge.name in kind_spec(kind).target_of


def edge_options(source_kind: str, target_kind: str) -> list[EdgeField]:
    """The fields that may join a ``source_kind`` box to a ``target_kind`` box, in the order
    of :data:`EDGE_FIELDS` (the most common first)."""
    return [e for e in starts(source_kind) if may_end_at(e, target_kind)]


def edge_refusal(source_kind: str, target_kind: str) -> str:
    """Why no arrow joins the two kinds, in words a user can act on."""
    src, tgt = kind_spec(source_kind), kind_spec(target_kind)
    own = starts(source_kind)
    if not own:
        return f"a {src.label.lower()} routes to nothing: it is the end of a path"
    names = ", ".join(e.name for e in own)
    wanted = sorted({k.label.lower() for k in KINDS.values() for e in own if may_end_at(e, k.name)})
    return (
        f"a {src.label.lower()} cannot route to a {tgt.label.lower()}: its {names} "
        f"may point at a {' or '.join(wanted)}"
    )
