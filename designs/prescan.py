"""Checks on a design file before it is parsed further: its size, how deeply its values nest,
how long its dotted keys are, and how many components, classes and trace points it holds.

A TOML parser recurses into nested arrays (5,000 levels overflow the stack) and builds one
table per part of a dotted key (100,000 parts take gigabytes), and validating 80,000
components takes minutes; each of these is refused here in milliseconds with the limit and
why. Everything is done with regular expressions and loops, never recursion.
"""

from __future__ import annotations

import re
from typing import Any

from designs import bounds
from freightlab.errors import InputError

# Strings and comments, which may hold brackets and dots that mean nothing (possessive
# quantifiers: no backtracking on a hostile file).
_NOISE = re.compile(
    r'"""(?:[^"\\]++|\\.|"(?!""))*+"""'
    r"|'''(?:[^']++|'(?!''))*+'''"
    r'|"(?:[^"\\\n]++|\\.)*+"'
    r"|'[^'\n]*+'"
    r"|#[^\n]*+"
)
_BRACKETS = re.compile(r"[\[\]{}]")
# MAX_KEY_PARTS parts joined by dots, starting at the start of a bare word.
_LONG_KEY = re.compile(
    r"(?<![\w-])(?:[\w-]++[ \t]*+\.[ \t]*+){%d}[\w-]" % bounds.MAX_KEY_PARTS  # noqa: UP031
)

_COUNTED: tuple[tuple[tuple[str, ...], int, str], ...] = (
    (("components",), bounds.MAX_COMPONENTS, "components"),
    (("workload", "classes"), bounds.MAX_CLASSES, "request classes"),
    (("faults",), bounds.MAX_FAULTS, "faults"),
)


def check_size(size: int, source: str) -> None:
    if size > bounds.MAX_FILE_BYTES:
        raise InputError(
            f"{source}: {size:,} bytes; a design file may be at most "
            f"{bounds.MAX_FILE_BYTES:,} bytes (a larger one is not a design but data)"
        )


def check_text(text: str, source: str) -> None:
    """Refuse text the parser would choke on: too big, nested too deep, keys too long."""
    check_size(len(text.encode("utf-8", "surrogatepass")), source)
    bare = _NOISE.sub('""', text)
    depth = 0
    for m in _BRACKETS.finditer(bare):
        depth += 1 if m.group() in "[{" else -1
        if depth > bounds.MAX_NESTING:
            line = bare.count("\n", 0, m.start()) + 1
            raise InputError(
                f"{source}, line {line}: values nest more than {bounds.MAX_NESTING} levels "
                "deep; a design needs a handful"
            )
    for path, most, what in _COUNTED:
        header = re.compile(r"(?m)^[ \t]*\[\[[ \t]*" + r"[ \t]*\.[ \t]*".join(path) + r"[ \t]*\]\]")
        count = sum(1 for _ in header.finditer(bare))
        if count > most:
            raise InputError(
                f"{source}: field '{'.'.join(path)}': {count:,} {what}; at most "
                f"{most:,}: {bounds.DIFFERENT_SIMULATION}"
            )
    long_key = _LONG_KEY.search(bare)
    if long_key is not None:
        line = bare.count("\n", 0, long_key.start()) + 1
        raise InputError(
            f"{source}, line {line}: a dotted key with more than {bounds.MAX_KEY_PARTS} parts; "
            "a design needs a handful"
        )


def check_data(data: dict[str, Any], source: str) -> None:
    """Refuse parsed data that is too deep or holds too many of something, before validation
    spends time on it."""
    _check_depth(data, source)
    for path, most, what in _COUNTED:
        value: Any = data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, list) and len(value) > most:
            raise InputError(
                f"{source}: field '{'.'.join(path)}': {len(value):,} {what}; at most "
                f"{most:,}: {bounds.DIFFERENT_SIMULATION}"
            )
    points = sum(_trace_points(c) for c in _classes(data))
    if points > bounds.MAX_TRACE_POINTS:
        raise InputError(
            f"{source}: {points:,} trace points in all; at most {bounds.MAX_TRACE_POINTS:,} "
            "(replay a longer trace in parts)"
        )


def _check_depth(data: Any, source: str) -> None:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > bounds.MAX_DEPTH:
            raise InputError(
                f"{source}: tables and lists nest more than {bounds.MAX_DEPTH} levels deep; "
                "a design needs a handful"
            )
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, dict | list))


def _classes(data: dict[str, Any]) -> list[Any]:
    wl = data.get("workload")
    classes = wl.get("classes") if isinstance(wl, dict) else None
    return classes if isinstance(classes, list) else []


def _trace_points(cls: Any) -> int:
    arrival = cls.get("arrival") if isinstance(cls, dict) else None
    times = arrival.get("times_s") if isinstance(arrival, dict) else None
    return len(times) if isinstance(times, list) else 0
