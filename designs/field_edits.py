"""Edits of one field of a design's TOML text, and a check that maps the loader's problems to
the fields they concern.

Every edit is a pure function from text to text through ``tomlkit``, so comments, blank lines,
key order and the way a table is written (inline ``{ ... }``, dotted keys, a ``[sub.table]``)
survive everywhere but the key that changed. The properties panel proposes the result; the
workbench keeps it on its undo stack. Structural edits (add, remove, connect, rename) are
``designs.editing``'s.

A field is named by a ``Target`` (a component by name, a request class by name, a fault by
index, or the workload) and a dotted path inside it (``workers``, ``retry.attempts``,
``service_ms.mean``, ``arrival.rate_rps``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal

import tomlkit
from tomlkit.container import Container
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, InlineTable, Item, Table

from designs.loader import loads_design
from designs.resilience import FAULT_FIELDS
from designs.schema import Design
from freightlab.errors import InputError, InputErrors

TableKind = Literal["component", "class", "fault", "workload"]


class FieldEditError(InputError):
    """The edit cannot be made: the text does not parse, or its target is not there."""


@dataclass(frozen=True)
class Target:
    """What an edit is about: ``key`` is the component's or class's name, or the fault's
    index (0-based); the workload has none."""

    table: TableKind
    key: str | int = ""

    def label(self) -> str:
        """How an undo label names it: 'matcher', 'class match', 'fault #1', 'workload'."""
        return _LABELS[self.table](self.key)


_LABELS: dict[TableKind, Any] = {
    "component": lambda k: str(k),
    "class": lambda k: f"class {k}",
    "fault": lambda k: f"fault #{int(k) + 1}",
    "workload": lambda k: "workload",
}


def component(name: str) -> Target:
    return Target("component", name)


def request_class(name: str) -> Target:
    return Target("class", name)


def fault(index: int) -> Target:
    return Target("fault", index)


WORKLOAD = Target("workload")


# --- edits ------------------------------------------------------------------------------


def set_field(text: str, target: Target, path: str, value: Any) -> str:
    """``text`` with ``path`` of ``target`` set to ``value`` (a dict becomes an inline
    table; a ``[sub.table]`` already there is updated in place, keeping its comments)."""
    doc = _parse(text)
    _set_path(_locate(doc, target), path.split("."), value)
    return tomlkit.dumps(doc)


def clear_field(text: str, target: Target, path: str) -> str:
    """``text`` without ``path`` of ``target`` (the field falls back to its default); a
    sub-table left empty goes too. Clearing what is not there changes nothing."""
    doc = _parse(text)
    if not _clear_path(_locate(doc, target), path.split(".")):
        return text
    return tomlkit.dumps(doc)


def _set_path(table: Any, parts: list[str], value: Any) -> None:
    head, *rest = parts
    current = table.get(head)
    if not rest:
        _assign(table, head, value)
    elif isinstance(current, InlineTable):  # rebuilt, so it stays written one way
        table[head] = _inline(_nested(current.unwrap(), rest, value))
    elif _is_table(current):
        _set_path(current, rest, value)
    else:
        table[head] = _inline(_nested({}, rest, value))


def _nested(data: dict[str, Any], parts: list[str], value: Any) -> dict[str, Any]:
    head, *rest = parts
    if rest:
        inner = data.get(head)
        data[head] = _nested(inner if isinstance(inner, dict) else {}, rest, value)
    else:
        data[head] = value
    return data


def _clear_path(table: Any, parts: list[str]) -> bool:
    """Remove the key at ``parts``; whether anything was there."""
    head, *rest = parts
    current = table.get(head)
    if not rest:
        if head not in table:
            return False
        del table[head]
        return True
    if isinstance(current, InlineTable):
        data = current.unwrap()
        if not _clear_nested(data, rest):
            return False
        table[head] = _inline(data)
    elif not (_is_table(current) and _clear_path(current, rest)):
        return False
    if len(table[head]) == 0:
        del table[head]
    return True


def _clear_nested(data: dict[str, Any], parts: list[str]) -> bool:
    head, *rest = parts
    if not rest:
        return data.pop(head, None) is not None
    inner = data.get(head)
    if not isinstance(inner, dict) or not _clear_nested(inner, rest):
        return False
    if not inner:
        del data[head]
    return True


def set_component_field(text: str, name: str, path: str, value: Any) -> str:
    return set_field(text, component(name), path, value)


def clear_component_field(text: str, name: str, path: str) -> str:
    return clear_field(text, component(name), path)


def set_class_field(text: str, name: str, path: str, value: Any) -> str:
    return set_field(text, request_class(name), path, value)


def set_fault_field(text: str, index: int, path: str, value: Any) -> str:
    return set_field(text, fault(index), path, value)


def undo_label(target: Target, path: str, value: Any = None, cleared: bool = False) -> str:
    """'Set matcher.workers to 6', 'Clear matcher.timeout_ms'."""
    where = f"{target.label()}.{path}"
    if cleared:
        return f"Clear {where}"
    if isinstance(value, Mapping):
        shape = value.get("dist") or value.get("process")
        return f"Set {where} to {shape}" if shape else f"Set {where}"
    return f"Set {where} to {_short(value)}"


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(_short(v) for v in value[:4]) + (", …" if len(value) > 4 else "")
    return str(value)


def _parse(text: str) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:
        raise FieldEditError(f"the design's TOML does not parse: {exc}") from None


def _locate(doc: tomlkit.TOMLDocument, target: Target) -> Container | Table | InlineTable:
    """The table of ``target`` in ``doc`` (FieldEditError when it is not there)."""
    workload = doc.get("workload")
    finders = {
        "component": lambda: _named(doc.get("components"), target.key),
        "class": lambda: _named(
            workload.get("classes") if isinstance(workload, Table) else None, target.key
        ),
        "fault": lambda: _indexed(doc.get("faults"), target.key),
        "workload": lambda: workload if isinstance(workload, Table) else None,
    }
    found = finders[target.table]()
    if found is None:
        raise FieldEditError(f"no {target.label()} in the design")
    return found


def _named(entries: Any, name: str | int) -> Table | None:
    if not isinstance(entries, AoT | list):
        return None
    return next((t for t in entries if isinstance(t, Table) and t.get("name") == name), None)


def _indexed(entries: Any, index: str | int) -> Table | None:
    if not isinstance(entries, AoT | list) or not isinstance(index, int):
        return None
    return entries[index] if 0 <= index < len(entries) else None


def _assign(table: Any, key: str, value: Any) -> None:
    current = table.get(key)
    if isinstance(value, Mapping) and _is_table(current):
        for old in [k for k in current if k not in value]:
            del current[old]
        for k, v in value.items():
            _assign(current, k, v)
        return
    if isinstance(value, str) and "\n" in value:  # written as the catalog writes them
        table[key] = tomlkit.string(value, multiline=True)
    else:
        table[key] = _inline(value) if isinstance(value, Mapping) else value


def _is_table(item: Any) -> bool:
    """A table written as ``[a.b]`` or with dotted keys (edited in place), not inline."""
    return isinstance(item, MutableMapping) and not isinstance(item, InlineTable)


def _inline(value: Mapping[str, Any]) -> Item:
    """An inline table written as the catalog writes them: ``{ dist = "...", mean = 1.0 }``."""
    body = ", ".join(f"{k} = {_item(v).as_string()}" for k, v in value.items())
    snippet = (f"x = {{ {body} }}" if body else "x = {}") + "\n"
    item: Item = tomlkit.parse(snippet)["x"]
    return item


def _item(value: Any) -> Item:
    return _inline(value) if isinstance(value, Mapping) else tomlkit.item(value)


# --- checking a proposed text -----------------------------------------------------------


@dataclass(frozen=True)
class FieldProblem:
    """One problem the loader found: its target (None: the design as a whole or a place the
    panel does not show), the dotted field path in it ("" for the whole entry), the loader's
    message and its reason (the message without the place)."""

    target: Target | None
    path: str
    message: str
    reason: str


@dataclass(frozen=True)
class Check:
    design: Design | None
    problems: tuple[FieldProblem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.design is not None

    def for_target(self, target: Target) -> dict[str, list[str]]:
        """Reasons by field path for one target."""
        out: dict[str, list[str]] = {}
        for p in self.problems:
            if p.target == target:
                out.setdefault(p.path, []).append(p.reason)
        return out

    def elsewhere(self, target: Target | None) -> list[str]:
        """Full messages of the problems that are not ``target``'s."""
        return [p.message for p in self.problems if target is None or p.target != target]


