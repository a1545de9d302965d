"""Reminders and overdue flags come from the background sweep on the task queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.delivery.models import Reminder, ReminderKind
from diversion.delivery.tasks import sweep
from tests.delivery.helpers import referred_case

pytestmark = pytest.mark.django_db


def test_page_loads_raise_no_flags_the_worker_does(cast, client, run_worker):
    today = timezone.localdate()
    case = referred_case(cast, status="referred", deadline=today + timedelta(days=5))
    from diversion.disposals.models import Disposal

    Disposal.objects.filter(case=case).update(disposal_date=today - timedelta(days=20))
    client.force_login(cast.users[Role.FACILITATOR])
    assert "govuk-tag--red\">Overdue" not in client.get(reverse("delivery:home")).content.decode()
    assert not Reminder.objects.exists()
    sweep.enqueue(reschedule=False)
    run_worker()
    kinds = set(Reminder.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == {ReminderKind.FIRST_CONTACT_OVERDUE, ReminderKind.DEADLINE_NEAR}
    assert "govuk-tag--red\">Overdue" in client.get(reverse("delivery:home")).content.decode()


def test_sweep_is_idempotent_and_clears_stale_flags(cast):
    today = timezone.localdate()
    case = referred_case(cast, deadline=today + timedelta(days=3))
    call_command("delivery_sweep")
    call_command("delivery_sweep")
    assert Reminder.objects.filter(case=case).count() == 1
    from diversion.cases.models import Case

    Case.objects.filter(pk=case.pk).update(status="completed")
    call_command("delivery_sweep")
    assert not Reminder.objects.exists()


def test_schedule_queues_one_sweep(db):
    from django_tasks_db.models import DBTaskResult

    call_command("delivery_sweep", "--schedule")
    call_command("delivery_sweep", "--schedule")
    assert DBTaskResult.objects.filter(task_path="diversion.delivery.tasks.sweep").count() == 1
