"""Import a trucks or loads CSV with a preview: merge (add / update by id) or replace.

The file is read in a job twice over (the merge plan of :mod:`dispatcher.merge`, and the
replace reader of :mod:`dispatcher.documents`); the preview lists what a merge would do,
row by row (added, updated with field old -> new, unchanged, rejected with file:line), and
what a replace would. The user picks one; Import applies it as one undo step, Cancel
leaves the board alone.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dispatcher import documents
from dispatcher.documents import ImportResult
from dispatcher.fleet import Field
from dispatcher.merge import MergePlan, merge_change, plan_merge, show
from dispatcher.records import KINDS, Record
from dispatcher.ui.desk_files import CSV_FILTER
from freightlab.errors import InputError

if TYPE_CHECKING:
    from dispatcher.ui.desk import DispatchDesk

#: Rows of one group the preview lists (the group's title keeps the full count).
SHOWN_PER_GROUP = 500
GROUP_COLORS = {
    "Added": "#1a7f37",
    "Updated": "#9a6700",
    "Unchanged": "#57606a",
    "Rejected": "#b3261e",
}


class ImportPreview(QDialog):
    """``import_preview_dialog``: what merging or replacing would do; Import or Cancel."""

    def __init__(
        self, plan: MergePlan, replace: ImportResult, on_board: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.plan, self.replacement = plan, replace
        name = Path(plan.path).name
        self.setObjectName("import_preview_dialog")
        self.setWindowTitle(f"Import {plan.kind} from {name}")
        self.merge_radio = QRadioButton(
            f"Merge: add new ids, update changed ones, keep assignments ({plan.counts()})", self
        )
        self.merge_radio.setObjectName("import_merge_radio")
        n = len(replace.items)
        text = (
            f"Replace: the file's {n} {plan.kind} replace the board's {on_board} "
            "(every assignment is cleared)"
        )
        if replace.problems:
            text = f"Replace: not possible, {len(replace.problems)} row(s) of the file are bad"
        self.replace_radio = QRadioButton(text, self)
        self.replace_radio.setObjectName("import_replace_radio")
        self.replace_radio.setEnabled(not replace.problems)
        self.merge_radio.setChecked(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("import_preview_tree")
        self.tree.setHeaderHidden(True)
        self.tree.setMinimumSize(620, 320)
        self.groups: dict[str, list[str]] = {}
        self._fill()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setObjectName("import_button")
        self.import_button.setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        note = QLabel("One undo step either way (Ctrl+Z).", self)
        note.setObjectName("import_note")
        layout = QVBoxLayout(self)
        for w in (self.merge_radio, self.replace_radio, self.tree, note, self.buttons):
            layout.addWidget(w)
        self.merge_radio.toggled.connect(self._update)
        self._update()

    def mode(self) -> str:
        return "merge" if self.merge_radio.isChecked() else "replace"

    def _fill(self) -> None:
        p = self.plan
        fields = [f for f in KINDS[p.kind.removesuffix("s")].form_fields() if f.name != "id"]
        folder = str(Path(p.path).parent) + os.sep
        groups: list[tuple[str, list[tuple[str, str, list[str]]]]] = [
            ("Added", [(r.id, f"{r.id}  —  {_summary(r, fields)}", []) for r in p.added]),
            (
                "Updated",
                [(u.record.id, u.record.id, [str(c) for c in u.changes]) for u in p.updated],
            ),
            ("Unchanged", [(i, i, []) for i in p.unchanged]),
            ("Rejected", [(line, line.removeprefix(folder), []) for line in p.rejected]),
        ]
        bold = self.tree.font()
        bold.setBold(True)
        for title, rows in groups:
            top = QTreeWidgetItem(self.tree, [f"{title} ({len(rows)})"])
            top.setFont(0, bold)
            top.setForeground(0, QBrush(QColor(GROUP_COLORS[title])))
            shown: list[str] = []
            for key, text, details in rows[:SHOWN_PER_GROUP]:
                item = QTreeWidgetItem(top, [text])
                item.setToolTip(0, key)
                shown.append(key)
                for detail in details:
                    QTreeWidgetItem(item, [detail])
                item.setExpanded(True)
            top.setExpanded(title in ("Updated", "Rejected") or len(rows) <= 20)
            self.groups[title.lower()] = shown

    def group(self, name: str) -> list[str]:
        """The rows shown under a group ("added", "updated"...), for tests."""
        return self.groups.get(name, [])

    def _update(self) -> None:
        merge = self.mode() == "merge"
        self.tree.setEnabled(merge)
        self.import_button.setEnabled(not self.plan.empty() if merge else True)


def _summary(record: Record, fields: list[Field]) -> str:
    return ", ".join(
        f"{f.name.replace('_', ' ')} {show(f, getattr(record, f.name))}" for f in fields
    )


class ImportCommands:
    """The desk's Import trucks / loads CSV commands (with the preview) and the exports."""

    def __init__(self, desk: DispatchDesk) -> None:
        self.desk = desk
        self.dialog: ImportPreview | None = None  # the preview shown last (tests read it)

    def choose_import_trucks(self) -> None:
        self._choose("trucks")

    def choose_import_loads(self) -> None:
        self._choose("loads")

    def _choose(self, kind: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self.desk, f"Import {kind}", "", CSV_FILTER)
        if path:
            self.preview(kind, Path(path))

    def preview(self, kind: str, path: Path) -> None:
        """Read the file in a job, then show what merging or replacing would do."""
        d, graph = self.desk, self.desk.graph
        if graph is None or d.jobs.busy():
            d.show_notice("Wait for the running job to finish before importing")
            return
        copy = d.board.shallow()
        copy.restore(copy.capture_all())  # the job reads copies, never the live board
        day = d.board.day_start

        def work(_progress: object) -> tuple[MergePlan | str, ImportResult]:
            replace = documents.read_import(kind, path, graph, day)
            try:
                return plan_merge(kind, path, graph, copy), replace
            except InputError as exc:
                return str(exc), replace

        d.run_job(f"Reading {path.name}…", work, lambda got: self._show(kind, *got))

    def _show(self, kind: str, plan: MergePlan | str, replace: ImportResult) -> None:
        d = self.desk
        if isinstance(plan, str):
            d.show_notice(f"Nothing imported: {plan}")
            return
        on_board = len(d.board.trucks if kind == "trucks" else d.board.loads)
        dialog = ImportPreview(plan, replace, on_board, d)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._accepted(dialog.mode(), plan, replace))
        dialog.rejected.connect(lambda: d.show_notice("Import cancelled: nothing changed", False))
        self.dialog = dialog
        dialog.open()

    def _accepted(self, mode: str, plan: MergePlan, replace: ImportResult) -> None:
        d = self.desk
        if mode == "replace":
            d.files._imported(replace)
            return
        name = Path(plan.path).name

        def finished(reason: str | None) -> None:
            if reason is not None:
                d.show_notice(f"Nothing merged from {name}: {reason}")
            else:
                d.show_notice(f"Merged {name}: {plan.counts()}; Ctrl+Z undoes", error=False)

        if d.board.day_start is None and plan.day_start is not None:
            d.board.day_start = plan.day_start  # the file's clock: the write records it too
        d.session.apply(merge_change(plan), then=finished)

    # ------------------------------------------------------------------ exports
    def choose_export_trucks(self) -> None:
        self._choose_export("trucks")

    def choose_export_loads(self) -> None:
        self._choose_export("loads")

    def _choose_export(self, kind: str) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.desk, f"Export {kind}", f"{kind}.csv", CSV_FILTER
        )
        if path:
            self.export(kind, Path(path))

    def export(self, kind: str, target: Path) -> None:
        """Write copies of the board's trucks or loads (atomically) in a job."""
        d = self.desk
        if d.jobs.busy():
            d.show_notice("Wait for the running job to finish before exporting")
            return
        objects = d.board.trucks if kind == "trucks" else d.board.loads
        items = [type(o)(**vars(o)) for o in objects.values()]
        d.run_job(
            f"Writing {target.name}…",
            lambda _p: documents.export_records(kind, target, items),
            lambda n: d.show_notice(f"Exported {n} {kind} to {target.name}", False),
        )


__all__ = ["ImportCommands", "ImportPreview"]
