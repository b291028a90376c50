"""Paths that come from inside files: resolved against the folder they belong to, and kept
inside the folders they may name.

A file someone sends you is data, not permission to read anywhere: an exercise whose
``starter = "../../../../etc/hostname"`` or a board whose map path is ``/home/x/secret`` must
not make Freightlab read (and show) that file. Symlinks are resolved before the check, so a
link inside an allowed folder that points outside is refused too.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from freightlab.errors import InputError


def resolve_inside(
    text: str,
    base: Path,
    allowed: Sequence[Path],
    *,
    source: str | os.PathLike[str],
    field: str,
) -> Path:
    """``text`` (from ``source``'s ``field``) resolved against ``base``; it must lie in one
    of ``allowed`` (folders), else an InputError naming the file, the field and the rule."""
    if not text.strip():
        raise InputError(f"{source}: field '{field}' is empty")
    if "\0" in text:
        raise InputError(f"{source}: field '{field}' holds a NUL character")
    candidate = Path(os.path.realpath(base / text))
    roots = [Path(os.path.realpath(folder)) for folder in allowed]
    if any(candidate.is_relative_to(root) for root in roots):
        return candidate
    where = " or ".join(str(root) for root in roots)
    raise InputError(
        f"{source}: field '{field}' = {text!r} points outside {where}; refusing to read it"
    )
