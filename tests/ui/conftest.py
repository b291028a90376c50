"""Fixtures shared by the UI tests: a ready Dispatch desk, and QMessageBox warnings collected
instead of shown. (Settings isolation and the headless set-up live in tests/conftest.py.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from dispatcher.ui.desk import DispatchDesk

# a module may set DESK_SIZE = (w, h) to get its `desk` at another size
DESK_SIZE = (1280, 800)


@pytest.fixture
def open_desk(qtbot) -> Callable[[tuple[int, int]], DispatchDesk]:  # type: ignore[no-untyped-def]
    """Open a desk with the sample board, shown at `size`, once its board is ready."""
    from dispatcher.ui.desk import DispatchDesk

    def opened(size: tuple[int, int] = DESK_SIZE) -> DispatchDesk:
        d = DispatchDesk()
        qtbot.addWidget(d)
        d.resize(*size)
        d.show()
        qtbot.waitUntil(d.is_ready, timeout=15_000)
        return d

    return opened


@pytest.fixture
def desk(request: pytest.FixtureRequest, open_desk) -> DispatchDesk:  # type: ignore[no-untyped-def]
    """The sample desk at the test module's DESK_SIZE (1280x800 unless it says otherwise)."""
    return open_desk(getattr(request.module, "DESK_SIZE", DESK_SIZE))


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every QMessageBox.warning as 'title: text', none shown."""
    from PySide6.QtWidgets import QMessageBox

    seen: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _parent, title, text, *a: seen.append(f"{title}: {text}")
    )
    return seen
