"""Structural edits of a design, as pure functions over its TOML text.

Each function takes the text and returns the new text (and, where it makes one, the new
name); nothing else changes, so comments and formatting the edit did not touch survive
(``tomlkit`` keeps them). The Design Lab canvas runs every edit through here, and the undo
stack holds the texts before and after. Problems raise an :class:`EditError` subclass whose
message says what to do; a result may still be an incomplete design (a new load balancer
has no targets yet): the loader says what is missing.

Positions live in the design's ``[layout]`` table, ``name = [x, y]`` in diagram pixels.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, InlineTable, Table
from tomlkit.toml_document import TOMLDocument

from designs.edges import EDGE_FIELDS, EDGES, edge_options, edge_refusal
from designs.kinds import KINDS, kind_spec
from freightlab.errors import InputError

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\- ]{1,80}$")
LAYOUT = "layout"


class EditError(InputError):
    """An edit that cannot be made; the message says why and what to do instead."""


class NotEditable(EditError):
    """The text is not TOML the editor can change (a syntax error, no [[components]])."""


class UnknownComponent(EditError):
    pass


class NameTaken(EditError):
    pass


class BadName(EditError):
    pass


class IllegalEdge(EditError):
    """The two components cannot be joined by that field (or by any)."""


class InUse(EditError):
    """The component is needed where it is (a request class enters there)."""


# --- reading -------------------------------------------------------------------------------


def parse(text: str) -> TOMLDocument:
    try:
        return tomlkit.parse(text)
    except Exception as exc:  # tomlkit raises several parse error types
        raise NotEditable(f"the TOML has a syntax error ({exc}); fix it first") from None


def _components(doc: TOMLDocument, create: bool = False) -> AoT:
    found = doc.get("components")
    if found is None and create:
        doc.add("components", tomlkit.aot())
        found = doc["components"]
    if not isinstance(found, AoT):
        raise NotEditable(
            "the design's components must be written as [[components]] tables to edit them here"
        )
    return found


def _find(doc: TOMLDocument, name: str) -> Table:
    for table in _components(doc):
        if table.get("name") == name:
            return table
    raise UnknownComponent(f"there is no component '{name}'")


def component_names(text: str) -> list[str]:
    return [str(t.get("name")) for t in _components(parse(text))]


def _kind_of(table: Table) -> str:
    kind = str(table.get("kind", ""))
    if kind not in KINDS:
        raise IllegalEdge(f"component '{table.get('name')}' has an unknown kind '{kind}'")
    return kind


# --- names ---------------------------------------------------------------------------------


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise BadName(
            f"'{name}' is not a usable name: 1-80 letters, digits, spaces, '_', '-' or '.'"
        )
    return name


def unique_name(base: str, taken: Iterable[str]) -> str:
    """``base``, else ``base_2``, ``base_3``… (a trailing _N of ``base`` is replaced)."""
    used = set(taken)
    stem = re.sub(r"_\d+$", "", base) or base
    if base not in used:
        return base
    n = 2
    while f"{stem}_{n}" in used:
        n += 1
    return f"{stem}_{n}"


# --- building tables -----------------------------------------------------------------------


def _value(value: Any) -> Any:
    """Nested tables as inline tables (``service_ms = { dist = …, mean = … }``)."""
    if isinstance(value, Mapping):
        inline = tomlkit.inline_table()
        for key, item in value.items():
            inline[key] = _value(item)
        return inline
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    return value


def _table(data: Mapping[str, Any]) -> Table:
    table = tomlkit.table()
    for key, value in data.items():
        table[key] = _value(value)
    return table


def _layout(doc: TOMLDocument) -> Table:
    found = doc.get(LAYOUT)
    if found is None:
        found = tomlkit.table()
        doc.add(LAYOUT, found)
    if not isinstance(found, Table):
        raise NotEditable("the design's layout must be a [layout] table")
    return found


def _set_position(doc: TOMLDocument, name: str, position: tuple[float, float]) -> None:
    point = tomlkit.array()
    point.extend([round(position[0]), round(position[1])])
    _layout(doc)[name] = point


# --- edits ---------------------------------------------------------------------------------


def add_component(
    text: str, kind: str, position: tuple[float, float] | None = None, name: str | None = None
) -> tuple[str, str]:
    """A new ``kind`` component with its palette defaults and a free name (the kind's name,
    numbered); returns (text, name)."""
    spec = kind_spec(kind)
    doc = parse(text)
    aot = _components(doc, create=True)
    taken = [str(t.get("name")) for t in aot]
    if name is not None and name in taken:
        raise NameTaken(f"a component '{name}' exists already; pick another name")
    new = check_name(name) if name is not None else unique_name(kind, taken)
    aot.append(_table({"name": new, "kind": kind, **copy.deepcopy(dict(spec.defaults))}))
    if position is not None:
        _set_position(doc, new, position)
    return tomlkit.dumps(doc), new


def _entries(doc: TOMLDocument) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    workload = doc.get("workload")
    classes = workload.get("classes", []) if isinstance(workload, Mapping) else []
    for rc in classes:
        if isinstance(rc, Mapping):
            out.setdefault(str(rc.get("entry")), []).append(str(rc.get("name")))
    return out


def remove_components(text: str, names: Iterable[str]) -> str:
    """Remove components, every arrow into them, their faults and positions. A component
    that a request class enters at is refused: point the class elsewhere first."""
    doc = parse(text)
    gone = set(names)
    for name in gone:
        _find(doc, name)
    entries = _entries(doc)
    for name in sorted(gone & set(entries)):
        classes = ", ".join(f"'{c}'" for c in entries[name])
        raise InUse(
            f"'{name}' is where request class {classes} enters; set the class's entry to "
            "another component first (workload, or the TOML tab)"
        )
    aot = _components(doc)
    for index in reversed(range(len(aot))):
        if aot[index].get("name") in gone:
            del aot[index]
    for table in aot:
        _drop_references(table, gone)
    faults = doc.get("faults")
    if isinstance(faults, AoT):
        for index in reversed(range(len(faults))):
            if faults[index].get("component") in gone:
                del faults[index]
    for key in ("components", "faults"):  # an emptied array of tables would stay as "= []"
        if isinstance(doc.get(key), AoT) and not doc[key]:
            del doc[key]
    layout = doc.get(LAYOUT)
    if isinstance(layout, Table):
        for name in gone & set(layout):
            del layout[name]
    return tomlkit.dumps(doc)


def _drop_references(table: Table, gone: set[str]) -> None:
    for edge in EDGE_FIELDS:
        value = table.get(edge.name)
        if isinstance(value, Array):
            for index in reversed(range(len(value))):
                if value[index] in gone:
                    del value[index]
            if not value:
                del table[edge.name]
        elif value is not None and value in gone:
            del table[edge.name]


def _reachable(doc: TOMLDocument, start: str) -> set[str]:
    by_name = {str(t.get("name")): t for t in _components(doc)}
    seen: set[str] = set()
    stack = [start]
    while stack:
        name = stack.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        stack.extend(t for _f, t in _targets(by_name[name]))
    return seen


def _targets(table: Mapping[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for edge in EDGE_FIELDS:
        value = table.get(edge.name)
        if isinstance(value, list):
            out.extend((edge.name, str(v)) for v in value)
        elif isinstance(value, str):
            out.append((edge.name, value))
    return out


def connect_options(text: str, source: str, target: str) -> list[str]:
    """The fields that may join ``source`` to ``target`` (raises IllegalEdge, with the
    reason, when none may)."""
    doc = parse(text)
    src, tgt = _find(doc, source), _find(doc, target)
    if source == target:
        raise IllegalEdge(f"'{source}' cannot route to itself")
    options = edge_options(_kind_of(src), _kind_of(tgt))
    if not options:
        raise IllegalEdge(f"{source} → {target}: {edge_refusal(_kind_of(src), _kind_of(tgt))}")
    if source in _reachable(doc, target):
        raise IllegalEdge(
            f"{source} → {target} would close a loop ('{target}' already leads to "
            f"'{source}'): requests would route forever"
        )
    joined = [f for f, t in _targets(src) if t == target]
    if joined:
        raise IllegalEdge(
            f"'{source}' is already joined to '{target}' ({joined[0]}); delete that arrow "
            "first to change it"
        )
    return [e.name for e in options]


def connect(text: str, source: str, target: str, field: str) -> str:
    """An arrow ``source -> target`` in ``field`` (a list field gains an entry; a single one
    is set, replacing what it held)."""
    allowed = connect_options(text, source, target)
    if field not in allowed:
        raise IllegalEdge(
            f"{source} → {target} cannot be '{field}'; it may be: {', '.join(allowed)}"
        )
    doc = parse(text)
    table = _find(doc, source)
    if EDGES[field].many:
        current = table.get(field)
        if isinstance(current, Array):
            current.append(target)
        else:
            table[field] = [target]
    else:
        table[field] = target
    return tomlkit.dumps(doc)


def disconnect(text: str, source: str, target: str, field: str) -> str:
    doc = parse(text)
    table = _find(doc, source)
    if (field, target) not in _targets(table):
        raise UnknownComponent(f"'{source}' has no {field} arrow to '{target}'")
    value = table[field]
    if isinstance(value, Array):
        del value[[str(v) for v in value].index(target)]
        if not value:
            del table[field]
    else:
        del table[field]
    return tomlkit.dumps(doc)


def move(text: str, positions: Mapping[str, tuple[float, float]]) -> str:
    """Set the diagram positions of the named components."""
    quick = _move_in_place(text, positions)
    if quick is not None:
        return quick
    doc = parse(text)
    for name, point in positions.items():
        _find(doc, name)
        _set_position(doc, name, point)
    return tomlkit.dumps(doc)


_LAYOUT_HEADER = re.compile(r"(?m)^[ \t]*\[[ \t]*layout[ \t]*\][ \t]*(#.*)?$")
_NEXT_TABLE = re.compile(r"(?m)^[ \t]*\[")


def _move_in_place(text: str, positions: Mapping[str, tuple[float, float]]) -> str | None:
    """The common move, fast: rewrite the ``name = [x, y]`` lines of a plain [layout]
    table in place (tomlkit reads the whole file, ~1 ms a component). None when the file
    is written some other way; the result is checked by reading it back."""
    header = _LAYOUT_HEADER.search(text)
    if header is None:
        return None
    end_match = _NEXT_TABLE.search(text, header.end())
    end = end_match.start() if end_match else len(text)
    section = text[header.end() : end]
    for name, (x, y) in positions.items():
        key = re.escape(name) if re.fullmatch(r"[A-Za-z0-9_-]+", name) else f'"{re.escape(name)}"'
        line = re.compile(rf"(?m)^([ \t]*{key}[ \t]*=[ \t]*)\[[^\]\n]*\]")
        section, count = line.subn(rf"\g<1>[{round(x)}, {round(y)}]", section, count=1)
        if count != 1:
            return None
    result = text[: header.end()] + section + text[end:]
    try:
        layout = tomllib.loads(result).get(LAYOUT, {})
    except tomllib.TOMLDecodeError:
        return None
    wanted = {n: [round(x), round(y)] for n, (x, y) in positions.items()}
    if any(layout.get(n) != p for n, p in wanted.items()):
        return None
    if set(wanted) - {str(t.get("name")) for t in tomllib.loads(text).get("components", [])}:
        return None  # unknown names: the slow path says which
    return result


def ensure_layout(text: str, positions: Mapping[str, tuple[float, float]]) -> str:
    """Write positions only for components the layout does not place yet (so the first
    edit freezes the automatic layout the user was looking at)."""
    try:
        layout = tomllib.loads(text).get(LAYOUT)  # a quick look first: tomlkit is slower
    except tomllib.TOMLDecodeError as exc:
        raise NotEditable(f"the TOML has a syntax error ({exc}); fix it first") from None
    placed = set(layout) if isinstance(layout, dict) else set()
    missing = {n: p for n, p in positions.items() if n not in placed}
    if not missing:
        return text
    doc = parse(text)
    names = {str(t.get("name")) for t in _components(doc)}
    for name, point in missing.items():
        if name in names:
            _set_position(doc, name, point)
    return tomlkit.dumps(doc)


def rename(text: str, old: str, new: str) -> str:
    """Rename a component and every reference to it (arrows, entries, faults, layout)."""
    doc = parse(text)
    table = _find(doc, old)
    if new == old:
        return text
    check_name(new)
    if new in {str(t.get("name")) for t in _components(doc)}:
        raise NameTaken(f"a component '{new}' exists already; pick another name")
    table["name"] = new
    mapping = {old: new}
    for other in _components(doc):
        _rewrite_references(other, mapping)
    workload = doc.get("workload")
    for rc in workload.get("classes", []) if isinstance(workload, Mapping) else []:
        if rc.get("entry") == old:
            rc["entry"] = new
    faults = doc.get("faults")
    for fault in faults if isinstance(faults, AoT) else []:
        if fault.get("component") == old:
            fault["component"] = new
    layout = doc.get(LAYOUT)
    if isinstance(layout, Table) and old in layout:
        point = [int(v) for v in layout[old]]
        del layout[old]
        _set_position(doc, new, (point[0], point[1]))
    return tomlkit.dumps(doc)


def _rewrite_references(table: Table | InlineTable, mapping: Mapping[str, str]) -> None:
    for edge in EDGE_FIELDS:
        value = table.get(edge.name)
        if isinstance(value, list):
            for index, item in enumerate(list(value)):
                if item in mapping:
                    value[index] = mapping[str(item)]
        elif isinstance(value, str) and value in mapping:
            table[edge.name] = mapping[value]


# --- copy and paste ------------------------------------------------------------------------

SNIPPET_MARK = "freightlab_components"


def copy_components(text: str, names: Iterable[str]) -> str:
    """The named components as a TOML snippet (arrows among them kept, arrows out of the
    selection dropped), with their positions; :func:`paste` reads it back."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        raise EditError("select one or more components to copy")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NotEditable(f"the TOML has a syntax error ({exc}); fix it first") from None
    by_name = {c.get("name"): c for c in data.get("components", []) if isinstance(c, dict)}
    layout = data.get(LAYOUT, {}) if isinstance(data.get(LAYOUT), dict) else {}
    doc = tomlkit.document()
    doc.add(SNIPPET_MARK, 1)
    aot = tomlkit.aot()
    chosen = set(wanted)
    for name in wanted:
        if name not in by_name:
            raise UnknownComponent(f"there is no component '{name}'")
        table = _table(by_name[name])
        _drop_references(table, {t for _f, t in _targets(by_name[name])} - chosen)
        aot.append(table)
    doc.add("components", aot)
    placed = tomlkit.table()
    for name in wanted:
        if name in layout:
            placed[name] = list(layout[name])
    doc.add(LAYOUT, placed)
    return tomlkit.dumps(doc)


