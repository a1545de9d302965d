"""Age in whole years on a given date."""

from __future__ import annotations

from datetime import date


def age_on(born: date, day: date) -> int:
    """Completed years on `day`: the birthday counts from that day, and someone born on
    29 February has theirs on 1 March in a year without one (as the law counts it)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