SOURCE = "design"

_WHERE = re.compile(
    r"^(?:component (?:'(?P<comp>[^']*)'|#\d+)(?: \(components\[\d+\]\))?"
    r"|class (?:'(?P<cls>[^']*)'|#\d+)(?: \(workload\.classes\[\d+\]\))?"
    r"|fault(?: #(?P<fault>\d+))?"
    r"|(?P<workload>workload)"
    r"|design), field '(?P<field>[^']*)': (?P<reason>.*)$",
    re.DOTALL,
)
# Several wiring problems arrive joined by "; ", each starting with its place.
_SPLIT = re.compile(r"; (?=(?:component|class|fault|workload|design)\b[^:]*, field ')")
_NAMED_FIELD = re.compile(r"field '([A-Za-z_.]+)'")


def check(text: str) -> Check:
    """Validate ``text`` with the real loader; problems mapped to their target and field."""
    try:
        return Check(loads_design(text, source=SOURCE))
    except InputErrors as exc:
        messages = [m for p in exc.problems for m in _SPLIT.split(p)]
    except InputError as exc:
        messages = [str(exc)]
    return Check(None, tuple(_locate_problem(m) for m in messages))


def _locate_problem(message: str) -> FieldProblem:
    found = _WHERE.match(message)
    if found is None:
        return FieldProblem(None, "", message, message)
    groups = found.groupdict()
    reason = groups["reason"]
    path = groups["field"]
    if path == "(whole entry)":
        named = _NAMED_FIELD.search(reason)
        path = named.group(1) if named else ""
    target: Target | None = None
    if groups["comp"] is not None:
        target = component(groups["comp"])
    elif groups["cls"] is not None:
        target = request_class(groups["cls"])
    elif groups["fault"] is not None:
        target = fault(int(groups["fault"]) - 1)
    elif groups["workload"] is not None:
        target = WORKLOAD
    return FieldProblem(target, path, message, reason)


