"""Sending, on the task queue's worker (db_worker). A failed send is retried with backoff
(1, 2, 4... minutes) by queueing the task again with `run_after`, up to NOTIFY_MAX_ATTEMPTS;
then the notification is marked failed, with the error, and a warning is logged."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.notifications.models import Notification, Status

logger = logging.getLogger(__name__)


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=2 ** max(attempts - 1, 0))


@task()
def send_notification(notification_id: int) -> str:
    return deliver(notification_id)


def deliver(notification_id: int) -> str:
    """Send one queued notification; returns its status afterwards.

    The disclosure row is written, and the notification claimed, in one short transaction
    before the mail server is called: the processing log's chain lock is never held across the
    network, and no email leaves unlogged (a failed attempt leaves its row, and the
    notification says it failed). A worker that dies mid-send leaves it "sending", not resent.
    """
    found = (Notification.objects.select_related("recipient__organisation")
             .filter(pk=notification_id, status=Status.QUEUED).first())
    if found is None:
        return "not queued"
    notification = found
    user = notification.recipient
    if not user.email or not user.is_active:
        Notification.objects.filter(pk=notification.pk).update(status=Status.NO_ADDRESS)
        return Status.NO_ADDRESS
    attempts = notification.attempts + 1
    with transaction.atomic():
        claimed = Notification.objects.filter(pk=notification.pk, status=Status.QUEUED).update(
            status=Status.SENDING, attempts=attempts)
        if not claimed:
            return "not queued"
        subjects = ([(notification.about_model, notification.about_id)]
                    if notification.about_model and notification.about_id else [])
        record(actor=None, operation=Operation.DISCLOSURE, obj=notification, subjects=subjects,
               recipient=f"{user.username} ({user.organisation}) by email",
               justification=f"Email notification: {notification.get_kind_display()} "
                             f"(case reference and link only; attempt {attempts})")
    try:
        EmailMessage(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL,
                     [user.email], headers={"Auto-Submitted": "auto-generated"}).send()
    except Exception as exc:  # any failure of the mail server or the network: retry later
        give_up = attempts >= int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 5))
        status = Status.FAILED if give_up else Status.QUEUED
        Notification.objects.filter(pk=notification.pk).update(
            status=status, last_error=f"{type(exc).__name__}: {exc}"[:300])
        logger.warning("notification %s attempt %s failed (%s)%s", notification.pk, attempts,
                       type(exc).__name__, ", giving up" if give_up else "")
        if not give_up:
            send_notification.using(run_after=timezone.now() + backoff(attempts)).enqueue(
                notification.pk)
        return status
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.SENT, sent_at=timezone.now(), last_error="")
    return Status.SENT
