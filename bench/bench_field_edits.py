"""What one properties-panel edit costs off the widgets: the tomlkit field edit, the loader
check of the new text (both run on the UI thread, per committed edit and per debounced
keystroke), and the distribution preview."""

from __future__ import annotations

import timeit

from designs import field_edits as fe
from designs.loader import catalog_paths, loads_design
from designs.schema import Distribution
from simulation.dist_shape import distribution_shape


def _per_call_ms(fn, number: int) -> float:  # type: ignore[no-untyped-def]
    return timeit.timeit(fn, number=number) / number * 1e3


def main() -> None:
    print(f"{'design':28s} {'bytes':>6s} {'set_field':>10s} {'check':>8s}")
    for path in catalog_paths():
        text = path.read_text()
        name = loads_design(text).components[0].name
        edit = _per_call_ms(
            lambda t=text, n=name: fe.set_component_field(t, n, "cost_per_hour", 0.2), 50
        )
        check = _per_call_ms(lambda t=text: fe.check(t), 50)
        print(f"{path.stem:28s} {len(text):6d} {edit:8.2f} ms {check:6.2f} ms")
    for spec in (
        {"dist": "exponential", "mean": 20.0},
        {"dist": "lognormal", "mean": 40.0, "cv": 1.0},
        {"dist": "deterministic", "mean": 1.0},
    ):
        dist = Distribution.model_validate(spec)
        ms = _per_call_ms(lambda d=dist: distribution_shape(d), 200)
        print(f"preview {spec['dist']:14s} {ms:6.2f} ms")


if __name__ == "__main__":
    main()
