"""The code stays ruff-clean, ruff-formatted and mypy-clean on the core (as the README says)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "command",
    [("ruff", "check", "."), ("ruff", "format", "--check", "."), ("mypy",)],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_static_checks_pass(command: tuple[str, ...]) -> None:
    module = command[0]
    if shutil.which(module) is None and not (Path(sys.executable).parent / module).exists():
        pytest.skip(f"{module} is not installed (pip install -e '.[dev]')")
    out = _tool(*command)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
