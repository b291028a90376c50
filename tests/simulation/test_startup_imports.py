"""Start-up stays light: a simulate run imports neither scipy.stats nor scipy.optimize nor
networkx, and the pure-Python replacements agree with scipy."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from designs.routing import find_cycle, lexicographic_order
from simulation.student_t import t_cdf, t_ppf
from simulation.theory.roots import brentq

ROOT = Path(__file__).resolve().parents[2]


def test_simulate_imports_no_heavy_scipy_or_networkx() -> None:
    code = (
        "import sys, main\n"
        "main.main(['simulate', 'designs/catalog/monolith.toml', '--duration', '1'])\n"
        "print(sorted(m for m in ('scipy.stats', 'scipy.optimize', 'networkx', 'matplotlib')"
        " if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("df", [1, 2, 3, 4, 9, 19, 30, 120])
def test_t_quantiles_match_scipy(df: int) -> None:
    from scipy import stats

    for p in (0.025, 0.5, 0.9, 0.975, 0.995):
        assert t_ppf(p, df) == pytest.approx(float(stats.t.ppf(p, df)), rel=1e-10, abs=1e-12)
        x = float(stats.t.ppf(p, df))
        assert t_cdf(x, df) == pytest.approx(p, abs=1e-12)


def test_brentq_finds_roots_inside_the_bracket() -> None:
    assert brentq(lambda x: x * x - 2.0, 0.0, 2.0) == pytest.approx(math.sqrt(2.0), abs=1e-12)
    assert brentq(lambda x: math.exp(-x) - 0.01, 0.0, 50.0) == pytest.approx(math.log(100.0))
    with pytest.raises(ValueError, match="signs"):
        brentq(lambda x: x * x + 1.0, -1.0, 1.0)


def test_routes_cycle_and_order() -> None:
    edges = [("a", "b", "then"), ("b", "c", "calls"), ("c", "a", "then"), ("d", "a", "then")]
    cycle = find_cycle(["a", "b", "c", "d"], edges)
    assert cycle is not None and {e[0] for e in cycle} == {"a", "b", "c"}
    assert all(cycle[i][1] == cycle[(i + 1) % len(cycle)][0] for i in range(len(cycle)))
    dag = [("b", "a", "then"), ("c", "a", "then")]
    assert find_cycle(["a", "b", "c"], dag) is None
    assert lexicographic_order(["a", "b", "c"], dag) == ["b", "c", "a"]
