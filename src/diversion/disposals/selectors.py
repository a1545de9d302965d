"""Reads for the caution step, each scoped by the policy."""

from __future__ import annotations

from diversion.accounts.models import User
from diversion.accounts.policy import visible
from diversion.cases.models import Case
from diversion.disposals.models import Closure, Disposal, VictimViewDecision


def victim_view_decision_for(actor: User, case: Case) -> VictimViewDecision | None:
    return visible(actor, VictimViewDecision).filter(case=case).first()


def has_disposal(actor: User, case: Case) -> bool:
    """Whether the case's caution is recorded (read now, not from the case as loaded)."""
    return visible(actor, Disposal).filter(case_id=case.pk).exists()


def closure_for(actor: User, case: Case) -> Closure | None:
    """Why (and when, by whom) the case was closed, if it is."""
    return visible(actor, Closure).filter(case=case).select_related("closed_by").first()
