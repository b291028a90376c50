"""`simulate --json` carries the failures, resilience and cost keys of DESIGN.md, and a bad
resilience field exits 2 with a one-line reason naming the file, component and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from main import main

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"


def test_simulate_json_has_the_resilience_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    design = str(CATALOG / "retry_storm_breaker.toml")
    assert main(["simulate", design, "--duration", "400", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "cost:" in text and "breaker pricing_api->rate_backend" in text
    data = json.loads(out.read_text())
    cls = data["classes"]["quote"]
    assert cls["failed"] > 0
    assert cls["success_ratio"] == pytest.approx(cls["completed"] / cls["offered"])
    for name, comp in data["components"].items():
        for key in ("arrivals", "failed", "replicas_mean", "cost_per_hour"):
            assert key in comp, (name, key)
    assert data["cost_per_hour"] == pytest.approx(
        sum(c["cost_per_hour"] for c in data["components"].values())
    )
    assert data["breakers"]["pricing_api->rate_backend"]["trips"] >= 1
    ts = data["timeseries"]
    assert set(ts["failed_rps"]) == {"quote"} and "pricing_api->rate_backend" in ts["breaker_open"]
    flow = data["theory"]["flow"]
    assert flow["components"]["rate_backend"]["visits"] == pytest.approx(1.0)


def test_bad_retry_exits_2_naming_file_component_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (CATALOG / "retry_storm.toml").read_text().replace("attempts = 4", "attempts = -2")
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    assert main(["simulate", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "bad.toml" in err and "component 'pricing_api'" in err and "retry.attempts" in err
