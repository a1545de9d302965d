"""What other roles may know of a victim consultation: the outcome and a risk flag, no more."""

from __future__ import annotations

from dataclasses import dataclass

from diversion.victims.models import Consultation


@dataclass(frozen=True)
class PoliceOutcome:
    """The only view of a consultation that leaves the victim service."""

    consulted: bool
    outcome: str  # a ConsultationOutcome value, "" when not yet consulted
    outcome_label: str
    risk_raised: bool


NOT_CONSULTED = PoliceOutcome(consulted=False, outcome="", outcome_label="Not yet consulted",
                              risk_raised=False)


def police_outcome(case) -> PoliceOutcome:
    """The latest completed consultation's outcome for `case` (any victim raising risk counts)."""
    completed = list(Consultation.objects.filter(case=case, is_draft=False)
                     .order_by("-completed_at", "-id"))
    if not completed:
        return NOT_CONSULTED
    latest = completed[0]
    return PoliceOutcome(
        consulted=True,
        outcome=latest.outcome,
        outcome_label=latest.get_outcome_display(),
        risk_raised=any(c.risk_raised for c in completed),
    )
