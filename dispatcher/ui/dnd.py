"""Drag and drop of loads: the payload the loads table and the map share.

A load is dragged as ``LOAD_MIME`` holding its id; the trucks table and the map accept it
and hand (load id, truck id) to the desk, which assigns it or says why not.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QMimeData,
)

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


__all__ = ["LOAD_MIME", "load_mime", "mime_load_id"]
