"""The delivery sweep: raise reminders and overdue flags from the dates on each case.

Runs as a background task (delivery.tasks.sweep, on the django-tasks database queue, started by
`make run` via `manage.py delivery_sweep --schedule`), never on a page load. Idempotent: one
Reminder per case and kind; a flag whose condition no longer holds is cleared.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from diversion.cases.lifecycle import Status
from diversion.cases.models import Case
from diversion.delivery import notices
from diversion.delivery.compliance import deadline_warning_days, time_limit_warning_days
from diversion.delivery.models import Reminder, ReminderKind
from diversion.programmes import registry

OPEN = (Status.REFERRED, Status.IN_PROGRESS, Status.BREACHED)


def _wanted(case: Case, today: date) -> dict[str, date]:
    wanted: dict[str, date] = {}
    disposal = case.disposal
    if case.status == Status.REFERRED:
        referral = case.referral
        days = registry.get(referral.programme_code, referral.programme_version).first_contact_days
        due = disposal.disposal_date + timedelta(days=days)
        if due < today:
            wanted[ReminderKind.FIRST_CONTACT_OVERDUE] = due
    if case.status in (Status.REFERRED, Status.IN_PROGRESS) and \
            disposal.deadline <= today + timedelta(days=deadline_warning_days()):
        wanted[ReminderKind.DEADLINE_NEAR] = disposal.deadline
    last = disposal.prosecution_last_day
    if last is not None and last <= today + timedelta(days=time_limit_warning_days()):
        wanted[ReminderKind.TIME_LIMIT_NEAR] = last
    return wanted


def run_sweep(today: date | None = None) -> int:
    """Bring every open case's reminders up to date. Returns how many were raised."""
    today = today or timezone.localdate()
    raised = 0
    cases = (Case.objects.filter(status__in=OPEN, referral__isnull=False)
             .select_related("disposal", "referral"))
    for case in cases.iterator(chunk_size=500):
        wanted = _wanted(case, today)
        with transaction.atomic():
            Reminder.objects.filter(case=case).exclude(kind__in=list(wanted)).delete()
            for kind, due in wanted.items():
                _, created = Reminder.objects.update_or_create(
                    case=case, kind=kind, defaults={"due_on": due})
                raised += created
                if created:  # told once, when the reminder is first raised
                    notices.reminder(case, kind, due)
    Reminder.objects.exclude(case__status__in=OPEN).delete()
    return raised
