"""The retention sweep on the task queue (db_worker), renewing itself daily."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from diversion.retention.services import run_sweep


def interval() -> timedelta:
    return timedelta(hours=int(getattr(settings, "RETENTION_SWEEP_HOURS", 24)))


@task()
def sweep(reschedule: bool = True) -> dict[str, int]:
    """List records past their retention date for review, then queue the next sweep."""
    found = run_sweep()
    if reschedule:
        sweep.using(run_after=timezone.now() + interval()).enqueue()
    return found
