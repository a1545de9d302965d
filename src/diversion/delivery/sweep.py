"""The delivery sweep: raise reminders and overdue flags from the dates on each case.

Runs as a background task (delivery.tasks.sweep, on the django-tasks database queue, started by
`make run` via `manage.py delivery_sweep --schedule`), never on a page load. Idempotent: one
Reminder per case and kind; a flag whose condition no longer holds is cleared.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from diversion.cases.lifecycle import Status
from diversion.cases.models import Case, CaseEvent
from diversion.delivery import notices
from diversion.delivery.compliance import deadline_warning_days, time_limit_warning_days
from diversion.delivery.models import Reminder, ReminderKind
from diversion.programmes import registry
from diversion.victims.schedules import follow_up_points

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
    _follow_ups_reached(today)
    return raised


# A point is announced in the sweeps of the month after it is reached, not for ever after.
FOLLOW_UP_NOTICE_WINDOW = timedelta(days=31)


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):  # the same day of the month, or the month's last day
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _follow_ups_reached(today: date) -> None:
    """Victim workers are told when a completed case reaches a follow-up point set some months
    after the programme (once each: notify's `once_key`)."""
    completions = (CaseEvent.objects.filter(to_status=Status.COMPLETED)
                   .values("case_id").annotate(on=Min("occurred_at")))
    finished = {row["case_id"]: timezone.localdate(row["on"]) for row in completions}
    cases = Case.objects.filter(pk__in=list(finished), status=Status.COMPLETED)
    for case in cases.iterator(chunk_size=500):
        for code, label, months in follow_up_points(case.programme_code):
            if months is None:
                continue
            due = _months_later(finished[case.pk], months)
            if due <= today < due + FOLLOW_UP_NOTICE_WINDOW:
                with transaction.atomic():
                    notices.follow_up_due(case, code=code, label=label)
