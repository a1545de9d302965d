"""Which reasons a case may be closed for, from its status and, after a breach, the police's
breach decision (docs/architecture.md, "Closing a case").

    cautioned, no referral  ->  cautioned with no programme condition, or another reason
    completed               ->  completed the programme
    decided (prosecute)     ->  prosecuted for the original offence after a breach
    decided (no further)    ->  no further action after a breach

A re-booking moves the case on to in progress, so a decided case always has a prosecute or
no-further-action decision. "Another reason" is never offered once a programme was started:
it would hide whether the person completed it, which the cohort and the dashboard count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps

from diversion.accounts.models import User
from diversion.accounts.policy import visible
from diversion.cases.lifecycle import Status
from diversion.cases.models import Case
from diversion.disposals.models import ClosureReason, Referral

R = ClosureReason
# The breach decision's choice (delivery.BreachChoice values) -> the one reason it allows.
BREACH_REASONS: dict[str, ClosureReason] = {
    "prosecute": R.PROSECUTED_AFTER_BREACH,
    "nfa": R.NO_FURTHER_ACTION_AFTER_BREACH,
}
# Reasons that mean the programme was completed (the cohort's and dashboard's "completed").
COMPLETED_REASONS = frozenset({R.PROGRAMME_COMPLETED})
BREACH_CLOSURES = frozenset(BREACH_REASONS.values())


@dataclass(frozen=True)
class BreachOutcome:
    choice: str
    label: str
    decided_at: datetime


def breach_outcome(actor: User, case: Case) -> BreachOutcome | None:
    """The latest breach decision on the case, as the actor may see it. `delivery` sits above
    this app, so its model is looked up by name (as accounts.policy.scopes does) rather than
    imported; the read still goes through the policy."""
    model = apps.get_model("delivery", "BreachDecision")
    decision = (visible(actor, model).filter(case_id=case.pk)
                .order_by("-decided_at", "-id").first())
    if decision is None:
        return None
    return BreachOutcome(decision.choice, decision.get_choice_display(), decision.decided_at)


def reasons_for(actor: User, case: Case) -> list[ClosureReason]:
    """The reasons this case may be closed for now, in the order the page offers them."""
    if case.status == Status.CAUTIONED:
        if visible(actor, Referral).filter(case_id=case.pk).exists():
            return []
        return [R.NO_PROGRAMME_CONDITION, R.OTHER]
    if case.status == Status.COMPLETED:
        return [R.PROGRAMME_COMPLETED]
    if case.status == Status.DECIDED:
        outcome = breach_outcome(actor, case)
        reason = BREACH_REASONS.get(outcome.choice) if outcome else None
        return [reason] if reason else []
    return []


def refusal(actor: User, case: Case, reason: ClosureReason) -> str:
    """Why the case cannot close for that reason, in words for the officer ("" if it can)."""
    allowed = reasons_for(actor, case)
    if reason in allowed:
        return ""
    status = case.get_status_display().lower()
    if case.status == Status.DECIDED:
        outcome = breach_outcome(actor, case)
        if outcome is None or not allowed:
            return "The case has no prosecution or no-further-action breach decision to close on"
        return (f"The breach decision of {outcome.decided_at:%-d %B %Y} was “{outcome.label}”: "
                f"the case can only be closed as “{allowed[0].label.lower()}”")
    if reason in BREACH_CLOSURES:
        return (f"The case is {status}: it can be closed after a breach only once police have "
                f"decided to prosecute or take no further action")
    if not allowed:
        if case.status == Status.CAUTIONED:
            return ("The case was referred to a provider: it closes once the programme is "
                    "completed, or after a breach decision")
        return f"A case that is {status} cannot be closed yet"
    return (f"The case is {status}: “{reason.label.lower()}” is not a reason it can be "
            f"closed for")


def why_not(actor: User, case: Case) -> str:
    """Why the case cannot be closed at all now (when `reasons_for` offers nothing)."""
    if case.status not in (Status.CAUTIONED, Status.COMPLETED, Status.DECIDED):
        return (f"A case that is {case.get_status_display().lower()} cannot become closed: "
                f"the caution must be given, the programme completed, or a breach decided "
                f"first")
    return refusal(actor, case, R.OTHER) or "The case cannot be closed yet"
