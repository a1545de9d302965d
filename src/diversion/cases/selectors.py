"""Reads of people and offences, each scoped by the policy and written to the processing log."""

from __future__ import annotations

from django.db import transaction

from diversion.accounts.policy import visible
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases.models import Offence


def recent_offences(actor, *, limit: int = 25, domestic_abuse_only: bool = True) -> list[Offence]:
    """The force's most recent offences awaiting an out-of-court decision, newest first."""
    with transaction.atomic():
        queryset = (
            visible(actor, Offence)
            .select_related("person", "offence_code")
            .filter(outcome_type="pending")
        )
        if domestic_abuse_only:
            queryset = queryset.filter(domestic_abuse=True)
        offences = list(queryset.order_by("-recorded_date", "-id")[:limit])
        if offences:
            record(
                actor=actor,
                operation=Operation.CONSULTATION,
                justification="Police OOCR work queue: offences awaiting a disposal decision",
                subjects=[offence.person for offence in offences],
            )
    return offences