def is_snippet(snippet: str) -> bool:
    try:
        return SNIPPET_MARK in tomllib.loads(snippet)
    except tomllib.TOMLDecodeError:
        return False


def paste(
    text: str, snippet: str, offset: tuple[float, float] = (40.0, 40.0)
) -> tuple[str, list[str]]:
    """Add the snippet's components under fresh names (arrows among them follow the new
    names), shifted by ``offset``; returns (text, new names)."""
    if not is_snippet(snippet):
        raise EditError("the clipboard holds no copied components")
    data = tomllib.loads(snippet)
    tables = [c for c in data.get("components", []) if isinstance(c, dict)]
    layout = data.get(LAYOUT, {}) if isinstance(data.get(LAYOUT), dict) else {}
    doc = parse(text)
    aot = _components(doc, create=True)
    taken = {str(t.get("name")) for t in aot}
    mapping: dict[str, str] = {}
    for table in tables:
        old = str(table.get("name", table.get("kind", "component")))
        mapping[old] = unique_name(old, taken | set(mapping.values()))
    for table in tables:
        kind_spec(str(table.get("kind")))  # an unknown kind is refused with the list
        new = _table({**table, "name": mapping[str(table.get("name"))]})
        _rewrite_references(new, mapping)
        aot.append(new)
    for index, (old, new_name) in enumerate(mapping.items()):
        x, y = layout.get(old, (index * 30.0, index * 30.0))
        _set_position(doc, new_name, (float(x) + offset[0], float(y) + offset[1]))
    return tomlkit.dumps(doc), list(mapping.values())
