"""Shared helpers: atomic writes keep the old file on failure; progress cancels; assets resolve."""

from __future__ import annotations

from pathlib import Path

import pytest

from freightlab.atomic import atomic_open, atomic_write_text
from freightlab.progress import Cancelled, Progress, check
from freightlab.resources import asset_path


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "board.csv"
    atomic_write_text(target, "old\n")
    atomic_write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["board.csv"]


def test_failed_write_keeps_old_content_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "board.csv"
    target.write_text("precious\n")
    with pytest.raises(RuntimeError), atomic_open(target, "w") as fh:
        fh.write("half a fi")
        raise RuntimeError("disk vanished")
    assert target.read_text() == "precious\n"
    assert [p.name for p in tmp_path.iterdir()] == ["board.csv"]


def test_write_into_vanished_folder_raises_clear_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        atomic_write_text(tmp_path / "gone" / "x.csv", "data")


def test_progress_reports_and_cancels() -> None:
    seen: list[tuple[float, str]] = []
    progress = Progress(lambda f, m: seen.append((f, m)))
    progress.update(0.5, "half")
    progress.update(2.0)
    assert seen == [(0.5, "half"), (1.0, "")]
    progress.cancel()
    with pytest.raises(Cancelled):
        check(progress, 0.6)
    check(None, 0.7)  # no progress given: nothing happens


def test_assets_resolve_to_real_files() -> None:
    icon = asset_path("icons", "freightlab.svg")
    assert icon.is_file() and icon.read_text().startswith("<svg")


def test_atomic_write_keeps_permissions(tmp_path: Path) -> None:
    import os
    import stat

    fresh = tmp_path / "fresh.csv"
    atomic_write_text(fresh, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask

    shared = tmp_path / "shared.csv"
    shared.write_text("old")
    shared.chmod(0o640)
    atomic_write_text(shared, "new")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640
