"""Email notifications: who is told what, through the pages that trigger them; sent by the task
worker only after the action commits; retried with backoff; users' choices."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.delivery.models import Attendance
from diversion.notifications.models import Kind, Notification, OptOut, Status
from diversion.notifications.services import notify
from diversion.notifications.tasks import deliver
from tests.dates import date_input
from tests.delivery.helpers import booked_cara, held, referred_case
from tests.factories import make_user
from tests.victims.helpers import make_victim, serve

pytestmark = pytest.mark.django_db

PREFERENCES = reverse("notifications:preferences")


def ready_to_complete(cast, case) -> None:
    """Attend both CARA parts and record the questionnaires completion needs."""
    from diversion.delivery.booking import book
    from diversion.delivery.services import record_questionnaire, record_register
    from diversion.programmes import registry
    from tests.delivery.helpers import make_event

    facilitator = cast.users[Role.FACILITATOR]
    for session, days in (("part_a", 7), ("part_b", 35)):
        event = make_event(cast, session=session, days=days)
        booking = book(facilitator, case, event.pk)
        record_register(facilitator, held(event), {booking.pk: ("attended", "")})
    for q in registry.get("cara", 1).questionnaires:
        if q.required_for_completion:
            record_questionnaire(facilitator, case, q.id,
                                 {item.id: q.options[0].value for item in q.items})


def test_non_attendance_tells_the_referrer_after_commit(cast, client, run_worker,
                                                        django_capture_on_commit_callbacks):
    facilitator, case, a, _b, ba, _bb = booked_cara(cast)
    held(a)
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("delivery:register", args=[a.pk]), {f"mark_{ba.pk}": "did_not_attend"})
    assert Attendance.objects.filter(booking=ba).exists()
    assert mail.outbox == []  # queued, not sent in the request
    run_worker()
    [message] = mail.outbox
    referrer = cast.users[Role.DECISION_MAKER]
    assert message.to == [referrer.email]
    assert case.reference in message.subject and "missed a session" in message.body
    assert reverse("delivery:progress", args=[case.pk]) in message.body
    assert case.person.given_name not in message.body + message.subject
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    sent = Notification.objects.get()
    assert (sent.kind, sent.status, sent.attempts) == (Kind.NON_ATTENDANCE, Status.SENT, 1)
    row = ProcessingLog.objects.get(operation="disclosure",
                                    object_type="notifications.Notification")
    assert row.recipient.startswith(referrer.username) and row.actor_username == "system"


def test_first_contact_and_completion_tell_referrer_and_victim_workers(
        cast, client, run_worker, django_capture_on_commit_callbacks):
    serve(cast)
    case = referred_case(cast, status="referred")
    make_victim(cast, case=case)
    facilitator = cast.users[Role.FACILITATOR]
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("delivery:contact", args=[case.pk]),
                               {**date_input("made_on", timezone.localdate()),
                                "method": "phone", "outcome": "contacted"})
    assert response.status_code == 302
    run_worker()
    [during] = mail.outbox
    assert during.to == [cast.users[Role.VICTIM_WORKER].email]
    assert "During the workshops" in during.body and case.reference in during.subject
    mail.outbox.clear()

    ready_to_complete(cast, case)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("delivery:complete", args=[case.pk]))
    case.refresh_from_db()
    assert case.status == "completed", response.content.decode()[:2000]
    run_worker()
    by_kind = {n.kind: n for n in Notification.objects.filter(status=Status.SENT)}
    assert {Kind.COMPLETED, Kind.VICTIM_FOLLOW_UP} <= set(by_kind)
    recipients = {tuple(m.to): m for m in mail.outbox}
    done = recipients[(cast.users[Role.DECISION_MAKER].email,)]
    assert "completed the programme" in done.body
    follow = recipients[(cast.users[Role.VICTIM_WORKER].email,)]
    assert "3 months after the workshops" in follow.body


def test_rolled_back_action_tells_nobody(cast, run_worker):
    case = referred_case(cast)
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(None, recipients=[cast.users[Role.DECISION_MAKER]], kind=Kind.COMPLETED,
               subject=f"x {case.reference}", body="y")
        raise RuntimeError("the action failed")
    run_worker()
    assert mail.outbox == [] and not Notification.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_failed_send_is_retried_with_backoff_then_marked_failed(cast, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    officer = cast.users[Role.DECISION_MAKER]
    with transaction.atomic():
        [n] = notify(None, recipients=[officer], kind=Kind.COMPLETED, subject="s", body="b")
    DBTaskResult.objects.all().delete()
    broken = mock.patch("django.core.mail.EmailMessage.send",
                        side_effect=ConnectionRefusedError("mail server down"))
    with broken:
        assert deliver(n.pk) == Status.QUEUED
    n.refresh_from_db()
    assert (n.status, n.attempts) == (Status.QUEUED, 1)
    assert "ConnectionRefusedError" in n.last_error
    retry = DBTaskResult.objects.get()
    assert retry.run_after is not None
    assert timedelta(seconds=50) < retry.run_after - timezone.now() <= timedelta(minutes=1)
    # Logged before the mail server was called (never an unlogged email): one row an attempt.
    [row] = ProcessingLog.objects.filter(object_type="notifications.Notification")
    assert "attempt 1" in row.justification
    with broken:
        deliver(n.pk)
        assert deliver(n.pk) == Status.FAILED
    n.refresh_from_db()
    assert (n.status, n.attempts) == (Status.FAILED, 3)
    assert deliver(n.pk) == "not queued"  # a failed one is not sent again by a stray task
    # The user sees it failed on their page.
    from django.test import Client
    client = Client()
    client.force_login(officer)
    assert "Failed (gave up after retries)" in client.get(PREFERENCES).content.decode()


def test_user_without_email_is_recorded_not_sent(cast, run_worker):
    officer = cast.users[Role.DECISION_MAKER]
    officer.email = ""
    officer.save()
    with transaction.atomic():
        notify(None, recipients=[officer], kind=Kind.COMPLETED, subject="s", body="b")
    n = Notification.objects.get()
    deliver(n.pk)
    n.refresh_from_db()
    assert n.status == Status.NO_ADDRESS and mail.outbox == []


def test_preferences_turn_off_non_urgent_but_not_safeguarding(
        cast, client, run_worker, django_capture_on_commit_callbacks):
    officer = cast.users[Role.DECISION_MAKER]
    client.force_login(officer)
    page = client.get(PREFERENCES).content.decode()
    assert "A referred person missed a session: a breach for police to decide" in page
    assert "You cannot turn these off" in page
    assert 'href="/account/notifications/"' in client.get(reverse("accounts:home"),
                                                           follow=True).content.decode()
    keep = [Kind.COMPLETED, Kind.TIME_LIMIT_NEAR]
    response = client.post(PREFERENCES, {"wanted": keep})
    assert response.status_code == 302
    assert set(OptOut.objects.filter(user=officer).values_list("kind", flat=True)) == {
        Kind.NON_ATTENDANCE}
    page = client.get(PREFERENCES).content.decode()
    assert "Your email choices have been saved" in page
    assert 'value="non_attendance">' in page and 'value="completed" checked>' in page
    # A safeguarding "kind" cannot be opted out of, even by a forged form.
    response = client.post(PREFERENCES, {"wanted": ["safeguarding_alert"]})
    assert response.status_code == 400
    assert "Choose only emails from the list" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(None, recipients=[officer], kind=Kind.NON_ATTENDANCE, subject="s", body="b")
        notify(None, recipients=[officer], kind=Kind.SAFEGUARDING_ALERT, subject="u", body="b")
    run_worker()
    assert [m.subject for m in mail.outbox] == ["u"]


def test_choices_are_per_user_and_roles_without_emails_are_told(cast, client):
    other = make_user("sgt_two", Role.DECISION_MAKER, cast.orgs["force"])
    client.force_login(other)
    client.post(PREFERENCES, {})  # everything off
    assert OptOut.objects.filter(user=other).count() == 3
    assert not OptOut.objects.filter(user=cast.users[Role.DECISION_MAKER]).exists()
    client.force_login(cast.users[Role.AUDITOR])
    page = client.get(PREFERENCES).content.decode()
    assert "Diversion sends no emails to your role" in page


def test_sweep_tells_referrer_of_time_limit_and_provider_of_late_contact(
        cast, run_worker, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    manager = cast.users[Role.PROVIDER_MANAGER]
    case = referred_case(cast, status="referred",
                         prosecution_last_day=timezone.localdate() + timedelta(days=5))
    from diversion.disposals.models import Disposal
    Disposal.objects.filter(case=case).update(
        disposal_date=timezone.localdate() - timedelta(days=30))
    for _ in range(2):  # told once, when raised, not on every sweep
        with django_capture_on_commit_callbacks(execute=True):
            call_command("delivery_sweep")
    run_worker()
    subjects = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert (cast.users[Role.DECISION_MAKER].email,
            f"Prosecution time limit near on case {case.reference}") in subjects
    assert any(to == manager.email and "First contact" in s for to, s in subjects)
    assert len(subjects) == 2


def test_sweep_tells_victim_workers_once_when_a_later_follow_up_point_is_reached(
        cast, run_worker, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    from diversion.cases.models import CaseEvent

    serve(cast)
    case = referred_case(cast, status="completed")
    make_victim(cast, case=case)
    CaseEvent.objects.create(case=case, from_status="in_progress", to_status="completed",
                             title="Programme completed",
                             occurred_at=timezone.now() - timedelta(days=95))
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("delivery_sweep")
    run_worker()
    [message] = mail.outbox
    assert message.to == [cast.users[Role.VICTIM_WORKER].email]
    assert "3 months after the workshops" in message.body
    assert "12 months" not in message.body  # not reached yet


def test_a_missed_condition_deadline_is_not_called_approaching(
        cast, run_worker, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    manager = cast.users[Role.PROVIDER_MANAGER]
    late = referred_case(cast, deadline=timezone.localdate() - timedelta(days=3))
    soon = referred_case(cast, deadline=timezone.localdate() + timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("delivery_sweep")
    run_worker()
    to_manager = {m.subject: m.body for m in mail.outbox if m.to == [manager.email]}
    assert f"A condition deadline has passed (case {late.reference})" in to_manager
    assert "The condition deadline was on" in to_manager[
        f"A condition deadline has passed (case {late.reference})"]
    assert f"A condition deadline is approaching (case {soon.reference})" in to_manager


class WorkerDied(BaseException):
    """Stands for the worker process being killed mid-send: nothing below `except Exception`
    in deliver() runs, as after a SIGKILL."""


def _left_sending_by_a_dead_worker(cast) -> Notification:
    with transaction.atomic():
        [n] = notify(None, recipients=[cast.users[Role.DECISION_MAKER]],
                     kind=Kind.COMPLETED, subject="Case X completed", body="b")
    DBTaskResult.objects.all().delete()
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=WorkerDied), \
            pytest.raises(WorkerDied):
        deliver(n.pk)
    n.refresh_from_db()
    assert (n.status, n.attempts) == (Status.SENDING, 1)
    return n


def _sweep_at(moment) -> str:
    from io import StringIO

    from django.core.management import call_command
    from freezegun import freeze_time

    out = StringIO()
    with freeze_time(moment):
        call_command("delivery_sweep", stdout=out)
    return out.getvalue()


def test_a_send_left_by_a_dead_worker_is_sent_by_the_sweep_after_the_timeout(
        cast, settings, run_worker, caplog):
    settings.NOTIFY_SENDING_TIMEOUT_MINUTES = 10
    n = _left_sending_by_a_dead_worker(cast)
    claimed = n.claimed_at
    # Within the timeout the worker may only be slow: the sweep leaves it alone.
    assert "Queued again 0 emails" in _sweep_at(claimed + timedelta(minutes=9))
    n.refresh_from_db()
    assert n.status == Status.SENDING and not DBTaskResult.objects.exists()

    assert "Queued again 1 emails" in _sweep_at(claimed + timedelta(minutes=11))
    n.refresh_from_db()
    assert n.status == Status.QUEUED and "may have been sent" in n.last_error
    assert "left sending by a worker that stopped" in caplog.text
    run_worker()
    [message] = mail.outbox
    assert message.subject == "Case X completed"
    n.refresh_from_db()
    assert (n.status, n.attempts) == (Status.SENT, 2)
    # Each attempt logged its disclosure before the mail server was called.
    justifications = list(ProcessingLog.objects.filter(object_type="notifications.Notification")
                          .values_list("justification", flat=True))
    assert sorted(j[-10:] for j in justifications) == ["attempt 1)", "attempt 2)"]
    # Another sweep finds nothing: it is sent.
    assert "Queued again 0 emails" in _sweep_at(claimed + timedelta(minutes=30))
    run_worker()
    assert len(mail.outbox) == 1


def test_a_slow_worker_that_finishes_after_recovery_is_not_sent_twice(cast, settings,
                                                                       run_worker):
    with transaction.atomic():
        [n] = notify(None, recipients=[cast.users[Role.DECISION_MAKER]],
                     kind=Kind.COMPLETED, subject="s", body="b")
    DBTaskResult.objects.all().delete()
    sends = []

    def slow_send(message_self=None, *args, **kwargs):
        # The mail server takes longer than the timeout; a sweep meanwhile re-queues it.
        claimed = Notification.objects.get(pk=n.pk).claimed_at
        _sweep_at(claimed + timedelta(minutes=settings.NOTIFY_SENDING_TIMEOUT_MINUTES + 1))
        sends.append(1)
        return 1

    with mock.patch("django.core.mail.EmailMessage.send", slow_send):
        assert deliver(n.pk) == Status.SENT
    assert DBTaskResult.objects.count() == 1  # the sweep's retry is queued...
    run_worker()
    assert mail.outbox == [] and len(sends) == 1  # ...but finds it sent and sends nothing
    n.refresh_from_db()
    assert (n.status, n.attempts) == (Status.SENT, 1)


def test_a_stale_send_on_its_last_attempt_is_marked_failed_not_retried(cast, settings,
                                                                         run_worker):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    n = _left_sending_by_a_dead_worker(cast)
    _sweep_at(n.claimed_at + timedelta(hours=1))
    n.refresh_from_db()
    assert n.status == Status.FAILED and "may have been sent" in n.last_error
    run_worker()
    assert mail.outbox == []


def test_the_repeating_sweep_task_recovers_stale_sends_too(cast, settings, run_worker):
    from freezegun import freeze_time

    from diversion.delivery.tasks import sweep

    n = _left_sending_by_a_dead_worker(cast)
    with freeze_time(n.claimed_at + timedelta(minutes=settings.NOTIFY_SENDING_TIMEOUT_MINUTES,
                                              seconds=1)):
        sweep.call(reschedule=False)
    run_worker()
    assert len(mail.outbox) == 1
