"""Reads for providers: the referral queue (offence to caution, issue 3)."""

from __future__ import annotations

from django.db import transaction

from diversion.accounts.policy import visible
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases.models import Referral


def referral_queue(actor, *, limit: int = 100) -> list[Referral]:
    """Referrals to the user's provider whose case awaits the provider, oldest first."""
    with transaction.atomic():
        referrals = list(
            visible(actor, Referral)
            .filter(case__status="referred")
            .select_related("case__person", "case__offence__offence_code", "case__disposal")
            .order_by("referred_at", "id")[:limit])
        if referrals:
            record(actor=actor, operation=Operation.CONSULTATION,
                   justification="Provider referral queue",
                   subjects=[r.case.person for r in referrals])
    return referrals
