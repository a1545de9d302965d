"""Builders for the caution-step tests: the victim service's consultation, a force's provider."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.programmes.models import ProgrammeProvider
from diversion.victims.models import CaseVictim, Consultation, Victim


def consult(cast, case, *, risk: bool = False, outcome: str = "supports") -> Consultation:
    """What the victim worker records ; police see only the outcome."""
    victim = Victim.objects.create(victim_service=cast.orgs["victim_service"],
                                   given_name="Vic", family_name="Tim")
    CaseVictim.objects.create(case=case, victim=victim, relationship="current_partner")
    return Consultation.objects.create(
        case=case, victim=victim, is_draft=False, views="Wants him to get help",
        consents_to_programme=True, risk_raised=risk, outcome=outcome,
        recorded_by=cast.users[Role.VICTIM_WORKER], completed_at=timezone.now())


def commission(cast, programme: str = "cara") -> None:
    """The force refers the programme to the home provider, from long before any test's
    caution, open-ended (as its administrator sets it on the Programmes page)."""
    ProgrammeProvider.objects.get_or_create(
        force=cast.orgs["force"], programme_code=programme,
        defaults={"provider": cast.orgs["provider"], "valid_from": date(2000, 1, 1)})
