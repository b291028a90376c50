"""Wiring checks of a design: references between components, cycles, design-wide sizes.

Run by ``Design``'s validator once every component is valid on its own; each problem names
the component (or class) and the field, as the loader reports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

from designs import bounds
from designs.kinds import KINDS

if TYPE_CHECKING:
    from designs.schema import Component, Design


class Problem(BaseModel):
    """One wiring problem, located by component (or class) and field."""

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}, field '{self.field}': {self.message}"


def _target_kinds(fname: str) -> frozenset[str] | None:
    """Which kinds a routing field may point at (None: any kind)."""
    if fname not in ("targets", "consumers", "dead_letter"):
        return None
    return frozenset(n for n, s in KINDS.items() if fname in s.target_of)


def wiring_problems(design: Design) -> list[Problem]:
    """Every reference and cycle problem, each naming the component and field."""
    problems: list[Problem] = []
    stations = sum(c.replica_count() for c in design.components)
    if stations > bounds.MAX_STATIONS:
        problems.append(
            Problem(
                where="design",
                field="replicas",
                message=f"{stations:,} replicas and partitions in all; at most "
                f"{bounds.MAX_STATIONS:,}: {bounds.DIFFERENT_SIMULATION}",
            )
        )
    keys = sum(rc.keys.count for rc in design.workload.classes if rc.keys is not None)
    if keys > bounds.MAX_TOTAL_KEYS:
        problems.append(
            Problem(
                where="workload",
                field="classes.keys.count",
                message=f"{keys:,} keys over all classes; at most {bounds.MAX_TOTAL_KEYS:,}: "
                "every key's popularity is held in memory",
            )
        )
    by_name: dict[str, Component] = {}
    for c in design.components:
        if c.name in by_name:
            problems.append(
                Problem(where=f"component '{c.name}'", field="name", message="defined twice")
            )
        by_name[c.name] = c
    for rc in design.workload.classes:
        if rc.entry not in by_name:
            problems.append(
                Problem(
                    where=f"class '{rc.name}'",
                    field="entry",
                    message=f"unknown component '{rc.entry}'",
                )
            )
    for c in design.components:
        for fname, target in c.successors():
            where = f"component '{c.name}'"
            if target not in by_name:
                problems.append(
                    Problem(where=where, field=fname, message=f"unknown component '{target}'")
                )
                continue
            if target == c.name:
                problems.append(Problem(where=where, field=fname, message="refers to itself"))
                continue
            kinds = _target_kinds(fname)
            if kinds is not None and by_name[target].kind not in kinds:
                problems.append(
                    Problem(
                        where=where,
                        field=fname,
                        message=f"'{target}' is a {by_name[target].kind}; expected one of "
                        + ", ".join(sorted(kinds)),
                    )
                )
    for name in design.layout:
        if name not in by_name:
            problems.append(
                Problem(where="layout", field=name, message=f"unknown component '{name}'")
            )
    for f in design.faults:
        if f.component not in by_name:
            problems.append(
                Problem(
                    where="fault", field="component", message=f"unknown component '{f.component}'"
                )
            )
        elif f.kind not in KINDS[by_name[f.component].kind].faults:
            problems.append(
                Problem(
                    where=f"fault on '{f.component}'",
                    field="kind",
                    message=f"a {f.kind} does not apply to a {by_name[f.component].kind}",
                )
            )
        elif f.replica is not None and f.replica >= by_name[f.component].max_replicas():
            problems.append(
                Problem(
                    where=f"fault on '{f.component}'",
                    field="replica",
                    message=f"replica {f.replica} does not exist",
                )
            )
    if not problems:
        problems.extend(_cycle_problems(design))
    if not problems:
        problems.extend(_keyless_cache_problems(design, by_name))
    return problems


def _reachable(start: str, by_name: dict[str, Component]) -> list[str]:
    seen: list[str] = []
    visited: set[str] = set()
    stack = [start]
    while stack:
        name = stack.pop()
        if name in visited or name not in by_name:
            continue
        visited.add(name)
        seen.append(name)
        stack.extend(t for _f, t in reversed(by_name[name].successors()))
    return seen


def _keyless_cache_problems(design: Design, by_name: dict[str, Component]) -> list[Problem]:
    """A cache's hit ratio comes from request keys: without keys every lookup would miss."""
    problems = []
    for rc in design.workload.classes:
        if rc.keys is not None:
            continue
        for name in _reachable(rc.entry, by_name):
            c = by_name[name]
            if KINDS[c.kind].needs_keys(c):
                problems.append(
                    Problem(
                        where=f"class '{rc.name}'",
                        field="keys",
                        message=f"requests reach cache '{name}' without keys, so every lookup"
                        ' would miss; give the class keys (e.g. keys = { dist = "zipf",'
                        " count = 10000 }) or the cache a fixed hit_ratio",
                    )
                )
    return problems


def _cycle_problems(design: Design) -> list[Problem]:
    """Requests follow fixed routes, so any cycle would route a request forever."""
    from designs.routing import find_cycle

    edges = [(c.name, t, f) for c in design.components for f, t in c.successors()]
    cycle = find_cycle([c.name for c in design.components], edges)
    if cycle is None:
        return []
    first = cycle[0]
    path = " -> ".join([e[0] for e in cycle] + [cycle[0][0]])
    return [Problem(where=f"component '{first[0]}'", field=first[2], message=f"cycle {path}")]
