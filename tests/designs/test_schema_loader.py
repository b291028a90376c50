"""Design language: catalog, TOML round trip, and errors that name file, component, field."""

from __future__ import annotations

from pathlib import Path

import pytest

from designs.loader import dump_design, load_design, loads_design, save_design
from designs.schema import Design
from freightlab.errors import InputError

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"

BASE = """
name = "t"
[workload]
duration_s = 100
warmup_s = 10
[[workload.classes]]
name = "match"
entry = "api"
arrival = { process = "poisson", rate_rps = 2.0 }
[[components]]
name = "api"
kind = "service"
workers = 2
service_ms = { dist = "exponential", mean = 100.0 }
"""


def _err(text: str, source: str = "bad.toml") -> str:
    with pytest.raises(InputError) as info:
        loads_design(text, source=source)
    return str(info.value)


def test_catalog_has_six_described_designs_that_load() -> None:
    files = sorted(CATALOG.glob("*.toml"))
    assert len(files) >= 6
    kinds: set[str] = set()
    for f in files:
        d = load_design(f)
        assert len(d.description.split()) >= 25, f.name
        kinds |= {c.kind for c in d.components}
    assert {
        "service",
        "load_balancer",
        "cache",
        "database",
        "queue",
        "notifier",
        "gateway",
    } <= kinds


@pytest.mark.parametrize("path", sorted(CATALOG.glob("*.toml")), ids=lambda p: p.name)
def test_round_trip_is_exact(path: Path, tmp_path: Path) -> None:
    d = load_design(path)
    text = dump_design(d)
    again = loads_design(text)
    assert again == d
    assert dump_design(again) == text
    out = tmp_path / "copy.toml"
    save_design(d, out)
    assert load_design(out) == d
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_round_trip_keeps_every_field_kind() -> None:
    text = (
        BASE
        + """
[[components]]
name = "db"
kind = "database"
pool_size = 3
service_ms = { dist = "empirical", samples = [1.5, 2.25, 10.0] }
[[faults]]
component = "api"
kind = "slowdown"
at_s = 20
duration_s = 5
factor = 3.0
"""
    )
    text = text.replace("workers = 2", 'workers = 2\ncalls = ["db"]\ntimeout_ms = 250.5')
    d = loads_design(text)
    assert loads_design(dump_design(d)) == d
    assert d.component("db").servers() == 3
    assert d.faults[0].factor == 3.0


def test_unknown_component_in_calls_names_file_component_field() -> None:
    msg = _err(BASE.replace("workers = 2", 'workers = 2\ncalls = ["cach"]'))
    assert "bad.toml" in msg and "'api'" in msg and "'calls'" in msg and "cach" in msg


def test_unknown_then_and_entry() -> None:
    msg = _err(BASE.replace("workers = 2", 'workers = 2\nthen = "nowhere"'))
    assert "'api'" in msg and "'then'" in msg
    msg = _err(BASE.replace('entry = "api"', 'entry = "gone"'))
    assert "class 'match'" in msg and "'entry'" in msg and "gone" in msg


def test_cycle_of_calls_is_rejected() -> None:
    text = (
        BASE.replace("workers = 2", 'workers = 2\ncalls = ["b"]')
        + """
[[components]]
name = "b"
kind = "service"
service_ms = { dist = "deterministic", mean = 1.0 }
calls = ["api"]
"""
    )
    msg = _err(text)
    assert "cycle" in msg and "'calls'" in msg


def test_negative_rate_names_class_and_field() -> None:
    msg = _err(BASE.replace("rate_rps = 2.0", "rate_rps = -5.0"))
    assert "class 'match'" in msg and "arrival.rate_rps" in msg


def test_unknown_distribution_names_component_and_field() -> None:
    msg = _err(BASE.replace('"exponential"', '"expo"'))
    assert "component 'api'" in msg and "service_ms.dist" in msg


def test_missing_distribution_parameter() -> None:
    msg = _err(
        BASE.replace('{ dist = "exponential", mean = 100.0 }', '{ dist = "lognormal", mean = 5.0 }')
    )
    assert "component 'api'" in msg and "service_ms" in msg and "cv" in msg


def test_field_that_does_not_apply_to_kind() -> None:
    msg = _err(BASE.replace("workers = 2", 'workers = 2\nstrategy = "random"'))
    assert "component 'api'" in msg and "strategy" in msg and "does not apply" in msg


