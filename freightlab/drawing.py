"""One lock for every matplotlib draw in the process.

Charts are drawn off the UI thread (the Lab's results, live frames, Rehearse's history,
reports). Matplotlib shares font objects (FreeType faces) and text caches between figures
and is not thread-safe: two threads drawing at once crashed the interpreter (a segfault in
``render_rgba`` seen when a live frame and a finished run's charts were drawn together).
Figures are built freely; only the draw that lays out text and rasterises is serialised.
"""

from __future__ import annotations

import threading

#: Held while a figure is drawn or saved (re-entrant: a save may draw).
DRAW_LOCK = threading.RLock()

__all__ = ["DRAW_LOCK"]
