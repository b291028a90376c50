"""Drag and drop of loads: the payload the loads table and the map share.

A load is dragged as ``LOAD_MIME`` holding its id; the trucks table and the map accept it
and hand (load id, truck id) to the desk, which assigns it or says why not.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QDragEnterEvent

#: The desk's answer to "may this load go on this truck?" (None: yes), for drag feedback.
DropCheck = Callable[[str, str], str | None]

LOAD_MIME = "application/x-freightlab-load"


def load_mime(load_id: str) -> QMimeData:
    """The drag payload for a load, shared by the loads table and the map."""
    mime = QMimeData()
    mime.setData(LOAD_MIME, load_id.encode("utf-8"))
    mime.setText(load_id)
    return mime


def mime_load_id(mime: QMimeData | None) -> str | None:
    if mime is None or not mime.hasFormat(LOAD_MIME):
        return None
    return bytes(mime.data(LOAD_MIME).data()).decode("utf-8") or None


def enter(event: QDragEnterEvent) -> None:
    """A drag enters a drop target: take it if it carries a load."""
    if mime_load_id(event.mimeData()) is not None:
        event.acceptProposedAction()
    else:
        event.ignore()


def hint(
    check: DropCheck | None, say: Callable[[str], None] | None, load_id: str, truck_id: str
) -> str | None:
    """Drag feedback over a truck: say whether the drop would assign, or why not; the
    reason (None: it may)."""
    reason = check(load_id, truck_id) if check is not None else None
    if say is not None:
        say(
            f"Drop to assign {load_id} to {truck_id}"
            if reason is None
            else f"{load_id} cannot go on {truck_id}: {reason}"
        )
    return reason


__all__ = ["LOAD_MIME", "DropCheck", "enter", "hint", "load_mime", "mime_load_id"]
