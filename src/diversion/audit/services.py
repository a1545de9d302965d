"""The helpers every service calls to write the processing log (inside its own transaction)
and security events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from diversion.audit import lanes
from diversion.audit.chain import GENESIS, sign, subject_index_for
from diversion.audit.context import get as request_context
from diversion.audit.models import Operation, ProcessingLog, SecurityEvent, SecurityEventKind
from diversion.core.client import client_address


class ProcessingLogError(Exception):
    """The log row could not be written; the operation it describes must not happen."""


def _subject_refs(subjects: Iterable[Any]) -> list[dict[str, str]]:
    refs = []
    for subject in subjects:
        if isinstance(subject, Model):
            refs.append({"type": subject._meta.label, "id": str(subject.pk)})
        else:
            label, pk = subject
            refs.append({"type": str(label), "id": str(pk)})
    return refs


def record(
    *,
    actor,
    operation: Operation | str,
    justification: str,
    subjects: Iterable[Any] = (),
    obj: Model | None = None,
    recipient: str = "",
) -> ProcessingLog:
    """Write one processing-log row for an operation on personal data.

    Must run inside the transaction of the operation it records (so both happen or neither).
    `actor` is the acting user, or None for a system task. A disclosure must name its recipient.
    """
    operation = Operation(operation)
    if not connection.in_atomic_block:
        raise ProcessingLogError(
            "the processing log must be written inside the action's transaction")
    if not justification or not justification.strip():
        raise ProcessingLogError("a processing-log row needs a justification")
    if operation == Operation.DISCLOSURE and not recipient.strip():
        raise ProcessingLogError("a disclosure must name its recipient")

    refs = _subject_refs(subjects)
    context = request_context()
    row = ProcessingLog(
        operation=operation,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_username=getattr(actor, "username", "") or "system",
        organisation_id=getattr(actor, "organisation_id", None),
        subjects=refs,
        subject_index=subject_index_for(refs),
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        justification=justification.strip(),
        recipient=recipient.strip(),
        ip_address=context.ip_address,
        request_id=context.request_id,
    )
    # The row joins the head of one lane, locked until this transaction commits (lanes.py).
    row.lane = lanes.take(connection) if connection.vendor == "postgresql" else 0
    last = (ProcessingLog.objects.filter(lane=row.lane).order_by("-id")
            .values_list("row_hash", flat=True).first())
    row.previous_hash = last or GENESIS
    sign(row)
    try:
        with transaction.atomic():
            row.save()
    except Exception as exc:
        raise ProcessingLogError("the processing log could not be written") from exc
    return row


def request_integrity_check(actor):
    """Queue a verification of the whole hash chain; the auditor sees the result on the page."""
    from django.db import transaction as tx

    from diversion.audit.models import IntegrityCheck
    from diversion.audit.tasks import verify_chain

    with tx.atomic():
        check = IntegrityCheck.objects.create(requested_by=actor,
                                              organisation_id=actor.organisation_id)
        record(actor=actor, operation=Operation.CONSULTATION, obj=check,
               justification="Integrity check of the processing log's hash chain "
                             "(s.62(4)(c): integrity and security)")
        tx.on_commit(lambda: verify_chain.enqueue(check.pk))
    return check


def _clean(text: str, limit: int) -> str:
    # No control characters, so a crafted username cannot forge a log line.
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))[:limit]


def security_event(kind: SecurityEventKind | str, request=None, *, user=None, username: str = "",
                   status: int | None = None, reason: str = "", file_size: int | None = None,
                   file_sha256: str | None = None) -> SecurityEvent:
    """Write one security event (ASVS 16.3). With no request (a command, a task) the address
    and request id come from the request context, if any."""
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    context = request_context()
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=_clean(username or getattr(user, "username", ""), 150),
        organisation_id=getattr(user, "organisation_id", None),
        method=_clean(getattr(request, "method", "") or "", 10),
        path=_clean(getattr(request, "path", "") or "", 500),
        status=status,
        reason=_clean(reason, 300),
        ip_address=client_address(request) if request is not None else context.ip_address,
        request_id=(getattr(request, "request_id", "") if request is not None
                    else context.request_id),
        file_size=file_size,
        file_sha256=file_sha256,
    )
