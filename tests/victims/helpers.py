"""Victims test helpers: cases, partnerships and victims on top of the shared cast."""

from __future__ import annotations

from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.cases.models import Case
from diversion.victims.models import CaseVictim, ServedForce, Victim
from tests.factories import make_offence, make_person


def make_case(force, officer, ref: str, **extra) -> Case:
    person = make_person(force, f"P-{ref}")
    offence = make_offence(person, f"CR/{ref}")
    fields = {"programme_code": "cara", "created_at": timezone.now() - timezone.timedelta(days=30)}
    fields.update(extra)
    return Case.objects.create(reference=ref, force=force, person=person, offence=offence,
                               created_by=officer, **fields)


def serve(cast) -> None:
    """The home victim service works with the home force."""
    ServedForce.objects.get_or_create(victim_service=cast.orgs["victim_service"],
                                      force=cast.orgs["force"])


def make_victim(cast, case=None, **fields) -> Victim:
    values = {"given_name": "Alex", "family_name": "Victimson"}
    values.update(fields)
    victim = Victim.objects.create(victim_service=cast.orgs["victim_service"], **values)
    if case is not None:
        CaseVictim.objects.create(case=case, victim=victim, relationship="current_partner")
    return victim


def home_case(cast, ref: str = "TF-0001") -> Case:
    serve(cast)
    return make_case(cast.orgs["force"], cast.users[Role.DECISION_MAKER], ref)
