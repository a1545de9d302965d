"""Prosecution time limits for the original offence. Pure Python, no Django.

- Magistrates' Courts Act 1980 s.127: an information for a summary-only offence must be laid
  within 6 months "from the time when the offence was committed". The day of the offence is
  excluded (Radcliffe v Bartholomew [1892]), so an offence on 1 January may be charged up to and
  including 1 July. Either-way and indictable offences have no statutory limit.
- Criminal Justice Act 1988 s.39A (inserted by the PCSC Act 2022 s.49): for common assault or
  battery involving domestic abuse *where the complainant has given the police a witness
  statement or a video-recorded interview* (s.39A(1)(b), (2), (3)), proceedings may start at
  any time both "within two years from the date of the offence" and "within six months from"
  the first such statement (s.39A(4)). "From" excludes the first day, as for s.127, so a
  statement on 22 November 2026 gives up to and including 22 May 2027. Until a statement
  exists the section does not apply and the ordinary s.127 limit stands: the case is shown on
  s.127 with a note that a statement would bring s.39A in.

The limit is stored with the disposal, so every later breach decision uses it; recording or
correcting the statement date after the caution recomputes it (cases.services).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

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
    basis: str  # "s127", "s127_until_statement", "s39a" or "none"
    explanation: str

    def days_left(self, today: date) -> int | None:
        return None if self.last_day is None else (self.last_day - today).days

    def expired(self, today: date) -> bool:
        return self.last_day is not None and today > self.last_day


def prosecution_time_limit(*, offence_code: str, offence_date: date, domestic_abuse: bool,
                           victim_statement_date: date | None = None) -> TimeLimit:
    if victim_statement_date is not None and victim_statement_date < offence_date:
        raise ValueError("the victim's statement cannot be before the offence")
    s39a_offence = offence_code in COMMON_ASSAULT_CODES and domestic_abuse
    if s39a_offence and victim_statement_date is not None:
        outer = add_months(offence_date, 24)
        from_statement = add_months(victim_statement_date, 6)
        last = min(from_statement, outer)
        which = ("6 months from the victim's statement" if from_statement <= outer
                 else "2 years from the offence")
        return TimeLimit(
            last, "s39a",
            f"CJA 1988 s.39A (domestic common assault or battery, statement given "
            f"{victim_statement_date:%-d %B %Y}): {which}, whichever ends first.")
    if offence_code in SUMMARY_ONLY_CODES:
        if s39a_offence:
            outer = add_months(offence_date, 24)
            return TimeLimit(
                add_months(offence_date, 6), "s127_until_statement",
                "MCA 1980 s.127: 6 months from the offence, because no victim statement or "
                "video-recorded interview is recorded. If the victim gives one, CJA 1988 s.39A "
                "applies instead: 6 months from it, and no later than "
                f"{outer:%-d %B %Y} (2 years from the offence).")
        return TimeLimit(add_months(offence_date, 6), "s127",
                         "MCA 1980 s.127: 6 months from the offence (summary-only offence).")
    return TimeLimit(None, "none", "No statutory time limit: the offence is triable either way "
                                   "or on indictment.")
