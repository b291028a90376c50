"""How long the properties panel's distribution preview takes to compute, per distribution
(it is recomputed as you type)."""

from __future__ import annotations

import timeit

from designs.schema import Distribution
from simulation.dist_shape import distribution_shape

CASES = {
    "exponential": {"dist": "exponential", "mean": 20.0},
    "deterministic": {"dist": "deterministic", "mean": 1.0},
    "uniform": {"dist": "uniform", "low": 5.0, "high": 15.0},
    "lognormal": {"dist": "lognormal", "mean": 40.0, "cv": 1.0},
    "gamma": {"dist": "gamma", "mean": 40.0, "cv": 0.5},
    "erlang": {"dist": "erlang", "mean": 10.0, "k": 4},
    "empirical": {"dist": "empirical", "samples": [1.0, 2.0, 2.5, 8.0, 30.0]},
}


def main() -> None:
    for name, spec in CASES.items():
        dist = Distribution.model_validate(spec)
        n = 200
        seconds = timeit.timeit(lambda d=dist: distribution_shape(d), number=n)
        print(f"{name:14s} {seconds / n * 1e3:7.3f} ms per preview")


if __name__ == "__main__":
    main()
