"""Precomputing the dashboard's case counts (run by the task queue; see tasks.py).

This runs as the system, not as a user: it reads cases only to count them, and what it stores
holds no identifier, only counts per force, programme, quarter, status and group.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.utils import timezone

from diversion.cases.models import Case
from diversion.commissioning import figures
from diversion.commissioning.models import DashboardAggregate


def refresh() -> int:
    """Recount every case with a programme; replace the stored aggregates. Returns rows stored."""
    counted: Counter = Counter()
    rows = (Case.objects.exclude(programme_code="")
            .values_list("force_id", "programme_code", "status", "created_at",
                         "person__sex", "person__date_of_birth", "person__ethnicity")
            .order_by()
            .iterator(chunk_size=5000))
    for force_id, programme, status, created, sex, born, ethnicity in rows:
        day = timezone.localdate(created) if timezone.is_aware(created) else created.date()
        counted[(force_id, programme, figures.quarter_start(day), status, sex,
                 figures.age_band(born, day), figures.ethnic_group(ethnicity))] += 1
    now = timezone.now()
    stored = [DashboardAggregate(force_id=k[0], programme_code=k[1], quarter_start=k[2],
                                 status=k[3], sex=k[4], age_band=k[5], ethnic_group=k[6],
                                 count=n, computed_at=now)
              for k, n in counted.items()]
    with transaction.atomic():
        DashboardAggregate.objects.all().delete()
        DashboardAggregate.objects.bulk_create(stored, batch_size=2000)
    return len(stored)
