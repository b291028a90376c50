"""The component-kind registry: one spec per kind, and everything else reads it."""

from __future__ import annotations

import dataclasses

import pytest

from designs.kinds import ALWAYS, KINDS, KindSpec, kind_spec, register
from designs.loader import loads_design
from designs.schema import Component
from freightlab.errors import InputErrors

KNOWN = {"service", "gateway", "load_balancer", "cache", "database", "queue", "notifier"}


def test_every_known_kind_has_one_spec_whose_fields_exist() -> None:
    assert set(KINDS) >= KNOWN
    model_fields = set(Component.model_fields)
    for name, spec in KINDS.items():
        assert spec.name == name
        assert spec.accepts() <= model_fields, name
        assert spec.label and spec.icon and spec.tooltip and spec.colour.startswith("#")
        assert spec.cost_per_hour > 0
        if spec.theory == "none":
            assert spec.theory_gap, f"{name} must say why theory does not cover it"


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_palette_defaults_make_a_valid_component(name: str) -> None:
    spec = KINDS[name]
    extra: dict[str, object] = {}
    if name == "load_balancer":
        extra["targets"] = ["x"]
    if name == "queue":
        extra["consumers"] = "x"
    comp = Component.model_validate({"name": "c", "kind": name, **spec.defaults, **extra})
    assert comp.spec() is spec
    assert spec.capacity_text(comp)
    assert comp.replica_count() >= 1


def test_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"expected one of: .*service"):
        kind_spec("mainframe")


def test_a_new_kind_is_one_registration() -> None:
    base = KINDS["service"]
    relay = dataclasses.replace(
        base, name="relay_test", label="Relay", fields=frozenset({"workers", "service_ms"})
    )
    register(relay)
    try:
        text = """
name = "r"
[workload]
duration_s = 10.0
[[workload.classes]]
name = "a"
entry = "r1"
arrival = { process = "poisson", rate_rps = 1.0 }
[[components]]
name = "r1"
kind = "relay_test"
workers = 2
service_ms = { dist = "exponential", mean = 1.0 }
"""
        d = loads_design(text)
        assert d.components[0].servers() == 2
        with pytest.raises(InputErrors) as err:
            loads_design(text.replace("workers = 2", "workers = 2\nreplicas = 3"))
        assert "field 'replicas' does not apply to a relay_test" in str(err.value.problems)
    finally:
        KINDS.pop("relay_test")


def test_spec_is_a_frozen_record() -> None:
    assert dataclasses.is_dataclass(KindSpec)
    assert "kind" in ALWAYS
    with pytest.raises(dataclasses.FrozenInstanceError):
        KINDS["service"].label = "x"  # type: ignore[misc]
