"""The victims demo works with whatever cases exist and is safe to re-run."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from diversion.victims.models import CaseVictim, Consultation, ContactLogEntry, FollowUp, Victim


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Victim, CaseVictim, Consultation,
                                                     ContactLogEntry, FollowUp))


def test_demo_victims_link_to_the_demo_cases_idempotently(db):
    call_command("demo_data", people=20, stdout=StringIO())
    assert Victim.objects.count() >= 8
    assert CaseVictim.objects.exists()
    assert Consultation.objects.filter(is_draft=False).exists()
    assert Consultation.objects.filter(is_draft=True).exists()
    assert FollowUp.objects.exists()
    before = _counts()
    call_command("demo_data", people=20, stdout=StringIO())
    assert _counts() == before
