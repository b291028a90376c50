"""Exact assignment solvers for the matcher, chosen by density, with a memory plan.

Objective (DESIGN.md): most loads moved, then least cost. Both solvers get it from one
weighting (:func:`lexicographic_weights`): pair weights in [1, w_max] and a per-load
"leave unassigned" price that outweighs any rearrangement of the other costs.

- **Sparse** (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``, LAPJVsp) on the
  feasible pairs plus one private dummy column per load. Candidates arrive load-major with
  trucks ascending, so the CSR matrix is written directly (no COO sort) and chosen (row,
  column) pairs map back with a binary search on keys that are already sorted.
- **Dense** (``scipy.optimize.linear_sum_assignment``) when most pairs of a truck type are
  feasible: a truck only takes loads of its own type, so the problem splits into one
  independent square-ish block per type (a reduced problem), each filled in place block by
  block from the rules, with no candidate arrays at all: 8 bytes per cell.

:func:`plan` estimates each type's density from a fixed sample of its pairs, picks the
solver (bench/README.md has the crossover), and refuses with :class:`MatchTooLarge` — the size
and the limit — a fleet whose matching would not fit the memory limit.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from dispatcher.candidates import (
    BLOCK_CELLS,
    Candidates,
    FloatArray,
    IntArray,
    MatchTooLarge,
    PairRules,
    candidates_of_types,
)
from freightlab.progress import Progress, check

Method = Literal["auto", "sparse", "dense"]

#: Below this many cells in a type block the sparse solver is always fast enough.
DENSE_MIN_CELLS = 1_000_000
#: A type block at least this dense goes to the dense solver (measured crossover).
DENSE_MIN_DENSITY = 0.4
#: Peak bytes per kept pair on the sparse route (candidates + CSR + solver), measured.
SPARSE_BYTES_PER_PAIR = 90
#: Peak bytes per cell on the dense route (the float64 matrix; the solver adds O(n)).
DENSE_BYTES_PER_CELL = 8
#: Peak bytes of the dense route's working block (masks, km, costs of BLOCK_CELLS cells).
DENSE_BLOCK_BYTES = 48 * BLOCK_CELLS
#: The default limit: half the memory free now, and never more than this.
MEMORY_CAP_BYTES = 4 * 2**30
SAMPLE_SIDE = 64  # density is estimated on up to 64 x 64 evenly spread pairs per type


@dataclass
class Selection:
    """What a solver chose: the chosen pairs, and how many options each load had."""

    chosen: Candidates
    options: IntArray  # per load (index into the matcher's load list)
    feasible_pairs: int


def lexicographic_weights(cost: FloatArray, n_rows: int) -> tuple[FloatArray, float]:
    """Positive pair weights and a per-row "unassigned" price that outweighs any cost saving.

    With weights in [1, w_max] and n rows, one more assigned row saves at least
    ``unassigned - w_max``; any rearrangement of the costs changes the sum by less than
    ``n * w_max``, so ``unassigned = (n + 1) * w_max + 1`` makes count strictly first.
    """
    w = cost - cost.min() + 1.0
    return w, (n_rows + 1) * float(w.max()) + 1.0


# ------------------------------------------------------------------------------ sparse
def solve_sparse(cand: Candidates, n_trucks: int, n_loads: int) -> IntArray:
    """Indices of the chosen candidates; ``cand`` must be load-major, trucks ascending."""
    if len(cand) == 0:
        return np.empty(0, dtype=np.intp)
    counts = np.bincount(cand.load, minlength=n_loads)
    used_rows = counts > 0
    row_of = np.cumsum(used_rows, dtype=np.intp) - 1
    used_cols = np.bincount(cand.truck, minlength=n_trucks) > 0
    col_of = np.cumsum(used_cols, dtype=np.intp) - 1
    n_r, n_c = int(row_of[-1]) + 1, int(col_of[-1]) + 1
    row, col = row_of[cand.load], col_of[cand.truck]
    w, unassigned = lexicographic_weights(cand.cost, n_r)
    # Row r holds its pairs (columns ascending), then its private dummy column n_c + r.
    m = len(cand)
    indptr = np.zeros(n_r + 1, dtype=np.int32 if m + n_r < 2**31 else np.int64)
    np.cumsum(counts[used_rows] + 1, out=indptr[1:])
    data = np.empty(m + n_r, dtype=np.float64)
    indices = np.empty(m + n_r, dtype=indptr.dtype)
    pos = np.arange(m) + row
    data[pos] = w
    indices[pos] = col
    del pos, w
    data[indptr[1:] - 1] = unassigned
    indices[indptr[1:] - 1] = np.arange(n_c, n_c + n_r)
    biadj = csr_matrix((data, indices, indptr), shape=(n_r, n_c + n_r))
    rr, cc = min_weight_full_bipartite_matching(biadj)
    del biadj, data, indices
    real = cc < n_c
    key = row.astype(np.int64) * n_c + col  # already ascending: load-major, trucks ascending
    return np.asarray(np.searchsorted(key, rr[real].astype(np.int64) * n_c + cc[real]))


def solve_dense(cand: Candidates, n_trucks: int, n_loads: int) -> IntArray:
    """Indices of the chosen candidates via one dense ``linear_sum_assignment`` (cross-check)."""
    from scipy.optimize import linear_sum_assignment  # 0.3 s to import; only when used

    if len(cand) == 0:
        return np.empty(0, dtype=np.intp)
    counts = np.bincount(cand.load, minlength=n_loads)
    row_of = np.cumsum(counts > 0) - 1
    col_of = np.cumsum(np.bincount(cand.truck, minlength=n_trucks) > 0) - 1
    row, col = row_of[cand.load], col_of[cand.truck]
    w, unassigned = lexicographic_weights(cand.cost, int(row_of[-1]) + 1)
    matrix = np.zeros((int(row_of[-1]) + 1, int(col_of[-1]) + 1))
    matrix[row, col] = w - unassigned  # infeasible cells: 0, "leave unassigned"
    rr, cc = linear_sum_assignment(matrix)
    feasible = matrix[rr, cc] < 0
    key = row.astype(np.int64) * matrix.shape[1] + col
    return np.asarray(
        np.searchsorted(key, rr[feasible].astype(np.int64) * matrix.shape[1] + cc[feasible])
    )


# ------------------------------------------------------------------------------- dense
def solve_dense_block(
    rules: PairRules,
    loads: IntArray,
    trucks: IntArray,
    progress: Progress | None = None,
    span: tuple[float, float] = (0.0, 1.0),
) -> Selection:
    """Exact matching of one truck type's (loads x trucks) block with a dense solver.

    The matrix is filled block by block (pair costs, NaN where a rule fails), then turned in
    place into ``weight - unassigned`` (0 where infeasible), oriented with the shorter side as
    rows so the solver works on it without a copy.
    """
    from scipy.optimize import linear_sum_assignment  # 0.3 s to import; only when used

    by_truck = len(loads) > len(trucks)  # rows = trucks when there are fewer of them
    matrix, options, lo, hi = _fill_dense(rules, loads, trucks, by_truck, progress, span)
    n_rows = int(np.count_nonzero(options))
    if n_rows == 0:
        return Selection(Candidates.empty(), options, 0)
    unassigned = (n_rows + 1) * (hi - lo + 1.0) + 1.0
    step = max(1, BLOCK_CELLS // max(1, matrix.shape[1]))
    for a in range(0, matrix.shape[0], step):
        part = matrix[a : a + step]
        gap = np.isnan(part)
        part -= lo
        part += 1.0 - unassigned
        part[gap] = 0.0
    rr, cc = linear_sum_assignment(matrix)
    keep = matrix[rr, cc] < 0
    del matrix
    t_pos, l_pos = (rr, cc) if by_truck else (cc, rr)
    load, truck = loads[l_pos[keep]], trucks[t_pos[keep]]
    dh = rules.dist[rules.l_row[load], rules.t_col[truck]]
    pickup, cost = rules.pairs(load, truck, dh)
    return Selection(Candidates(truck, load, dh, pickup, cost), options, int(options.sum()))


def _fill_dense(
    rules: PairRules,
    loads: IntArray,
    trucks: IntArray,
    by_truck: bool,
    progress: Progress | None,
    span: tuple[float, float],
) -> tuple[FloatArray, IntArray, float, float]:
    """(matrix of pair costs with NaN where infeasible, options per load, min, max cost)."""
    matrix = np.empty((len(trucks), len(loads)) if by_truck else (len(loads), len(trucks)))
    options = np.zeros(len(loads), dtype=np.intp)
    lo, hi = math.inf, -math.inf
    for a, b in rules.blocks(loads, trucks):
        check(progress, span[0] + (span[1] - span[0]) * a / len(loads), "dense matrix")
        ok, dh = rules.block(loads[a:b], trucks)
        options[a:b] = ok.sum(axis=1)
        _, cost = rules.pairs(loads[a:b, None], trucks[None, :], dh, pickup=False)  # the grid
        vals = np.where(ok, cost, np.nan)
        del cost, dh
        if options[a:b].any():
            lo, hi = min(lo, float(np.nanmin(vals))), max(hi, float(np.nanmax(vals)))
        if by_truck:
            matrix[:, a:b] = vals.T
        else:
            matrix[a:b] = vals
    return matrix, options, lo, hi


# -------------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class TypePlan:
    loads: IntArray
    trucks: IntArray
    density: float  # estimated share of the block's pairs that are feasible
    dense: bool

    @property
    def cells(self) -> int:
        return len(self.loads) * len(self.trucks)

    @property
    def sparse_bytes(self) -> float:
        return self.density * self.cells * SPARSE_BYTES_PER_PAIR

    @property
    def dense_bytes(self) -> float:
        return float(self.cells * DENSE_BYTES_PER_CELL + DENSE_BLOCK_BYTES)


def estimate_density(rules: PairRules, loads: IntArray, trucks: IntArray) -> float:
    """Share of feasible pairs on an evenly spread sample (deterministic; at most 4,096)."""
    ls = loads[np.linspace(0, len(loads) - 1, min(len(loads), SAMPLE_SIDE)).astype(np.intp)]
    ts = trucks[np.linspace(0, len(trucks) - 1, min(len(trucks), SAMPLE_SIDE)).astype(np.intp)]
    ok, _ = rules.block(ls, ts)
    return float(ok.mean()) if ok.size else 0.0


def memory_limit_bytes() -> int:
    """Half of the memory available now (Linux ``MemAvailable``), at most MEMORY_CAP_BYTES."""
    available = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
    except OSError:
        pass
    if available is None:
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            available = 2 * MEMORY_CAP_BYTES
    return int(min(available // 2, MEMORY_CAP_BYTES))


def plan(
    rules: PairRules, method: Method = "auto", limit_bytes: int | None = None
) -> list[TypePlan]:
    """Route each truck type to a solver; refuse (MatchTooLarge) what would not fit."""
    out: list[TypePlan] = []
    for loads, trucks in rules.by_type():
        d = estimate_density(rules, loads, trucks)
        big = len(loads) * len(trucks) >= DENSE_MIN_CELLS
        dense = method == "dense" or (method == "auto" and big and d >= DENSE_MIN_DENSITY)
        out.append(TypePlan(loads, trucks, d, dense))
    limit = memory_limit_bytes() if limit_bytes is None else limit_bytes
    why = "half the free memory, at most 4 GB" if limit_bytes is None else "as asked"
    need = _peak_bytes(out)
    if need > limit and method == "auto":  # the other solver may fit where the first does not
        swapped = [_cheaper(p) for p in out]
        if _peak_bytes(swapped) < need:
            out, need = swapped, _peak_bytes(swapped)
    if need > limit:
        f = rules.f
        pairs = sum(p.density * p.cells for p in out)
        raise MatchTooLarge(
            f"cannot match {f.n_trucks:,} trucks x {f.n_loads:,} loads in memory: about "
            f"{pairs:,.0f} feasible pairs need ~{_mb(need)} MB, the limit is {_mb(limit)} MB "
            f"({why}); split the fleet (by region or shift) or raise the limit"
        )
    return out


def pair_budget(limit_bytes: int | None) -> int:
    """How many candidate pairs the sparse route may keep under this limit (None: default)."""
    limit = memory_limit_bytes() if limit_bytes is None else limit_bytes
    return max(1, limit // SPARSE_BYTES_PER_PAIR)


def _peak_bytes(plans: Sequence[TypePlan]) -> float:
    sparse = sum(p.sparse_bytes for p in plans if not p.dense)  # one joint problem
    dense = max((p.dense_bytes for p in plans if p.dense), default=0.0)  # one block at a time
    return sparse + dense


def _cheaper(p: TypePlan) -> TypePlan:
    return TypePlan(p.loads, p.trucks, p.density, p.dense_bytes < p.sparse_bytes)


def _mb(n: float) -> str:
    mb = n / 2**20
    return f"{mb:,.0f}" if mb >= 10 else f"{mb:.2g}"


def select(
    rules: PairRules,
    plans: Sequence[TypePlan],
    progress: Progress | None = None,
    max_pairs: int | None = None,
) -> Selection:
    """Solve every type group with its planned solver and merge the choices; the sparse
    route stops with MatchTooLarge once it would keep more than ``max_pairs`` (the plan's
    density estimate is a sample: this is the backstop)."""
    n_trucks, n_loads = rules.f.n_trucks, rules.f.n_loads
    options = np.zeros(n_loads, dtype=np.intp)
    parts: list[Candidates] = []
    feasible = 0
    sparse_groups = [(p.loads, p.trucks) for p in plans if not p.dense]
    if sparse_groups:
        cand = candidates_of_types(
            rules, sparse_groups, progress, pickup=False, max_pairs=max_pairs
        )
        check(progress, 0.5, "assigning")
        options += np.bincount(cand.load, minlength=n_loads)
        feasible += len(cand)
        chosen = cand.take(solve_sparse(cand, n_trucks, n_loads))
        del cand
        chosen.pickup_at, _ = rules.pairs(chosen.load, chosen.truck, chosen.deadhead_km)
        parts.append(chosen)
    dense = [p for p in plans if p.dense]
    total, done = sum(p.cells for p in dense) or 1, 0
    for p in dense:
        span = (0.5 + 0.5 * done / total, 0.5 + 0.5 * (done + p.cells) / total)
        sel = solve_dense_block(rules, p.loads, p.trucks, progress, span)
        done += p.cells
        options[p.loads] = sel.options
        feasible += sel.feasible_pairs
        parts.append(sel.chosen)
    return Selection(Candidates.concat(parts), options, feasible)
