"""Read and write design TOML files, turning every problem into an InputError that names
the file, the component (or request class) and the field."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from designs.bounds import MAX_FILE_BYTES, MAX_TRACE_POINTS
from designs.prescan import check_data, check_size, check_text
from designs.schema import Design
from freightlab.atomic import atomic_write_text
from freightlab.errors import InputError, InputErrors

MAX_TRACE_BYTES = 40 * MAX_TRACE_POINTS  # a generous 40 bytes a line


def load_design(path: str | os.PathLike[str]) -> Design:
    """Load and validate a design file (never reading more than a design may hold)."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
            size = max(len(raw), os.fstat(fh.fileno()).st_size)
    except FileNotFoundError:
        raise InputError(f"{p}: no such design file") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a folder, not a design file") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read the design file ({exc.strerror or exc})") from None
    check_size(size, str(p))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 text ({exc.reason})") from None
    return loads_design(text, source=str(p))


def loads_design(text: str, source: str = "<string>") -> Design:
    """Parse and validate design TOML text; ``source`` names it in error messages."""
    check_text(text, source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source}: TOML syntax error: {exc}") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # e.g. a 5,000-digit integer
        why = str(exc).split(";")[0]
        if "integer string conversion" in why:
            why = "an integer with thousands of digits is no figure of a design"
        raise InputError(f"{source}: not a readable design: {why}") from None
    return design_from_dict(data, source)


def design_from_dict(data: dict[str, Any], source: str = "<design>") -> Design:
    check_data(data, source)
    try:
        return Design.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(err, data) for err in exc.errors(include_url=False)]
        raise InputErrors(source, problems) from None


def dump_design(design: Design) -> str:
    """TOML text for a design; only what differs from defaults, so files stay short."""
    data = design.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    # Keep the keys people look for even when they equal the defaults.
    data.setdefault("description", design.description)
    wl = data.pop("workload", {})
    workload = {k: getattr(design.workload, k) for k in ("duration_s", "warmup_s", "seed")}
    workload.update(wl)
    ordered = {
        "name": data.pop("name"),
        "description": data.pop("description"),
        "workload": workload,
        **data,
    }
    # Multi-line strings read better, but a reader turns a CR LF inside one into LF: a text
    # holding a CR is written escaped so that it loads back exactly as it was.
    return tomli_w.dumps(ordered, multiline_strings=not _holds_cr(ordered))


def _holds_cr(value: Any) -> bool:
    """Whether any string in a nested dict/list holds a carriage return (walked iteratively)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and "\r" in item:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def save_design(design: Design, path: str | os.PathLike[str]) -> None:
    """Write atomically: a crash mid-save leaves the old file intact."""
    atomic_write_text(path, dump_design(design))


def catalog_paths() -> list[Path]:
    """The designs shipped in designs/catalog, sorted by file name."""
    from importlib import resources

    root = Path(str(resources.files("designs").joinpath("catalog")))
    return sorted(root.glob("*.toml"))


def read_trace(path: str | os.PathLike[str]) -> list[float]:
    """Arrival instants (seconds) from a recorded trace: one number per line, or the first
    column of a CSV; a header line and blank lines are skipped. For ``times_s``."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_TRACE_BYTES:
            raise InputError(
                f"{p}: {p.stat().st_size:,} bytes; a trace may be at most {MAX_TRACE_BYTES:,} "
                f"bytes ({MAX_TRACE_POINTS:,} arrivals)"
            )
        lines = p.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{p}: no such trace file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 text ({exc.reason})") from None
    times: list[float] = []
    for lineno, line in enumerate(lines, start=1):
        cell = line.split(",")[0].strip()
        if not cell:
            continue
        try:
            t = float(cell)
        except ValueError:
            if lineno == 1:
                continue  # header
            raise InputError(f"{p}, line {lineno}: {cell!r} is not a time in seconds") from None
        if not t >= 0 or t == float("inf"):
            raise InputError(f"{p}, line {lineno}: time must be >= 0, got {cell!r}")
        if times and t < times[-1]:
            raise InputError(f"{p}, line {lineno}: times must not decrease")
        times.append(t)
        if len(times) > MAX_TRACE_POINTS:
            raise InputError(f"{p}, line {lineno}: more than {MAX_TRACE_POINTS:,} arrivals")
    if not times:
        raise InputError(f"{p}: no arrival times in the trace")
    return times


def _describe(err: Any, data: dict[str, Any]) -> str:
    """'component 'matcher' (components[2]), field 'service_ms.mean': reason'."""
    loc = tuple(err.get("loc", ()))
    msg = str(err.get("msg", "invalid"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if not loc:
        return msg  # wiring problems already name component and field
    where = "design"
    rest: tuple[Any, ...] = loc
    if loc[0] == "components" and len(loc) >= 2 and isinstance(loc[1], int):
        where = f"component {_name_at(data.get('components'), loc[1])} (components[{loc[1]}])"
        rest = loc[2:]
    elif loc[:2] == ("workload", "classes") and len(loc) >= 3 and isinstance(loc[2], int):
        cls = _name_at(data.get("workload", {}).get("classes"), loc[2])
        where = f"class {cls} (workload.classes[{loc[2]}])"
        rest = loc[3:]
    elif loc[0] == "faults" and len(loc) >= 2 and isinstance(loc[1], int):
        where = f"fault #{loc[1] + 1}"
        rest = loc[2:]
    elif loc[0] == "workload":
        where = "workload"
        rest = loc[1:]
    field = ".".join(str(x) for x in rest if not _is_union_tag(x)) or _field_in(msg)
    if err.get("type") == "extra_forbidden":
        msg = "unknown field"
    elif err.get("type") == "float_type" and isinstance(err.get("input"), int):
        msg = "an integer beyond the range of floating-point numbers"
    return f"{where}, field '{field}': {msg}"


def _field_in(msg: str) -> str:
    """A rule over a whole entry names its field first ("field 'retry' needs 'calls'")."""
    found = re.match(r"(?:field )?'([A-Za-z_.]+)'", msg)
    return found.group(1) if found else "(whole entry)"


def _name_at(seq: Any, index: int) -> str:
    try:
        name = seq[index].get("name")
    except (TypeError, IndexError, AttributeError):
        name = None
    return f"'{name}'" if isinstance(name, str) else f"#{index + 1}"


def _is_union_tag(x: Any) -> bool:
    # pydantic puts the union member type in loc (e.g. 'float', 'int'); not a field name.
    return isinstance(x, str) and x in {"float", "int", "str", "list[float]", "none"}
