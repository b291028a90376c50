"""Hostile design files: each runs or is refused quickly with one line naming the file and the
field; never a traceback (exit 1), a hang or gigabytes. The named cases are the ones a fuzzing
session found; the hypothesis properties mutate the catalog the way bench/fuzz_inputs.py does
(that script runs thousands; these run a few dozen, bounded by a small --max-events)."""

from __future__ import annotations

import contextlib
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import hostile
from designs.loader import loads_design
from freightlab.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
MONOLITH = (hostile.CATALOG / "monolith.toml").read_text(encoding="utf-8")
SMALL_BUDGET = "200000"  # keeps every simulate in these tests to a fraction of a second


def _refusal(tmp_path: Path, text: str, command: str = "validate") -> str:
    """Run ``command`` on ``text``: it must be refused with one line naming the file; returns
    that line."""
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    out = hostile.run_cli([command, str(path)])
    assert out.code == 2, out
    assert out.problem(str(path)) is None, out.problem(str(path))
    assert str(path) in out.stderr
    return out.stderr.strip()


def _mono(old: str, new: str) -> str:
    assert old in MONOLITH
    return MONOLITH.replace(old, new, 1)


NAMED = {
    "5000-digit integer": (_mono("seed = 1", "seed = " + "9" * 5000), "thousands of digits"),
    "integer beyond float": (_mono("rate_rps = 2.7", "rate_rps = 1" + "0" * 400), "rate_rps"),
    "negative seed": (_mono("seed = 1", "seed = -1"), "seed"),
    "replicas 1e9": (_mono("replicas = 1", "replicas = 1000000000"), "replicas"),
    "workers 1e30": (_mono("workers = 3", "workers = 1" + "0" * 30), "workers"),
    "rate 5e-324": (_mono("rate_rps = 2.7", "rate_rps = 5e-324"), "rate_rps"),
    "rate 1e308": (_mono("rate_rps = 2.7", "rate_rps = 1e308"), "rate_rps"),
    "mean 1e-322": (_mono("mean = 1000.0", "mean = 1e-322"), "service_ms.mean"),
    "mean 1e200": (_mono("mean = 1000.0", "mean = 1e200"), "service_ms.mean"),
    "cv 1e200": (
        _mono('dist = "exponential", mean = 1000.0', 'dist = "lognormal", mean = 9.0, cv = 1e200'),
        "service_ms.cv",
    ),
    "keys 2^31": (
        _mono("rate_rps = 2.7 }", "rate_rps = 2.7 }\nkeys = { count = 2147483648 }"),
        "keys.count",
    ),
    "bursty periods 1e-300": (
        _mono(
            'process = "poisson", rate_rps = 2.7',
            'process = "bursty", rate_rps = 1.0, burst_rate_rps = 9.0, burst_every_s = 1e-300,'
            " burst_duration_s = 1e-300",
        ),
        "burst_every_s",
    ),
    "diurnal period 1e-300": (
        _mono(
            'process = "poisson", rate_rps = 2.7',
            'process = "diurnal", rate_rps = 2.0, amplitude = 1.0, period_s = 1e-300',
        ),
        "period_s",
    ),
    "nan rate": (_mono("rate_rps = 2.7", "rate_rps = nan"), "rate_rps"),
    "nested 5,000 deep": (MONOLITH + "\nx = " + "[" * 5000 + "]" * 5000 + "\n", "nest"),
    "dotted key of 100k parts": (MONOLITH + "\na" + ".a" * 100_000 + " = 1\n", "dotted key"),
    "80,000 components": (hostile.chain_design(80_000, zero_time=True), "bytes"),
    "1,001 components": (hostile.chain_design(1001, zero_time=True), "components"),
    "duration 1e308": (_mono("duration_s = 3600", "duration_s = 1e308"), "duration_s"),
}


@pytest.mark.parametrize("case", sorted(NAMED))
def test_named_hostile_designs_are_refused_naming_the_field(tmp_path: Path, case: str) -> None:
    text, word = NAMED[case]
    t0 = time.process_time()
    line = _refusal(tmp_path, text)
    assert time.process_time() - t0 < 10  # a runaway guard, not a timing test
    assert word in line
    assert "Traceback" not in line


def test_every_bound_gives_a_reason(tmp_path: Path) -> None:
    line = _refusal(tmp_path, _mono("replicas = 1", "replicas = 1000000000"))
    assert "replicas must be between 1 and 10,000: a design larger than that is a different" in line


