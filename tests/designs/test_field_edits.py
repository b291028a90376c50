"""Field edits of design TOML text: edit -> load -> the design has the new value, the rest of
the text (comments included) is unchanged; the check maps loader problems to fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from designs import field_edits as fe
from designs.loader import loads_design

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"

COMMENTED = """\
# A design with comments everywhere
name = "Commented"

[workload]
duration_s = 600   # ten minutes
seed = 3

[[workload.classes]]
name = "match"
entry = "matcher"
arrival = { process = "poisson", rate_rps = 10.0 }

# the one service
[[components]]
name = "matcher"
kind = "service"
workers = 3              # concurrent requests per replica
service_ms = { dist = "exponential", mean = 100.0 }
calls = ["db"]
retry.attempts = 2       # dotted keys

[[components]]
name = "db"
kind = "database"
pool_size = 4

[components.service_ms]  # a sub-table of its own
dist = "exponential"
mean = 5.0

[[faults]]
component = "db"
kind = "outage"
at_s = 100.0
duration_s = 10.0
"""


def _lines_kept(before: str, after: str, changed: str) -> None:
    """Every line of ``before`` but the ones naming ``changed`` is still in ``after``."""
    for line in before.splitlines():
        if changed not in line:
            assert line in after.splitlines(), line


def test_set_workers_round_trips_and_keeps_comments() -> None:
    text = fe.set_component_field(COMMENTED, "matcher", "workers", 6)
    assert loads_design(text).component("matcher").workers == 6
    assert "workers = 6              # concurrent requests per replica" in text
    _lines_kept(COMMENTED, text, "workers")


def test_inline_table_parameter() -> None:
    text = fe.set_component_field(COMMENTED, "matcher", "service_ms.mean", 250.0)
    d = loads_design(text)
    assert d.component("matcher").service_ms is not None
    assert d.component("matcher").service_ms.mean == 250.0
    assert 'service_ms = { dist = "exponential", mean = 250.0 }' in text
    _lines_kept(COMMENTED, text, "service_ms = {")


def test_whole_distribution_replaced_inline_and_in_a_sub_table() -> None:
    gamma = {"dist": "gamma", "mean": 30.0, "cv": 0.5}
    text = fe.set_component_field(COMMENTED, "matcher", "service_ms", gamma)
    text = fe.set_component_field(text, "db", "service_ms", {"dist": "deterministic", "mean": 2.0})
    d = loads_design(text)
    assert d.component("matcher").service_ms == d.component("matcher").service_ms.__class__(**gamma)
    db = d.component("db").service_ms
    assert db is not None and (db.dist, db.mean) == ("deterministic", 2.0)
    assert "[components.service_ms]  # a sub-table of its own" in text


def test_nested_sub_table_created_set_and_cleared() -> None:
    text = fe.set_component_field(COMMENTED, "matcher", "retry.backoff_ms", 40.0)
    assert "retry.attempts = 2       # dotted keys" in text
    retry = loads_design(text).component("matcher").retry
    assert retry is not None and (retry.attempts, retry.backoff_ms) == (2, 40.0)
    text = fe.set_component_field(text, "matcher", "circuit_breaker.failure_ratio", 0.5)
    text = fe.set_component_field(text, "matcher", "circuit_breaker.window_s", 5.0)
    text = fe.set_component_field(text, "matcher", "circuit_breaker.open_s", 2.0)
    cb = loads_design(text).component("matcher").circuit_breaker
    assert cb is not None and (cb.failure_ratio, cb.window_s, cb.open_s) == (0.5, 5.0, 2.0)
    text = fe.clear_component_field(text, "matcher", "retry.backoff_ms")
    text = fe.clear_component_field(text, "matcher", "retry.attempts")
    assert "retry" not in text
    assert loads_design(text).component("matcher").retry is None


def test_clear_a_field_and_clearing_nothing_changes_nothing() -> None:
    text = fe.clear_component_field(COMMENTED, "matcher", "workers")
    assert loads_design(text).component("matcher").workers is None
    assert fe.clear_component_field(COMMENTED, "matcher", "timeout_ms") == COMMENTED
    assert fe.clear_component_field(COMMENTED, "matcher", "autoscale.min") == COMMENTED


def test_workload_class_and_fault_fields() -> None:
    text = fe.set_class_field(COMMENTED, "match", "arrival.rate_rps", 25.0)
    text = fe.set_class_field(text, "match", "keys", {"dist": "zipf", "count": 500, "s": 0.8})
    text = fe.set_fault_field(text, 0, "duration_s", 30.0)
    text = fe.set_field(text, fe.WORKLOAD, "seed", 9)
    d = loads_design(text)
    assert d.workload.classes[0].arrival.rate_rps == 25.0
    assert d.workload.classes[0].keys is not None and d.workload.classes[0].keys.count == 500
    assert d.faults[0].duration_s == 30.0
    assert d.workload.seed == 9
    assert "duration_s = 600   # ten minutes" in text


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (fe.component("nope"), "no nope in the design"),
        (fe.request_class("nope"), "no class nope in the design"),
        (fe.fault(5), r"no fault #6 in the design"),
    ],
)
def test_missing_targets_raise_a_typed_error(target: fe.Target, message: str) -> None:
    with pytest.raises(fe.FieldEditError, match=message):
        fe.set_field(COMMENTED, target, "x", 1)


def test_unparsable_text_raises_a_typed_error() -> None:
    with pytest.raises(fe.FieldEditError, match="does not parse"):
        fe.set_component_field("name = ", "matcher", "workers", 2)


@pytest.mark.parametrize("path", sorted(CATALOG.glob("*.toml")), ids=lambda p: p.stem)
def test_catalog_round_trip_every_component_cost(path: Path) -> None:
    text = path.read_text()
    for c in loads_design(text).components:
        text = fe.set_component_field(text, c.name, "cost_per_hour", 1.25)
    d = loads_design(text)
    assert all(c.cost_per_hour == 1.25 for c in d.components)


def test_undo_labels() -> None:
    assert fe.undo_label(fe.component("matcher"), "workers", 6) == "Set matcher.workers to 6"
    assert fe.undo_label(fe.component("m"), "service_ms", {"dist": "gamma"}) == (
        "Set m.service_ms to gamma"
    )
    assert fe.undo_label(fe.fault(0), "at_s", 5.0) == "Set fault #1.at_s to 5"
    assert fe.undo_label(fe.component("m"), "timeout_ms", cleared=True) == "Clear m.timeout_ms"


def test_check_maps_loader_problems_to_fields() -> None:
    text = fe.set_component_field(COMMENTED, "matcher", "workers", 0)
    text = fe.set_component_field(text, "matcher", "service_ms.mean", -5.0)
    text = fe.set_class_field(text, "match", "arrival.rate_rps", 0.0)
    text = fe.set_fault_field(text, 0, "duration_s", -1.0)
    result = fe.check(text)
    assert not result.ok
    matcher = result.for_target(fe.component("matcher"))
    assert set(matcher) == {"workers", "service_ms.mean"}
    assert "greater than or equal to 1" in matcher["workers"][0]
    assert set(result.for_target(fe.request_class("match"))) == {"arrival.rate_rps"}
    assert set(result.for_target(fe.fault(0))) == {"duration_s"}
    # the message is the loader's, word for word
    with pytest.raises(ValueError) as exc:
        loads_design(text, source=fe.SOURCE)
    for p in result.problems:
        assert p.message in str(exc.value) or p.message in getattr(exc.value, "problems", [])


def test_check_maps_whole_entry_and_wiring_problems() -> None:
    text = fe.set_component_field(COMMENTED, "matcher", "calls", [])  # retry needs calls
    result = fe.check(text)
    assert "retry" in result.for_target(fe.component("matcher"))
    text = fe.set_component_field(COMMENTED, "matcher", "calls", ["ghost"])
    problems = fe.check(text).for_target(fe.component("matcher"))
    assert problems == {"calls": ["unknown component 'ghost'"]}


def test_check_of_broken_toml_is_one_general_problem() -> None:
    result = fe.check("name = ")
    assert not result.ok and len(result.problems) == 1
    assert result.problems[0].target is None
    assert "TOML syntax error" in result.problems[0].message


def test_check_of_a_good_text() -> None:
    result = fe.check(COMMENTED)
    assert result.ok and result.design is not None and result.problems == ()


def test_add_and_remove_faults_and_classes() -> None:
    text, label = fe.add_fault(COMMENTED, "matcher", "slowdown")
    assert label == "Add slowdown on matcher"
    added = loads_design(text).faults[-1]
    assert (added.component, added.kind, added.at_s, added.duration_s, added.factor) == (
        "matcher",
        "slowdown",
        300.0,
        60.0,
        2.0,
    )
    text, label = fe.remove_fault(text, 0)
    assert label == "Remove fault #1"
    assert [f.kind for f in loads_design(text).faults] == ["slowdown"]
    text, _ = fe.remove_fault(text, 0)
    assert "[[faults]]" not in text and loads_design(text).faults == []
    text, label = fe.add_class(text, "matcher")
    assert label == "Add class class_2"
    assert [c.name for c in loads_design(text).workload.classes] == ["match", "class_2"]
    text, _ = fe.remove_class(text, "match")
    assert [c.name for c in loads_design(text).workload.classes] == ["class_2"]
    _lines_kept(COMMENTED.split("[[workload.classes]]")[0], text, "\0")
    assert "\n\n[[components]]" in text  # the new table keeps its blank lines


def test_a_new_class_takes_the_first_class_keys() -> None:
    text = (CATALOG / "cache_aside.toml").read_text()
    text, _ = fe.add_class(text, "matcher")
    keys = loads_design(text).workload.classes[1].keys
    assert keys is not None and keys.count == 50000


def test_fault_kind_switch_drops_and_adds_fields() -> None:
    text, _ = fe.propose(COMMENTED, fe.fault(0), "kind", "slowdown")
    f = loads_design(text).faults[0]
    assert (f.kind, f.duration_s, f.factor) == ("slowdown", 10.0, 2.0)
    text, _ = fe.propose(text, fe.fault(0), "kind", "cache_flush")
    data = fe.check(text)
    assert "duration_s" not in text.split("[[faults]]")[1] and "factor" not in text
    assert not data.ok  # a cache_flush on a database: the loader says why
    assert any("cache_flush" in p.reason for p in data.problems)


def test_a_multi_line_description_is_written_as_a_multi_line_string() -> None:
    words = 'Two lines,\nwith "quotes" and a back\\slash\n'
    text = fe.set_component_field(COMMENTED, "matcher", "description", words)
    assert '"""' in text
    assert loads_design(text).component("matcher").description == words
