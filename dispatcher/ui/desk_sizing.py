"""The desk's "Size the backend for this board…": a matcher design for the open board.

In a worker (the desk's job runner: progress, Cancel) it times the matcher on the board's
map — a quick calibration, a few seconds — and builds the design for the board's posting
rate, exactly as ``python main.py size-backend`` does (:func:`simulation.sizing.size_backend`).
The design is saved atomically into the user's data folder (``$FREIGHTLAB_DATA_DIR`` when
set) and handed to the window, which opens it in the Design Lab (the desk never imports it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths

from designs.loader import save_design
from freightlab.progress import Progress
from simulation.sizing import QUICK_SIZES, size_backend

if TYPE_CHECKING:
    from dispatcher.ui.desk import DispatchDesk

DATA_DIR_ENV = "FREIGHTLAB_DATA_DIR"  # as Rehearse's history: tests, portable use
QUICK_REPETITIONS = 2
SUBFOLDER = "sized backends"


def sized_folder() -> Path:
    """Where sized designs go: the user's data folder (or $FREIGHTLAB_DATA_DIR)."""
    folder = os.environ.get(DATA_DIR_ENV) or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation
    )
    return Path(folder) / SUBFOLDER


def design_path(board_name: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", board_name).strip("_").lower() or "board"
    return sized_folder() / f"{slug}_backend.toml"


class DeskSizing:
    """The action's slot and its job; ``open_elsewhere`` is wired by the window."""

    def __init__(self, desk: DispatchDesk) -> None:
        self.desk = desk
        self.open_elsewhere: Callable[[str], None] | None = None
        self.last_path: Path | None = None

    def start(self) -> None:
        d = self.desk
        graph = d.graph
        if graph is None or d.jobs.busy():
            return
        pickups = [load.pickup_earliest for load in d.board.loads.values()]
        if not pickups:
            d.show_notice("Nothing to size: the board has no loads", error=False)
            return
        target = design_path(d.document_title())

        def work(progress: Progress) -> Path:
            design, _load = size_backend(
                graph,
                pickups,
                sizes=QUICK_SIZES,
                repetitions=QUICK_REPETITIONS,
                progress=progress,
            )
            target.parent.mkdir(parents=True, exist_ok=True)
            save_design(design, target)
            return target

        d.run_job(f"Sizing the backend for {len(pickups)} loads on {graph.name}…", work, self._done)

    def _done(self, path: Path) -> None:
        self.last_path = path
        self.desk.show_notice(f"Backend design saved to {path}", error=False)
        if self.open_elsewhere is not None:
            self.open_elsewhere(str(path))


__all__ = ["DeskSizing", "design_path", "sized_folder"]