def test_zero_time_and_call_chains_of_a_thousand_run_without_recursion(tmp_path: Path) -> None:
    for zero_time in (True, False):
        path = tmp_path / f"chain{zero_time}.toml"
        path.write_text(hostile.chain_design(1000, zero_time=zero_time), encoding="utf-8")
        out = hostile.run_cli(["simulate", str(path), "--duration", "5"])
        assert out.code == 0, out.stderr[-2000:]
    calls = hostile.chain_design(1000, zero_time=False).replace("then = ", "calls = ")
    calls = calls.replace('calls = "s', 'calls = ["s').replace('"\n[[', '"]\n[[')
    design = loads_design(calls)
    assert design.components[0].calls == ["s1"]
    from simulation.runner import simulate

    assert simulate(design, duration_s=5).classes["r"].offered > 0


def test_long_chain_theory_is_bounded_and_says_so() -> None:
    from simulation.analytic import predict_or_explain

    design = loads_design(hostile.chain_design(300, zero_time=False))
    t0 = time.process_time()
    prediction, gaps = predict_or_explain(design)
    assert time.process_time() - t0 < 20  # a runaway guard: was a dense expm per step
    assert prediction is not None and not gaps
    assert any("outside what theory computes quickly" in n for n in prediction.coverage_notes)


def test_erlang_b_for_a_huge_pool_is_constant_time_and_agrees() -> None:
    from simulation.theory.queues import erlang_b

    def recursion(c: int, a: float) -> float:
        b = 1.0
        for k in range(1, c + 1):
            b = a * b / (k + a * b)
        return b

    for c, a in ((501, 480.0), (2000, 1990.0), (5000, 10.0)):
        assert erlang_b(c, a) == pytest.approx(recursion(c, a), rel=1e-9, abs=1e-300)
    assert 0.0 <= erlang_b(100_000, 99_000.0) <= 1.0


# --- the work budget ---------------------------------------------------------------------


def test_budget_refuses_with_the_estimate_and_the_limit(tmp_path: Path) -> None:
    text = _mono("rate_rps = 2.7", "rate_rps = 100000.0").replace("mean = 1000.0", "mean = 1.0")
    text = text.replace("workers = 3", "workers = 900")
    line = _refusal(tmp_path, text, "simulate")
    assert "events to simulate" in line and "over the limit of 3,000,000" in line
    assert "--max-events" in line


def test_max_events_lowers_and_raises_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(MONOLITH, encoding="utf-8")
    low = hostile.run_cli(["simulate", str(path), "--duration", "600", "--max-events", "100"])
    assert low.code == 2 and "over the limit of 100" in low.stderr and str(path) in low.stderr
    ok = hostile.run_cli(["simulate", str(path), "--duration", "600", "--max-events", "100000"])
    assert ok.code == 0, ok.stderr
    cmp_ = hostile.run_cli(["compare", str(path), "--rates", "1,2", "--max-events", "100"])
    assert cmp_.code == 2 and "over the limit of 100" in cmp_.stderr
    bad = hostile.run_cli(["simulate", str(path), "--seed", "-3"])
    assert bad.code == 2 and "--seed" in bad.stderr


def test_workload_max_events_in_the_file_is_the_override() -> None:
    from simulation.budget import WorkBudgetError
    from simulation.runner import simulate

    design = loads_design(_mono("seed = 1", "seed = 1\nmax_events = 50"))
    with pytest.raises(WorkBudgetError, match="limit of 50"):
        simulate(design, duration_s=100)


def test_estimate_tracks_the_engine_events() -> None:
    from simulation.runner import check_work, simulate

    for name in ("async_broker.toml", "cache_aside.toml", "replicas_round_robin.toml"):
        design = loads_design((hostile.CATALOG / name).read_text(encoding="utf-8"))
        est = check_work(design, duration_s=400)
        events = simulate(design, duration_s=400).events
        assert 0.6 * events < est.events < 2.5 * events, (name, est.events, events)


def test_overload_at_any_rate_stops_unstable_quickly() -> None:
    from simulation.runner import simulate

    text = _mono("rate_rps = 2.7", "rate_rps = 300000.0")
    t0 = time.process_time()
    r = simulate(loads_design(text))
    assert time.process_time() - t0 < 30  # a runaway guard
    assert r.verdict == "unstable" and r.stopped_early
    assert "in flight" in r.stop_reason


def test_the_hard_stop_catches_what_the_estimate_missed() -> None:
    from designs.schema import Design
    from simulation.engine import Engine

    design: Design = loads_design(MONOLITH)
    engine = Engine(
        design, duration_s=3600, warmup_s=0, seed=1, max_in_system=10**6, max_events=1000
    )
    end = engine.run()
    assert end < 3600 and "events" in engine.stop_reason


