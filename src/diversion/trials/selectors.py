"""Reads of allocations for pages (the concealed sequence itself is never read for a page)."""

from __future__ import annotations

from diversion.accounts.policy import visible
from diversion.trials.models import TrialAllocation


def allocation_for(actor, case) -> TrialAllocation | None:
    """The case's allocation if it has one and the actor may see it."""
    return visible(actor, TrialAllocation).filter(case=case).first()
