"""Background jobs of delivery, run by the task queue's worker (db_worker under `make run`)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from diversion.delivery.sweep import run_sweep
from diversion.notifications.tasks import recover_stale_sends


def interval() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "DELIVERY_SWEEP_MINUTES", 60)))


@task()
def sweep(reschedule: bool = True) -> int:
    """Raise reminders and overdue flags, queue again emails a dead worker left half-sent, then
    queue the next sweep (a self-renewing chain)."""
    raised = run_sweep()
    recover_stale_sends()
    if reschedule:
        sweep.using(run_after=timezone.now() + interval()).enqueue()
    return raised
