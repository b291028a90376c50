"""`python main.py match`: outputs, JSON contract, exit codes."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from freightlab.resources import asset_path
from main import main

ROOT = Path(__file__).resolve().parents[2]
TRUCKS = str(asset_path("samples", "india_trucks.csv"))
LOADS = str(asset_path("samples", "india_loads.csv"))


def test_match_sample_day_writes_csv_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, js = tmp_path / "a.csv", tmp_path / "r.json"
    code = main(
        ["match", "--trucks", TRUCKS, "--loads", LOADS, "--out", str(out), "--json", str(js)]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "optimal match on India" in printed and "open loads moved" in printed
    doc = json.loads(js.read_text())
    assert {"assignments", "unassigned_loads", "total_deadhead_km"} <= doc.keys()
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == len(doc["assignments"]) > 0
    assert {"truck", "load", "deadhead_km"} <= doc["assignments"][0].keys()
    assert doc["total_deadhead_km"] == pytest.approx(
        sum(a["deadhead_km"] for a in doc["assignments"]), abs=0.01
    )
    moved = {a["load"] for a in doc["assignments"]}
    all_loads = {r["id"] for r in csv.DictReader(Path(LOADS).read_text().splitlines())}
    assert moved.isdisjoint(doc["unassigned_loads"])
    assert moved | set(doc["unassigned_loads"]) == all_loads
    assert set(doc["unassigned_reasons"]) == set(doc["unassigned_loads"])
    assert len({a["truck"] for a in doc["assignments"]}) == len(doc["assignments"])


def test_greedy_and_us_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    js_o, js_g = tmp_path / "o.json", tmp_path / "g.json"
    args = [
        "match",
        "--map",
        str(asset_path("maps", "us_canada.graphml")),
        "--trucks",
        str(asset_path("samples", "us_trucks.csv")),
        "--loads",
        str(asset_path("samples", "us_loads.csv")),
    ]
    assert main([*args, "--json", str(js_o)]) == 0
    assert main([*args, "--matcher", "greedy", "--json", str(js_g)]) == 0
    o, g = json.loads(js_o.read_text()), json.loads(js_g.read_text())
    assert o["matcher"] == "optimal" and g["matcher"] == "greedy"
    assert len(o["assignments"]) >= len(g["assignments"])
    assert o["total_deadhead_km"] < g["total_deadhead_km"]


def test_bad_rows_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "t.csv"
    bad.write_text("id,location,capacity_t,truck_type,available_at\nT1,atlantis,5,open,1\n")
    assert main(["match", "--trucks", str(bad), "--loads", LOADS]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "t.csv:2: column 'location': unknown city 'atlantis'" in err


@pytest.mark.parametrize(
    "args",
    [
        ["--trucks", "missing.csv", "--loads", LOADS],
        ["--map", "missing.graphml", "--trucks", TRUCKS, "--loads", LOADS],
        ["--trucks", TRUCKS, "--loads", LOADS, "--speed", "0"],
        ["--trucks", TRUCKS],
    ],
)
def test_bad_input_exits_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["match", *args]) == 2
    assert capsys.readouterr().err.strip()


def test_wrong_map_for_the_files(capsys: pytest.CaptureFixture[str]) -> None:
    us = str(asset_path("maps", "us_canada.graphml"))
    assert main(["match", "--map", us, "--trucks", TRUCKS, "--loads", LOADS]) == 2
    assert "unknown city" in capsys.readouterr().err


def test_runs_as_a_program(tmp_path: Path) -> None:
    js = tmp_path / "r.json"
    proc = subprocess.run(
        [
            sys.executable,
            "main.py",
            "match",
            "--trucks",
            TRUCKS,
            "--loads",
            LOADS,
            "--json",
            str(js),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(js.read_text())["assignments"]