def test_unknown_field_and_kind() -> None:
    assert "unknown field" in _err(BASE.replace("workers = 2", "workerz = 2"))
    msg = _err(BASE.replace('kind = "service"', 'kind = "mainframe"'))
    assert "component 'api'" in msg and "'kind'" in msg


def test_balancer_target_must_have_replicas() -> None:
    text = (
        BASE
        + """
[[components]]
name = "lb"
kind = "load_balancer"
targets = ["c"]
[[components]]
name = "c"
kind = "cache"
capacity = 10
"""
    )
    msg = _err(text)
    assert "component 'lb'" in msg and "'targets'" in msg


def test_toml_syntax_error_names_file_and_line() -> None:
    msg = _err("name = \n", source="broken.toml")
    assert "broken.toml" in msg and "line 1" in msg


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such design file"):
        load_design(tmp_path / "nope.toml")


def test_warmup_must_be_shorter_than_duration() -> None:
    msg = _err(BASE.replace("warmup_s = 10", "warmup_s = 100"))
    assert "workload" in msg and "warmup_s" in msg


def test_with_rate_scales_classes_together() -> None:
    d = loads_design(BASE)
    assert isinstance(d, Design)
    assert d.with_rate(7.0).workload.total_rate() == pytest.approx(7.0)


def test_cache_reached_without_keys_is_an_error() -> None:
    text = (
        BASE.replace("workers = 2", 'workers = 2\ncalls = ["c"]')
        + """
[[components]]
name = "c"
kind = "cache"
capacity = 10
"""
    )
    msg = _err(text)
    assert "class 'match'" in msg and "'keys'" in msg and "'c'" in msg
    keyed = text.replace(
        'arrival = { process = "poisson", rate_rps = 2.0 }',
        'arrival = { process = "poisson", rate_rps = 2.0 }\nkeys = { count = 100 }',
    )
    assert loads_design(keyed).workload.classes[0].keys is not None


def test_catalog_paths_lists_shipped_designs() -> None:
    from designs.loader import catalog_paths

    assert [p.name for p in catalog_paths()] == sorted(p.name for p in CATALOG.glob("*.toml"))


def test_read_trace(tmp_path: Path) -> None:
    from designs.loader import read_trace

    f = tmp_path / "t.csv"
    f.write_text("time_s,shipper\n0.5,a\n\n1.25,b\n9,c\n")
    assert read_trace(f) == [0.5, 1.25, 9.0]
    f.write_text("1\n0.5\n")
    with pytest.raises(InputError, match="line 2"):
        read_trace(f)
    f.write_text("1\nabc\n")
    with pytest.raises(InputError, match="line 2"):
        read_trace(f)


def test_round_trip_property() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    finite = st.floats(min_value=0.001, max_value=1e6, allow_nan=False, allow_infinity=False)

    @settings(max_examples=60, deadline=None)
    @given(
        rate=finite,
        mean=finite,
        cv=st.floats(min_value=0.001, max_value=100.0),  # designs/bounds.py
        workers=st.integers(1, 64),
        replicas=st.integers(1, 8),
        limit=st.none() | st.integers(0, 1000),
        name=st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True),
        desc=st.text(max_size=40),
    )
    def check(
        rate: float,
        mean: float,
        cv: float,
        workers: int,
        replicas: int,
        limit: int | None,
        name: str,
        desc: str,
    ) -> None:
        d = loads_design(BASE).model_copy(deep=True)
        comp = d.components[0].model_copy(
            update={
                "name": name,
                "workers": workers,
                "replicas": replicas,
                "queue_limit": limit,
                "description": desc,
                "service_ms": d.components[0].service_ms.model_copy(  # type: ignore[union-attr]
                    update={"dist": "lognormal", "mean": mean, "cv": cv}
                ),
            }
        )
        rc = d.workload.classes[0]
        rc = rc.model_copy(
            update={"entry": name, "arrival": rc.arrival.model_copy(update={"rate_rps": rate})}
        )
        d = d.model_copy(
            update={
                "components": [comp],
                "workload": d.workload.model_copy(update={"classes": [rc]}),
            }
        )
        text = dump_design(d)
        again = loads_design(text)
        assert again == d
        assert dump_design(again) == text

    check()


def test_a_carriage_return_in_a_text_round_trips() -> None:
    """A CR LF inside a multi-line TOML string is read back as LF: such texts go escaped."""
    from designs.loader import dump_design, load_design, loads_design

    design = load_design("designs/catalog/monolith.toml")
    for text in ("\r\n", "two\r\nlines", "lone\rcr"):
        changed = design.model_copy(update={"description": text})
        assert loads_design(dump_design(changed)).description == text
