"""An attacker's recovery of withheld cells, written independently of the suppression code.

Given tables as published (numbers and the "[c]" marker, totals included) and what a reader
knows links them, integer programming (scipy's milp) finds the smallest and largest whole
number each withheld cell could be. A cell whose range is one value has been recovered; a
range narrower than the threshold narrows it too far.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

MARKER = "[c]"
Ref = tuple[str, int, int]  # table, row, column of the table as published (totals included)


@dataclass(frozen=True)
class Published:
    """A table as a reader sees it: `grid` includes the total row (last) when
    `column_totals`, and the total column (last) when `row_totals`."""

    grid: Sequence[Sequence[int | str]]
    row_totals: bool = True
    column_totals: bool = True


def recover(tables: Mapping[str, Published],
            known: Iterable[tuple[Ref, str, Ref]] = ()) -> dict[Ref, tuple[int, float]]:
    """(low, high) for every withheld cell. `known`: (a, "==" or "<=", b)."""
    index: dict[Ref, int] = {}
    fixed: list[float | None] = []
    for name, t in tables.items():
        for i, row in enumerate(t.grid):
            for j, v in enumerate(row):
                index[(name, i, j)] = len(fixed)
                fixed.append(None if v == MARKER else float(v))
    n = len(fixed)
    rows, lo, hi = [], [], []

    def equation(members: list[int], total: int) -> None:
        row = np.zeros(n)
        row[members] += 1.0
        row[total] -= 1.0
        rows.append(row)
        lo.append(0.0)
        hi.append(0.0)

    for name, t in tables.items():
        height, width = len(t.grid), len(t.grid[0])
        inner_h = height - 1 if t.column_totals else height
        inner_w = width - 1 if t.row_totals else width
        if t.row_totals:
            for i in range(height if t.column_totals else inner_h):
                equation([index[(name, i, j)] for j in range(inner_w)], index[(name, i, width - 1)])
        if t.column_totals:
            for j in range(width if t.row_totals else inner_w):
                equation([index[(name, i, j)] for i in range(inner_h)],
                         index[(name, height - 1, j)])
    for a, op, b in known:
        row = np.zeros(n)
        row[index[a]] += 1.0
        row[index[b]] -= 1.0
        rows.append(row)
        lo.append(0.0 if op == "==" else -np.inf)
        hi.append(0.0)
    lower = np.array([0.0 if v is None else v for v in fixed])
    upper = np.array([np.inf if v is None else v for v in fixed])
    constraints = [LinearConstraint(np.array(rows), lo, hi)] if rows else []
    found: dict[Ref, tuple[int, float]] = {}
    for ref, k in index.items():
        if fixed[k] is not None:
            continue
        c = np.zeros(n)
        c[k] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            res = milp(sign * c, constraints=constraints, bounds=Bounds(lower, upper),
                       integrality=np.ones(n))
            if res.status == 0:
                ends.append(round(sign * res.fun))
            else:  # unbounded above
                ends.append(np.inf)
        found[ref] = (int(ends[0]), ends[1])
    return found


def weak(found: Mapping[Ref, tuple[int, float]], threshold: int) -> dict[Ref, tuple]:
    """The withheld cells pinned or narrowed below the threshold: (low, high) each."""
    return {ref: b for ref, b in found.items() if b[1] - b[0] < threshold - 1}


def result_tables(published: Mapping) -> tuple[dict[str, Published], list]:
    """A result's published tables and what its reader knows: same people in every scope of a
    window, DA (and same-victim) reoffending counted in any reoffending, and a longer window's
    people and non-reoffenders among the shorter window's."""
    tables = {name: Published(t["cells"]) for name, t in published["tables"].items()}
    keys = {(int(name.split("d_")[0]), name.split("d_")[1]): name for name in tables}
    known = []
    within = {"da": ["any"], "same_victim": ["da", "any"]}
    for (w, s), name in keys.items():
        for wider in within.get(s, []):
            if (w, wider) in keys:
                other = keys[(w, wider)]
                known += [((name, i, 2), "==", (other, i, 2)) for i in range(3)]
                known += [((name, i, 0), "<=", (other, i, 0)) for i in range(3)]
        for (w2, s2), longer in keys.items():
            if s2 == s and w2 > w:
                known += [((longer, i, 2), "<=", (name, i, 2)) for i in range(3)]
                known += [((longer, i, 1), "<=", (name, i, 1)) for i in range(3)]
    return tables, known
