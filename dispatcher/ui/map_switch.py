"""The desk's map switcher: India, US / Canada (both shipped) or a GraphML file.

The map is loaded in a job (:func:`dispatcher.documents.switch_map`). A board whose every
city is on the new map keeps its trucks, loads and board file (the file's ``map_path``
is updated); otherwise the desk asks to save unsaved work and starts that map's sample
board (a shipped map) or an empty one. A board reads its map back only from its own
folder or the shipped maps (:func:`dispatcher.board_file.board_map`), so the notice says
to keep a GraphML from elsewhere beside the board file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from dispatcher import documents
from dispatcher.documents import SHIPPED_MAPS, Loaded, MapSwitch
from freightlab.errors import InputError

if TYPE_CHECKING:
    from dispatcher.ui.desk import DispatchDesk

GRAPHML_FILTER = "GraphML maps (*.graphml);;All files (*)"


class MapSwitcher:
    def __init__(self, desk: DispatchDesk) -> None:
        self.desk = desk

    def india(self) -> None:
        self.switch(SHIPPED_MAPS[0].path())

    def us_canada(self) -> None:
        self.switch(SHIPPED_MAPS[1].path())

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.desk, "Open a map", "", GRAPHML_FILTER)
        if path:
            self.switch(Path(path))

    def switch(self, path: Path) -> None:
        d = self.desk
        reason = d.session.refusal()
        if d.jobs.busy() or reason is not None:
            d.show_notice(f"Cannot switch the map now: {reason or 'a job is running'}")
            return
        cities = documents.board_cities(d.board)
        d.run_job(
            f"Loading the map {path.name}…",
            lambda p: documents.switch_map(path, cities, p),
            lambda got: self._switched(path, got),
        )

    def _switched(self, path: Path, got: MapSwitch) -> None:
        d = self.desk
        shipped = any(documents.same_file(m.path(), path) for m in SHIPPED_MAPS)
        beside = "" if shipped else f"; keep {path.name} beside the board file to reopen it"
        if got.loaded is None:  # every city is on the new map: same board, same file
            store = d.store
            if store is not None:
                try:
                    store.set_meta("map_path", str(path), f"map {path.name}")
                except InputError as exc:
                    d.show_notice(f"Map not switched: {exc}")
                    return
            settings = d.matcher.current()
            kept = Loaded(got.graph, d.board, d.path, d.name, d.revision, store, settings)
            was_dirty = d.dirty
            d.set_board(kept)
            if was_dirty:  # an untitled board's unsaved work is still unsaved
                d.history.reset_clean()
                d.state_changed()
            d.show_notice(f"Map: {path.stem}, the board kept{beside}", error=False)
            return
        if not d.maybe_close():
            d.show_notice("Map not switched", error=False)
            return
        d.set_board(got.loaded)
        d.show_notice(f"Map: {path.stem}, {d.name}{beside}", error=False)


__all__ = ["GRAPHML_FILTER", "MapSwitcher"]