# --- properties ----------------------------------------------------------------------------


def _check_cli(path: Path, argv: list[str]) -> None:
    out = hostile.run_cli(argv)
    problem = out.problem(str(path))
    assert problem is None, f"{argv}: {problem}\n--- file ---\n{path.read_text()[:3000]}"


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**32 - 1), base=st.integers(0, 8))
def test_mutated_designs_run_or_are_refused(tmp_path: Path, seed: int, base: int) -> None:
    rng = random.Random(seed)
    bases = hostile.design_texts()
    text = hostile.mutate_design(bases[base % len(bases)], rng)
    path = tmp_path / f"m{seed}.toml"
    path.write_text(text, encoding="utf-8")
    _check_cli(path, ["validate", str(path)])
    out = tmp_path / "out.json"
    argv = ["simulate", str(path), "--duration", "5", "--max-events", SMALL_BUDGET]
    _check_cli(path, [*argv, "--json", str(out)])


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    field=st.sampled_from(
        [f for f, _ in hostile.COMPONENT_FIELDS] + [f for f, _ in hostile.WORKLOAD_FIELDS]
    ),
    value=st.sampled_from(hostile.EXTREMES),
)
def test_any_extreme_number_in_any_field_is_handled(field: str, value: str) -> None:
    line = re.compile(rf"(?m)^{field} = .*$")
    if line.search(MONOLITH):
        text = line.sub(f"{field} = {value}", MONOLITH, count=1)
    else:
        section = "[workload]" if field in dict(hostile.WORKLOAD_FIELDS) else "[[components]]"
        text = MONOLITH.replace(section + "\n", f"{section}\n{field} = {value}\n", 1)
    try:
        design = loads_design(text, source="x.toml")
    except InputError as exc:
        assert "x.toml" in str(exc)
        return
    from simulation.runner import simulate

    with contextlib.suppress(InputError):  # a refusal is fine; any other exception is not
        simulate(design, duration_s=5, max_events=int(SMALL_BUDGET))


# --- a few in a subprocess, with a memory limit ---------------------------------------------


def _limited() -> None:
    limit = 1536 << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.parametrize("case", ["dotted key of 100k parts", "keys 2^31", "nested 5,000 deep"])
def test_in_a_subprocess_under_1_5_gb(tmp_path: Path, case: str) -> None:
    path = tmp_path / "hostile.toml"
    path.write_text(NAMED[case][0], encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "simulate", str(path), "--duration", "5"],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limited,
        cwd=ROOT,
    )
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and str(path) in proc.stderr


def test_hostile_exercise_and_trace_files_are_refused(tmp_path: Path) -> None:
    from designs.exercise import load_exercise
    from designs.loader import read_trace

    ex = tmp_path / "ex.toml"
    ex.write_text('name = "x"\nbrief = "y"\nz = ' + "[" * 5000 + "]" * 5000 + "\n", "utf-8")
    with pytest.raises(InputError, match=r"ex\.toml.*nest"):
        load_exercise(ex)
    ex.write_text('name = "x"\nseed = ' + "9" * 5000 + "\n", "utf-8")
    with pytest.raises(InputError, match=r"ex\.toml.*digits"):
        load_exercise(ex)
    trace = tmp_path / "t.csv"
    trace.write_bytes(b"\xff\xfe1\n2\n")
    with pytest.raises(InputError, match=r"t\.csv.*UTF-8"):
        read_trace(trace)


def test_replications_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(MONOLITH, encoding="utf-8")
    out = hostile.run_cli(["simulate", str(path), "--duration", "1", "--replications", "10**9"])
    assert out.code == 2  # argparse: not an int
    out = hostile.run_cli(["simulate", str(path), "--duration", "1", "--replications", "99999"])
    assert out.code == 2 and "--replications must be between 2 and 1,000" in out.stderr


def test_many_runs_together_have_a_budget_too(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(MONOLITH, encoding="utf-8")
    rates = ",".join(str(r / 10) for r in range(1, 201))
    argv = ["--duration", "10", "--max-events", "2000"]
    out = hostile.run_cli(["compare", str(path), "--rates", rates, *argv])
    assert out.code == 2 and "over 200 runs" in out.stderr, out.stderr
    argv = ["--duration", "100", "--max-events", "2000", "--replications", "500"]
    out = hostile.run_cli(["simulate", str(path), *argv])
    assert out.code == 2 and "--replications" in out.stderr and "runs" in out.stderr, out.stderr
