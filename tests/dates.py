"""Form data for the GOV.UK date input: every date is entered as day, month and year boxes."""

from __future__ import annotations

import re
from datetime import date


def date_input(name: str, value: date | str) -> dict[str, str]:
    """The three boxes of field `name` for a date, "YYYY-MM-DD", "D/M/YYYY" or "" (all empty);
    any other text goes into every box, as someone typing words would leave it."""
    if isinstance(value, date):
        parts = [str(value.day), str(value.month), str(value.year)]
    elif match := re.fullmatch(r"(\d+)-(\d+)-(\d+)", value):
        year, month, day = match.groups()
        parts = [day, month, year]
    elif match := re.fullmatch(r"(\d+)/(\d+)/(\d+)", value):
        parts = list(match.groups())
    else:
        parts = [value] * 3
    return {f"{name}_{i}": part for i, part in enumerate(parts)}


def with_date_inputs(data: dict, *names: str) -> dict:
    """`data` with each named date given as the three boxes of a GOV.UK date input."""
    converted = {k: v for k, v in data.items() if k not in names}
    for name in names:
        if name in data:
            converted.update(date_input(name, data[name]))
    return converted
