"""Statistical disclosure control for published tables: one rule, used by the engine's results
and by every table the commissioning app shows, downloads or publishes.

A table is published with its totals: row totals, column totals and the grand total, or only
some of them (a table of columns that do not add up across has no row totals). Tables published
together are protected together, because an attacker reads them together: the any-offence and
domestic-abuse tables of one result count the same people, and domestic-abuse reoffending is
also reoffending; a 12-month window's people are among the 6-month window's; a release's
equality tables share their totals with its headline counts. Such facts are `Relation`s.

The rule, in order:

1. Primary suppression: every count from 1 to threshold - 1. Zeros are shown (a zero reveals
   no individual).
2. Secondary suppression: every line (a row or column with its total) has no withheld entry or
   at least two, and cells stated equal by a relation are withheld together. The extra entry
   is chosen by one deterministic tie-break: the smallest non-zero entry, inner cells before
   totals, then reading order (table order, row, column); a zero only if nothing else is left.
3. Audit: with every published figure, every line's sum, every relation and non-negativity as
   constraints, the smallest and largest value each withheld cell could take is solved by
   linear programming (scipy's HiGHS). A withheld cell is protected when those bounds span at
   least `threshold` whole numbers (upper - lower >= threshold - 1), so no withheld cell is
   pinned to one value or to a range narrower than the threshold. Until every withheld cell is
   protected, the next entry by the same tie-break is withheld (from the lines through an
   unprotected cell, else from cells related to it, else from its table, else anywhere) and
   the audit is repeated. Withholding everything always passes, so this ends.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .errors import SettingError

SUPPRESSED = "[c]"  # the ONS marker for a confidential (suppressed) value
DEFAULT_THRESHOLD = 5

Ref = tuple[str, int, int]  # (table name, row, column) in the grid with totals; -1: the total


def check_threshold(threshold: int) -> int:
    """The threshold as an int, or ValueError: 1 or less would suppress nothing."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)):
        raise SettingError(f"the publication threshold must be a whole number, not {threshold!r}")
    if threshold <= 1:
        raise SettingError(f"the publication threshold must be at least 2 (got {threshold}): "
                         "1 or less would publish every small count")
    return int(threshold)


@dataclass(frozen=True)
class Table:
    """Counts published with their totals. Without row totals the grid's last column is not
    published (and so no grand total); likewise without column totals."""

    cells: Sequence[Sequence[int]] | np.ndarray
    row_totals: bool = True
    column_totals: bool = True

    def grid(self) -> np.ndarray:
        cells = np.asarray(self.cells, dtype=np.int64)
        if cells.ndim == 1:
            cells = cells[None, :]
        if cells.ndim != 2 or cells.size == 0:
            raise ValueError("a table needs at least one row and one column")
        if (cells < 0).any():
            raise ValueError("counts cannot be negative")
        full = np.zeros((cells.shape[0] + 1, cells.shape[1] + 1), dtype=np.int64)
        full[:-1, :-1] = cells
        full[:-1, -1] = cells.sum(axis=1)
        full[-1, :-1] = cells.sum(axis=0)
        full[-1, -1] = cells.sum()
        return full

    def published(self, shape: tuple[int, int]) -> np.ndarray:
        """Which entries of the grid are published at all."""
        out = np.zeros(shape, dtype=bool)
        out[:-1, :-1] = True
        out[:-1, -1] = self.row_totals
        out[-1, :-1] = self.column_totals
        out[-1, -1] = self.row_totals and self.column_totals
        return out


@dataclass(frozen=True)
class Relation:
    """What an attacker knows links two published entries: left == right or left <= right."""

    left: Ref
    right: Ref
    kind: Literal["==", "<="] = "=="


