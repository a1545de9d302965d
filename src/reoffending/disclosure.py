"""Statistical disclosure control for published tables: small-cell and secondary suppression."""

from __future__ import annotations

import numpy as np

SUPPRESSED = "[c]"  # the ONS marker for a confidential (suppressed) value


def suppress(cells: np.ndarray, threshold: int = 5) -> np.ndarray:
    """Which cells of a table of counts to suppress, when its row and column totals (and the
    grand total) are published alongside.

    Primary: counts from 1 to threshold - 1. Secondary: any row or column (totals included)
    left with exactly one suppressed entry gets its smallest other non-zero entry suppressed, so no
    suppressed value can be recovered by subtraction; repeated until nothing changes.
    Returns a boolean mask over the table *with* margins: shape (rows + 1, cols + 1), the last
    row and column being the totals."""
    cells = np.asarray(cells, dtype=np.float64)
    if cells.ndim == 1:
        cells = cells[None, :]
    full = np.zeros((cells.shape[0] + 1, cells.shape[1] + 1))
    full[:-1, :-1] = cells
    full[:-1, -1] = cells.sum(axis=1)
    full[-1, :-1] = cells.sum(axis=0)
    full[-1, -1] = cells.sum()
    mask = (full > 0) & (full < threshold)
    changed = True
    while changed:
        changed = False
        for axis in (0, 1):
            lines = mask if axis == 0 else mask.T
            values = full if axis == 0 else full.T
            for i in range(lines.shape[0]):
                if lines[i].sum() == 1:
                    # smallest other non-zero cell, then zeros, the line total as a last resort
                    inner = values[i, :-1]
                    order = np.lexsort((inner, inner == 0))
                    candidates = [j for j in order if not lines[i, j]]
                    j = candidates[0] if candidates else lines.shape[1] - 1
                    lines[i, j] = True
                    changed = True
    return mask


def publish(cells: np.ndarray, threshold: int = 5) -> list[list[float | str]]:
    """The table with its totals, suppressed entries replaced by the marker."""
    cells = np.asarray(cells, dtype=np.float64)
    if cells.ndim == 1:
        cells = cells[None, :]
    mask = suppress(cells, threshold)
    full = np.zeros(mask.shape)
    full[:-1, :-1] = cells
    full[:-1, -1] = cells.sum(axis=1)
    full[-1, :-1] = cells.sum(axis=0)
    full[-1, -1] = cells.sum()
    out: list[list[float | str]] = []
    for i in range(full.shape[0]):
        row: list[float | str] = []
        for j in range(full.shape[1]):
            v = full[i, j]
            row.append(SUPPRESSED if mask[i, j] else (int(v) if float(v).is_integer() else v))
        out.append(row)
    return out
