"""Hostile fleet CSV, map and board files: each is used or refused with one line naming the
file; never a traceback. Mutations come from bench/hostile.py (bench/fuzz_inputs.py runs
thousands of them; these run a few dozen)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import hostile
from freightlab.errors import InputError

TRUCKS = hostile.SAMPLES / "india_trucks.csv"
LOADS = hostile.SAMPLES / "india_loads.csv"


def _fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )


def _small(path: Path, rows: int) -> str:
    """The header and the first ``rows`` rows: mutations of a small fleet run fast."""
    return "\n".join(path.read_text(encoding="utf-8").splitlines()[: rows + 1]) + "\n"


@_fuzz(30)
@given(seed=st.integers(0, 2**32 - 1), which=st.sampled_from(["trucks", "loads", "both"]))
def test_mutated_fleet_csv_is_matched_or_refused(tmp_path: Path, seed: int, which: str) -> None:
    rng = random.Random(seed)
    trucks, loads = _small(TRUCKS, 30), _small(LOADS, 60)
    t, ld = tmp_path / f"t{seed}.csv", tmp_path / f"l{seed}.csv"
    t.write_text(hostile.mutate_csv(trucks, rng) if which != "loads" else trucks, "utf-8")
    ld.write_text(hostile.mutate_csv(loads, rng) if which != "trucks" else loads, "utf-8")
    out = hostile.run_cli(["match", "--trucks", str(t), "--loads", str(ld)])
    assert out.problem(str(t), str(ld)) is None, out.problem(str(t), str(ld))


def test_mutated_fleet_through_a_day(tmp_path: Path) -> None:
    rng = random.Random(5)
    for i in range(3):
        t, ld = tmp_path / f"t{i}.csv", tmp_path / f"l{i}.csv"
        t.write_text(hostile.mutate_csv(_small(TRUCKS, 20), rng), "utf-8")
        ld.write_text(hostile.mutate_csv(_small(LOADS, 40), rng), "utf-8")
        out = hostile.run_cli(["day", "--trucks", str(t), "--loads", str(ld)])
        assert out.problem(str(t), str(ld)) is None, out.problem(str(t), str(ld))


def _match_on_map(tmp_path: Path, text: str, name: str) -> hostile.Outcome:
    m = tmp_path / name
    m.write_text(text, encoding="utf-8")
    return hostile.run_cli(
        ["match", "--map", str(m), "--trucks", str(TRUCKS), "--loads", str(LOADS)]
    )


@pytest.mark.parametrize("attack", range(len(hostile.MAP_ATTACKS)))
def test_xml_attacks_on_the_map_are_refused(tmp_path: Path, attack: int) -> None:
    """Entity expansion (billion laughs), an external entity, 5,000 nested elements, an
    empty file, not XML."""
    out = _match_on_map(tmp_path, hostile.MAP_ATTACKS[attack], "attack.graphml")
    assert out.code == 2, out
    assert out.problem(str(tmp_path / "attack.graphml")) is None
    assert "root:" not in out.stderr  # /etc/passwd never reaches the message


def test_a_map_number_beyond_float_range_is_refused(tmp_path: Path) -> None:
    base = (hostile.MAPS / "india.graphml").read_text(encoding="utf-8")
    population = '<data key="d7">11034555</data>'  # attr.type="long": read as a Python int
    assert population in base
    text = base.replace(population, '<data key="d7">1' + "0" * 400 + "</data>")
    out = _match_on_map(tmp_path, text, "long.graphml")
    assert out.code == 2 and "not a number" in out.stderr, out


@_fuzz(20)
@given(seed=st.integers(0, 2**32 - 1))
def test_mutated_maps_are_used_or_refused(tmp_path: Path, seed: int) -> None:
    base = (hostile.MAPS / "india.graphml").read_text(encoding="utf-8")
    text = hostile.mutate_map(base, random.Random(seed))
    out = _match_on_map(tmp_path, text, f"m{seed}.graphml")
    assert out.problem(str(tmp_path / f"m{seed}.graphml")) is None, out


@pytest.fixture(scope="module")
def board_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from dispatcher.fleet import read_fleet
    from dispatcher.store import BoardSnapshot, BoardStore

    fleet = read_fleet(TRUCKS, LOADS)
    path = tmp_path_factory.mktemp("board") / "template.board"
    BoardStore.create(path, BoardSnapshot(trucks=fleet.trucks, loads=fleet.loads)).close()
    return path


@_fuzz(30)
@given(seed=st.integers(0, 2**32 - 1))
def test_damaged_boards_open_or_are_refused(
    tmp_path: Path, board_template: Path, seed: int
) -> None:
    from dispatcher.store import BoardStore

    path = tmp_path / f"b{seed}.board"
    shutil.copy(board_template, path)
    hostile.mutate_board(path, random.Random(seed))
    try:
        with BoardStore.open(path) as store:
            store.load()
    except InputError as exc:
        assert path.name in str(exc)
