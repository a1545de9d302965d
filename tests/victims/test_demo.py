"""The victims demo works with whatever cases exist and is safe to re-run."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from diversion.accounts.models import User
from diversion.cases.models import Case, Offence
from diversion.victims.models import CaseVictim, Consultation, ContactLogEntry, FollowUp, Victim


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Victim, CaseVictim, Consultation,
                                                     ContactLogEntry, FollowUp))


def test_demo_victims_link_to_existing_cases_idempotently(db):
    call_command("demo_data", people=20, stdout=StringIO())
    assert Victim.objects.count() == 8 and not CaseVictim.objects.exists()  # no cases yet
    officer = User.objects.get(username="sgt.okafor")
    offences = Offence.objects.filter(force=officer.organisation, domestic_abuse=True)[:5]
    for index, offence in enumerate(offences):
        Case.objects.create(reference=f"DEMO-{index}", force=offence.force, person=offence.person,
                            offence=offence, programme_code="CARA", created_by=officer,
                            created_at=timezone.now() - timezone.timedelta(days=200))
    call_command("demo_data", people=20, stdout=StringIO())
    assert CaseVictim.objects.count() == len(offences)
    assert Consultation.objects.filter(is_draft=False).exists()
    assert Consultation.objects.filter(is_draft=True).exists()
    assert FollowUp.objects.exists()
    before = _counts()
    call_command("demo_data", people=20, stdout=StringIO())
    assert _counts() == before
