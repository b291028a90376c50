"""`simulate` and `compare` from the command line: exit codes and the JSON contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from main import main

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"
MONOLITH = str(CATALOG / "monolith.toml")


def test_simulate_json_has_contract_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    assert (
        main(["simulate", MONOLITH, "--duration", "1200", "--seed", "3", "--json", str(out)]) == 0
    )
    assert "bottleneck" in capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data["design"] == "Single matcher, three workers"
    assert data["verdict"] in ("stable", "degraded", "unstable")
    cls = data["classes"]["match"]
    for key in ("offered", "completed", "rejected", "throughput_rps", "latency_ms"):
        assert key in cls
    assert set(cls["latency_ms"]) >= {"mean", "p50", "p95", "p99"}
    comp = data["components"]["matcher"]
    for key in ("utilization", "mean_wait_ms", "mean_queue_len", "dropped"):
        assert key in comp
    assert 0.0 <= comp["utilization"] <= 1.0
    assert data["bottleneck"] == "matcher"
    assert data["seed"] == 3


def test_simulate_json_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", MONOLITH, "--duration", "600", "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["design"]


def test_simulate_async_design_reports_e2e(tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    args = ["simulate", str(CATALOG / "async_broker.toml"), "--duration", "600", "--json", str(out)]
    assert main(args) == 0
    cls = json.loads(out.read_text())["classes"]["post_load"]
    assert cls["e2e_latency_ms"]["mean"] > cls["latency_ms"]["mean"]


def test_simulate_bad_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(tmp_path / "missing.toml")]) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text(Path(MONOLITH).read_text().replace("workers = 3", "workers = -3"))
    assert main(["simulate", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "bad.toml" in err[-1] and "matcher" in err[-1] and "workers" in err[-1]
    assert main(["simulate", MONOLITH, "--duration", "-5"]) == 2


def test_compare_json_and_knee(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "c.json"
    a = str(CATALOG / "replicas_round_robin.toml")
    b = str(CATALOG / "replicas_least_connections.toml")
    args = ["compare", a, b, "--rates", "5,10,20", "--duration", "600", "--json", str(out)]
    assert main(args) == 0
    data = json.loads(out.read_text())
    assert data["rates"] == [5.0, 10.0, 20.0]
    assert [d["design"] for d in data["designs"]] == [
        "Three matcher replicas, round robin",
        "Three matcher replicas, least connections",
    ]
    for d in data["designs"]:
        assert d["knee_rps"] == 20.0  # 20 req/s exceeds the ~15 req/s the replicas can do
        assert [p["rate_rps"] for p in d["points"]] == [5.0, 10.0, 20.0]
        assert d["points"][-1]["verdict"] == "unstable"
    assert data["best_design"] == "Three matcher replicas, least connections"
    assert "saturation knee" in capsys.readouterr().out


@pytest.mark.parametrize("rates", ["", "10,abc", "0,5", "-1"])
def test_compare_bad_rates_exit_2(rates: str) -> None:
    assert main(["compare", MONOLITH, "--rates", rates]) == 2


def test_charts_option_writes_pngs(tmp_path: Path) -> None:
    pytest.importorskip("simulation.charts")
    out = tmp_path / "charts"
    assert main(["simulate", MONOLITH, "--duration", "600", "--charts", str(out)]) == 0
    assert list(out.glob("*.png"))
