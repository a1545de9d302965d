"""Reads of people and offences, each scoped by the policy and written to the processing log."""

from __future__ import annotations

from django.db import transaction

from diversion.accounts.policy import get_visible_or_404, visible
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases.models import Case, CaseEvent, EligibilityDecision, Offence


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


# --- Offence to caution

def open_cases(actor, *, limit: int = 50) -> list:
    """The force's OOCR cases, newest first (the police home page)."""
    with transaction.atomic():
        cases = list(visible(actor, Case).select_related("person", "offence__offence_code")
                     .order_by("-created_at", "-id")[:limit])
        if cases:
            record(actor=actor, operation=Operation.CONSULTATION,
                   justification="Police OOCR case list",
                   subjects=[case.person for case in cases])
    return cases


def case_for(request, pk: int, *, purpose: str):
    """One case the user may see (else a logged 404), its read written to the processing log."""
    with transaction.atomic():
        case = get_visible_or_404(request, Case, pk=pk)
        record(actor=request.user, operation=Operation.CONSULTATION, obj=case,
               subjects=[case.person], justification=purpose)
    return case


def timeline(actor, case) -> list:
    return list(visible(actor, CaseEvent).filter(case=case).select_related("actor")
                .order_by("-occurred_at", "-id"))


def latest_decision(actor, case):
    return visible(actor, EligibilityDecision).filter(case=case).first()
