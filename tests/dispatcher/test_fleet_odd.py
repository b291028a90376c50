"""Odd data in fleet CSVs is said out loud: a date years away from the others, a file cut
short in the middle of a number."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatcher.fleet import read_fleet, read_loads_csv, read_trucks_csv
from freightlab.errors import InputErrors
from freightlab.resources import asset_path
from main import main

TRUCK_HEAD = "id,location,capacity_t,truck_type,available_at\n"
LOAD_HEAD = "id,origin,destination,weight_t,truck_type,pickup_earliest,pickup_latest,price\n"


def _loads(n: int, day: str = "2026-11-23") -> str:
    return "".join(
        f"L{i:03d},pune,mumbai,5,open,{day}T{8 + i % 10:02d}:00,{day}T20:00,1250\n"
        for i in range(n)
    )


def test_a_date_years_away_is_refused_with_file_line_column(tmp_path: Path) -> None:
    path = tmp_path / "loads.csv"
    rows = _loads(120).splitlines(keepends=True)
    rows[57] = "L057,pune,mumbai,5,open,0001-11-23T08:00,2026-11-23T20:00,1250\n"
    path.write_text(LOAD_HEAD + "".join(rows))
    with pytest.raises(InputErrors) as caught:
        read_loads_csv(path)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}:59: column 'pickup_earliest':")
    assert "'0001-11-23T08:00' is 739," in problem and "around 2026-11-23" in problem


def test_far_off_date_in_one_file_of_a_day_does_not_move_the_shared_clock(
    tmp_path: Path,
) -> None:
    trucks = tmp_path / "t.csv"
    trucks.write_text(TRUCK_HEAD + "T1,pune,20,open,2026-11-23T06:00\nT2,pune,20,open,2062-11-23\n")
    loads = tmp_path / "l.csv"
    loads.write_text(LOAD_HEAD + _loads(10))
    with pytest.raises(InputErrors) as caught:
        read_fleet(trucks, loads)
    assert [p.split(": column")[0] for p in caught.value.problems] == [f"{trucks}:3"]
    trucks.write_text(TRUCK_HEAD + "T1,pune,20,open,2026-11-23T06:00\n")
    fleet = read_fleet(trucks, loads)
    assert fleet.day_start is not None and fleet.day_start.year == 2026
    assert fleet.trucks[0].available_at == 6.0


def test_the_cli_refuses_the_far_off_day_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loads = tmp_path / "l.csv"
    loads.write_text(LOAD_HEAD + _loads(5) + "L9,pune,mumbai,5,open,0001-01-01,2026-11-23,1\n")
    trucks = str(asset_path("samples", "india_trucks.csv"))
    assert main(["match", "--trucks", trucks, "--loads", str(loads)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{loads}:7: column 'pickup_earliest'" in err[0]


def test_hours_given_as_numbers_are_never_far(tmp_path: Path) -> None:
    """Exports write hours; a board worked for weeks exports hour 2000 and must read back."""
    path = tmp_path / "t.csv"
    path.write_text(TRUCK_HEAD + "T1,pune,20,open,0\nT2,pune,20,open,2000\n")
    assert [t.available_at for t in read_trucks_csv(path)] == [0.0, 2000.0]


def test_file_cut_short_in_a_number_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loads.csv"
    text = LOAD_HEAD + _loads(4)
    path.write_text(text[:-3])  # "1250\n" cut to "12": still a price, a wrong one
    with pytest.raises(InputErrors) as caught:
        read_loads_csv(path)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}:5: column 'price': '12' ends the file without a line")
    assert "cut short" in problem
    path.write_text(text[:-3] + "50\n")  # the user checks the row and ends the file
    assert read_loads_csv(path)[-1].price == 1250.0


def test_last_row_ending_in_a_fixed_word_needs_no_line_break(tmp_path: Path) -> None:
    """A cut word does not parse (no status or type is a prefix of another), so a row that
    ends in one is complete; files our exports write end like that (and with a newline)."""
    path = tmp_path / "t.csv"
    path.write_text("id,location,capacity_t,truck_type,available_at,status\nT1,pune,20,open,3,idle")
    assert read_trucks_csv(path)[0].available_at == 3.0
    path.write_text("id,location,capacity_t,truck_type,available_at,status\nT1,pune,20,open,3,id")
    with pytest.raises(InputErrors, match="'id' is not one of"):
        read_trucks_csv(path)


def test_shipped_samples_still_read(tmp_path: Path) -> None:
    fleet = read_fleet(
        asset_path("samples", "india_trucks.csv"), asset_path("samples", "india_loads.csv")
    )
    assert len(fleet.loads) == 300
