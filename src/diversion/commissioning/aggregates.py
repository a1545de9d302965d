"""Precomputing the dashboard's case counts (run by the task queue; see tasks.py).

This runs as the system, not as a user: it reads cases only to count them, and what it stores
holds no identifier, only counts per force, provider, programme, quarter, status and group.
A referred case is counted in the quarter of its referral and under the provider referred to;
a case not (yet) referred in the quarter it was recorded, with no provider.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.utils import timezone

from diversion.cases.models import Case
from diversion.commissioning import figures, outcomes, programme_codes, reoffending, stages
from diversion.commissioning.models import (
    DashboardAggregate,
    OutcomeAggregate,
    RecordedCrimeAggregate,
)
from diversion.records import context
from diversion.records.models import CrimeRecord, ImportBatch


def _day(moment):
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def recorded_crime(now) -> list[RecordedCrimeAggregate]:
    """Every force's imported crime records counted per recorded month, import and flag, by
    the database (records/context.py): the context figure's rows."""
    counted = list(context.monthly(CrimeRecord.objects.all()))
    imports = {i.number: i for i in context.describe_imports(
        ImportBatch.objects.filter(pk__in={c.batch_id for c in counted}), {})}
    return [RecordedCrimeAggregate(
        force_id=c.force_id, month_start=c.month_start, domestic_abuse=c.flagged,
        import_number=c.batch_id, source_name=imports[c.batch_id].source[:80],
        imported_at=imports[c.batch_id].imported_at,
        flag_column=imports[c.batch_id].flag_column, count=c.count, computed_at=now)
        for c in counted]


def refresh() -> int:
    """Recount every case with a programme, and the delivery and outcome measures of those
    referred (outcomes.py); replace the stored aggregates. Returns rows stored."""
    counted: Counter = Counter()
    referred: dict[int, tuple] = {}
    completed: set[int] = set()
    rows = (Case.objects.exclude(programme_code="")
            .values_list("id", "force_id", "programme_code", "status", "created_at",
                         "person__sex", "person__date_of_birth", "person__ethnicity",
                         "referral__referred_at", "referral__provider_id", "closure__reason")
            .order_by()
            .iterator(chunk_size=5000))
    for (case_id, force_id, programme, status, created, sex, born, ethnicity, referred_at,
         provider_id, closed_for) in rows:
        day = _day(referred_at or created)
        if status == "closed" and referred_at is not None:
            status = stages.closed_status(closed_for)  # the reason, never "closed" alone
        elif referred_at is None and status in stages.STAGE_OF_STATUS:
            status = stages.NOT_REFERRED
        # Commissioning keys programmes in capitals (programme_codes.key).
        group = (sex, figures.age_band(born, _day(created)), figures.ethnic_group(ethnicity))
        where = (force_id, provider_id, programme_codes.key(programme), figures.quarter_start(day))
        counted[(*where, status, *group)] += 1
        if provider_id is not None:
            referred[case_id] = (*where, *group)
            if stages.STAGE_OF_STATUS.get(status) == stages.COMPLETED:
                completed.add(case_id)
    now = timezone.now()
    measured = outcomes.rows(outcomes.count(referred, completed), now)
    crimes = recorded_crime(now)
    stored = [DashboardAggregate(force_id=k[0], provider_id=k[1], programme_code=k[2],
                                 quarter_start=k[3], status=k[4], sex=k[5], age_band=k[6],
                                 ethnic_group=k[7], count=n, computed_at=now)
              for k, n in counted.items()]
    with transaction.atomic():
        DashboardAggregate.objects.all().delete()
        DashboardAggregate.objects.bulk_create(stored, batch_size=2000)
        OutcomeAggregate.objects.all().delete()
        OutcomeAggregate.objects.bulk_create(measured, batch_size=2000)
        RecordedCrimeAggregate.objects.all().delete()
        RecordedCrimeAggregate.objects.bulk_create(crimes, batch_size=2000)
    # Runs summarise themselves when they finish; this catches any finished before that.
    summaries = reoffending.store_missing()
    return len(stored) + len(measured) + len(crimes) + summaries
