"""The batching comparison over several seeds, without Qt: Student-t intervals checked by
hand, every window on the same seeds, the first seed's days kept, the chart's error bars."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dispatcher.day_charts import batching_seeds_figure
from dispatcher.day_seeds import compare_batching_seeds, interval, seeds_from
from dispatcher.operations import DaySettings, simulate_day
from dispatcher.routes import RouteGraph
from dispatcher.synthetic import random_day
from freightlab.errors import InputError
from freightlab.progress import Cancelled, Progress
from freightlab.resources import default_map_path


@pytest.fixture(scope="module")
def day():
    graph = RouteGraph.load(default_map_path())
    trucks, loads = random_day(graph, 30, 90, seed=4)
    return graph, trucks, loads


def test_interval_by_hand() -> None:
    e = interval([1.0, 2.0, 3.0])  # sd 1, t(0.975, 2) = 4.3027
    assert e.mean == 2.0 and e.n == 3
    assert e.half_width == pytest.approx(4.302653 / math.sqrt(3), rel=1e-6)
    assert (e.low, e.high) == pytest.approx((2.0 - e.half_width, 2.0 + e.half_width))
    assert interval([5.0]).half_width == math.inf and interval([]).n == 0
    assert interval([4.0, 4.0, 4.0]).half_width == 0.0


def test_every_window_runs_on_the_same_seeds_with_intervals(day) -> None:
    graph, trucks, loads = day
    seeds = seeds_from(7, 4)
    assert seeds == [7, 8, 9, 10]
    c = compare_batching_seeds(graph, trucks, loads, [30, 0], seeds)
    assert [w.batch_minutes for w in c.windows] == [30.0, 0.0]
    for w in c.windows:
        assert w.seeds == (7, 8, 9, 10) and len(w.kpis) == 4
        dead = w["deadhead_pct"]
        values = [k.deadhead_pct for k in w.kpis]
        assert dead.n == 4 and dead.mean == pytest.approx(float(np.mean(values)))
        assert dead.half_width > 0 and dead.low < dead.mean < dead.high
    # the first seed's days are kept whole and are the plain simulation of that seed
    alone = simulate_day(graph, trucks, loads, DaySettings(batch_minutes=30, seed=7))
    assert c.days[0].kpis == alone.kpis and c.days[0].seed == 7
    again = compare_batching_seeds(graph, trucks, loads, [30, 0], seeds)
    assert again.windows[1]["wait_min"] == c.windows[1]["wait_min"]  # seeded: same numbers
    assert c.best("wait_min").batch_minutes == 0.0  # instant matching waits least


def test_the_chart_draws_95_percent_error_bars(day) -> None:
    graph, trucks, loads = day
    c = compare_batching_seeds(graph, trucks, loads, [0, 15], [1, 2, 3])
    fig = batching_seeds_figure(c)
    ax, ax2 = fig.axes
    for axis, metric in ((ax, "deadhead_pct"), (ax2, "wait_min")):
        (bars,) = axis.containers
        line, _caps, (segments,) = bars.lines
        means = [w[metric].mean for w in sorted(c.windows, key=lambda w: w.batch_minutes)]
        assert list(line.get_ydata()) == pytest.approx(means)
        spans = [abs(seg[1][1] - seg[0][1]) / 2 for seg in segments.get_segments()]
        halves = [w[metric].half_width for w in sorted(c.windows, key=lambda w: w.batch_minutes)]
        assert spans == pytest.approx(halves) and max(spans) > 0
    assert "3 seeds" in ax.get_title()


def test_bad_seed_counts_and_cancel(day) -> None:
    graph, trucks, loads = day
    with pytest.raises(InputError, match=r"1\.\.50"):
        seeds_from(1, 0)
    progress = Progress(lambda f, _m: progress.cancel() if f > 0.3 else None)
    with pytest.raises(Cancelled):
        compare_batching_seeds(graph, trucks, loads, [0, 30], [1, 2], progress=progress)


def test_day_cli_compares_over_seeds_with_intervals(tmp_path, capsys) -> None:
    import json

    from main import main

    out = tmp_path / "seeds.json"
    args = ["day", "--compare", "0,30", "--seeds", "3", "--seed", "5", "--json", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "seeds 5-7" in text and "±" in text and "deadhead, % of km" in text
    doc = json.loads(out.read_text())
    assert doc["seeds"] == [5, 6, 7] and [w["batch_minutes"] for w in doc["windows"]] == [0, 30]
    dead = doc["windows"][0]["deadhead_pct"]
    assert dead["n"] == 3 and dead["half_width"] > 0 and dead["low"] < dead["mean"]
    assert [r["seed"] for r in doc["runs"]] == [5, 5]  # the first seed's days, whole
    assert main(["day", "--compare", "0", "--seeds", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert "1..50" in err and "\n" not in err
