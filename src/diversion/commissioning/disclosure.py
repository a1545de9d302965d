"""Statistical disclosure control for anything the commissioner's office shows, downloads or
publishes: a thin adapter over the evaluation engine's one rule (reoffending/disclosure.py), so
a count is suppressed the same way in an evaluation result and in a statistics release.

A table is published with its totals; tables shown or released together are protected together
(`protect_together`), with what a reader knows links them (the same people counted in each
equality table, headline counts equal to table totals, a 12-month window's people among the
6-month window's). Primary suppression hides every count from 1 to threshold-1; secondary
suppression leaves no line with a single hidden entry (the smallest non-zero entry goes, inner
cells before totals, then reading order); then every hidden cell's possible range is solved by
linear programming over all the tables and more is hidden until none is narrower than the
threshold. Zeros are shown: a zero reveals no individual.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from reoffending import disclosure as engine
from reoffending.disclosure import Relation, Table, check_threshold

__all__ = ["DEFAULT_THRESHOLD", "SUPPRESSED_TEXT", "Cell", "ProtectedTable", "Relation", "Table",
           "check_threshold", "holds", "is_small", "protect", "protect_count", "protect_rate",
           "protect_together"]

DEFAULT_THRESHOLD = engine.DEFAULT_THRESHOLD
SUPPRESSED_TEXT = engine.SUPPRESSED  # the ONS/GSS symbol for a figure withheld for confidentiality


@dataclass(frozen=True)
class Cell:
    value: int
    suppressed: bool = False
    primary: bool = False  # hidden because it is small (not only to protect another cell)

    @property
    def shown(self) -> str:
        return SUPPRESSED_TEXT if self.suppressed else f"{self.value:,}"

    @property
    def export_value(self) -> int | str:
        return SUPPRESSED_TEXT if self.suppressed else self.value


@dataclass(frozen=True)
class ProtectedTable:
    """Cells plus row totals, column totals and the grand total, each marked shown or hidden."""

    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    total: Cell

    @property
    def any_suppressed(self) -> bool:
        return any(c.suppressed for c in self._all())

    def _all(self):
        for row in self.cells:
            yield from row
        yield from self.row_totals
        yield from self.column_totals
        yield self.total


def is_small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def _validated(counts: Sequence[Sequence[int]] | np.ndarray) -> list[list[int]]:
    rows = [list(row) for row in counts]
    if not rows or not rows[0]:
        raise ValueError("a table needs at least one row and one column")
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        raise ValueError("every row needs the same number of columns")
    if any(v < 0 for row in rows for v in row):
        raise ValueError("counts cannot be negative")
    return rows


def _table(grid: np.ndarray, mask: np.ndarray, threshold: int) -> ProtectedTable:
    height, width = grid.shape[0] - 1, grid.shape[1] - 1

    def cell(i: int, j: int) -> Cell:
        v = int(grid[i, j])
        return Cell(v, bool(mask[i, j]), is_small(v, threshold))

    return ProtectedTable(
        cells=[[cell(i, j) for j in range(width)] for i in range(height)],
        row_totals=[cell(i, width) for i in range(height)],
        column_totals=[cell(height, j) for j in range(width)],
        total=cell(height, width),
    )


def protect(counts: Sequence[Sequence[int]], threshold: int = DEFAULT_THRESHOLD
            ) -> ProtectedTable:
    """One table on its own, with row and column totals and the grand total."""
    return protect_together({"table": Table(_validated(counts))}, threshold)["table"]


def protect_together(tables: Mapping[str, Table], threshold: int = DEFAULT_THRESHOLD,
                     relations: Iterable[Relation] = ()) -> dict[str, ProtectedTable]:
    """Tables published together, protected together. Totals a table does not publish are
    left unsuppressed in its ProtectedTable; callers do not show them."""
    for table in tables.values():
        _validated(table.cells)
    masks = engine.protect(tables, threshold, relations)
    return {name: _table(t.grid(), masks[name], threshold) for name, t in tables.items()}


def holds(relation: Relation, tables: Mapping[str, Table]) -> bool:
    """Whether a relation holds for these counts: what a reader can rely on in general may
    not hold in a filtered period (a referral quarter is not the quarter a case was recorded),
    and a reader cannot use what is false."""
    def value(ref):
        name, i, j = ref
        return int(tables[name].grid()[i, j])
    a, b = value(relation.left), value(relation.right)
    return a == b if relation.kind == "==" else a <= b


def protect_count(value: int, threshold: int = DEFAULT_THRESHOLD) -> Cell:
    """A single published count that no table repeats (no totals to protect)."""
    threshold = check_threshold(threshold)
    return Cell(value, is_small(value, threshold), is_small(value, threshold))


def protect_rate(numerator: Cell, denominator: Cell) -> str:
    """A percentage is withheld whenever either of its counts is."""
    if numerator.suppressed or denominator.suppressed:
        return SUPPRESSED_TEXT
    if denominator.value == 0:
        return "no denominator"
    return f"{100 * numerator.value / denominator.value:.1f}%"