class _Problem:
    """Every published entry of every table as one variable of a linear system."""

    def __init__(self, tables: Mapping[str, Table | Sequence[Sequence[int]]],
                 relations: Iterable[Relation]) -> None:
        self.names = list(tables)
        self.grids: dict[str, np.ndarray] = {}
        self.exists: dict[str, np.ndarray] = {}
        self.index: dict[tuple[str, int, int], int] = {}
        self.values: list[int] = []
        self.refs: list[tuple[str, int, int]] = []
        for name in self.names:
            spec = tables[name]
            table = spec if isinstance(spec, Table) else Table(spec)
            grid = table.grid()
            self.grids[name] = grid
            self.exists[name] = table.published(grid.shape)
            for i, j in zip(*np.nonzero(self.exists[name]), strict=True):
                self.index[(name, int(i), int(j))] = len(self.values)
                self.values.append(int(grid[i, j]))
                self.refs.append((name, int(i), int(j)))
        self.lines: list[list[int]] = []  # each: member variables, the total last
        for name in self.names:
            grid, exists = self.grids[name], self.exists[name]
            rows, cols = grid.shape
            for i in range(rows):
                if exists[i, -1]:
                    self.lines.append([self.index[(name, i, j)] for j in range(cols)])
            for j in range(cols):
                if exists[-1, j]:
                    self.lines.append([self.index[(name, i, j)] for i in range(rows)])
        self.equal: list[tuple[int, int]] = []
        self.at_most: list[tuple[int, int]] = []
        for r in relations:
            a, b = self.ref(r.left), self.ref(r.right)
            if r.kind == "==":
                if self.values[a] != self.values[b]:
                    raise ValueError(f"relation {r.left} == {r.right} does not hold")
                self.equal.append((a, b))
            elif r.kind == "<=":
                if self.values[a] > self.values[b]:
                    raise ValueError(f"relation {r.left} <= {r.right} does not hold")
                self.at_most.append((a, b))
            else:
                raise ValueError(f"unknown relation {r.kind!r}")
        self.lines_of: list[list[int]] = [[] for _ in self.values]
        for k, line in enumerate(self.lines):
            for v in line:
                self.lines_of[v].append(k)
        self.related: list[set[int]] = [set() for _ in self.values]
        for a, b in self.equal + self.at_most:
            self.related[a].add(b)
            self.related[b].add(a)

    def ref(self, r: Ref) -> int:
        name, i, j = r
        if name not in self.grids:
            raise ValueError(f"relation names an unknown table {name!r}")
        rows, cols = self.grids[name].shape
        key = (name, i % rows if i < 0 else i, j % cols if j < 0 else j)
        if key not in self.index:
            raise ValueError(f"relation names an entry that is not published: {r}")
        return self.index[key]

    def order(self, v: int) -> tuple:
        """The tie-break: non-zero first, inner cells before totals, smallest, reading order."""
        name, i, j = self.refs[v]
        rows, cols = self.grids[name].shape
        return (self.values[v] == 0, i == rows - 1 or j == cols - 1, self.values[v],
                self.names.index(name), i, j)

    def bounds(self, hidden: np.ndarray, targets: Iterable[int]) -> dict[int, tuple[float, float]]:
        """The smallest and largest value each target could take, given what is published."""
        from scipy.optimize import linprog

        n = len(self.values)
        rows_eq, rhs_eq = [], []
        for line in self.lines:
            row = np.zeros(n)
            row[line[:-1]] = 1.0
            row[line[-1]] -= 1.0
            rows_eq.append(row)
            rhs_eq.append(0.0)
        for a, b in self.equal:
            row = np.zeros(n)
            row[a], row[b] = 1.0, -1.0
            rows_eq.append(row)
            rhs_eq.append(0.0)
        rows_ub, rhs_ub = [], []
        for a, b in self.at_most:
            row = np.zeros(n)
            row[a], row[b] = 1.0, -1.0
            rows_ub.append(row)
            rhs_ub.append(0.0)
        limits = [(0.0, None) if hidden[v] else (float(x), float(x))
                  for v, x in enumerate(self.values)]
        kw = {"A_eq": np.array(rows_eq) if rows_eq else None, "b_eq": rhs_eq or None,
              "A_ub": np.array(rows_ub) if rows_ub else None, "b_ub": rhs_ub or None,
              "bounds": limits, "method": "highs"}
        found = {}
        for v in targets:
            c = np.zeros(n)
            c[v] = 1.0
            low = linprog(c, **kw)
            high = linprog(-c, **kw)
            lo = math.ceil(low.fun - 1e-6) if low.status == 0 else 0.0
            hi = math.floor(-high.fun + 1e-6) if high.status == 0 else math.inf
            found[v] = (float(lo), float(hi))
        return found


def _secondary(p: _Problem, hidden: np.ndarray) -> None:
    """Until every line has 0 or at least 2 withheld entries and equal entries agree."""
    changed = True
    while changed:
        changed = False
        for a, b in p.equal:
            if hidden[a] != hidden[b]:
                hidden[a] = hidden[b] = True
                changed = True
        for line in p.lines:
            if sum(hidden[v] for v in line) == 1:
                candidates = [v for v in line if not hidden[v]]
                hidden[min(candidates, key=p.order)] = True
                changed = True


def _protects(lo: float, hi: float, threshold: int) -> bool:
    return hi - lo >= threshold - 1


