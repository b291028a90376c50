"""How the desk fits its window: column order and widths, the side panel's width, and the
splitter and header state kept across restarts (QSettings, like the window's geometry).

- The tables show the columns a dispatcher reads first on the left (:data:`FIRST`); the
  order is the header's visual order, so the models never change.
- Each column is as wide as its widest cell or its header (sort mark included), whichever
  is more (:func:`fit_columns`); a header never reads "Capac…".
- The side panel (Board / Unmatched / Day) takes the width its widest table needs, up to
  :data:`SIDE_MAX` of the desk; the map takes the rest and absorbs window resizes.
- The splitters, the column order and widths and the side tab are saved on close and
  restored when the desk is built (:class:`DeskGeometry`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QHeaderView, QSplitter, QStyle, QTableView

if TYPE_CHECKING:
    from dispatcher.ui.desk import DispatchDesk

#: Columns a dispatcher reads first, left to right (the others keep their order after).
FIRST: dict[str, tuple[str, ...]] = {
    "trucks_table": ("Truck", "Status", "City", "Load", "Available"),
    "loads_table": ("Load", "Status", "From", "To", "Pickup\nfrom", "Pickup\nby", "Truck"),
}
#: The side panel never takes more than this share of the desk's width.
SIDE_MAX = 0.64
#: On the Day tab the side may take this share (the Day page shows its chart beside).
DAY_MAX = 0.74
#: Where the layout is kept in QSettings.
KEY = "dispatch_desk/"


def order_columns(table: QTableView) -> None:
    """Move the important columns to the left (visual order; the model is untouched)."""
    header = table.horizontalHeader()
    header.setStretchLastSection(False)  # a stretched last column reads as a blank one
    model = table.model()
    names = [str(model.headerData(i, header.orientation())) for i in range(header.count())]
    for visual, name in enumerate(FIRST.get(table.objectName(), ())):
        if name in names:
            header.moveSection(header.visualIndex(names.index(name)), visual)


def fit_columns(table: QTableView) -> None:
    """Every column as wide as its widest (sampled) cell or its header, whichever is more."""
    header = table.horizontalHeader()
    for i in range(header.count()):
        header.resizeSection(i, max(table.sizeHintForColumn(i), header.sectionSizeHint(i)))


def content_width(table: QTableView) -> int:
    """The width the table needs to show every column without a horizontal scroll bar."""
    header = table.horizontalHeader()
    columns = sum(header.sectionSize(i) for i in range(header.count()))
    bar = table.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    return columns + bar + 2 * table.frameWidth()


def side_sizes(desk: DispatchDesk) -> list[int]:
    """(map, side) widths: the side as wide as its widest table needs (up to SIDE_MAX)."""
    split = desk.main_split
    total = sum(split.sizes()) or split.width()
    side_now = split.sizes()[1] if split.count() > 1 else 0
    tables = (desk.trucks_table, desk.loads_table)
    # what the side spends around a table (tab frame, group box, margins), measured live
    around = max(0, side_now - max(t.width() for t in tables))
    want = max(content_width(t) for t in tables) + around
    side = min(want, int(total * SIDE_MAX))
    return [total - side, side]


class DeskGeometry(QObject):
    """Saves and restores the desk's splitters, table headers and side tab."""

    def __init__(self, desk: DispatchDesk) -> None:
        super().__init__(desk)
        self.desk = desk
        self.restored = False  # a saved layout was applied (the first board keeps it)
        self._size_when_shown = False
        self._board_sizes: list[int] | None = None  # the split before the Day tab widened it
        desk.side_tabs.currentChanged.connect(self._on_side_tab)
        ended = getattr(desk.day_panel, "run_ended", None)  # results widen the Day controls
        if ended is not None:
            ended.connect(lambda _outcome: QTimer.singleShot(0, self._refit_day))

    def _kept(self) -> dict[str, QSplitter | QHeaderView]:
        """What is saved, by its QSettings name: the splitters and the tables' headers."""
        d = self.desk
        kept: dict[str, QSplitter | QHeaderView] = {
            "main_split": d.main_split,
            "left_split": d.left_split,
            "tables": d.tables_split,
        }
        if d.day_tab.split is not None:
            kept["day_split"] = d.day_tab.split
        for table in self._tables():  # by column count: a new column starts afresh
            header = table.horizontalHeader()
            kept[f"{table.objectName()}/{header.count()}"] = header
        return kept

    def _tables(self) -> tuple[QTableView, QTableView]:
        return self.desk.trucks_table, self.desk.loads_table

    def prepare(self) -> None:
        """At build time: the important columns first, then any saved layout on top."""
        for table in self._tables():
            order_columns(table)
        self.restored = self.restore()

    def restore(self) -> bool:
        settings = QSettings()
        found = False
        for name, widget in self._kept().items():
            state = settings.value(KEY + name)
            if isinstance(state, QByteArray) and not state.isEmpty():
                found = widget.restoreState(state) or found
        tab = settings.value(KEY + "side_tab", 0, type=int)
        if isinstance(tab, int) and 0 <= tab < self.desk.side_tabs.count():
            self.desk.side_tabs.setCurrentIndex(tab)
        return found

    def save(self) -> None:
        settings = QSettings()
        for name, widget in self._kept().items():
            settings.setValue(KEY + name, widget.saveState())
        settings.setValue(KEY + "side_tab", self.desk.side_tabs.currentIndex())

    def board_shown(self) -> None:
        """A board is on the tables: fit the columns and give the side panel their width,
        except on the first board after a restore (the user's layout wins)."""
        if self.restored:
            self.restored = False
            return
        for table in self._tables():
            fit_columns(table)
        split = self.desk.main_split
        if split.isVisible():
            split.setSizes(side_sizes(self.desk))
        elif not self._size_when_shown:  # widths mean nothing until it is laid out
            self._size_when_shown = True
            split.installEventFilter(self)

    def _refit_day(self) -> None:  # once the panel's new texts are laid out
        self._on_side_tab(self.desk.side_tabs.currentIndex())

    def _on_side_tab(self, index: int) -> None:
        """The Day tab takes the room its controls and chart need; leaving it gives the
        board's width back."""
        d = self.desk
        split = d.main_split
        if index == d.day_tab.index:
            total, side = sum(split.sizes()), split.sizes()[1]
            controls, chart = d.day_tab.room()
            want = min(controls + chart + split.handleWidth() + 16, int(total * DAY_MAX))
            if want > side:
                if self._board_sizes is None:
                    self._board_sizes = split.sizes()
                split.setSizes([total - want, want])
                d.map.fit()  # the narrower map shows the whole country again
            d.day_tab.fit()
        elif self._board_sizes is not None:
            split.setSizes(self._board_sizes)
            self._board_sizes = None
            d.map.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.desk.main_split and event.type() == QEvent.Type.Show:
            self._size_when_shown = False
            watched.removeEventFilter(self)
            self.desk.main_split.setSizes(side_sizes(self.desk))
        return False


__all__ = ["DeskGeometry", "content_width", "fit_columns", "order_columns", "side_sizes"]
