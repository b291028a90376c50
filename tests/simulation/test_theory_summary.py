"""The one-line theory verdict: honest about a single run's noise, sharp when it is wrong."""

from __future__ import annotations

import numpy as np

from designs.loader import loads_design
from simulation.analytic import predict_or_explain
from simulation.runner import simulate
from simulation.theory_check import batch_means_relative_half_width, theory_summary

MM1 = """
name = "mm1"
[workload]
duration_s = 4000
warmup_s = 200
seed = 3
[[workload.classes]]
name = "match"
entry = "matcher"
arrival = { process = "poisson", rate_rps = 30.0 }
[[components]]
name = "matcher"
kind = "service"
workers = 1
service_ms = { dist = "exponential", mean = MEAN }
"""


def test_batch_means_matches_iid_standard_error() -> None:
    rng = np.random.default_rng(1)
    series = list(rng.normal(10.0, 1.0, 4000))
    width = batch_means_relative_half_width(series)
    expected = 1.96 * 1.0 / np.sqrt(4000) / 10.0
    assert width is not None and 0.5 * expected < width < 2.0 * expected
    assert batch_means_relative_half_width(series[:50]) is None  # too short to say


def test_summary_agrees_for_a_correct_model_and_flags_a_wrong_one() -> None:
    design = loads_design(MM1.replace("MEAN", "20.0"))
    result = simulate(design)
    prediction, gaps = predict_or_explain(design)
    assert prediction is not None and not gaps
    assert "agrees" in theory_summary(result, prediction)

    slower = loads_design(MM1.replace("MEAN", "25.0"))  # theory for a 25% slower server
    wrong, _ = predict_or_explain(slower)
    verdict = theory_summary(result, wrong)
    assert verdict.startswith("Theory disagrees") and "utilization" in verdict


def test_summary_names_why_theory_does_not_cover() -> None:
    bursty = (
        'process = "bursty", rate_rps = 20.0, burst_rate_rps = 40.0, '
        "burst_every_s = 60.0, burst_duration_s = 10.0"
    )
    text = MM1.replace("MEAN", "20.0").replace('process = "poisson", rate_rps = 30.0', bursty)
    design = loads_design(text)
    prediction, gaps = predict_or_explain(design)
    assert prediction is None and gaps
    summary = theory_summary(simulate(design, duration_s=300), prediction, gaps)
    assert summary.startswith("Theory: outside") and "bursty" in summary


def test_simulate_json_carries_theory_beside_the_simulation(tmp_path) -> None:
    import json
    from pathlib import Path

    from main import main

    catalog = Path(__file__).resolve().parents[2] / "designs" / "catalog"
    out = tmp_path / "r.json"
    assert (
        main(["simulate", str(catalog / "monolith.toml"), "--duration", "600", "--json", str(out)])
        == 0
    )
    theory = json.loads(out.read_text())["theory"]
    assert theory["covered"] and theory["gaps"] == []
    assert theory["prediction"]["components"]["matcher"]["model"] == "M/M/3"
    assert theory["summary"].startswith("Theory")
    out2 = tmp_path / "c.json"
    assert (
        main(
            [
                "simulate",
                str(catalog / "cache_aside.toml"),
                "--duration",
                "300",
                "--json",
                str(out2),
            ]
        )
        == 0
    )
    assert json.loads(out2.read_text())["theory"]["covered"] is False
