"""Keep long-lived objects out of the cyclic garbage collector's sight (no Qt).

numpy, scipy, networkx, matplotlib and Qt leave ~130,000 long-lived objects; a full
collection walks them all and froze the window for 130-200 ms at random moments (it first
showed up as a slow "Accept all"). ``gc.freeze`` (the standard remedy for long-running apps)
moves them out of the collector's sight; new objects are collected as usual, and frozen
objects are still freed by reference counting.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_startup_objects() -> None:
    """Called after each board is loaded (a board lives long too). The first call collects
    first, so start-up garbage is not kept."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
    gc.freeze()


def freeze_long_lived() -> None:
    """After a big step is shown (accept all, its undo, another desk's accept all taken in):
    its objects live on in the board and the undo history (~12,000 per 3,000-load step), so
    keep them out of the cyclic collector too. Otherwise full collections grew with every
    step (27 -> 94 ms over ten steps on a 3,000 x 3,000 board) and, run by whichever thread
    allocated, froze the window even when a worker triggered them. Trucks, loads and
    captures hold no cycles: reference counting still frees them. Young garbage is collected
    first (~1 ms) so it is not frozen with them."""
    gc.collect(1)
    gc.freeze()


__all__ = ["freeze_long_lived", "freeze_startup_objects"]
