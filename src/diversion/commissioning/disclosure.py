"""Statistical disclosure control for anything published: small-cell and secondary suppression.

Pure functions over plain integers, so the rules are tested on hand-built tables.

A table is published with its row totals, column totals and grand total. Each row and each
column of that augmented grid is one equation (cells add up to the total), so a line with
exactly one hidden entry gives that entry away by subtraction. Primary suppression hides every
count from 1 to threshold-1; secondary suppression then hides, in any line with a single hidden
entry, the smallest other entry (a total only when no cell is left), until no line has exactly
one hidden entry. Zeros are shown: a zero reveals no individual. This is the usual greedy
method; it guards against recovery from any single row or column, not against every possible
combination of equations across a large table (keep published tables small).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_THRESHOLD = 5
SUPPRESSED_TEXT = "[c]"  # the ONS/GSS symbol for a figure withheld for confidentiality


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


def protect(counts: Sequence[Sequence[int]], threshold: int = DEFAULT_THRESHOLD
            ) -> ProtectedTable:
    """Suppress small cells and enough others that no total reveals them."""
    if threshold < 1:
        raise ValueError("the threshold must be at least 1")
    rows = [list(row) for row in counts]
    if not rows or not rows[0]:
        raise ValueError("a table needs at least one row and one column")
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        raise ValueError("every row needs the same number of columns")
    if any(v < 0 for row in rows for v in row):
        raise ValueError("counts cannot be negative")
    height = len(rows)

    # The augmented grid: row `height` holds column totals, column `width` the row totals.
    grid = [row + [sum(row)] for row in rows]
    grid.append([sum(rows[i][j] for i in range(height)) for j in range(width)]
                + [sum(sum(row) for row in rows)])
    hidden = [[is_small(v, threshold) for v in row] for row in grid]
    primary = [row[:] for row in hidden]

    def lines():
        for i in range(height + 1):
            yield [(i, j) for j in range(width + 1)]
        for j in range(width + 1):
            yield [(i, j) for i in range(height + 1)]

    changed = True
    while changed:
        changed = False
        for line in lines():
            if sum(hidden[i][j] for i, j in line) != 1:
                continue
            candidates = [(i, j) for i, j in line if not hidden[i][j]]
            # Prefer inner cells over totals, then the smallest, so as little as possible goes.
            candidates.sort(key=lambda ij: (ij[0] == height or ij[1] == width,
                                            grid[ij[0]][ij[1]], ij))
            i, j = candidates[0]
            hidden[i][j] = True
            changed = True

    def cell(i: int, j: int) -> Cell:
        return Cell(grid[i][j], hidden[i][j], primary[i][j])

    return ProtectedTable(
        cells=[[cell(i, j) for j in range(width)] for i in range(height)],
        row_totals=[cell(i, width) for i in range(height)],
        column_totals=[cell(height, j) for j in range(width)],
        total=cell(height, width),
    )


def protect_count(value: int, threshold: int = DEFAULT_THRESHOLD) -> Cell:
    """A single published count (no totals to protect)."""
    return Cell(value, is_small(value, threshold), is_small(value, threshold))


def protect_rate(numerator: Cell, denominator: Cell) -> str:
    """A percentage is withheld whenever either of its counts is."""
    if numerator.suppressed or denominator.suppressed:
        return SUPPRESSED_TEXT
    if denominator.value == 0:
        return "no denominator"
    return f"{100 * numerator.value / denominator.value:.1f}%"
