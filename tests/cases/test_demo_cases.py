"""The demo data holds cases at every lifecycle stage and is safe to load twice."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from diversion.cases.lifecycle import Status
from diversion.cases.models import Case, CaseEvent
from diversion.disposals.models import Referral


def test_demo_cases_cover_every_stage_and_rerun_is_harmless(db):
    call_command("demo_data", people=10, stdout=StringIO())
    counts = (Case.objects.count(), CaseEvent.objects.count(), Referral.objects.count())
    call_command("demo_data", people=10, stdout=StringIO())
    assert counts == (Case.objects.count(), CaseEvent.objects.count(), Referral.objects.count())
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    assert Referral.objects.filter(provider__code="harbour-trust").exists()
