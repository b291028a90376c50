"""The diagram layout follows the request flow and places every component once."""

from __future__ import annotations

from pathlib import Path

import pytest

from designs.layout import layered_layout
from designs.loader import load_design, loads_design

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"

TANDEM = """
name = "tandem"
[workload]
duration_s = 10
warmup_s = 1
[[workload.classes]]
name = "match"
entry = "a"
arrival = { process = "poisson", rate_rps = 1.0 }
[[components]]
name = "c"
kind = "service"
service_ms = { dist = "exponential", mean = 10.0 }
[[components]]
name = "a"
kind = "service"
service_ms = { dist = "exponential", mean = 10.0 }
then = "b"
[[components]]
name = "b"
kind = "service"
service_ms = { dist = "exponential", mean = 10.0 }
then = "c"
"""


def test_tandem_is_laid_out_left_to_right() -> None:
    layout = layered_layout(loads_design(TANDEM))
    assert layout.positions == {"c": (2, 0), "a": (0, 0), "b": (1, 0)}
    assert {(e.source, e.target, e.kind) for e in layout.edges} == {
        ("a", "b", "then"),
        ("b", "c", "then"),
    }
    assert layout.entries == {"a": ["match"]}
    assert layout.layers == 3


@pytest.mark.parametrize("path", sorted(CATALOG.glob("*.toml")), ids=lambda p: p.stem)
def test_every_catalog_design_has_distinct_slots_and_edges_point_right(path: Path) -> None:
    design = load_design(path)
    layout = layered_layout(design)
    assert set(layout.positions) == set(design.component_names())
    assert len(set(layout.positions.values())) == len(layout.positions)
    for edge in layout.edges:
        assert layout.positions[edge.source][0] < layout.positions[edge.target][0], edge