# --- proposals: one edit, its text and its undo label -----------------------------------


def switch_fault_kind(text: str, index: int, kind: str) -> str:
    """Fault ``index`` turned into a ``kind`` fault: fields that kind does not take are
    dropped, the ones it needs and lacks start at working values."""
    from designs.fields import fault_fields  # fields describes; this module edits

    wanted = {f.name: f for f in fault_fields(kind)}
    text = set_field(text, fault(index), "kind", kind)
    current = _locate(_parse(text), fault(index))
    for name in sorted(set(current) - set(wanted)):
        text = clear_field(text, fault(index), name)
    need, _ = FAULT_FIELDS[kind]
    for name in sorted(need - set(current)):
        text = set_field(text, fault(index), name, wanted[name].start_value())
    return text


_SWITCHES: dict[tuple[TableKind, str], Any] = {
    ("fault", "kind"): lambda text, target, value: switch_fault_kind(text, int(target.key), value),
}


def propose(
    text: str, target: Target, path: str, value: Any = None, cleared: bool = False
) -> tuple[str, str]:
    """The text after one edit of the panel, and its undo label."""
    label = undo_label(target, path, value, cleared)
    if cleared:
        return clear_field(text, target, path), label
    switch = _SWITCHES.get((target.table, path))
    if switch is not None:
        return switch(text, target, value), label
    return set_field(text, target, path, value), label


# --- adding and removing request classes and faults -------------------------------------


