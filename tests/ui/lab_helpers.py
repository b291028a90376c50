"""The Design Lab opened on one catalogue design, as the Lab tests start it."""

from __future__ import annotations

from pathlib import Path

from simulation.ui.lab import DesignLab

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"


def open_lab(qtbot, design: str, size: tuple[int, int] = (1280, 800)) -> DesignLab:  # type: ignore[no-untyped-def]
    """A shown Lab with `design` picked from the catalogue and loaded."""
    lab = DesignLab()
    qtbot.addWidget(lab)
    lab.resize(*size)
    lab.show()
    index = lab.design_picker.findData(str(CATALOG / f"{design}.toml"))
    assert index >= 0, design
    lab.design_picker.setCurrentIndex(index)
    qtbot.waitUntil(
        lambda: lab.current is not None and lab.current.path.stem == design, timeout=10_000
    )
    return lab
