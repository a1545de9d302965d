"""Police side of delivery: the compliance page's lists and the breach decision.

Police see attendance and completion only; the lists read Case, Disposal and Reminder rows
(raised by the background sweep, delivery.tasks), never provider notes or workshop content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from diversion.accounts.policy import visible
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases import regimes
from diversion.cases.lifecycle import Status
from diversion.cases.models import Case
from diversion.cases.services import transition
from diversion.delivery import notices
from diversion.delivery.models import BreachChoice, BreachDecision


class DecisionRefused(Exception):
    """The decision is not allowed; the message says why."""


def deadline_warning_days() -> int:
    return int(getattr(settings, "DELIVERY_DEADLINE_WARNING_DAYS", 14))


def time_limit_warning_days() -> int:
    return int(getattr(settings, "DELIVERY_TIME_LIMIT_WARNING_DAYS", 28))


@dataclass
class Compliance:
    near_deadline: list[Case]
    non_compliant: list[Case]
    time_limit_close: list[Case]


def compliance_lists(actor, *, today: date | None = None) -> Compliance:
    today = today or timezone.localdate()
    with transaction.atomic():
        cases = visible(actor, Case).select_related("person", "disposal", "referral__provider")
        near = list(cases.filter(
            status__in=[Status.REFERRED, Status.IN_PROGRESS],
            disposal__deadline__lte=today + timedelta(days=deadline_warning_days()))
            .order_by("disposal__deadline"))
        breached = list(cases.filter(status=Status.BREACHED).order_by("disposal__deadline"))
        close = list(cases.filter(
            status__in=[Status.REFERRED, Status.IN_PROGRESS, Status.BREACHED],
            disposal__prosecution_last_day__isnull=False,
            disposal__prosecution_last_day__lte=today + timedelta(days=time_limit_warning_days()))
            .order_by("disposal__prosecution_last_day"))
        people = {c.person for c in near + breached + close}
        if people:
            record(actor=actor, operation=Operation.CONSULTATION, subjects=list(people),
                   justification="Police compliance page")
    return Compliance(near, breached, close)


def max_deadline(case: Case) -> date:
    """The regime maximum: conditions last at most this many weeks from the caution."""
    regime = regimes.REGIMES[case.disposal.regime]
    return case.disposal.disposal_date + timedelta(weeks=regime.max_deadline_weeks)


def prosecution_refusal(case: Case, today: date) -> str | None:
    """Why prosecution is not open (None: it is)."""
    disposal = case.disposal
    regime = regimes.REGIMES[disposal.regime]
    if not regime.breach_means_prosecution:
        return f"A {regime.label} breach leads to a financial penalty, not prosecution"
    last = disposal.prosecution_last_day
    if last is not None and today > last:
        return (f"The time limit for prosecuting the original offence passed on "
                f"{last:%-d %B %Y} ({disposal.time_limit_explanation})")
    return None


def decide_breach(actor, case: Case, *, choice: str, rationale: str,
                  new_deadline: date | None = None, expected_version: int,
                  today: date | None = None) -> BreachDecision:
    today = today or timezone.localdate()
    if case.status != Status.BREACHED:
        raise DecisionRefused("Only a case returned by the provider for non-compliance needs "
                              "a breach decision")
    if not rationale.strip():
        raise DecisionRefused("Give the rationale for the decision")
    if choice == BreachChoice.PROSECUTE:
        reason = prosecution_refusal(case, today)
        if reason:
            raise DecisionRefused(f"Prosecution is not possible: {reason}")
    if choice == BreachChoice.REBOOK:
        limit = max_deadline(case)
        if new_deadline is None:
            raise DecisionRefused("Give the new deadline for the conditions")
        if new_deadline <= today:
            raise DecisionRefused("The new deadline must be in the future")
        if new_deadline > limit:
            raise DecisionRefused(f"The new deadline is beyond the regime maximum "
                                  f"({limit:%-d %B %Y})")
    with transaction.atomic():
        decision = BreachDecision.objects.create(
            case=case, choice=choice, rationale=rationale.strip(),
            new_deadline=new_deadline if choice == BreachChoice.REBOOK else None,
            decided_by=actor)
        transition(actor, case, Status.DECIDED, expected_version=expected_version,
                   title=f"Breach decision: {BreachChoice(choice).label}",
                   detail=rationale.strip())
        if choice == BreachChoice.REBOOK:
            # A re-booking without a new deadline was refused above.
            case.disposal.deadline = cast(date, new_deadline)
            case.disposal.save(update_fields=["deadline"])
            transition(actor, case, Status.IN_PROGRESS, expected_version=case.version,
                       title="Re-booked: every part of the programme is repeated",
                       detail=f"Conditions now due by {new_deadline:%-d %B %Y}")
            record(actor=actor, operation=Operation.DISCLOSURE, obj=decision,
                   subjects=[case.person], recipient=case.referral.provider.name,
                   justification="Re-booking and new deadline shared with the provider")
        else:
            record(actor=actor, operation=Operation.COLLECTION, obj=decision,
                   subjects=[case.person], justification="Breach decision")
        notices.breach_decided(actor, case, choice=choice, new_deadline=decision.new_deadline)
    return decision
