"""Text written into CSV or XLSX downloads, made safe to open in a spreadsheet program.

A cell that starts with = + - @ is read as a formula by Excel, LibreOffice and Google Sheets
(formula injection: a crafted name in an import can run a formula on an analyst's machine).
A leading tab, carriage return or line feed is dropped by some programs on import, which then
read what follows as a formula, so those count too (OWASP "CSV injection").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """The value, with a leading apostrophe if it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]
