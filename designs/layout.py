"""Where each component of a design sits in a left-to-right diagram.

Layers follow the request flow: entry components first, then whatever they route to. The
Design Lab canvas and the Rehearse view both draw from this, so a design looks the same
everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from designs.schema import Design


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # calls | then | on_miss | targets | consumers | dead_letter | entry


@dataclass(frozen=True)
class DiagramLayout:
    positions: dict[str, tuple[int, int]]  # component -> (layer, row)
    edges: list[Edge]
    entries: dict[str, list[str]]  # component -> request classes entering there

    @property
    def layers(self) -> int:
        return 1 + max((layer for layer, _ in self.positions.values()), default=-1)


def layered_layout(design: Design) -> DiagramLayout:
    """Longest-path layering from the entry components (cycles cannot occur: validated)."""
    edges = [
        Edge(c.name, target, kind) for c in design.components for kind, target in c.successors()
    ]
    entries: dict[str, list[str]] = {}
    for request_class in design.workload.classes:
        entries.setdefault(request_class.entry, []).append(request_class.name)
    return layered(design.component_names(), edges, entries)


def layered(names: list[str], edges: list[Edge], entries: dict[str, list[str]]) -> DiagramLayout:
    """Layers by longest path over ``edges`` (bounded, so a cycle in a draft cannot hang)."""
    known = set(names)
    edges = [e for e in edges if e.source in known and e.target in known]
    layer = {name: 0 for name in names}
    # Relax edges |V| times: enough for any DAG; bounded even if a cycle slipped through.
    for _ in range(len(names)):
        changed = False
        for edge in edges:
            if layer[edge.target] < layer[edge.source] + 1 <= len(names):
                layer[edge.target] = layer[edge.source] + 1
                changed = True
        if not changed:
            break

    rows: dict[int, int] = {}
    positions: dict[str, tuple[int, int]] = {}
    for name in names:  # file order within a layer: what the author wrote first sits on top
        depth = layer[name]
        positions[name] = (depth, rows.get(depth, 0))
        rows[depth] = rows.get(depth, 0) + 1
    return DiagramLayout(positions=positions, edges=edges, entries=entries)