def add_fault(text: str, target: str, kind: str = "outage") -> tuple[str, str]:
    """A ``kind`` fault on component ``target`` halfway through the run, lasting a tenth of
    it (the fields the kind needs start at working values); the text and its undo label."""
    from designs.fields import fault_fields

    doc = _parse(text)
    duration = _number_at(doc, ("workload", "duration_s"), 3600.0)
    entry: dict[str, Any] = {"component": target, "kind": kind, "at_s": round(duration / 2, 3)}
    starts = {"duration_s": round(duration / 10, 3)}
    need, _ = FAULT_FIELDS[kind]
    for spec in fault_fields(kind):
        if spec.name in need:
            entry[spec.name] = starts.get(spec.name, spec.start_value())
    _append(_array(doc, "faults"), entry)
    return tomlkit.dumps(doc), f"Add {kind} on {target}"


def remove_fault(text: str, index: int) -> tuple[str, str]:
    doc = _parse(text)
    faults = doc.get("faults")
    if not isinstance(faults, AoT) or not 0 <= index < len(faults):
        raise FieldEditError(f"no {fault(index).label()} in the design")
    del faults[index]
    if len(faults) == 0:
        del doc["faults"]
    return tomlkit.dumps(doc), f"Remove {fault(index).label()}"


def add_class(text: str, entry: str, rate_rps: float = 1.0) -> tuple[str, str]:
    """A Poisson request class into ``entry`` with a name no class has yet (and the first
    class's keys, so the caches it reaches still see keys)."""
    doc = _parse(text)
    workload = doc.get("workload")
    if not isinstance(workload, Table):
        raise FieldEditError("no workload in the design")
    classes = workload.get("classes")
    if not isinstance(classes, AoT):
        classes = tomlkit.aot()
        workload["classes"] = classes
    taken = {str(c.get("name")) for c in classes}
    name = next(f"class_{n}" for n in itertools.count(len(taken) + 1) if f"class_{n}" not in taken)
    values: dict[str, Any] = {"name": name, "entry": entry}
    values["arrival"] = _inline({"process": "poisson", "rate_rps": float(rate_rps)})
    keys = classes[0].get("keys") if len(classes) else None
    if isinstance(keys, MutableMapping):
        values["keys"] = _inline(dict(keys.unwrap() if hasattr(keys, "unwrap") else keys))
    _append(classes, values)
    return tomlkit.dumps(doc), f"Add class {name}"


def remove_class(text: str, name: str) -> tuple[str, str]:
    doc = _parse(text)
    workload = doc.get("workload")
    classes = workload.get("classes") if isinstance(workload, Table) else None
    found = _named(classes, name)
    if found is None or not isinstance(classes, AoT):
        raise FieldEditError(f"no class {name} in the design")
    del classes[list(classes).index(found)]
    return tomlkit.dumps(doc), f"Remove class {name}"


def _array(doc: tomlkit.TOMLDocument, key: str) -> AoT:
    found = doc.get(key)
    if isinstance(found, AoT):
        return found
    if not tomlkit.dumps(doc).endswith("\n\n"):
        doc.add(tomlkit.nl())
    doc[key] = tomlkit.aot()
    array: AoT = doc[key]
    return array


def _append(array: AoT, values: Mapping[str, Any]) -> None:
    """Append a table to an array of tables, a blank line on either side of it."""
    if len(array) and not array[-1].as_string().endswith("\n\n"):
        array[-1].add(tomlkit.nl())
    table = tomlkit.table()
    for k, v in values.items():
        table[k] = v
    array.append(table)
    if not array[-1].as_string().endswith("\n\n"):
        array[-1].add(tomlkit.nl())


def _number_at(doc: tomlkit.TOMLDocument, keys: tuple[str, ...], fallback: float) -> float:
    item: Any = doc
    for k in keys:
        item = item.get(k) if isinstance(item, MutableMapping) else None
    ok = isinstance(item, int | float) and not isinstance(item, bool) and item > 0
    return float(item) if ok else fallback
