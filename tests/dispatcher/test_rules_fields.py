"""One place per rule: the field tables, the status transitions and the pair rules."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from dispatcher import rules
from dispatcher.board import _LOAD_RULES, _TRUCK_RULES, Board
from dispatcher.costs import MatchSettings
from dispatcher.fleet import (
    LOAD_COLUMNS,
    LOAD_EDITABLE,
    LOAD_EXTRA_COLUMNS,
    LOAD_FIELDS,
    TRUCK_COLUMNS,
    TRUCK_EDITABLE,
    TRUCK_EXTRA_COLUMNS,
    TRUCK_FIELDS,
    Load,
    LoadStatus,
    Truck,
    TruckStatus,
    TruckType,
    read_loads_csv,
    write_loads_csv,
)
from dispatcher.routes import RouteGraph
from dispatcher.status import ASSIGN, UNASSIGN, settled_load_status
from dispatcher.store import BoardAssignment, BoardSnapshot, BoardStore
from freightlab.resources import default_map_path


def test_field_tables_name_every_dataclass_field_in_order() -> None:
    assert [f.name for f in TRUCK_FIELDS] == [f.name for f in dataclasses.fields(Truck)]
    assert [f.name for f in LOAD_FIELDS] == [f.name for f in dataclasses.fields(Load)]
    # the CSV contract of DESIGN.md, generated from the tables
    assert ",".join(TRUCK_COLUMNS) == "id,location,capacity_t,truck_type,available_at"
    assert ",".join(LOAD_COLUMNS) == (
        "id,origin,destination,weight_t,truck_type,pickup_earliest,pickup_latest,price"
    )
    assert TRUCK_EXTRA_COLUMNS == ("status",)
    assert LOAD_EXTRA_COLUMNS == (
        "status",
        "truck_id",
        "picked_up_at",
        "in_transit_at",
        "delivered_at",
    )


def test_every_editable_field_has_a_board_rule_and_nothing_else_does() -> None:
    assert set(_TRUCK_RULES) == set(TRUCK_EDITABLE)
    assert set(_LOAD_RULES) == set(LOAD_EDITABLE)
    assert "id" not in TRUCK_EDITABLE and "truck_id" not in LOAD_EDITABLE


def test_store_columns_come_from_the_field_tables(tmp_path: Path) -> None:
    store = BoardStore.create(tmp_path / "b.fboard", BoardSnapshot())
    store.close()
    conn = sqlite3.connect(tmp_path / "b.fboard")
    trucks = [r[1] for r in conn.execute("PRAGMA table_info(trucks)")]
    loads = [r[1] for r in conn.execute("PRAGMA table_info(loads)")]
    conn.close()
    assert trucks == ["seq", *(f.name for f in TRUCK_FIELDS)]
    assert loads == ["seq", *(f.name for f in LOAD_FIELDS), "deadhead_km", "assigned_rev"]


def test_csv_round_trip_through_the_table(tmp_path: Path) -> None:
    loads = [Load("L1", "pune", "delhi", 8.5, TruckType.REEFER, 6.25, 12.0, 900.0)]
    write_loads_csv(tmp_path / "l.csv", loads)
    assert read_loads_csv(tmp_path / "l.csv") == loads


@pytest.mark.parametrize(
    ("status", "assigned", "stored"),
    [
        (LoadStatus.OPEN, True, LoadStatus.ASSIGNED),
        (LoadStatus.ASSIGNED, False, LoadStatus.OPEN),
        (LoadStatus.IN_TRANSIT, True, LoadStatus.IN_TRANSIT),
        (LoadStatus.CANCELLED, False, LoadStatus.CANCELLED),
    ],
)
def test_settled_status(status: LoadStatus, assigned: bool, stored: LoadStatus) -> None:
    assert settled_load_status(status, assigned) == stored


def test_board_and_store_apply_the_same_transitions(tmp_path: Path) -> None:
    trucks = [Truck("T1", "pune", 20.0, TruckType.OPEN)]
    loads = [Load("L1", "mumbai", "delhi", 8.0, TruckType.OPEN, 6.0, 12.0, 900.0)]
    board = Board(trucks, loads)
    store = BoardStore.create(tmp_path / "b.fboard", board.to_snapshot())
    board.assign(BoardAssignment("L1", "T1", 150.0))
    store.assign("L1", "T1", 150.0)
    snap = store.load()
    assert snap.loads[0].status == board.loads["L1"].status == ASSIGN.load_to
    assert snap.trucks[0].status == board.trucks["T1"].status == ASSIGN.truck_to
    board.unassign("L1")
    store.unassign("L1")
    snap = store.load()
    assert snap.loads[0].status == board.loads["L1"].status == UNASSIGN.load_to
    assert snap.trucks[0].status == board.trucks["T1"].status == TruckStatus.IDLE
    store.close()


def test_rules_judge_a_reassign_as_if_the_load_were_open() -> None:
    graph = RouteGraph.load(default_map_path())
    city = sorted(graph.nodes)
    trucks = [
        Truck("T1", city[0], 20.0, TruckType.OPEN),
        Truck("T2", city[0], 20.0, TruckType.OPEN),
    ]
    loads = [Load("L1", city[1], city[2], 8.0, TruckType.OPEN, 0.0, 72.0, 900.0)]
    board = Board(trucks, loads)
    settings = MatchSettings()
    assert rules.why_not(board, graph, settings, "L1", "T1") is None
    board.assign(BoardAssignment("L1", "T1", 1.0))
    assert rules.why_not(board, graph, settings, "L1", "T2") is None  # may move to T2
    assert "already assigned" in (rules.why_not(board, graph, settings, "L1", "T1") or "")
    ok, text = rules.explain_pair(board, graph, settings, "T2", "L1", {"L1": "was left"})
    assert ok and "km empty" in text and "was left" in text
    assert rules.explain_pair(board, graph, settings, "T9", "L1") == (
        False,
        "there is no truck 'T9' on the board",
    )
    assert rules.why_not(board, None, settings, "L1", "T2") == "the map is not loaded yet"
    [row] = rules.board_assignments(board, graph, settings)
    assert row.truck_id == "T1" and row.deadhead_km == pytest.approx(
        graph.distance(city[0], city[1])
    )
