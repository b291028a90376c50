"""Paths read from inside files stay inside the folders they may name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from designs.exercise import EXERCISES, load_exercise
from dispatcher.board_file import board_map
from freightlab.errors import InputError
from freightlab.resources import asset_path, default_map_path

SHIPPED = asset_path("maps", "india.graphml")


def _exercise(tmp_path: Path, starter: str) -> Path:
    text = (EXERCISES / "monday_peak.toml").read_text(encoding="utf-8")
    lines = [
        f"starter = {starter!r}" if line.startswith("starter =") else line
        for line in text.splitlines()
    ]
    path = tmp_path / "ex.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "starter", ["../../../../etc/hostname", "/etc/hostname", "../exercises/../../../x.toml"]
)
def test_exercise_starter_outside_the_catalog_is_refused(tmp_path: Path, starter: str) -> None:
    path = _exercise(tmp_path, starter)
    with pytest.raises(InputError) as caught:
        load_exercise(path)
    message = str(caught.value)
    assert str(path) in message and "field 'starter'" in message
    assert "points outside" in message


def test_exercise_starter_in_the_catalog_still_loads(tmp_path: Path) -> None:
    assert load_exercise(_exercise(tmp_path, "database_direct.toml")).starter_design()


def test_board_map_outside_its_folder_and_the_shipped_maps_is_refused(tmp_path: Path) -> None:
    board = tmp_path / "boards" / "b.fboard"
    board.parent.mkdir()
    secret = tmp_path / "secret.graphml"
    shutil.copyfile(SHIPPED, secret)
    for stored in (str(secret), "../secret.graphml", "/etc/hostname"):
        with pytest.raises(InputError, match=r"field 'map_path'.*points outside") as caught:
            board_map(board, stored)
        assert str(board) in str(caught.value)
    (board.parent / "link.graphml").symlink_to(secret)  # a link out is out too
    with pytest.raises(InputError, match="points outside"):
        board_map(board, "link.graphml")


def test_board_map_beside_the_board_or_shipped_is_found(tmp_path: Path) -> None:
    board = tmp_path / "b.fboard"
    beside = tmp_path / "west.graphml"
    shutil.copyfile(SHIPPED, beside)
    assert board_map(board, "west.graphml") == beside.resolve()
    assert board_map(board, "/old/folder/west.graphml") == beside.resolve()  # board moved
    assert board_map(board, "/other/checkout/assets/maps/india.graphml") == SHIPPED.resolve()
    assert board_map(board, "") == default_map_path()
    with pytest.raises(InputError, match=r"its map nowhere\.graphml is missing"):
        board_map(board, "nowhere.graphml")
