"""The force's context figure (issue 17): recorded crimes flagged domestic abuse, and their share
of all recorded crime, for a period, from the imported police extracts.

Counted by the database (GROUP BY), never by loading rows: the same queries serve millions of
records on PostgreSQL and on SQLite. A crime counts once: `CrimeRecord` holds one row per
(force, crime reference), always its latest version (earlier versions are in
`CrimeRecordVersion`, which is never counted), and a crime reference repeated in one file is
rejected after its first row (services._stage_all). The date is the recorded date, a day:
a period runs from its first day to its last, both included.

The analysts' records page counts its force's records through the policy (`count`); the
commissioners' dashboard reads counts per recorded month that the commissioning recount stores
from `monthly` (commissioners never read crime records).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth

from diversion.records.fields import BY_NAME

NO_RECORDS = "No records imported for this period"
FLAG = "domestic_abuse"

# What the figure counts, in words, for every page that shows it. "Incidents" and "crimes" are
# not the same thing: the extract holds crimes (see the first entry).
DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("What is counted",
     "Recorded crimes, not incidents: each row of a police crime-record extract is one crime "
     "the force recorded under the Home Office Counting Rules. A domestic-abuse incident that "
     "is not recorded as a crime (for example a call where no offence is disclosed) is not in "
     "the extract, so a published count of domestic-abuse incidents is larger than this one "
     "and cannot be compared with it."),
    ("Flagged domestic abuse",
     f"The extract's ‘{BY_NAME[FLAG].label}’ column (mapped on import; headings such as DA or "
     "DA flag) is Y, Yes, True, 1 or T. N, No, False, 0, F or blank is not flagged; anything "
     "else rejects the row. The flag is the force's own marker, set when the crime was "
     "recorded, whatever the offence type."),
    ("Date and period",
     "The recorded date (the day the force recorded the crime), not the offence date. A period "
     "includes its first and last days: a crime recorded on 1 April, at any time from "
     "midnight, is in the financial year that starts that day."),
    ("Each crime once",
     "Counted once per crime reference of the force, in its latest imported version: a "
     "correcting extract replaces the earlier version (kept as history, never counted twice), "
     "and a crime reference repeated in one file is rejected after its first row."),
    ("All recorded crime",
     "Every crime record of the force imported with a recorded date in the period, of any "
     "offence type, flagged or not: the denominator of the share."),
)


@dataclass(frozen=True)
class ImportUsed:
    """An import that last wrote some of the counted records (its extract is the source)."""

    number: int
    source: str
    imported_at: datetime | None
    flag_column: bool  # its extract had a column mapped to the domestic-abuse flag
    records: int = 0


@dataclass
class Counts:
    flagged: int = 0
    total: int = 0
    imports: list[ImportUsed] = field(default_factory=list)

    @property
    def share(self) -> str:
        """Flagged ÷ all, as a percentage to two places ("16.11%"); empty with no records."""
        return f"{100 * self.flagged / self.total:.2f}%" if self.total else ""

    @property
    def without_flag_column(self) -> list[ImportUsed]:
        """Imports whose extract had no flag column: their records read as not flagged, so a
        share including them would be wrong, and none is shown."""
        return [i for i in self.imports if not i.flag_column]


def next_day(day: date) -> date:
    return day + timedelta(days=1)


def has_flag_column(mapping: dict) -> bool:
    return bool((mapping or {}).get(FLAG))


def count(records: QuerySet, batches: QuerySet, *, start: date, end: date) -> Counts:
    """The flagged and all crime records with a recorded date from `start` to `end` (both
    included), from `records` (already scoped: one force's), with the imports behind them
    read from `batches` (scoped too). One GROUP BY query by import and flag."""
    grouped = (records.filter(recorded_date__gte=start, recorded_date__lt=next_day(end))
               .values("batch_id", FLAG).annotate(n=Count("id")).order_by())
    found = Counts()
    per_batch: dict[int, int] = {}
    for row in grouped:
        per_batch[row["batch_id"]] = per_batch.get(row["batch_id"], 0) + row["n"]
        found.total += row["n"]
        if row[FLAG]:
            found.flagged += row["n"]
    found.imports = list(describe_imports(batches.filter(pk__in=list(per_batch)), per_batch))
    return found


def describe_imports(batches: QuerySet, records: dict[int, int]) -> Iterator[ImportUsed]:
    for batch in batches.select_related("source").order_by("pk"):
        yield ImportUsed(batch.pk, batch.source.name, batch.finished_at,
                         has_flag_column(batch.mapping), records.get(batch.pk, 0))


@dataclass(frozen=True)
class MonthCount:
    force_id: int
    month_start: date
    batch_id: int
    flagged: bool
    count: int


def monthly(records: QuerySet) -> Iterable[MonthCount]:
    """Counts per force, recorded month, import and flag: one GROUP BY query, streamed (a
    few rows per force and month, however many records)."""
    grouped = (records.annotate(month=TruncMonth("recorded_date"))
               .values("force_id", "month", "batch_id", FLAG).annotate(n=Count("id"))
               .order_by())
    for row in grouped.iterator(chunk_size=2000):
        month = row["month"]
        if isinstance(month, datetime):  # some backends truncate a date to a datetime
            month = month.date()
        yield MonthCount(row["force_id"], month, row["batch_id"], row[FLAG], row["n"])


def financial_year(start_year: int) -> tuple[date, date]:
    """1 April to 31 March, both included."""
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def financial_quarter(start_year: int, quarter: int) -> tuple[date, date]:
    """Quarter 1 is April to June of the financial year starting in `start_year`."""
    first_month = 4 + 3 * (quarter - 1)
    year = start_year + (first_month > 12)
    first_month = (first_month - 1) % 12 + 1
    start = date(year, first_month, 1)
    following = date(year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
    return start, following - timedelta(days=1)


def financial_year_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def period_label(start: date, end: date) -> str:
    """'1 April 2023 to 31 March 2024 (financial year 2023/24)' and the like."""
    words = f"{start:%-d %B %Y} to {end:%-d %B %Y}"
    if (start.month, start.day) == (4, 1) and end == financial_year(start.year)[1]:
        words += f" (financial year {start.year}/{(start.year + 1) % 100:02d})"
    return words
