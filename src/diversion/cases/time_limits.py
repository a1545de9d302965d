"""Prosecution time limits for the original offence. Pure Python, no Django.

- Magistrates' Courts Act 1980 s.127: an information for a summary-only offence must be laid
  within 6 months "from the time when the offence was committed". The day of the offence is
  excluded (Radcliffe v Bartholomew [1892]), so an offence on 1 January may be charged up to and
  including 1 July. Either-way and indictable offences have no statutory limit.
- Criminal Justice Act 1988 s.39A (inserted by the PCSC Act 2022 s.49): for common assault or
  battery involving domestic abuse, the information may be laid within 6 months *beginning with*
  the date the victim's written or video-recorded statement reached the police (that day
  counts, so a statement on 1 January gives up to 30 June), and no later than 2 years after the
  offence. Whichever ends first is the limit.

The limit is computed once and stored with the disposal, so every later breach decision uses it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

# Home Office codes treated as summary-only (s.127 applies). Common assault and battery (CJA
# 1988 s.39), harassment (PHA 1997 s.2) and threatening behaviour / s.5 public order.
SUMMARY_ONLY_CODES = frozenset({"105A", "8L", "9A"})
# Common assault and battery: the only offences s.39A covers.
COMMON_ASSAULT_CODES = frozenset({"105A"})


def add_months(start: date, months: int) -> date:
    """The corresponding date `months` later; a missing day falls back to the month's last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class TimeLimit:
    """The last day on which proceedings for the original offence may start (None: no limit)."""

    last_day: date | None
    basis: str  # "s127", "s39a", "s39a_awaiting_statement" or "none"
    explanation: str

    def days_left(self, today: date) -> int | None:
        return None if self.last_day is None else (self.last_day - today).days

    def expired(self, today: date) -> bool:
        return self.last_day is not None and today > self.last_day


def prosecution_time_limit(*, offence_code: str, offence_date: date, domestic_abuse: bool,
                           victim_statement_date: date | None = None) -> TimeLimit:
    if victim_statement_date is not None and victim_statement_date < offence_date:
        raise ValueError("the victim's statement cannot be before the offence")
    if offence_code in COMMON_ASSAULT_CODES and domestic_abuse:
        outer = add_months(offence_date, 24)
        if victim_statement_date is None:
            return TimeLimit(
                outer, "s39a_awaiting_statement",
                "CJA 1988 s.39A (domestic common assault or battery): 6 months beginning with "
                "the victim's statement, which is not yet recorded, and no later than "
                f"{outer:%-d %B %Y} (2 years after the offence).")
        from_statement = add_months(victim_statement_date, 6) - timedelta(days=1)
        last = min(from_statement, outer)
        which = ("6 months beginning with the victim's statement" if from_statement <= outer
                 else "2 years after the offence")
        return TimeLimit(
            last, "s39a",
            f"CJA 1988 s.39A (domestic common assault or battery): {which}, whichever "
            "ends first.")
    if offence_code in SUMMARY_ONLY_CODES:
        return TimeLimit(add_months(offence_date, 6), "s127",
                         "MCA 1980 s.127: 6 months from the offence (summary-only offence).")
    return TimeLimit(None, "none", "No statutory time limit: the offence is triable either way "
                                   "or on indictment.")
