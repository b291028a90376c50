"""The two graph questions a design's routes raise, answered with the standard library so
loading and simulating a design does not pay for importing networkx (~70 ms).

Nodes are component names; an edge (a, b, field) says requests go from a to b through
``field`` (``then``, ``calls``, ``targets``...).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence

Edge = tuple[str, str, str]


def find_cycle(nodes: Sequence[str], edges: Iterable[Edge]) -> list[Edge] | None:
    """One cycle as its edges in order (the first found from the first node), or None."""
    out: dict[str, list[Edge]] = {n: [] for n in nodes}
    for e in edges:
        out.setdefault(e[0], []).append(e)
        out.setdefault(e[1], [])
    done: set[str] = set()
    for root in out:
        if root in done:
            continue
        # Depth-first; ``path[k]`` is the edge into ``stack[k + 1]``, ``depth`` a node's index.
        path: list[Edge] = []
        stack = [(root, iter(out[root]))]
        depth = {root: 0}
        while stack:
            node, it = stack[-1]
            edge = next(it, None)
            if edge is None:
                done.add(node)
                del depth[node]
                stack.pop()
                if path:
                    path.pop()
                continue
            target = edge[1]
            if target in depth:
                return [*path[depth[target] :], edge]
            if target not in done:
                depth[target] = len(stack)
                path.append(edge)
                stack.append((target, iter(out[target])))
    return None


def lexicographic_order(nodes: Sequence[str], edges: Iterable[Edge]) -> list[str]:
    """Topological order, ties broken by name (as networkx's lexicographical sort)."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    indeg: dict[str, int] = dict.fromkeys(nodes, 0)
    for a, b, _ in edges:
        succ.setdefault(a, []).append(b)
        succ.setdefault(b, [])
        indeg[b] = indeg.get(b, 0) + 1
        indeg.setdefault(a, 0)
    ready = [n for n, d in indeg.items() if d == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        n = heapq.heappop(ready)
        order.append(n)
        for m in succ[n]:
            indeg[m] -= 1
            if indeg[m] == 0:
                heapq.heappush(ready, m)
    if len(order) != len(indeg):
        raise ValueError("the routes have a cycle")
    return order
