"""Builders for the retention and subject-access tests."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.services import record
from diversion.cases.models import Case, CaseEvent
from tests.factories import make_user
from tests.victims.helpers import home_case

YEARS_AGO_7 = timedelta(days=7 * 365 + 10)


def closed_long_ago(cast, ref: str = "TF-OLD") -> Case:
    """A case that closed more than 6 years ago, with a log row about its person."""
    case = home_case(cast, ref)
    then = timezone.now() - YEARS_AGO_7
    Case.objects.filter(pk=case.pk).update(status="closed", created_at=then)
    CaseEvent.objects.create(case=case, occurred_at=then, from_status="completed",
                             to_status="closed", title="Closed")
    with transaction.atomic():
        record(actor=cast.users[Role.DECISION_MAKER], operation="consultation",
               subjects=[case.person], obj=case, justification="Case read")
    case.refresh_from_db()
    return case


def victim_service_admin(cast):
    return make_user("vs_admin", Role.ADMINISTRATOR, cast.orgs["victim_service"])


def victim_service_auditor(cast):
    return make_user("vs_auditor", Role.AUDITOR, cast.orgs["victim_service"])
