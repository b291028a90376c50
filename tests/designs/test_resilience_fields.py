"""Every failure, resilience and cost field is checked, and its error names the file, the
component (or fault) and the field (DESIGN.md, "Failures, resilience and cost")."""

from __future__ import annotations

import pytest

from designs.loader import dump_design, loads_design
from freightlab.errors import InputError

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
calls = ["carrier"]
API_EXTRA
[[components]]
name = "carrier"
kind = "service"
workers = 2
service_ms = { dist = "exponential", mean = 10.0 }
CARRIER_EXTRA
[[components]]
name = "bus"
kind = "queue"
consumers = "carrier"
BUS_EXTRA
[[components]]
name = "dlq"
kind = "queue"
consumers = "carrier"
[[components]]
name = "lb"
kind = "load_balancer"
targets = ["carrier"]
LB_EXTRA
"""


def _design(api: str = "", carrier: str = "", bus: str = "", lb: str = "", tail: str = "") -> str:
    return (
        BASE.replace("API_EXTRA", api)
        .replace("CARRIER_EXTRA", carrier)
        .replace("BUS_EXTRA", bus)
        .replace("LB_EXTRA", lb)
        + tail
    )


def _err(text: str) -> str:
    with pytest.raises(InputError) as info:
        loads_design(text, source="bad.toml")
    msg = str(info.value)
    assert "bad.toml" in msg
    return msg


GOOD = _design(
    api='retry = { attempts = 3, backoff_ms = 100.0, multiplier = 2.0, jitter = "full" }\n'
    "circuit_breaker = { failure_ratio = 0.5, window_s = 10.0, open_s = 5.0,"
    " half_open_probes = 1 }\ncost_per_hour = 0.25",
    carrier="fail_ratio = 0.2\nautoscale = { min = 1, max = 8, target_utilization = 0.6,"
    " interval_s = 30.0, warmup_s = 60.0 }",
    bus='dead_letter = "dlq"\nmax_deliveries = 3',
    tail='[[faults]]\ncomponent = "carrier"\nkind = "crash"\nat_s = 20.0\nduration_s = 5.0\n',
)


def test_the_contract_example_loads_and_round_trips() -> None:
    d = loads_design(GOOD)
    api, carrier, bus = d.component("api"), d.component("carrier"), d.component("bus")
    assert api.retry is not None and api.retry.attempts == 3 and api.retry.jitter == "full"
    assert api.circuit_breaker is not None and api.circuit_breaker.open_s == 5.0
    assert carrier.fail_ratio == 0.2 and carrier.autoscale is not None
    assert carrier.max_replicas() == 8 and carrier.replica_count() == 1
    assert bus.dead_letter == "dlq" and bus.max_deliveries == 3
    assert api.replica_cost_per_hour() == 0.25
    assert carrier.replica_cost_per_hour() == carrier.spec().cost_per_hour  # the default
    assert loads_design(dump_design(d)) == d


@pytest.mark.parametrize(
    ("text", "where", "needles"),
    [
        (_design(api="retry = { attempts = -1 }"), "component 'api'", ["retry.attempts"]),
        (_design(api="retry = { attempts = 0 }"), "component 'api'", ["retry.attempts"]),
        (
            _design(api="retry = { attempts = 1, backoff_ms = 100.0 }"),
            "component 'api'",
            ["retry", "backoff_ms", "attempts >= 2"],
        ),
        (
            _design(api='retry = { attempts = 2, jitter = "random" }'),
            "component 'api'",
            ["retry.jitter"],
        ),
        (
            _design(api="retry = { attempts = 2, backoff_ms = -5.0 }"),
            "component 'api'",
            ["retry.backoff_ms"],
        ),
        (
            _design(api="retry = { attempts = 2, multiplier = 0.5 }"),
            "component 'api'",
            ["retry.multiplier"],
        ),
        (_design(carrier="retry = { attempts = 2 }"), "component 'carrier'", ["'retry' needs"]),
        (
            _design(carrier="circuit_breaker = { failure_ratio = 0.5, window_s = 1, open_s = 1 }"),
            "component 'carrier'",
            ["'circuit_breaker' needs"],
        ),
        (
            _design(api="circuit_breaker = { failure_ratio = 0.0, window_s = 1, open_s = 1 }"),
            "component 'api'",
            ["circuit_breaker.failure_ratio"],
        ),
        (
            _design(api="circuit_breaker = { failure_ratio = 0.5, window_s = 0, open_s = 1 }"),
            "component 'api'",
            ["circuit_breaker.window_s"],
        ),
        (
            _design(api="circuit_breaker = { failure_ratio = 0.5, window_s = 1 }"),
            "component 'api'",
            ["circuit_breaker.open_s"],
        ),
        (
            _design(carrier="autoscale = { min = 4, max = 2, target_utilization = 0.5 }"),
            "component 'carrier'",
            ["autoscale", "min (4) must not exceed max (2)"],
        ),
        (
            _design(carrier="autoscale = { min = 1, max = 2, target_utilization = 1.5 }"),
            "component 'carrier'",
            ["autoscale.target_utilization"],
        ),
        (
            _design(
                carrier="autoscale = { min = 1, max = 2, target_utilization = 0.5 }\nreplicas = 5"
            ),
            "component 'carrier'",
            ["'replicas' (5)", "[1, 2]"],
        ),
        (_design(carrier="fail_ratio = 1.5"), "component 'carrier'", ["fail_ratio"]),
        (_design(carrier="fail_ratio = -0.1"), "component 'carrier'", ["fail_ratio"]),
        (_design(lb="fail_ratio = 0.1"), "component 'lb'", ["fail_ratio", "does not apply"]),
        (
            _design(lb="autoscale = { min = 1, max = 2, target_utilization = 0.5 }"),
            "component 'lb'",
            ["autoscale", "does not apply"],
        ),
        (_design(carrier="cost_per_hour = -1.0"), "component 'carrier'", ["cost_per_hour"]),
        (_design(bus="max_deliveries = 0"), "component 'bus'", ["max_deliveries"]),
        (
            _design(bus='dead_letter = "nowhere"'),
            "component 'bus'",
            ["dead_letter", "unknown component 'nowhere'"],
        ),
        (
            _design(bus='dead_letter = "carrier"'),
            "component 'bus'",
            ["dead_letter", "expected one of queue"],
        ),
        (
            _design(carrier='dead_letter = "dlq"'),
            "component 'carrier'",
            ["dead_letter", "does not apply"],
        ),
        (
            _design(tail='[[faults]]\ncomponent = "carrier"\nkind = "cache_flush"\nat_s = 5\n'),
            "fault on 'carrier'",
            ["field 'kind'", "cache_flush does not apply to a service"],
        ),
        (
            _design(tail='[[faults]]\ncomponent = "carrier"\nkind = "crash"\nat_s = 5\n'),
            "fault #1",
            ["crash needs field 'duration_s'"],
        ),
        (
            _design(
                tail='[[faults]]\ncomponent = "bus"\nkind = "crash"\nat_s = 5\nduration_s = 1\n'
            ),
            "fault on 'bus'",
            ["crash does not apply to a queue"],
        ),
        (
            _design(
                tail='[[faults]]\ncomponent = "carrier"\nkind = "outage"\nat_s = 5\n'
                "duration_s = 1\nfactor = 2.0\n"
            ),
            "fault #1",
            ["'factor' does not apply to an outage"],
        ),
    ],
)
def test_bad_resilience_fields_name_component_and_field(
    text: str, where: str, needles: list[str]
) -> None:
    msg = _err(text)
    assert where in msg, msg
    for needle in needles:
        assert needle in msg, (needle, msg)


def test_cache_flush_needs_no_duration_but_refuses_one() -> None:
    cache = (
        '[[components]]\nname = "c"\nkind = "cache"\ncapacity = 10\non_miss = "carrier"\n'
        '[[faults]]\ncomponent = "c"\nkind = "cache_flush"\nat_s = 5\n'
    )
    text = _design(tail=cache).replace('entry = "api"', 'entry = "api"\nkeys = { count = 5 }')
    d = loads_design(text)
    assert d.faults[0].kind == "cache_flush" and d.faults[0].duration_s is None
    msg = _err(text + "duration_s = 3\n")
    assert "fault #1" in msg and "'duration_s' does not apply to a cache_flush" in msg
