from __future__ import annotations

from pathlib import Path

import pytest

from main import main

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(CATALOG / "cache_aside.toml")]) == 0
    assert "OK" in capsys.readouterr().out


def test_validate_bad_design_exit_2_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        (CATALOG / "cache_aside.toml")
        .read_text()
        .replace('on_miss = "routes_db"', 'on_miss = "routes"')
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "bad.toml" in err and "distance_cache" in err and "on_miss" in err


def test_validate_missing_file_exit_2(tmp_path: Path) -> None:
    assert main(["validate", str(tmp_path / "none.toml")]) == 2
