"""Fleet CSV files: validation that reports every bad row, ISO times, exact round trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatcher.fleet import (
    Load,
    LoadStatus,
    Truck,
    TruckStatus,
    TruckType,
    read_loads_csv,
    read_trucks_csv,
    write_assignments_csv,
    write_loads_csv,
    write_trucks_csv,
)
from dispatcher.matching import Assignment
from dispatcher.routes import RouteGraph
from freightlab.errors import InputError, InputErrors
from freightlab.resources import asset_path, default_map_path

TRUCK_HEAD = "id,location,capacity_t,truck_type,available_at\n"
LOAD_HEAD = "id,origin,destination,weight_t,truck_type,pickup_earliest,pickup_latest,price\n"


@pytest.fixture(scope="module")
def india() -> RouteGraph:
    return RouteGraph.load(default_map_path())


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_iso_times_are_hours_from_the_earliest_day(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t.csv",
        TRUCK_HEAD + "T1,delhi,20,open,2026-11-22T08:30\n"
        "T2,pune,9.5,Reefer,2026-11-23T01:15\nT3,mumbai,16,trailer,7.25\n",
    )
    trucks = read_trucks_csv(path)
    assert [t.available_at for t in trucks] == [8.5, 25.25, 7.25]
    assert trucks[1].truck_type is TruckType.REEFER
    assert all(t.status is TruckStatus.IDLE for t in trucks)


def test_loads_parse(tmp_path: Path, india: RouteGraph) -> None:
    path = write(
        tmp_path,
        "l.csv",
        LOAD_HEAD + "L1,delhi,mumbai,12.5,container,2026-11-22T09:00,2026-11-22T13:00,90000\n",
    )
    [load] = read_loads_csv(path, india)
    assert load == Load("L1", "delhi", "mumbai", 12.5, TruckType.CONTAINER, 9.0, 13.0, 90000.0)
    assert load.status is LoadStatus.OPEN and load.truck_id is None


def test_every_bad_truck_row_is_reported(tmp_path: Path, india: RouteGraph) -> None:
    path = write(
        tmp_path,
        "trucks.csv",
        TRUCK_HEAD + "T1,delhi,20,open,8\n"
        "T2,atlantis,-3,boat,yesterday\n"
        "T1,mumbai,10,reefer,5.5\n"
        ",pune,x,open,\n"
        "T5,pune,10,open\n",
    )
    with pytest.raises(InputErrors) as info:
        read_trucks_csv(path, india)
    problems = info.value.problems
    name = str(path)
    assert f"{name}:3: column 'location': unknown city 'atlantis' (not on the map)" in problems
    assert f"{name}:3: column 'capacity_t': '-3' must be a finite number > 0" in problems
    assert any(p.startswith(f"{name}:3: column 'truck_type': 'boat'") for p in problems)
    assert any(p.startswith(f"{name}:3: column 'available_at': 'yesterday'") for p in problems)
    assert f"{name}:4: column 'id': duplicate id 'T1' (first on line 2)" in problems
    assert f"{name}:5: column 'id': missing id" in problems
    assert f"{name}:5: column 'capacity_t': 'x' is not a number" in problems
    assert f"{name}:5: column 'available_at': missing time" in problems
    assert f"{name}:6: expected 5 fields, found 4" in problems
    assert len(problems) == 9
    # Without a map, city ids are not checked (the file is only parsed).
    with pytest.raises(InputErrors) as info:
        read_trucks_csv(path)
    assert not any("atlantis" in p for p in info.value.problems)


def test_every_bad_load_row_is_reported(tmp_path: Path, india: RouteGraph) -> None:
    path = write(
        tmp_path,
        "loads.csv",
        LOAD_HEAD + "L1,delhi,delhi,5,open,8,10,100\n"
        "L2,delhi,mumbai,5,open,12,10,100\n"
        "L3,delhi,mumbai,0,open,8,10,-1\n"
        "L4,delhi,mumbai,5,open,2026-11-22T08:00,2026-11-22T09:00+05:30,1\n",
    )
    with pytest.raises(InputErrors) as info:
        read_loads_csv(path, india)
    name = str(path)
    assert info.value.problems == [
        f"{name}:2: column 'destination': same as origin 'delhi'",
        f"{name}:3: column 'pickup_latest': window closes before it opens (10 h < 12 h)",
        f"{name}:4: column 'weight_t': '0' must be a finite number > 0",
        f"{name}:4: column 'price': '-1' must be a finite number >= 0",
        f"{name}:5: column 'pickup_earliest': mixes times with and without a UTC offset",
        f"{name}:5: column 'pickup_latest': mixes times with and without a UTC offset",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("id,location,capacity_t\nT1,delhi,3\n", "missing column(s) 'truck_type', 'available_at'"),
        (TRUCK_HEAD.strip() + ",colour\n", "unknown column(s) 'colour'"),
    ],
)
def test_bad_headers(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        read_trucks_csv(write(tmp_path, "t.csv", text))
    assert message in str(info.value) and "t.csv:1:" in str(info.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(TRUCK_HEAD.encode() + b"T1,d\xe9lhi,3,open,1\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_trucks_csv(path)


def test_blank_lines_are_skipped_and_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbf" + TRUCK_HEAD.encode() + b"\nT1,delhi,3,open,1\n\n")
    assert [t.id for t in read_trucks_csv(path)] == ["T1"]


ids = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Z")),
    min_size=1,
    max_size=8,
)
floats = st.floats(min_value=0.001, max_value=1e6, allow_nan=False, allow_infinity=False)
hours = st.floats(min_value=-48, max_value=1e4, allow_nan=False, allow_infinity=False)


@st.composite
def trucks(draw: st.DrawFn) -> list[Truck]:
    names = draw(st.lists(ids, unique=True, max_size=6))
    return [
        Truck(
            n,
            draw(st.sampled_from(["delhi", "mumbai", "a,b", 'q"uote'])),
            draw(floats),
            draw(st.sampled_from(list(TruckType))),
            draw(hours),
            draw(st.sampled_from(list(TruckStatus))),
        )
        for n in names
    ]


@st.composite
def loads(draw: st.DrawFn) -> list[Load]:
    names = draw(st.lists(ids, unique=True, max_size=6))
    out = []
    for n in names:
        early = draw(hours)
        out.append(
            Load(
                n,
                "delhi",
                draw(st.sampled_from(["mumbai", "x y"])),
                draw(floats),
                draw(st.sampled_from(list(TruckType))),
                early,
                early + draw(st.floats(min_value=0, max_value=100)),
                draw(st.floats(min_value=0, max_value=1e9)),
                draw(st.sampled_from(list(LoadStatus))),
                draw(st.one_of(st.none(), ids)),
            )
        )
    return out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fleet=trucks(), cargo=loads())
def test_round_trip_is_exact(tmp_path: Path, fleet: list[Truck], cargo: list[Load]) -> None:
    write_trucks_csv(tmp_path / "t.csv", fleet)
    write_loads_csv(tmp_path / "l.csv", cargo)
    assert read_trucks_csv(tmp_path / "t.csv") == fleet
    assert read_loads_csv(tmp_path / "l.csv") == cargo


def test_samples_load_against_their_maps() -> None:
    for prefix, map_name in (("india", "india.graphml"), ("us", "us_canada.graphml")):
        graph = RouteGraph.load(asset_path("maps", map_name))
        fleet = read_trucks_csv(asset_path("samples", f"{prefix}_trucks.csv"), graph)
        cargo = read_loads_csv(asset_path("samples", f"{prefix}_loads.csv"), graph)
        assert 80 <= len(fleet) <= 150 and 200 <= len(cargo) <= 600
        assert min(t.available_at for t in fleet) >= 0
        assert all(0 <= ld.pickup_earliest <= ld.pickup_latest < 48 for ld in cargo)


def test_write_assignments(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    write_assignments_csv(path, [Assignment("T1", "L1", 12.345, 12.345, 9.5)])
    assert path.read_text() == "truck,load,deadhead_km,cost,pickup_at\nT1,L1,12.3,12.345,9.500\n"


def test_shared_clock_for_trucks_and_loads(tmp_path: Path) -> None:
    from dispatcher.fleet import fleet_day_start

    t = write(tmp_path, "t.csv", TRUCK_HEAD + "T1,delhi,20,open,2026-11-22T20:00\n")
    ld = write(
        tmp_path,
        "l.csv",
        LOAD_HEAD + "L1,delhi,mumbai,5,open,2026-11-23T08:00,2026-11-23T10:00,1\n",
    )
    day0 = fleet_day_start(t, ld)
    assert day0 is not None and day0.isoformat() == "2026-11-22T00:00:00"
    [truck] = read_trucks_csv(t, day_start=day0)
    [cargo] = read_loads_csv(ld, day_start=day0)
    assert truck.available_at == 20.0
    assert (cargo.pickup_earliest, cargo.pickup_latest) == (32.0, 34.0)
    # Read alone, each file counts from its own first day.
    assert read_loads_csv(ld)[0].pickup_earliest == 8.0


def test_read_fleet_puts_both_files_on_one_clock_and_reports_both(tmp_path) -> None:
    from dispatcher.fleet import read_fleet
    from freightlab.errors import InputErrors

    trucks = tmp_path / "t.csv"
    loads = tmp_path / "l.csv"
    trucks.write_text(
        "id,location,capacity_t,truck_type,available_at\nT1,delhi,10,open,2026-11-22T20:00\n"
    )
    loads.write_text(
        "id,origin,destination,weight_t,truck_type,pickup_earliest,pickup_latest,price\n"
        "L1,delhi,mumbai,5,open,2026-11-23T08:00,2026-11-23T12:00,900\n"
    )
    fleet = read_fleet(trucks, loads)
    assert fleet.day_start is not None and fleet.day_start.isoformat() == "2026-11-22T00:00:00"
    assert fleet.trucks[0].available_at == 20.0
    assert (fleet.loads[0].pickup_earliest, fleet.loads[0].pickup_latest) == (32.0, 36.0)

    trucks.write_text("id,location,capacity_t,truck_type,available_at\nT1,delhi,-1,open,8\n")
    loads.write_text(
        "id,origin,destination,weight_t,truck_type,pickup_earliest,pickup_latest,price\n"
        "L1,delhi,mumbai,5,open,9,7,900\n"
    )
    with pytest.raises(InputErrors) as caught:
        read_fleet(trucks, loads)
    assert len(caught.value.problems) == 2
    assert "t.csv:2" in caught.value.problems[0] and "l.csv:2" in caught.value.problems[1]