def _suppress(p: _Problem, threshold: int) -> np.ndarray:
    values = np.array(p.values, dtype=np.int64)
    hidden = (values > 0) & (values < threshold)
    _secondary(p, hidden)
    while hidden.any():
        targets = [v for v in range(len(values)) if hidden[v]]
        found = p.bounds(hidden, targets)
        weak = [v for v in targets if not _protects(*found[v], threshold)]
        if not weak:
            break
        before = int(hidden.sum())
        for v in sorted(weak, key=p.order):
            pools = (
                [u for k in p.lines_of[v] for u in p.lines[k]],
                [u for w in p.related[v] for u in [w, *(x for k in p.lines_of[w]
                                                         for x in p.lines[k])]],
                [u for u, ref in enumerate(p.refs) if ref[0] == p.refs[v][0]],
                list(range(len(values))),
            )
            for pool in pools:
                candidates = [u for u in pool if not hidden[u]]
                if candidates:
                    hidden[min(candidates, key=p.order)] = True
                    break
        if int(hidden.sum()) == before:  # everything withheld already
            break
        _secondary(p, hidden)
    return hidden


def protect(tables: Mapping[str, Table | Sequence[Sequence[int]]], threshold: int = 5,
            relations: Iterable[Relation] = ()) -> dict[str, np.ndarray]:
    """Which entries of each table to withhold, tables protected together. Each mask has the
    grid's shape (rows + 1, columns + 1; the last row and column are the totals); entries a
    table does not publish are False.

    Tables no relation links are independent, so each linked group is solved on its own (the
    same answer, smaller problems), and a group seen before is not solved again."""
    threshold = check_threshold(threshold)
    specs = {name: spec if isinstance(spec, Table) else Table(spec)
             for name, spec in tables.items()}
    relations = list(relations)
    for r in relations:
        for name in (r.left[0], r.right[0]):
            if name not in specs:
                raise ValueError(f"relation names an unknown table {name!r}")
    group = {name: name for name in specs}

    def root(name: str) -> str:
        while group[name] != name:
            group[name] = group[group[name]]
            name = group[name]
        return name

    for r in relations:
        group[root(r.left[0])] = root(r.right[0])
    masks: dict[str, np.ndarray] = {}
    for top in dict.fromkeys(root(name) for name in specs):
        names = tuple(name for name in specs if root(name) == top)
        key = (threshold,
               tuple((n, _cells_key(specs[n]), specs[n].row_totals, specs[n].column_totals)
                     for n in names),
               tuple((r.left, r.right, r.kind) for r in relations if root(r.left[0]) == top))
        found = _solved(key)
        for name, mask in zip(names, found, strict=True):
            masks[name] = np.array(mask, dtype=bool)
    return {name: masks[name] for name in specs}


def _cells_key(table: Table) -> tuple:
    grid = table.grid()  # validates, and makes a single row two-dimensional
    return tuple(map(tuple, grid[:-1, :-1].tolist()))


@functools.lru_cache(maxsize=512)
def _solved(key: tuple) -> tuple:
    threshold, tables, relations = key
    specs = {name: Table([list(row) for row in cells], rows, cols)
             for name, cells, rows, cols in tables}
    p = _Problem(specs, [Relation(a, b, kind) for a, b, kind in relations])
    hidden = _suppress(p, threshold)
    out = []
    for name in p.names:
        mask = np.zeros(p.grids[name].shape, dtype=bool)
        for v, (n, i, j) in enumerate(p.refs):
            if n == name:
                mask[i, j] = bool(hidden[v])
        out.append(tuple(map(tuple, mask.tolist())))
    return tuple(out)


def ranges(tables: Mapping[str, Table | Sequence[Sequence[int]]],
           masks: Mapping[str, np.ndarray], relations: Iterable[Relation] = ()
           ) -> dict[Ref, tuple[float, float]]:
    """The smallest and largest value each withheld entry could take (the audit's view)."""
    p = _Problem(tables, relations)
    hidden = np.array([bool(masks[name][i, j]) for name, i, j in p.refs])
    found = p.bounds(hidden, [v for v in range(len(hidden)) if hidden[v]])
    return {p.refs[v]: b for v, b in found.items()}


def suppress(cells: np.ndarray, threshold: int = 5) -> np.ndarray:
    """Which cells of one table of counts to suppress, when its row and column totals (and the
    grand total) are published alongside: a boolean mask over the table *with* margins, shape
    (rows + 1, cols + 1), the last row and column being the totals."""
    return protect({"table": Table(cells)}, threshold)["table"]


def render(grid: np.ndarray, mask: np.ndarray) -> list[list[int | str]]:
    """The grid with withheld entries replaced by the marker."""
    return [[SUPPRESSED if mask[i, j] else int(grid[i, j]) for j in range(grid.shape[1])]
            for i in range(grid.shape[0])]


def publish(cells: np.ndarray, threshold: int = 5) -> list[list[int | str]]:
    """The table with its totals, suppressed entries replaced by the marker."""
    table = Table(cells)
    return render(table.grid(), suppress(cells, threshold))
