"""The one exception the engine raises for bad input, with the column and rows named."""

from __future__ import annotations

from collections.abc import Sequence


class InputError(ValueError):
    """Bad input: names the table and column, and gives the first offending rows (1-based)."""

    def __init__(
        self, table: str, column: str | None, problem: str, rows: Sequence[int] = (), total: int = 0
    ) -> None:
        self.table = table
        self.column = column
        self.problem = problem
        self.rows = [int(r) for r in rows]
        self.total = int(total or len(self.rows))
        where = f"{table}.{column}" if column else table
        message = f"{where}: {problem}"
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows)
            more = ""
            if self.total > len(self.rows):
                more = f" (first {len(self.rows)} of {self.total})"
            message += f"; rows {shown}{more}"
        super().__init__(message)


class EstimationError(RuntimeError):
    """An estimator could not produce a result (for example, a propensity model that does not
    converge because a covariate separates the groups)."""


class SettingError(ValueError):
    """A setting (option) is out of range: a non-positive window, a ratio or thread count
    below 1, a negative caliper or bootstrap count. Raised before any data is read."""
