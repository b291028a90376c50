"""Small designs for engine tests, written as TOML like users write them (no tests here)."""

from __future__ import annotations

from designs.loader import loads_design
from designs.schema import Design


def design(
    components: str, classes: str, *, duration: float = 2000, warmup: float = 100, seed: int = 1
) -> Design:
    text = f"""
name = "test"
[workload]
duration_s = {duration}
warmup_s = {warmup}
seed = {seed}
{classes}
{components}
"""
    return loads_design(text, source="<test>")


def poisson(entry: str, rate: float, name: str = "req", keys: str = "") -> str:
    extra = f"\nkeys = {keys}" if keys else ""
    return f"""
[[workload.classes]]
name = "{name}"
entry = "{entry}"
arrival = {{ process = "poisson", rate_rps = {rate} }}{extra}
"""


def service(
    name: str,
    mean_ms: float,
    *,
    workers: int = 1,
    replicas: int = 1,
    dist: str = "exponential",
    extra: str = "",
) -> str:
    return f"""
[[components]]
name = "{name}"
kind = "service"
replicas = {replicas}
workers = {workers}
service_ms = {{ dist = "{dist}", mean = {mean_ms} }}
{extra}
"""


def mm1(rate: float = 0.5, mean_ms: float = 1000.0, **kw: float) -> Design:
    return design(service("s", mean_ms), poisson("s", rate), **kw)  # type: ignore[arg-type]
