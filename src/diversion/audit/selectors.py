"""Auditors' reads of the logs. Each query is itself a logged consultation (security.md 21)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from diversion.accounts.models import User
from diversion.accounts.policy import visible
from diversion.audit.forms import PURPOSES
from diversion.audit.models import IntegrityCheck, Operation, ProcessingLog, SecurityEvent
from diversion.audit.services import record

PAGE_SIZE = 100


def _day_bounds(data: dict) -> dict:
    filters = {}
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        filters["occurred_at__gte"] = datetime.combine(data["date_from"], time.min, tz)
    if data.get("date_to"):
        filters["occurred_at__lte"] = datetime.combine(data["date_to"], time.max, tz)
    return filters


def _describe(data: dict, names: tuple[str, ...]) -> str:
    purpose = dict(PURPOSES)[data["purpose"]]
    used = [f"{name}={data[name]}" for name in names if data.get(name)]
    return f"Audit query ({purpose})" + (": " + ", ".join(used) if used else "")


def query_processing_log(*, actor: User, purpose: str, operation: str = "",
                         username: str = "", subject: str = "", date_from: date | None = None,
                         date_to: date | None = None) -> list[ProcessingLog]:
    data = {"purpose": purpose, "operation": operation, "username": username,
            "subject": subject, "date_from": date_from, "date_to": date_to}
    filters = _day_bounds(data)
    if operation:
        filters["operation"] = operation
    if username:
        filters["actor_username__iexact"] = username
    queryset = visible(actor, ProcessingLog).filter(**filters).select_related("organisation")
    if subject:
        queryset = queryset.filter(subject_index__contains=f" {subject.strip()} ")
    with transaction.atomic():
        rows = list(queryset.order_by("-id")[:PAGE_SIZE])
        record(actor=actor, operation=Operation.CONSULTATION, obj=None,
               justification=_describe(data, ("operation", "username", "subject",
                                              "date_from", "date_to")))
    return rows


def query_security_events(*, actor: User, purpose: str, kind: str = "", username: str = "",
                          date_from: date | None = None, date_to: date | None = None
                          ) -> list[SecurityEvent]:
    data = {"purpose": purpose, "kind": kind, "username": username, "date_from": date_from,
            "date_to": date_to}
    filters = _day_bounds(data)
    if kind:
        filters["kind"] = kind
    if username:
        filters["username__iexact"] = username
    with transaction.atomic():
        rows = list(visible(actor, SecurityEvent).filter(**filters).order_by("-id")[:PAGE_SIZE])
        record(actor=actor, operation=Operation.CONSULTATION,
               justification=_describe(data, ("kind", "username", "date_from", "date_to")))
    return rows


def recent_integrity_checks(actor, limit: int = 5) -> list[IntegrityCheck]:
    """The organisation's latest chain verifications (no personal data in them)."""
    return list(visible(actor, IntegrityCheck).order_by("-id")[:limit])
