"""Field descriptors: every kind's table covers exactly what the registry accepts, and the
types, ranges, units and choices come from the models and bounds."""

from __future__ import annotations

import typing

import pytest

from designs import fields
from designs.fields import HEADER_FIELDS, component_fields, describe_field
from designs.kinds import KINDS
from designs.resilience import FAULT_FIELDS, Jitter, Retry
from designs.schema import (
    ARRIVAL_PARAMS,
    DIST_PARAMS,
    Arrival,
    CachePolicy,
    Component,
    Distribution,
    Fault,
    RequestClass,
    Strategy,
    Workload,
)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_table_covers_exactly_the_fields_the_registry_accepts(kind: str) -> None:
    names = [f.name for f in component_fields(kind)]
    assert len(names) == len(set(names))
    assert set(names) == KINDS[kind].accepts() - HEADER_FIELDS


def test_a_field_added_to_a_kind_without_words_is_missing_from_its_table(monkeypatch) -> None:
    monkeypatch.delitem(fields._TEXT, "fanout")
    assert "fanout" not in {f.name for f in component_fields("notifier")}
    assert {f.name for f in component_fields("notifier")} != KINDS["notifier"].accepts() - (
        HEADER_FIELDS
    )


def test_every_component_field_has_a_section_the_panel_shows() -> None:
    for kind in KINDS:
        for spec in component_fields(kind):
            assert spec.section in fields.SECTIONS, (kind, spec.name)


def test_choices_come_from_the_schema_literals() -> None:
    by_name = {f.name: f for f in component_fields("load_balancer")}
    assert by_name["strategy"].choices == typing.get_args(Strategy)
    assert {f.name: f for f in component_fields("cache")}["policy"].choices == typing.get_args(
        CachePolicy
    )
    retry = {f.name: f for f in describe_field(Component, "retry").subfields}
    assert retry["jitter"].choices == typing.get_args(Jitter)
    assert retry["jitter"].default == "none"
    assert set(retry) == set(Retry.model_fields)


def test_widgets_units_and_ranges() -> None:
    svc = {f.name: f for f in component_fields("service")}
    assert (svc["workers"].widget, svc["workers"].low, svc["workers"].high) == ("int", 1, 100_000)
    assert svc["service_ms"].widget == "distribution"
    assert (svc["timeout_ms"].widget, svc["timeout_ms"].unit) == ("float", "ms")
    assert svc["cost_per_hour"].unit == "$/h"
    assert svc["calls"].widget == "names"
    assert svc["then"].widget == "name"
    assert svc["retry"].widget == "table"
    assert (svc["fail_ratio"].low, svc["fail_ratio"].high) == (0, 1)
    assert "1 – 100,000" in svc["workers"].tooltip
    gw = {f.name: f for f in component_fields("gateway")}
    assert gw["rate_limit_rps"].unit == "req/s"


def test_distribution_and_arrival_parameters_follow_the_schema_tables() -> None:
    for dist, params in DIST_PARAMS.items():
        assert tuple(f.name for f in fields.distribution_params(dist)) == params
    mean = fields.distribution_params("exponential")[0]
    assert mean.unit == "ms" and mean.low == 0
    for process, params in ARRIVAL_PARAMS.items():
        assert tuple(f.name for f in fields.arrival_params(process)) == params
    assert fields.arrival_params("poisson")[0].unit == "req/s"


@pytest.mark.parametrize("kind", sorted(FAULT_FIELDS))
def test_fault_fields_follow_fault_fields(kind: str) -> None:
    need, optional = FAULT_FIELDS[kind]
    names = {f.name for f in fields.fault_fields(kind)}
    assert names == {"component", "kind", "at_s"} | need | optional
    assert names <= set(Fault.model_fields)


def test_workload_and_class_fields() -> None:
    assert [f.name for f in fields.workload_fields()][:3] == ["duration_s", "warmup_s", "seed"]
    cls = {f.name: f for f in fields.class_fields()}
    assert cls["entry"].widget == "name" and cls["arrival"].widget == "arrival"
    assert {f.name for f in cls["keys"].subfields} == {"dist", "count", "s"}


def test_switch_distribution_keeps_the_mean_and_validates() -> None:
    old = {"dist": "exponential", "mean": 20.0}
    for dist in DIST_PARAMS:
        new = fields.switch_distribution(old, dist)
        assert Distribution.model_validate(new).mean_value() == pytest.approx(20.0)
    assert fields.switch_distribution({"dist": "gamma", "mean": 5.0, "cv": 0.3}, "lognormal") == {
        "dist": "lognormal",
        "mean": 5.0,
        "cv": 0.3,
    }


def test_switch_process_keeps_the_rate_and_refuses_a_trace() -> None:
    new = fields.switch_process({"process": "poisson", "rate_rps": 40.0}, "diurnal")
    assert new == {"process": "diurnal", "rate_rps": 40.0, "amplitude": 0.5, "period_s": 3600.0}
    assert "trace" not in fields.switchable_processes()
    with pytest.raises(ValueError, match="recorded times"):
        fields.switch_process({"process": "poisson", "rate_rps": 1.0}, "trace")


def test_start_values_are_valid_for_the_subtables() -> None:
    for name, model in fields.SUBTABLE_MODELS.items():
        spec = describe_field(Component, name) if name in Component.model_fields else None
        value = spec.start_value("matcher" if name == "calibration" else None) if spec else None
        if value is not None:
            model.model_validate(value)


@pytest.mark.parametrize(
    ("model", "shown_elsewhere"),
    [
        (Workload, {"classes"}),
        (RequestClass, {"name"}),
        (Fault, set()),
        (Distribution, set()),
        (Arrival, set()),
        *((m, set()) for m in fields.SUBTABLE_MODELS.values()),
    ],
    ids=lambda m: getattr(m, "__name__", ""),
)
def test_every_model_field_has_words(model: type, shown_elsewhere: set[str]) -> None:
    """A field added to a model without a label in designs/fields.py would be missing from
    the panel: this fails until it has one."""
    described = {f.name for f in fields.model_fields(model)}
    assert described == set(model.model_fields) - shown_elsewhere
