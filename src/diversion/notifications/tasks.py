"""Sending, on the task queue's worker (db_worker). A failed send is retried with backoff
(1, 2, 4... minutes) by queueing the task again with `run_after`, up to NOTIFY_MAX_ATTEMPTS;
then the notification is marked failed, with the error, and a warning is logged.

Delivery is at least once. A worker that dies between claiming a notification and recording
the result leaves it "sending"; `recover_stale_sends` (run by every delivery sweep) queues it
again once the claim is older than NOTIFY_SENDING_TIMEOUT_MINUTES. If the mail server had
already accepted it, the user gets it twice: there is no way to ask an SMTP server whether it
did. Duplicates are kept to that case: a worker that was only slow and finishes still marks the
notification sent, and a queued retry then finds nothing to send (each send is claimed by one
conditional update, so two tasks for one notification never both send it)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
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
    notification says it failed). A worker that dies mid-send leaves it "sending" until the
    sweep's `recover_stale_sends` queues it again.
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
            status=Status.SENDING, attempts=attempts, claimed_at=timezone.now())
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
        # Only while this attempt's claim stands: a recovered notification is not ours any more.
        ours = Notification.objects.filter(pk=notification.pk, status=Status.SENDING,
                                           attempts=attempts).update(
            status=status, last_error=f"{type(exc).__name__}: {exc}"[:300])
        if not ours:
            return "taken over"
        logger.warning("notification %s attempt %s failed (%s)%s", notification.pk, attempts,
                       type(exc).__name__, ", giving up" if give_up else "")
        if not give_up:
            send_notification.using(run_after=timezone.now() + backoff(attempts)).enqueue(
                notification.pk)
        return status
    # Whatever happened meanwhile (a sweep re-queued it), it has gone: say so, so a queued
    # retry finds nothing to send.
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.SENT, sent_at=timezone.now(), last_error="")
    return Status.SENT


def sending_timeout() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "NOTIFY_SENDING_TIMEOUT_MINUTES", 10)))


def recover_stale_sends() -> int:
    """Queue again every notification left "sending" longer than the timeout by a worker that
    died (or give up on it after NOTIFY_MAX_ATTEMPTS). Returns how many were re-queued."""
    cutoff = timezone.now() - sending_timeout()
    stale = (Notification.objects.filter(status=Status.SENDING)
             .filter(Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True, created_at__lt=cutoff))
             .values_list("pk", "attempts"))
    limit = int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 5))
    requeued = 0
    for pk, attempts in stale:
        give_up = attempts >= limit
        with transaction.atomic():
            # The same claim still stands (attempts unchanged): otherwise someone acted on it.
            changed = Notification.objects.filter(
                pk=pk, status=Status.SENDING, attempts=attempts).update(
                status=Status.FAILED if give_up else Status.QUEUED,
                last_error=f"The worker stopped during attempt {attempts}; the email may "
                           "have been sent")
            if changed and not give_up:
                send_notification.enqueue(pk)
                requeued += 1
        if changed:
            logger.warning("notification %s was left sending by a worker that stopped "
                           "(attempt %s): %s", pk, attempts,
                           "giving up" if give_up else "queued again")
    return requeued
