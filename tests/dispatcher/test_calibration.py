"""`python main.py calibrate`: times the real matcher and writes a usable, monotone table."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import networkx as nx
import pytest

from dispatcher.calibration import CalibrationTable, SizeTiming, calibrate, parse_sizes
from dispatcher.routes import RouteGraph
from freightlab.errors import InputError
from main import main


def _small_map(path: Path) -> Path:
    """A 5x5 grid of cities 80 km apart, written as GraphML the way maps ship."""
    g = nx.Graph(name="small grid")
    for i in range(5):
        for j in range(5):
            g.add_node(f"c{i}{j}", name=f"C{i}{j}", lat=20 + 0.7 * i, lon=75 + 0.7 * j)
    for i in range(5):
        for j in range(5):
            if i < 4:
                g.add_edge(f"c{i}{j}", f"c{i + 1}{j}", km=80.0)
            if j < 4:
                g.add_edge(f"c{i}{j}", f"c{i}{j + 1}", km=80.0)
    nx.write_graphml(g, path)
    return path


def test_calibrate_on_a_small_map_writes_a_monotone_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cal.toml"
    code = main(
        [
            "calibrate",
            "--map",
            str(_small_map(tmp_path / "grid.graphml")),
            "--sizes",
            "400,5,60",
            "--repetitions",
            "5",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    captured = capsys.readouterr()
    assert "calibrate: size 5 (1 of 3)" in captured.err  # progress on the terminal
    assert f"wrote {out}" in captured.out
    doc = tomllib.loads(out.read_text())
    cal = doc["calibration"]
    assert cal["sizes"] == [5, 60, 400]
    assert len(cal["ms"]) == len(cal["spread"]) == 3
    assert all(m > 0 for m in cal["ms"])  # wall-clock medians: their order is load's business
    assert all(s >= 0 for s in cal["spread"])
    assert doc["map"] == "small grid" and doc["repetitions"] == 5
    assert "CPUs" in doc["machine"] and doc["measured_at"].endswith("Z")
    d = doc["details"]
    assert all(lo <= m <= hi for lo, m, hi in zip(d["p10_ms"], cal["ms"], d["p90_ms"], strict=True))
    assert d["feasible_pairs"][0] < d["feasible_pairs"][1] < d["feasible_pairs"][2]


def test_bigger_batches_take_longer(tmp_path: Path) -> None:
    """The matcher's work grows with the batch: timed by this thread's CPU clock, which other
    processes on a shared machine do not move (the wall clock they do: the CLI's medians of
    sizes 5 and 60, a millisecond apart, swapped under load)."""
    graph = RouteGraph.load(_small_map(tmp_path / "grid.graphml"))
    table = calibrate(graph, [400, 5, 60], repetitions=5, clock=time.thread_time)
    assert table.sizes == [5, 60, 400]
    assert table.ms[0] < table.ms[1] < table.ms[2]
    pairs = [t.feasible_pairs for t in table.timings]
    assert pairs[0] < pairs[1] < pairs[2]


def test_calibrate_uses_the_clock_around_each_match_only() -> None:
    """A fake clock that ticks 1 ms per call: each timed batch reads it twice -> 1 ms."""
    ticks = iter(range(10_000))
    graph = nx.Graph()
    for k in range(4):
        graph.add_node(f"n{k}", name=f"N{k}", lat=20.0, lon=75.0 + k)
    for k in range(3):
        graph.add_edge(f"n{k}", f"n{k + 1}", km=100.0)
    table = calibrate(
        RouteGraph.from_networkx(graph, name="line"),
        [3, 7],
        repetitions=3,
        clock=lambda: next(ticks) / 1000.0,
    )
    assert table.sizes == [3, 7]
    assert table.ms == pytest.approx([1.0, 1.0])
    assert [t.spread for t in table.timings] == pytest.approx([0.0, 0.0], abs=1e-9)


def test_spread_is_robust_to_one_disturbed_repetition() -> None:
    calm = SizeTiming(10, (10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 100.0), 1)
    assert calm.median_ms == 10.0
    assert calm.spread == 0.0
    wide = SizeTiming(10, (5.0, 10.0, 20.0), 1)
    assert wide.spread == pytest.approx(1.4826 * 0.6931, rel=1e-3)


def test_a_wildly_disturbed_measurement_still_writes_a_table_designs_can_load() -> None:
    """Under heavy load the measured sigma can pass what a design may hold (seen: 3.86); the
    table caps it, so a sized design still loads."""
    from designs.calibration import SIGMA_MAX, Calibration

    wild = SizeTiming(10, (0.01, 1.0, 500.0, 0.02, 800.0), 1)
    assert wild.spread > SIGMA_MAX
    table = CalibrationTable("m", "x86_64", "h", "2026-12-01T00:00:00Z", 5, 1, 0.1, [wild])
    field_value = table.design_field()
    assert field_value["spread"] == [SIGMA_MAX]
    Calibration.model_validate(field_value)  # raises if the cap were missing
    assert tomllib.loads(table.to_toml())["calibration"]["spread"] == [SIGMA_MAX]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("10,abc", "not a whole number"), ("0,10", "outside"), ("10,10", "repeats"), ("", "at least")],
)
def test_bad_sizes_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        parse_sizes(text)


def test_bad_sizes_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", "--sizes", "10,x"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("freightlab calibrate: --sizes") and "\n" not in err
