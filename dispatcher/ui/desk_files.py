"""The desk's file commands: sample board, open, save (as), CSV import and export.

The work itself is Qt-free (:mod:`dispatcher.documents`, :meth:`Session.save_as`) and runs
as jobs; this module asks for paths, starts the jobs and says what happened.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, Qt, QThreadPool
from PySide6.QtWidgets import QFileDialog, QMessageBox

from dispatcher import actions, documents
from dispatcher.documents import ImportResult
from dispatcher.store import BoardStore
from dispatcher.ui.dialogs import ImportErrorsDialog

if TYPE_CHECKING:
    from dispatcher.ui.desk import DispatchDesk

BOARD_FILTER = "Dispatch boards (*.fboard);;All files (*)"
CSV_FILTER = "CSV files (*.csv);;All files (*)"
#: How long a "save before closing" waits for its job.
SAVE_WAIT_MS = 30_000


class DeskFiles:
    def __init__(self, desk: DispatchDesk) -> None:
        self.desk = desk

    def load_default(self) -> None:
        """Start-up: the India map and its sample trucks and loads, read in a worker."""
        d = self.desk
        d.run_job("Loading the India map and sample board…", documents.load_sample, d.set_board)

    def open_board(self, path: str | Path) -> None:
        """Open a saved board (and its map) in a worker."""
        d, target = self.desk, Path(path)
        if d.writing() is not None:
            d.show_notice(f"Cannot open {target.name}: {d.session.refusal()}")
            return
        current, owner = d.graph, d.owner
        d.run_job(
            f"Opening {target.name}…",
            lambda p: documents.open_board(target, owner, current, p),
            d.set_board,
        )

    def save_board(self, path: str | Path, wait: bool = False) -> None:
        """Save As: copy the board to ``path`` in a worker (one SQLite transaction, so a crash
        never leaves half a board), then write every later action through to that file.

        Saving to the board file already open has nothing to write (every action is already
        in it); it just takes in other desks' changes and says so."""
        d = self.desk
        if d.jobs.busy():
            d.show_notice("Wait for the running job to finish before saving")
            return
        target = Path(path)
        if d.store is not None and d.path is not None and documents.same_file(target, d.path):

            def report(arrived: int) -> None:
                if not arrived:
                    d.show_notice(
                        f"Saved: every change is written to {target.name} as you make it", False
                    )

            d.session.sync(report)
            return
        d.status_message.emit(f"Saving {target.name}…")

        def saved(store: BoardStore) -> None:
            d.matcher.saved_as(store)  # the board's matcher settings go with it
            d.show_notice(
                f"Saved {target.name}; from now on every change is written to it at once", False
            )

        d.session.save_as(target, saved)
        if wait:
            QThreadPool.globalInstance().waitForDone(QDeadlineTimer(SAVE_WAIT_MS))
            QCoreApplication.processEvents()

    def import_csv(self, kind: str, path: Path) -> None:
        d, graph = self.desk, self.desk.graph
        if graph is None or d.jobs.busy():
            d.show_notice("Wait for the running job to finish before importing")
            return
        day = d.board.day_start
        d.run_job(
            f"Reading {path.name}…",
            lambda _p: documents.read_import(kind, path, graph, day),
            self._imported,
        )

    def _imported(self, result: ImportResult, synced: bool = False) -> None:
        d, name = self.desk, Path(result.path).name
        if result.problems is not None:
            dialog = ImportErrorsDialog(name, result.problems, d)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            d.import_dialog = dialog
            dialog.open()
            d.show_notice(f"Nothing imported: {name} has {len(result.problems)} problem(s)")
            return
        if (
            d.store is not None
            and not synced
            and (d.session.reading() or d.poll_store())
            and d.session.after_read(lambda _n: self._imported(result, synced=True))
        ):
            return  # another desk committed: take its work in first, then import over it
        items = result.items

        def finished(reason: str | None) -> None:
            if reason is not None:
                d.show_notice(f"Nothing imported from {name}: {reason}")
                return
            d.dismiss_suggestions()
            d.show_notice(
                f"Imported {len(items)} {result.kind} from {name} "
                "(assignments cleared; Ctrl+Z undoes)",
                error=False,
            )

        text = f"Import {len(items)} {result.kind} from {name}"
        d.session.apply(actions.replace(result.kind, items, text), then=finished)

    def export_assignments(self, path: str | Path) -> None:
        d, graph = self.desk, self.desk.graph
        if graph is None or d.jobs.busy():
            return
        target, settings = Path(path), d.settings
        pairs = [
            (copy.copy(d.board.trucks[a.truck_id]), copy.copy(d.board.loads[lid]))
            for lid, a in d.board.assignments.items()
        ]
        d.run_job(
            f"Writing {target.name}…",
            lambda _p: documents.export_assignments(target, pairs, graph, settings),
            lambda n: d.show_notice(f"Exported {n} assignment(s) to {target.name}", False),
        )

    # ---------------------------------------------------------------- file choosers
    def choose_import(self, kind: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self.desk, f"Import {kind}", "", CSV_FILTER)
        if path:
            self.import_csv(kind, Path(path))

    def choose_import_trucks(self) -> None:
        self.choose_import("trucks")

    def choose_import_loads(self) -> None:
        self.choose_import("loads")

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.desk, "Export assignments", "assignments.csv", CSV_FILTER
        )
        if path:
            self.export_assignments(path)

    def maybe_close(self) -> bool:
        """Ask to save unsaved work; False keeps the window open."""
        d = self.desk
        if not d.dirty:
            return True
        answer = QMessageBox.question(
            d,
            "Unsaved board",
            f"Save changes to {d.document_title()}?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.Save:
            d.save(wait=True)
            return not d.dirty
        return True

    def choose_open(self) -> None:
        if not self.desk.maybe_close():
            return
        path, _ = QFileDialog.getOpenFileName(self.desk, "Open board", "", BOARD_FILTER)
        if path:
            self.open_board(path)

    def choose_save_as(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.desk, "Save board", "board.fboard", BOARD_FILTER)
        if path:
            if not path.endswith(".fboard") and "." not in Path(path).name:
                path += ".fboard"
            self.save_board(path)


__all__ = ["DeskFiles"]
