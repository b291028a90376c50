"""compare --vary / --preset over a matcher's batching window: variants, the trade-off table
and the day's deadhead % beside it; the matcher catalog design."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designs.loader import load_design
from freightlab.errors import InputError
from main import main
from simulation.variants import parse_vary, variants

ROOT = Path(__file__).resolve().parents[2]
DESIGN = ROOT / "designs" / "catalog" / "matcher_batching.toml"
PRESET = ROOT / "designs" / "presets" / "matcher_batch_window.toml"


def test_variants_set_one_field_of_one_component_and_are_validated() -> None:
    design = load_design(DESIGN)
    vary = parse_vary("matcher.batch_window_ms=0, 1000 60000")
    out = variants(design, vary)
    assert [d.component("matcher").batch_window_ms for d in out] == [0.0, 1000.0, 60000.0]
    assert out[1].name.endswith("[matcher.batch_window_ms=1000]")
    assert all(d.component("notify") == design.component("notify") for d in out)
    with pytest.raises(InputError, match="no component 'nope'"):
        variants(design, parse_vary("nope.workers=1"))
    with pytest.raises(InputError, match="batch_max"):
        variants(design, parse_vary("matcher.batch_max=0"))  # re-validated: must be >= 1
    for bad in ("matcher=1", "batch_window_ms=1", "matcher.batch_window_ms=", "m.f=x"):
        with pytest.raises(InputError, match="--vary"):
            parse_vary(bad)


def test_the_preset_sweeps_the_window_and_puts_the_days_deadhead_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "c.json"
    args = ["compare", "--preset", str(PRESET), "--duration", "3600", "--json", str(out)]
    assert main([*args, "--rates", "2,20", "--vary", "matcher.batch_window_ms=0,60000,300000"]) == 0
    printed = capsys.readouterr().out
    assert "batching trade-off" in printed and "day: deadhead %" in printed
    doc = json.loads(out.read_text())
    system = {(p["window_ms"], p["rate_rps"]): p for p in doc["batching"]["system"]}
    assert len(system) == 6
    for rate in (2.0, 20.0):
        row = [system[(w, rate)] for w in (0.0, 60000.0, 300000.0)]
        assert row[0]["mean_batch"] == 1.0
        assert row[0]["mean_batch"] < row[1]["mean_batch"] < row[2]["mean_batch"]
        assert row[0]["solves_per_s"] > row[1]["solves_per_s"] > row[2]["solves_per_s"]
        assert row[0]["mean_solve_ms"] < row[1]["mean_solve_ms"] < row[2]["mean_solve_ms"]
        assert row[0]["latency_mean_ms"] < row[1]["latency_mean_ms"] < row[2]["latency_mean_ms"]
        assert row[1]["per_worker_rps"] > row[0]["per_worker_rps"]  # batching pays per solver
    # mean batch ~ 1 + lambda W for a window-only batch (batch_max 20,000 is not reached)
    assert system[(60000.0, 2.0)]["mean_batch"] == pytest.approx(1 + 2 * 60, rel=0.05)
    day = doc["batching"]["day"]
    assert [d["window_ms"] for d in day] == [0.0, 60000.0, 300000.0]
    assert all(0 < d["deadhead_pct"] < 100 for d in day)


def test_compare_needs_designs_and_rates_from_somewhere(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--rates", "1,2"]) == 2
    assert "at least one DESIGN.toml" in capsys.readouterr().err
    assert main(["compare", str(DESIGN)]) == 2
    assert "--rates is required" in capsys.readouterr().err
    assert main(["compare", "--preset", "missing.toml"]) == 2
    assert "no such preset file" in capsys.readouterr().err
